"""Server bugs Schemathesis found, each pinned by a plain test over HTTP (local server, DynamoDB Local)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _allow(response) -> set[str]:
    return {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}


def test_due_date_before_year_1000_is_zero_padded(alice):
    # ST108: strftime("%Y") wrote "144-09-27T...", which is no date-time (and sorted after "2026-...").
    task = alice.new_task(dueDate="0144-09-27T16:42:24Z")
    assert task["dueDate"] == "0144-09-27T16:42:24.000Z"
    assert alice.get(f"/tasks/{task['taskId']}").json()["dueDate"] == "0144-09-27T16:42:24.000Z"
    later = alice.new_task(dueDate="2026-01-01T00:00:00Z")
    due_before = alice.get("/tasks", params={"dueBefore": "1000-01-01T00:00:00Z"}).json()["items"]
    assert [t["taskId"] for t in due_before] == [task["taskId"]]
    assert later["taskId"] not in {t["taskId"] for t in due_before}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/tasks", {"GET", "POST"}),
        ("PATCH", "/tasks", {"GET", "POST"}),
        ("OPTIONS", "/tasks/01M8D602MJETQJG83F0BZ0E5XR", {"GET", "PUT", "DELETE"}),
        ("PATCH", "/categories/01M8D602MJETQJG83F0BZ0E5XR", {"GET", "PUT", "DELETE"}),
        ("DELETE", "/categories", {"GET", "POST"}),
    ],
)
def test_405_allow_lists_every_method_of_the_path(alice, method, path, allowed):
    # ST205: Starlette's 405 named only the first route's methods (Allow: POST on /tasks).
    r = alice.request(method, path)
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert _allow(r) == allowed


def test_cors_preflight_is_still_answered(alice):
    r = alice.options("/tasks", headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/tasks/batch", "/tasks/bulk", "/tasks/clear-completed"])
def test_undeclared_method_on_a_concrete_path_is_405_not_a_bad_task_id(alice, path):
    # ST204: PUT /tasks/batch was routed to PUT /tasks/{taskId} and answered 400 ('batch' is no id).
    r = alice.put(path, json={"title": "x"})
    assert r.status_code == 405, r.text
    assert _allow(r) == {"POST"}
    assert alice.delete(path).status_code == 405


def test_per_item_errors_carry_the_correlation_id(alice):
    # ST108: per-item `error` objects lacked correlationId, which ErrorBody requires.
    r = alice.post("/tasks/bulk", json={"action": "delete", "taskIds": ["0123456789ABCDEFGHJKMNPQRS"]},
                   headers={"X-Correlation-Id": "bulk-check-1"})
    assert r.status_code == 200, r.text
    [item] = r.json()["results"]
    assert item["status"] == 404 and item["error"]["code"] == "TASK_NOT_FOUND"
    assert item["error"]["correlationId"] == "bulk-check-1"
    r = alice.post("/tasks/batch", json={"tasks": [{"title": "t", "categoryId": "0123456789ABCDEFGHJKMNPQRS"}]})
    [item] = r.json()["results"]
    assert item["error"]["code"] == "UNKNOWN_CATEGORY"
    assert item["error"]["correlationId"] == r.headers["X-Correlation-Id"]
