"""Every error code, over HTTP: status, envelope, Content-Type, and that nothing stored changed."""

from __future__ import annotations

import json

import httpx
import pytest

from tasktracker.config import MAX_BODY_BYTES

MISSING_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def assert_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["details"], list)
    assert err["correlationId"] == r.headers["X-Correlation-Id"]
    return err


def fields(err: dict) -> set[str]:
    return {d["field"] for d in err["details"]}


@pytest.fixture
def seeded(alice, snapshot):
    """Alice with a category holding a task, and what DynamoDB holds for her."""
    cat = alice.new_category("Seed")
    task = alice.new_task(categoryId=cat["categoryId"])
    return {"cat": cat, "task": task, "before": snapshot(alice.id)}


def unchanged(seeded, alice, snapshot):
    assert snapshot(alice.id) == seeded["before"]


def test_validation_error_names_every_bad_field(alice, seeded, snapshot):
    r = alice.post(
        "/tasks", json={"title": "", "priority": "urgent", "completed": "yes", "dueDate": "tomorrow", "taskId": "x"}
    )
    err = assert_error(r, 400, "VALIDATION_ERROR")
    assert {"body.title", "body.priority", "body.completed", "body.dueDate", "body.taskId"} <= fields(err)
    unchanged(seeded, alice, snapshot)


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "body.title"),
        ({"title": "   "}, "body.title"),
        ({"title": "x" * 201}, "body.title"),
        ({"title": "nul\u0000byte"}, "body.title"),
        ({"title": "t", "description": "d" * 2001}, "body.description"),
        ({"title": "t", "categoryId": "not-an-id"}, "body.categoryId"),
        ({"title": "t", "version": 3}, "body.version"),
        ({"title": "t", "createdAt": "2026-01-01T00:00:00Z"}, "body.createdAt"),
        ({"title": "t", "completed": 10**400}, "body.completed"),
        ({"title": ["t"]}, "body.title"),
        ({"title": "t", "dueDate": "2026-02-30T00:00:00Z"}, "body.dueDate"),
    ],
)
def test_bad_task_bodies_are_400(alice, seeded, snapshot, body, field):
    err = assert_error(alice.post("/tasks", json=body), 400, "VALIDATION_ERROR")
    assert field in fields(err)
    unchanged(seeded, alice, snapshot)


@pytest.mark.parametrize(
    "raw,content_type",
    [
        (b'{"title": ', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"title": NaN}', "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
        (b"null", "application/json"),
        (b"", "application/json"),
        (b'"just a string"', "application/json"),
    ],
)
def test_malformed_bodies_are_400(alice, seeded, snapshot, raw, content_type):
    r = alice.post("/tasks", content=raw, headers={"Content-Type": content_type})
    assert_error(r, 400, "VALIDATION_ERROR")
    unchanged(seeded, alice, snapshot)


def test_update_needs_at_least_one_field_and_rejects_server_fields(alice, seeded, snapshot):
    tid = seeded["task"]["taskId"]
    assert_error(alice.put(f"/tasks/{tid}", json={}), 400, "VALIDATION_ERROR")
    err = assert_error(alice.put(f"/tasks/{tid}", json={"version": 9, "updatedAt": "x"}), 400, "VALIDATION_ERROR")
    assert {"body.version", "body.updatedAt"} <= fields(err) or "body.updatedAt,version" in fields(err)
    unchanged(seeded, alice, snapshot)


@pytest.mark.parametrize(
    "params,field",
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
        ({"priority": "urgent"}, "query.priority"),
        ({"completed": "maybe"}, "query.completed"),
        ({"dueBefore": "yesterday"}, "query.dueBefore"),
        ({"categoryId": "x"}, "query.categoryId"),
        ({"unknown": "1"}, "query.unknown"),
    ],
)
def test_bad_query_parameters_are_400(alice, params, field):
    err = assert_error(alice.get("/tasks", params=params), 400, "VALIDATION_ERROR")
    assert field in fields(err)


def test_bad_path_id_is_400(alice):
    err = assert_error(alice.get("/tasks/not-an-id"), 400, "VALIDATION_ERROR")
    assert "path.taskId" in fields(err)


def test_invalid_cursor_is_400(alice, bob):
    for i in range(3):
        alice.new_task(f"t{i}")
    cursor = alice.get("/tasks", params={"limit": 1}).json()["nextCursor"]
    assert cursor
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    for who, params in [
        (alice, {"cursor": tampered}),
        (alice, {"cursor": "garbage"}),
        (alice, {"cursor": cursor, "priority": "high"}),  # other filters
        (bob, {"cursor": cursor}),  # another user's
    ]:
        assert_error(who.get("/tasks", params=params), 400, "INVALID_CURSOR")
    assert_error(alice.get("/categories", params={"cursor": cursor}), 400, "INVALID_CURSOR")


def test_unauthorized_without_or_with_unknown_key(server_url, seeded, alice, snapshot):
    for headers in ({}, {"x-api-key": "not-a-key"}, {"x-api-key": ""}):
        r = httpx.post(server_url + "/tasks", json={"title": "t"}, headers=headers)
        assert_error(r, 401, "UNAUTHORIZED")
        assert_error(httpx.get(server_url + f"/tasks/{seeded['task']['taskId']}", headers=headers), 401, "UNAUTHORIZED")
    unchanged(seeded, alice, snapshot)


def test_not_found_codes(alice, seeded, snapshot):
    assert_error(alice.get(f"/tasks/{MISSING_ID}"), 404, "TASK_NOT_FOUND")
    assert_error(alice.put(f"/tasks/{MISSING_ID}", json={"title": "x"}), 404, "TASK_NOT_FOUND")
    assert_error(alice.delete(f"/tasks/{MISSING_ID}"), 404, "TASK_NOT_FOUND")
    assert_error(alice.get(f"/categories/{MISSING_ID}"), 404, "CATEGORY_NOT_FOUND")
    assert_error(alice.put(f"/categories/{MISSING_ID}", json={"name": "x"}), 404, "CATEGORY_NOT_FOUND")
    assert_error(alice.delete(f"/categories/{MISSING_ID}"), 404, "CATEGORY_NOT_FOUND")
    assert_error(alice.get("/no/such/path"), 404, "NOT_FOUND")
    unchanged(seeded, alice, snapshot)


def test_method_not_allowed(alice, seeded, snapshot):
    assert_error(alice.delete("/tasks"), 405, "METHOD_NOT_ALLOWED")
    assert_error(alice.post(f"/tasks/{seeded['task']['taskId']}", json={"title": "x"}), 405, "METHOD_NOT_ALLOWED")
    unchanged(seeded, alice, snapshot)


def test_conflict_codes(alice, seeded, snapshot):
    assert_error(alice.delete(f"/categories/{seeded['cat']['categoryId']}"), 409, "CATEGORY_NOT_EMPTY")
    assert_error(alice.post("/categories", json={"name": "SEED", "color": "#000000"}), 409, "CATEGORY_NAME_TAKEN")
    unchanged(seeded, alice, snapshot)


def test_precondition_failed(alice, seeded, snapshot):
    tid, cid = seeded["task"]["taskId"], seeded["cat"]["categoryId"]
    for r in (
        alice.put(f"/tasks/{tid}", json={"title": "x"}, headers={"If-Match": '"7"'}),
        alice.put(f"/tasks/{tid}", json={"title": "x"}, headers={"If-Match": "garbage"}),
        alice.delete(f"/tasks/{tid}", headers={"If-Match": '"7"'}),
        alice.put(f"/categories/{cid}", json={"color": "#000000"}, headers={"If-Match": '"99"'}),
        alice.delete(f"/categories/{cid}", headers={"If-Match": '"99"'}),
        # A move (a transaction) is conditional too.
        alice.put(f"/tasks/{tid}", json={"categoryId": None}, headers={"If-Match": '"7"'}),
    ):
        err = assert_error(r, 412, "PRECONDITION_FAILED")
        assert r.headers.get("ETag")  # the current version, so the client can refetch or retry
        assert err
    unchanged(seeded, alice, snapshot)


def test_non_ascii_digits_in_if_match_are_412_not_500(alice, seeded, snapshot):
    """uvicorn decodes header bytes as latin-1: the byte 0xB2 arrives as "²", which str.isdigit() accepts and
    int() refuses (found by review: a 500 from bad input)."""
    tid = seeded["task"]["taskId"]
    for raw in (b'"\xb2"', b"\xb2", b'W/"\xb9"'):
        r = alice.put(f"/tasks/{tid}", json={"title": "x"}, headers=[(b"If-Match", raw)])
        assert_error(r, 412, "PRECONDITION_FAILED")
    unchanged(seeded, alice, snapshot)


def test_payload_too_large(alice, seeded, snapshot):
    big = json.dumps({"title": "t", "description": "x" * (MAX_BODY_BYTES + 10)})
    assert_error(
        alice.post("/tasks", content=big, headers={"Content-Type": "application/json"}), 413, "PAYLOAD_TOO_LARGE"
    )
    one_mb = b'{"title": "' + b"a" * 1_000_000 + b'"}'
    assert_error(
        alice.post("/tasks", content=one_mb, headers={"Content-Type": "application/json"}), 413, "PAYLOAD_TOO_LARGE"
    )

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"title": "'
        for _ in range(20):
            yield b"a" * 10_000
        yield b'"}'

    r = alice.post("/tasks", content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")
    unchanged(seeded, alice, snapshot)


def test_unsupported_media_type(alice, seeded, snapshot):
    r = alice.post("/tasks", content=b"title=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert_error(
        alice.post("/tasks", content=b"x", headers={"Content-Type": "text/plain"}), 415, "UNSUPPORTED_MEDIA_TYPE"
    )
    unchanged(seeded, alice, snapshot)


def test_unknown_category_is_422(alice, seeded, snapshot):
    assert_error(alice.post("/tasks", json={"title": "t", "categoryId": MISSING_ID}), 422, "UNKNOWN_CATEGORY")
    r = alice.put(f"/tasks/{seeded['task']['taskId']}", json={"categoryId": MISSING_ID})
    assert_error(r, 422, "UNKNOWN_CATEGORY")
    unchanged(seeded, alice, snapshot)


def test_correlation_id_echoed_when_sane_else_generated(alice):
    r = alice.get("/tasks", headers={"X-Correlation-Id": "req-123:abc"})
    assert r.headers["X-Correlation-Id"] == "req-123:abc"
    r = alice.get(f"/tasks/{MISSING_ID}", headers={"X-Correlation-Id": "bad id\twith spaces"})
    assert r.headers["X-Correlation-Id"] != "bad id\twith spaces"
    assert r.json()["error"]["correlationId"] == r.headers["X-Correlation-Id"]


def test_cors_on_success_error_and_preflight(alice, server_url):
    origin = {"Origin": "https://app.example"}
    ok = alice.get("/tasks", headers=origin)
    err = alice.get(f"/tasks/{MISSING_ID}", headers=origin)
    unauth = httpx.get(server_url + "/tasks", headers=origin)
    for r in (ok, err, unauth):
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in r.headers["Access-Control-Expose-Headers"]
    for path in ("/tasks", f"/tasks/{MISSING_ID}", "/categories", f"/categories/{MISSING_ID}"):
        r = httpx.options(
            server_url + path,
            headers={
                **origin,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "x-api-key,if-match,x-correlation-id",
            },
        )
        assert r.status_code == 200, path
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        allowed = r.headers["Access-Control-Allow-Headers"].lower()
        assert {"x-api-key", "if-match", "x-correlation-id"} <= set(h.strip() for h in allowed.split(","))
