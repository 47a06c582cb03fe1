"""The undo queue: an upload's leads listed, then undone in batches, with partial batch failure reporting."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.observability import logger, metrics, tracer
from easycrm.undo.messages import UndoMessage

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def handle_record(record: SQSRecord) -> None:
    message = UndoMessage.from_body(record.json_body)
    undoer = wiring.import_undoer()
    try:
        undoer.handle(message)
    except Exception as error:
        receive_count = int(record.attributes.approximate_receive_count or 1)
        if receive_count >= wiring.settings().max_receive_count:
            logger.exception("Undo message out of retries", extra={"uploadId": message.upload_id})
            undoer.account_as_failed(message)
        else:
            logger.warning("Undo message failed; SQS delivers it again", exc_info=True)
        raise error


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
