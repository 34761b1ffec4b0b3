"""Idempotency-Key on every POST: replay, reuse with another body, in-flight duplicates, per-user scope."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest


@pytest.mark.parametrize(
    "path,body",
    [
        ("/tasks", {"title": "once"}),
        ("/categories", {"name": "Once", "color": "#123456"}),
        ("/tasks/batch", {"tasks": [{"title": "a"}, {"title": "b"}]}),
    ],
)
def test_same_key_same_body_replays_the_first_response(alice, snapshot, path, body):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = alice.post(path, json=body, headers=key)
    assert first.status_code in (200, 201)
    stored = snapshot(alice.id)
    again = alice.post(path, json=body, headers=key)
    assert again.status_code == first.status_code and again.json() == first.json()
    assert again.headers.get("Location") == first.headers.get("Location")
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert snapshot(alice.id) == stored  # nothing created twice


def test_same_key_other_body_is_422(alice, snapshot):
    key = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
    assert alice.post("/tasks", json={"title": "one"}, headers=key).status_code == 201
    before = snapshot(alice.id)
    r = alice.post("/tasks", json={"title": "two"}, headers=key)
    assert r.status_code == 422 and r.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert snapshot(alice.id) == before


def test_keys_are_scoped_per_user(alice, bob):
    key = {"Idempotency-Key": "shared-" + uuid.uuid4().hex}
    a = alice.post("/tasks", json={"title": "same"}, headers=key)
    b = bob.post("/tasks", json={"title": "same"}, headers=key)
    assert a.status_code == b.status_code == 201 and a.json()["taskId"] != b.json()["taskId"]
    assert "Idempotent-Replayed" not in b.headers


def test_failed_request_is_not_remembered(alice):
    key = {"Idempotency-Key": "retry-" + uuid.uuid4().hex}
    body = {"title": "t", "categoryId": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}
    assert alice.post("/tasks", json=body, headers=key).status_code == 422
    assert alice.post("/tasks", json=body, headers=key).json()["error"]["code"] == "UNKNOWN_CATEGORY"


def test_bad_key_is_400(alice):
    r = alice.post("/tasks", json={"title": "t"}, headers={"Idempotency-Key": "x" * 256})
    assert r.status_code == 400 and "header.Idempotency-Key" in {d["field"] for d in r.json()["error"]["details"]}


def test_concurrent_duplicate_is_409_request_in_progress(dynamodb_endpoint, monkeypatch, snapshot):
    """In-process, with the first request held inside the write so the duplicate arrives while it is in flight."""
    from starlette.testclient import TestClient

    from tasktracker import wiring
    from tasktracker.app import create_app
    from tasktracker.config import Settings

    user = "idem-" + uuid.uuid4().hex[:8]
    app = create_app(Settings(api_keys={"idem-key": user}, cursor_secret="idempotency-test-secret-0123456789"))
    entered, release = threading.Event(), threading.Event()
    original = wiring.services().tasks.create

    def slow_create(user_id, body):
        entered.set()
        release.wait(10)
        return original(user_id, body)

    monkeypatch.setattr(wiring.services().tasks, "create", slow_create)
    http = TestClient(app, headers={"x-api-key": "idem-key", "Idempotency-Key": "inflight-1"})
    try:
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(http.post, "/tasks", json={"title": "slow"})
            assert entered.wait(10)
            dup = http.post("/tasks", json={"title": "slow"})
            release.set()
            first = first.result()
        assert first.status_code == 201
        assert dup.status_code == 409 and dup.json()["error"]["code"] == "REQUEST_IN_PROGRESS"
        assert dup.headers["Retry-After"] == "1"
        time.sleep(0)  # the retry after the first finished replays it
        again = http.post("/tasks", json={"title": "slow"})
        assert again.status_code == 201 and again.json()["taskId"] == first.json()["taskId"]
        assert len(snapshot(user)["Tasks"]) == 1
    finally:
        wiring.configure(Settings.from_env())
