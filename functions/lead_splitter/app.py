"""S3 ObjectCreated on uploads/ → read every worksheet and queue the rows in batches."""

from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict:
    outcomes = {}
    for record in event.records:
        key = unquote_plus(record.s3.get_object.key)  # S3 events carry the key URL-encoded
        if record.s3.bucket.name != wiring.settings().upload_bucket:
            logger.warning("Event for another bucket ignored", extra={"bucket": record.s3.bucket.name})
            continue
        outcomes[key] = wiring.splitter().split(key)
    return {"outcomes": outcomes}
