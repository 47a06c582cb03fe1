"""The backstop: closes uploads the splitter gave up on (its on-failure destination) and, on a schedule,
every upload that stopped making progress, with every row accounted."""

import json

from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "Records" in event:  # SQS: records of the splitter's failed asynchronous invocations
        closed: dict[str, str] = {}
        for record in event["Records"]:
            closed.update(wiring.sweeper().split_failed(json.loads(record["body"])))
        return {"closed": closed}
    return {"closed": wiring.sweeper().sweep()}  # EventBridge schedule
