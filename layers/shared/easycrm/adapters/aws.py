"""boto3 clients, created once per process.

Endpoints come from the standard AWS configuration (`AWS_ENDPOINT_URL` and friends), so the same
code talks to AWS in a Lambda and to the embedded moto server locally.
"""

from __future__ import annotations

from functools import cache

import boto3
import botocore
from botocore.config import Config

_CONFIG = Config(
    signature_version="s3v4",
    retries={"max_attempts": 8, "mode": "adaptive"},
    max_pool_connections=32,
)
# The import calls DynamoDB through this client once or more per row, so two of botocore's per-call costs
# are dropped: the client-side check of every parameter against the API model (DynamoDB validates each
# request itself, and the repositories build theirs in code), and a User-Agent rebuilt from a dozen
# sanitized components twice per call (a fixed one instead; it still names botocore's version).
_DYNAMODB_CLIENT_CONFIG = _CONFIG.merge(
    Config(parameter_validation=False, user_agent=f"easycrm Botocore/{botocore.__version__}")
)


@cache
def client(service: str):
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def dynamodb_table(name: str):
    return boto3.session.Session().resource("dynamodb", config=_CONFIG).Table(name)


@cache
def dynamodb_client():
    """The low-level DynamoDB client of the per-row paths (values typed by `adapters.dynamodb_items`): the
    resource layer deep-copies and walks every request and response to convert values, a sixth more CPU
    per call."""
    return boto3.session.Session().client("dynamodb", config=_DYNAMODB_CLIENT_CONFIG)


def reset_clients() -> None:
    """Forget cached clients (the local stack calls this after pointing the process at moto)."""
    client.cache_clear()
    dynamodb_table.cache_clear()
    dynamodb_client.cache_clear()
