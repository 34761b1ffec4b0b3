"""Storage faults injected into a real botocore client (on DynamoDB Local): clear 5xx/409, nothing half-done."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from starlette.testclient import TestClient

from tasktracker import wiring
from tasktracker.app import create_app
from tasktracker.config import Settings
from tasktracker.store.client import DYNAMODB_CONFIG

KEY, USER = "fault-key", "fault-user"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any):
        yield self.body

    def read(self, *_: Any) -> bytes:
        return self.body


def dynamodb_error(status: int, type_: str, message: str, **extra: Any):
    """A before-send hook that answers like DynamoDB would, so botocore's own parsing and retries run."""
    calls = []

    def hook(request, **_):
        calls.append(request.url)
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{type_}", "message": message, **extra}).encode()
        return AWSResponse(request.url, status, {"x-amzn-RequestId": "fault"}, _Raw(body))

    hook.calls = calls
    return hook


@pytest.fixture
def app_with_client(dynamodb_endpoint, monkeypatch):
    """The in-process app on a client the test can fault."""

    def make(endpoint: str = dynamodb_endpoint):
        client = boto3.client("dynamodb", endpoint_url=endpoint, config=DYNAMODB_CONFIG)
        monkeypatch.setattr(wiring, "dynamodb_client", lambda: client)
        settings = Settings(api_keys={KEY: USER}, cursor_secret="fault-secret-0123456789abcdef")
        http = TestClient(create_app(settings), headers={"x-api-key": KEY}, raise_server_exceptions=False)
        return http, client

    yield make
    wiring.configure(Settings.from_env())


def test_throttling_is_503_with_retry_after_after_botocore_retries(app_with_client, snapshot):
    http, client = app_with_client()
    before = snapshot(USER)
    hook = dynamodb_error(400, "ProvisionedThroughputExceededException", "slow down")
    client.meta.events.register("before-send.dynamodb.PutItem", hook)
    r = http.post("/tasks", json={"title": "t"})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "SERVICE_UNAVAILABLE" and r.headers["Retry-After"] == "1"
    assert len(hook.calls) == 3  # botocore retried (standard mode, 3 attempts), then we answered
    assert snapshot(USER) == before


def test_dynamodb_5xx_is_503(app_with_client):
    http, client = app_with_client()
    client.meta.events.register("before-send.dynamodb.Query", dynamodb_error(500, "InternalServerError", "boom"))
    r = http.get("/tasks")
    assert r.status_code == 503 and r.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


def test_unreachable_dynamodb_is_503(app_with_client):
    http, _ = app_with_client("http://127.0.0.1:9")  # nothing listens on the discard port
    r = http.get("/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert r.status_code == 503 and r.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Retry-After" in r.headers


def test_unexpected_storage_error_is_500_without_internals(app_with_client, snapshot):
    http, client = app_with_client()
    before = snapshot(USER)
    client.meta.events.register(
        "before-send.dynamodb.PutItem", dynamodb_error(400, "ValidationException", "SECRET internal table detail")
    )
    r = http.post("/tasks", json={"title": "t"})
    assert r.status_code == 500
    err = r.json()["error"]
    assert err["code"] == "INTERNAL_ERROR" and err["correlationId"] == r.headers["X-Correlation-Id"]
    assert "SECRET" not in r.text and "Traceback" not in r.text and "dynamo" not in r.text.lower()
    assert snapshot(USER) == before


def test_transaction_conflicts_retried_then_409_and_nothing_written(app_with_client, snapshot):
    http, client = app_with_client()
    cat = http.post("/categories", json={"name": "C", "color": "#000000"}).json()
    before = snapshot(USER)
    hook = dynamodb_error(
        400,
        "TransactionCanceledException",
        "Transaction cancelled",
        CancellationReasons=[{"Code": "None"}, {"Code": "TransactionConflict", "Message": "conflict"}],
    )
    client.meta.events.register("before-send.dynamodb.TransactWriteItems", hook)
    r = http.post("/tasks", json={"title": "t", "categoryId": cat["categoryId"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CONFLICT"
    assert len(hook.calls) == 3  # our own retries: botocore never retries a cancelled transaction
    assert snapshot(USER) == before


def lose_first_answer(client, operation: str) -> list[int]:
    """Make botocore re-send `operation` once after it succeeded, as after a read timeout or a dropped answer."""
    sent: list[int] = []

    def hook(attempts, response, **_):
        sent.append(attempts)
        return 0 if attempts == 1 and response is not None and response[0].status_code == 200 else None

    client.meta.events.register_first(f"needs-retry.dynamodb.{operation}", hook)
    return sent


def stored_tasks(snapshot) -> dict[str, dict]:
    """The user's tasks as DynamoDB holds them (conftest's snapshot), by id."""
    return {i["taskId"]["S"]: i for i in snapshot(USER)["Tasks"]}


def fail_after_first(client, operation: str, status: int, type_: str) -> list[int]:
    """The first `operation` call reaches DynamoDB; every later one is answered with this error. Returns the calls."""
    calls: list[int] = []

    def hook(request, **_):
        calls.append(1)
        return dynamodb_error(status, type_, "fault")(request) if len(calls) > 1 else None

    client.meta.events.register(f"before-send.dynamodb.{operation}", hook)
    return calls


def test_transaction_whose_answer_was_lost_is_applied_once_when_botocore_retries(app_with_client, snapshot):
    """A transaction that succeeded but whose answer never arrived is sent again by botocore; the
    ClientRequestToken botocore fills in makes DynamoDB answer the retry without applying it a second time."""
    http, client = app_with_client()
    cat = http.post("/categories", json={"name": "Once", "color": "#000000"}).json()
    task = http.post("/tasks", json={"title": "t"}).json()
    sent = lose_first_answer(client, "TransactWriteItems")
    r = http.put(f"/tasks/{task['taskId']}", json={"categoryId": cat["categoryId"]})  # task + category count
    assert r.status_code == 200, r.text
    assert sent == [1, 2]  # botocore did send it twice
    assert r.json()["version"] == 2
    stored = stored_tasks(snapshot)[task["taskId"]]
    assert stored["version"] == {"N": "2"} and stored["categoryId"] == {"S": cat["categoryId"]}
    assert http.get(f"/categories/{cat['categoryId']}").json()["taskCount"] == 1


@pytest.mark.parametrize("if_match", [None, '"1"'])
def test_update_whose_answer_was_lost_is_applied_once_when_botocore_retries(app_with_client, snapshot, if_match):
    """The same for the one-request update: its write token lets the retry recognise its own write (before:
    version bumped twice without If-Match, 412 with it, though the change was stored)."""
    http, client = app_with_client()
    task = http.post("/tasks", json={"title": "t"}).json()
    sent = lose_first_answer(client, "UpdateItem")
    headers = {"If-Match": if_match} if if_match else {}
    r = http.put(f"/tasks/{task['taskId']}", json={"title": "once"}, headers=headers)
    assert sent == [1, 2]
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["title"] == "once" and r.headers["etag"] == '"2"'
    assert set(r.json()) == set(task)  # the token is storage only
    stored = stored_tasks(snapshot)[task["taskId"]]
    assert stored["version"] == {"N": "2"} and stored["title"] == {"S": "once"}


def test_create_whose_answer_was_lost_is_201_and_one_task(app_with_client, snapshot):
    """A re-sent put of a fresh id finds its own item (before: the failed condition was a 500)."""
    http, client = app_with_client()
    before = len(http.get("/tasks", params={"limit": 100}).json()["items"])
    sent = lose_first_answer(client, "PutItem")
    r = http.post("/tasks", json={"title": "born once"})
    assert sent == [1, 2]
    assert r.status_code == 201, r.text
    assert stored_tasks(snapshot)[r.json()["taskId"]]["title"] == {"S": "born once"}
    assert len(http.get("/tasks", params={"limit": 100}).json()["items"]) == before + 1


@pytest.mark.parametrize("fault", ["throttled", "answer lost"])
def test_batch_create_reports_exactly_the_tasks_it_wrote_when_a_chunk_fails(app_with_client, snapshot, fault):
    """30 tasks are two BatchWriteItem chunks (25 + 5). Review finding: when a chunk failed, all 30 were reported
    503 though 25 were stored, so the client's retry made duplicates. Now every stored task is 201 and every 503
    a task that does not exist. "throttled": the first chunk is written, the second throttled past botocore's
    retries. "answer lost": the first chunk is written but its answer lost and the re-sends meet 500s, so it is
    read back; the second chunk is never sent."""
    http, client = app_with_client()
    before = set(stored_tasks(snapshot))
    if fault == "answer lost":
        lose_first_answer(client, "BatchWriteItem")
        calls = fail_after_first(client, "BatchWriteItem", 500, "InternalServerError")
    else:
        calls = fail_after_first(client, "BatchWriteItem", 400, "ProvisionedThroughputExceededException")
    r = http.post("/tasks/batch", json={"tasks": [{"title": f"t{i}"} for i in range(30)]})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    created = {x["taskId"] for x in results if x["status"] == 201}
    failed = [x for x in results if x["status"] != 201]
    assert set(stored_tasks(snapshot)) - before == created
    # throttled: chunk 1, then chunk 2's 3 attempts; answer lost: chunk 1's attempt and its 2 re-sends
    assert len(created) == 25 and len(calls) == (4 if fault == "throttled" else 3)
    assert all(x["status"] == 503 and x["error"]["code"] == "SERVICE_UNAVAILABLE" for x in failed) and len(failed) == 5


@pytest.mark.parametrize("action", ["complete", "delete"])
def test_bulk_chunk_committed_behind_an_error_is_answered_as_done_once(app_with_client, snapshot, action):
    """Review finding: a bulk transaction that committed, then failed to answer (its re-sends met 500s), was
    redone task by task: a second version for `complete`, 404s for tasks this request deleted. Now the chunk is
    read back: committed, so answered as done, once."""
    http, client = app_with_client()
    tasks = [http.post("/tasks", json={"title": f"t{i}"}).json() for i in range(3)]
    lose_first_answer(client, "TransactWriteItems")
    fail_after_first(client, "TransactWriteItems", 500, "InternalServerError")  # the re-sends meet 500s
    r = http.post("/tasks/bulk", json={"action": action, "taskIds": [t["taskId"] for t in tasks]})
    assert r.status_code == 200, r.text
    stored = stored_tasks(snapshot)
    if action == "delete":
        assert [x["status"] for x in r.json()["results"]] == [204] * 3
        assert not any(t["taskId"] in stored for t in tasks)
    else:
        assert [(x["status"], x["task"]["version"]) for x in r.json()["results"]] == [(200, 2)] * 3
        assert {stored[t["taskId"]]["version"]["N"] for t in tasks} == {"2"}


def test_bulk_chunk_throttled_is_redone_task_by_task(app_with_client, snapshot):
    """A throttled transaction did not commit (read back: every task as it was), so each task is done alone."""
    http, client = app_with_client()
    tasks = [http.post("/tasks", json={"title": f"t{i}"}).json() for i in range(3)]
    client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems",
        dynamodb_error(400, "ThrottlingException", "slow down"),
    )
    r = http.post("/tasks/bulk", json={"action": "complete", "taskIds": [t["taskId"] for t in tasks]})
    assert r.status_code == 200, r.text
    assert [(x["status"], x["task"]["version"]) for x in r.json()["results"]] == [(200, 2)] * 3
    assert {v["version"]["N"] for k, v in stored_tasks(snapshot).items() if k in {t["taskId"] for t in tasks}} == {"2"}


def test_idempotent_post_whose_answer_cannot_be_saved_is_answered_not_503(app_with_client, snapshot):
    """Review finding: when the Idempotency table failed to save a POST's answer (after the task was written), the
    POST answered 503, so the client retried it. Now the answer is given; a retry under the key meanwhile is 409
    REQUEST_IN_PROGRESS, not a second task."""
    http, client = app_with_client()
    before = set(stored_tasks(snapshot))

    def throttle_saving_the_answer(request, **_):  # Powertools saves the answer with an UpdateItem
        if b'"TableName": "Idempotency"' in request.body:
            return dynamodb_error(400, "ProvisionedThroughputExceededException", "slow down")(request)
        return None

    client.meta.events.register("before-send.dynamodb.UpdateItem", throttle_saving_the_answer)
    headers = {"Idempotency-Key": "save-fails-1"}
    first = http.post("/tasks", json={"title": "pay rent"}, headers=headers)
    assert first.status_code == 201, first.text
    assert set(stored_tasks(snapshot)) - before == {first.json()["taskId"]}
    again = http.post("/tasks", json={"title": "pay rent"}, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "REQUEST_IN_PROGRESS", again.text
    assert set(stored_tasks(snapshot)) - before == {first.json()["taskId"]}


def test_transaction_still_in_progress_is_503(app_with_client, snapshot):
    """A retry that meets its own first attempt still running cannot know the outcome: 503, retry later."""
    http, client = app_with_client()
    cat = http.post("/categories", json={"name": "Busy", "color": "#000000"}).json()
    before = snapshot(USER)
    client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems",
        dynamodb_error(400, "TransactionInProgressException", "in progress"),
    )
    r = http.post("/tasks", json={"title": "t", "categoryId": cat["categoryId"]})
    assert r.status_code == 503 and r.json()["error"]["code"] == "SERVICE_UNAVAILABLE", r.text
    assert snapshot(USER) == before


def test_transaction_throttled_is_503(app_with_client, snapshot):
    http, client = app_with_client()
    cat = http.post("/categories", json={"name": "T", "color": "#000000"}).json()
    task = http.post("/tasks", json={"title": "t"}).json()
    before = snapshot(USER)
    client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems",
        dynamodb_error(
            400,
            "TransactionCanceledException",
            "cancelled",
            CancellationReasons=[{"Code": "ThrottlingError"}, {"Code": "None"}],
        ),
    )
    r = http.put(f"/tasks/{task['taskId']}", json={"categoryId": cat["categoryId"]})
    assert r.status_code == 503 and r.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert snapshot(USER) == before


def test_one_json_log_line_per_request_without_the_api_key(app_with_client, captured_logs):
    http, _ = app_with_client()
    r = http.post("/tasks", json={"title": "logged"}, headers={"X-Correlation-Id": "log-test-1"})
    assert r.status_code == 201
    lines = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    assert KEY not in json.dumps(lines)
    access = [entry for entry in lines if entry.get("message") == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["correlation_id"] == "log-test-1" and entry["operation"] == "create_task"
    assert entry["user"] == USER and entry["status"] == 201 and entry["latency_ms"] >= 0
    assert all(line.get("correlation_id") == "log-test-1" for line in lines)
