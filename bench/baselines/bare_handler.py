"""Baseline 1.00x: a bare Lambda handler. boto3 client at init, dispatch on the API Gateway resource, the same
DynamoDB calls as the TaskTracker function, a JSON answer. No framework, no validation, no logging, no tracing."""

import json

import boto3
import ddb_calls
from botocore.config import Config

client = boto3.client(
    "dynamodb", config=Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})
)


def handler(event, context):
    operation = ddb_calls.ROUTES[(event["httpMethod"], event["resource"])]
    user = event["requestContext"]["identity"]["apiKeyId"]
    id_ = next(iter((event.get("pathParameters") or {}).values()), None)
    body = json.loads(event["body"]) if event.get("body") else None
    status, answer = operation(client, user, id_, body)
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(answer) if answer is not None else "",
        "isBase64Encoded": False,
    }
