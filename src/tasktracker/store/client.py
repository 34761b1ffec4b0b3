"""One DynamoDB client per process, with timeouts and retries that fit inside API Gateway's 29 s."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

# botocore's defaults (60 s read timeout, legacy retries) can outlast the gateway; a stuck or throttled table
# must become our 503 + Retry-After instead of a gateway 504.
DYNAMODB_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "total_max_attempts": 3},
    tcp_keepalive=True,
)


@functools.cache
def dynamodb_client() -> Any:
    # The endpoint comes from the standard AWS_ENDPOINT_URL_DYNAMODB when set (DynamoDB Local, sam local).
    return boto3.client("dynamodb", config=DYNAMODB_CONFIG)
