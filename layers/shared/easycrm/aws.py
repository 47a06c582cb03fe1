"""boto3 clients, created once per process.

Endpoints come from the standard AWS configuration (`AWS_ENDPOINT_URL` and friends), so the same
code talks to AWS in a Lambda and to the embedded moto server locally.
"""

from __future__ import annotations

from functools import cache

import boto3
from botocore.config import Config

_CONFIG = Config(
    signature_version="s3v4",
    retries={"max_attempts": 8, "mode": "adaptive"},
    max_pool_connections=32,
)


@cache
def client(service: str):
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def dynamodb_table(name: str):
    return boto3.session.Session().resource("dynamodb", config=_CONFIG).Table(name)


def reset_clients() -> None:
    """Forget cached clients (the local stack calls this after pointing the process at moto)."""
    client.cache_clear()
    dynamodb_table.cache_clear()
