"""Regressions for bugs the soak found, replayed deterministically in-process (the race is forced, not hoped for)."""

from __future__ import annotations

import secrets

import pytest
from starlette.testclient import TestClient

from tasktracker import wiring
from tasktracker.app import create_app
from tasktracker.config import Settings


@pytest.fixture
def app(dynamodb_endpoint):
    key, user = f"k-{secrets.token_hex(8)}", f"soak-reg-{secrets.token_hex(4)}"
    settings = Settings(api_keys={key: user}, cursor_secret="soak-regression-secret-0123456789")
    http = TestClient(create_app(settings), headers={"x-api-key": key}, raise_server_exceptions=False)
    yield http, wiring.services()
    wiring.configure(Settings.from_env())


def _reopen_first(store, method: str, user_id: str, task_id: str, monkeypatch) -> None:
    """Make `method` of the store see another client reopen task_id just before it runs (once)."""
    real = getattr(store, method)

    def racing(*args, **kwargs):
        monkeypatch.setattr(store, method, real)
        store.update_task(user_id, task_id, {"completed": False}, None, "2026-11-27T00:00:00.000Z")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, method, racing)


@pytest.mark.integration
@pytest.mark.parametrize("race_at", ["query_tasks", "apply_task_changes"])
def test_clear_completed_never_deletes_a_task_reopened_meanwhile(app, monkeypatch, race_at):
    """Soak finding: clear-completed deleted tasks another client had just reopened (its per-task fallback
    deleted unconditionally, and the re-read did not check `completed` again)."""
    http, services = app
    done = [http.post("/tasks", json={"title": f"done {i}", "completed": True}).json() for i in range(3)]
    reopened = done[1]["taskId"]
    user_id = next(iter(wiring.settings().api_keys.values()))
    _reopen_first(services.bulk.store, race_at, user_id, reopened, monkeypatch)

    r = http.post("/tasks/clear-completed")
    assert r.status_code == 200, r.text
    assert r.json()["deleted"] == 2

    survivor = http.get(f"/tasks/{reopened}")
    assert survivor.status_code == 200 and survivor.json()["completed"] is False
    for t in (done[0], done[2]):
        assert http.get(f"/tasks/{t['taskId']}").status_code == 404
    # Nothing completed is left, and asking again deletes nothing more.
    assert http.post("/tasks/clear-completed").json() == {"deleted": 0, "more": False}
