"""Every operation through the Lambda handler, with real API Gateway REST proxy event shapes."""

from __future__ import annotations

import json

from tasktracker import wiring
from tasktracker.config import Settings


def header(resp, name):
    for k, v in (resp.get("headers") or {}).items():
        if k.lower() == name.lower():
            return v
    for k, v in (resp.get("multiValueHeaders") or {}).items():
        if k.lower() == name.lower():
            return v[0]
    return None


def test_every_operation_through_the_handler(invoke, key_id, ddb):
    r = invoke("create_category", api_key_id=key_id)
    assert r["statusCode"] == 201, r
    cat = r["json"]
    assert header(r, "Location") == f"/categories/{cat['categoryId']}"
    assert header(r, "Content-Type") == "application/json"
    cpath = f"/categories/{cat['categoryId']}"

    r = invoke("create_task", api_key_id=key_id, body={"title": "Buy milk", "categoryId": cat["categoryId"]})
    assert r["statusCode"] == 201, r
    task = r["json"]
    assert header(r, "ETag") == '"1"'
    tpath = f"/tasks/{task['taskId']}"
    stored = ddb.get_item(TableName="Tasks", Key={"userId": {"S": key_id}, "taskId": {"S": task["taskId"]}})
    assert stored["Item"]["title"]["S"] == "Buy milk"  # the user is the API key's id

    r = invoke("get_task", api_key_id=key_id, path=tpath)
    assert r["statusCode"] == 200 and r["json"] == task

    r = invoke("list_tasks", api_key_id=key_id)
    assert r["statusCode"] == 200 and [t["taskId"] for t in r["json"]["items"]] == [task["taskId"]]

    r = invoke("update_task", api_key_id=key_id, path=tpath, body={"completed": True}, headers={"If-Match": '"1"'})
    assert r["statusCode"] == 200 and r["json"]["completed"] is True and header(r, "ETag") == '"2"'

    r = invoke("get_category", api_key_id=key_id, path=cpath)
    assert r["statusCode"] == 200 and r["json"]["taskCount"] == 1

    r = invoke("list_categories", api_key_id=key_id)
    assert r["statusCode"] == 200 and [c["categoryId"] for c in r["json"]["items"]] == [cat["categoryId"]]

    r = invoke("update_category", api_key_id=key_id, path=cpath, body={"name": "Chores"})
    assert r["statusCode"] == 200 and r["json"]["name"] == "Chores"

    r = invoke("delete_category", api_key_id=key_id, path=cpath)
    assert r["statusCode"] == 409 and r["json"]["error"]["code"] == "CATEGORY_NOT_EMPTY"

    r = invoke("delete_task", api_key_id=key_id, path=tpath)
    assert r["statusCode"] == 204 and not r["body"]

    r = invoke("delete_category", api_key_id=key_id, path=cpath)
    assert r["statusCode"] == 204
    assert (
        ddb.query(
            TableName="Tasks", KeyConditionExpression="userId = :u", ExpressionAttributeValues={":u": {"S": key_id}}
        )["Count"]
        == 0
    )


def test_batch_bulk_and_clear_completed_through_the_handler(invoke, key_id, ddb):
    """The three many-task operations, from events/ as committed (bodies replaced where ids are needed)."""
    r = invoke("batch_create_tasks", api_key_id=key_id)  # the committed body: two tasks
    assert r["statusCode"] == 200, r
    results = r["json"]["results"]
    assert [x["status"] for x in results] == [201, 201]
    ids = [x["taskId"] for x in results]

    key = {"Idempotency-Key": "handler-bulk-1"}
    body = {"action": "complete", "taskIds": ids}
    r = invoke("bulk_update_tasks", api_key_id=key_id, body=body, headers=key)
    assert r["statusCode"] == 200, r
    assert [(x["status"], x["task"]["completed"]) for x in r["json"]["results"]] == [(200, True)] * 2
    replay = invoke("bulk_update_tasks", api_key_id=key_id, body=body, headers=key)
    assert replay["json"] == r["json"] and header(replay, "Idempotent-Replayed") == "true"

    r = invoke("bulk_update_tasks", api_key_id=key_id)  # the committed body: an id this user does not have
    assert r["statusCode"] == 200 and [x["status"] for x in r["json"]["results"]] == [404]

    r = invoke("clear_completed_tasks", api_key_id=key_id)
    assert r["statusCode"] == 200 and r["json"] == {"deleted": 2, "more": False}, r
    left = ddb.query(
        TableName="Tasks", KeyConditionExpression="userId = :u", ExpressionAttributeValues={":u": {"S": key_id}}
    )
    assert left["Count"] == 0


def test_base64_body_without_content_length(invoke, key_id):
    r = invoke("create_task", api_key_id=key_id, body={"title": "från base64 ✓"}, base64_body=True)
    assert r["statusCode"] == 201, r
    assert r["json"]["title"] == "från base64 ✓"


def test_sample_event_as_committed_works(invoke, key_id):
    # events/create_task.json exactly as committed (what `sam local invoke -e` would send).
    r = invoke("create_task", api_key_id=key_id)
    assert r["statusCode"] == 201 and r["json"]["priority"] == "high"
    assert r["json"]["dueDate"] == "2026-12-01T09:00:00.000Z"


def test_multi_value_query_strings_and_filters(invoke, key_id):
    for prio in ("low", "high", "high"):
        assert invoke("create_task", api_key_id=key_id, body={"title": "t", "priority": prio})["statusCode"] == 201
    r = invoke("list_tasks", api_key_id=key_id, query={"priority": ["high"], "limit": ["1"]})
    assert r["statusCode"] == 200 and len(r["json"]["items"]) == 1 and r["json"]["nextCursor"]
    r2 = invoke(
        "list_tasks",
        api_key_id=key_id,
        query={"priority": ["high"], "limit": ["1"], "cursor": [r["json"]["nextCursor"]]},
    )
    assert r2["statusCode"] == 200 and len(r2["json"]["items"]) == 1 and r2["json"]["nextCursor"] is None
    assert r2["json"]["items"][0]["taskId"] != r["json"]["items"][0]["taskId"]


def test_missing_api_key_id_is_401_even_with_a_key_header(invoke):
    r = invoke("list_tasks", api_key_id=None)
    assert r["statusCode"] == 401 and r["json"]["error"]["code"] == "UNAUTHORIZED"


def test_local_key_map_only_when_explicitly_configured(invoke, monkeypatch):
    """sam local fills no apiKeyId; only the explicit local-only setting maps x-api-key to a user."""
    monkeypatch.setenv("TASKTRACKER_LOCAL_LAMBDA_API_KEYS", "EXAMPLEKEYabcdefghijklmnopqrstuvwxyz0123:sam-user")
    wiring.configure(Settings.from_env())
    r = invoke("list_tasks", api_key_id=None)
    assert r["statusCode"] == 200
    r = invoke("list_tasks", api_key_id=None, headers={"x-api-key": "some-other-key"})
    assert r["statusCode"] == 401


def test_errors_through_the_handler(invoke, key_id):
    r = invoke("create_task", api_key_id=key_id, raw_body=b"\xff\xfe not utf-8", base64_body=True)
    assert r["statusCode"] == 400 and r["json"]["error"]["code"] == "VALIDATION_ERROR"
    r = invoke("create_task", api_key_id=key_id, raw_body=b'{"title": ')
    assert r["statusCode"] == 400
    r = invoke("create_task", api_key_id=key_id, raw_body=json.dumps({"title": "x" * 70000}).encode())
    assert r["statusCode"] == 413 and r["json"]["error"]["code"] == "PAYLOAD_TOO_LARGE"
    r = invoke("get_task", api_key_id=key_id, path="/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert r["statusCode"] == 404 and r["json"]["error"]["code"] == "TASK_NOT_FOUND"
    # API Gateway's request id is the correlation id when the caller sent none.
    assert r["json"]["error"]["correlationId"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert header(r, "X-Correlation-Id") == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    r = invoke(
        "get_task", api_key_id=key_id, path="/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers={"X-Correlation-Id": "mine-1"}
    )
    assert r["json"]["error"]["correlationId"] == "mine-1"


def test_cross_tenant_through_the_handler(invoke, key_id):
    task = invoke("create_task", api_key_id=key_id, body={"title": "mine"})["json"]
    r = invoke("get_task", api_key_id=key_id + "x", path=f"/tasks/{task['taskId']}")
    assert r["statusCode"] == 404
    r = invoke("delete_task", api_key_id=key_id + "x", path=f"/tasks/{task['taskId']}")
    assert r["statusCode"] == 404
    assert invoke("get_task", api_key_id=key_id, path=f"/tasks/{task['taskId']}")["statusCode"] == 200


def test_emf_metrics_and_trace_annotations_per_request(invoke, key_id, capsys, monkeypatch):
    from tasktracker import observability

    annotations = []
    monkeypatch.setattr(observability.tracer, "put_annotation", lambda k, v: annotations.append((k, v)))
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    capsys.readouterr()
    assert invoke("create_task", api_key_id=key_id)["statusCode"] == 201
    assert invoke("get_task", api_key_id=key_id, path="/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV")["statusCode"] == 404
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    requests = [b for b in blobs if "Requests" in b]
    assert [(b["operation"], b["outcome"], b["Requests"]) for b in requests] == [
        ("create_task", "success", [1.0]),
        ("get_task", "client_error", [1.0]),
    ]
    namespace = requests[0]["_aws"]["CloudWatchMetrics"][0]
    assert namespace["Namespace"] == "TaskTracker" and ["service", "operation", "outcome"] in namespace["Dimensions"]
    assert any("Latency" in b for b in blobs)
    assert ("operation", "create_task") in annotations and ("status", 404) in annotations
