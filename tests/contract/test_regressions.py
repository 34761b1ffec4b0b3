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
