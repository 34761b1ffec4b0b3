"""Drive the Lambda handler with API Gateway REST proxy events built from events/*.json."""

from __future__ import annotations

import base64
import copy
import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from tasktracker import wiring
from tasktracker.config import Settings

EVENTS = Path(__file__).resolve().parents[2] / "events"


class FakeContext:
    function_name = "TaskTrackerFunction"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:TaskTrackerFunction"
    memory_limit_in_mb = 512
    aws_request_id = "0e1f2a3b-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/TaskTrackerFunction"
    log_stream_name = "2026/11/27/[$LATEST]0123456789"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def make_event(
    name: str,
    *,
    api_key_id: str | None,
    path: str | None = None,
    body: Any = None,
    raw_body: bytes | None = None,
    base64_body: bool = False,
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))
    if path is not None:
        event["path"] = path
        event["requestContext"]["path"] = "/dev" + path
        if event["pathParameters"]:
            key = next(iter(event["pathParameters"]))
            event["pathParameters"][key] = path.rsplit("/", 1)[1]
    if raw_body is None and body is not None:
        raw_body = json.dumps(body).encode()
    if raw_body is not None:
        event["body"] = (
            base64.b64encode(raw_body).decode() if base64_body else raw_body.decode("utf-8", "surrogateescape")
        )
        event["isBase64Encoded"] = base64_body
    if query is not None:
        event["multiValueQueryStringParameters"] = query or None
        event["queryStringParameters"] = {k: v[-1] for k, v in query.items()} or None
    for k, v in (headers or {}).items():
        event["headers"][k] = v
        event["multiValueHeaders"][k] = [v]
    event["requestContext"]["identity"]["apiKeyId"] = api_key_id
    return event


@pytest.fixture
def lambda_env(dynamodb_endpoint, monkeypatch):
    """Environment as template.yaml gives it to each function."""
    monkeypatch.setenv("TASKS_TABLE", "Tasks")
    monkeypatch.setenv("CATEGORIES_TABLE", "Categories")
    monkeypatch.setenv("CURSOR_SECRET", "lambda-test-secret-0123456789abcdef")
    monkeypatch.delenv("TASKTRACKER_API_KEYS", raising=False)
    monkeypatch.delenv("TASKTRACKER_LOCAL_LAMBDA_API_KEYS", raising=False)
    wiring.configure(Settings.from_env())
    yield
    wiring.configure(Settings.from_env())


@pytest.fixture
def invoke(lambda_env):
    from tasktracker import handler

    def call(name: str, **kwargs: Any) -> dict[str, Any]:
        response = handler.handler(make_event(name, **kwargs), FakeContext())
        response["json"] = json.loads(response["body"]) if response.get("body") else None
        return response

    return call


@pytest.fixture
def key_id() -> str:
    """A fresh API Gateway key id: the user id of a deployed caller."""
    return "k" + secrets.token_hex(5)
