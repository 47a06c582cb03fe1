"""SQS batches of rows → standardized, de-duplicated leads, with partial batch failure reporting."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.observability import logger, metrics, tracer

# Report every failed record, even when all of them failed, instead of raising.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def handle_record(record: SQSRecord) -> None:
    message = wiring.batch_importer().read_message(record.json_body)
    try:
        wiring.batch_importer().process(message)
    except Exception as error:
        receive_count = int(record.attributes.approximate_receive_count or 1)
        if receive_count >= wiring.settings().max_receive_count:
            logger.exception("Batch out of retries; counted as failed", extra={"uploadId": message.upload_id})
            wiring.batch_importer().account_as_failed(message, f"Processing failed after {receive_count} attempts")
        else:
            logger.warning("Batch failed; SQS delivers it again", exc_info=True, extra={"uploadId": message.upload_id})
        raise error


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
