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


def _once_before(store, method: str, action, monkeypatch) -> None:
    """Run `action` (another client's write) just before the store's `method` runs, the first time only."""
    real = getattr(store, method)

    def racing(*args, **kwargs):
        monkeypatch.setattr(store, method, real)
        action()
        return real(*args, **kwargs)

    monkeypatch.setattr(store, method, racing)


def _reopen_first(store, method: str, user_id: str, task_id: str, monkeypatch) -> None:
    """Make `method` of the store see another client reopen task_id just before it runs (once)."""
    _once_before(
        store,
        method,
        lambda: store.update_task(user_id, task_id, {"completed": False}, None, "2026-11-27T00:00:00.000Z"),
        monkeypatch,
    )


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


def _before_each_delete(store, monkeypatch, action) -> list[int]:
    """Run `action` (another client's write) just before every category delete the store is asked for."""
    real, calls = store.delete_category, []

    def racing(*args, **kwargs):
        calls.append(len(kwargs.get("detach") or []))
        action(len(calls))
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "delete_category", racing)
    return calls


@pytest.mark.integration
def test_cascade_delete_that_loses_every_race_changes_no_task(app, monkeypatch):
    """Soak finding: a ?cascade=detach delete that answered 409 (a task kept arriving) had already detached the
    category's tasks, a version no answer acknowledged. Now the last tasks go in the delete's own transaction."""
    http, services = app
    user_id = next(iter(wiring.settings().api_keys.values()))
    cat = http.post("/categories", json={"name": "busy", "color": "#112233"}).json()
    cid = cat["categoryId"]
    tasks = [http.post("/tasks", json={"title": f"t{i}", "categoryId": cid}).json() for i in range(3)]
    arrivals: list[str] = []
    calls = _before_each_delete(
        services.categories.store,
        monkeypatch,
        lambda n: arrivals.append(services.tasks.create(user_id, {"title": f"late {n}", "categoryId": cid})["taskId"]),
    )

    r = http.delete(f"/categories/{cid}", params={"cascade": "detach"})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "CATEGORY_NOT_EMPTY"
    assert calls[0] == 3  # the category's own tasks rode in the delete's transaction
    for t in tasks:  # nothing the refused delete touched changed
        assert http.get(f"/tasks/{t['taskId']}").json() == t
    stored = http.get(f"/categories/{cid}").json()
    assert stored["taskCount"] == len(tasks) + len(arrivals)


@pytest.mark.integration
def test_cascade_delete_retries_when_a_task_leaves_meanwhile(app, monkeypatch):
    """A task moved out between the delete's read and its transaction: the transaction is refused whole and
    retried; the answer is 204 and every task ends detached exactly once."""
    http, services = app
    user_id = next(iter(wiring.settings().api_keys.values()))
    cid = http.post("/categories", json={"name": "leaving", "color": "#112233"}).json()["categoryId"]
    stay, leave = (http.post("/tasks", json={"title": t, "categoryId": cid}).json() for t in ("stay", "leave"))

    def move_out(n: int) -> None:
        if n == 1:
            services.tasks.update(user_id, leave["taskId"], {"categoryId": None}, None)

    calls = _before_each_delete(services.categories.store, monkeypatch, move_out)
    r = http.delete(f"/categories/{cid}", params={"cascade": "detach"})
    assert r.status_code == 204, r.text
    assert calls == [2, 1]
    assert http.get(f"/categories/{cid}").status_code == 404
    for t in (stay, leave):
        got = http.get(f"/tasks/{t['taskId']}").json()
        assert got["categoryId"] is None and got["version"] == 2, got


@pytest.mark.integration
def test_cascade_delete_of_a_big_category_refused_late_keeps_counts_and_repeating_finishes(app, monkeypatch):
    """The documented exception (README "Conventions"): beyond 98 tasks the first ones are detached 99 per
    transaction before the delete; if the delete is then refused, those stay detached, every count is exact,
    and the same delete again finishes the job."""
    http, services = app
    user_id = next(iter(wiring.settings().api_keys.values()))
    cid = http.post("/categories", json={"name": "big", "color": "#112233"}).json()["categoryId"]
    r = http.post("/tasks/batch", json={"tasks": [{"title": f"t{i}", "categoryId": cid} for i in range(100)]})
    assert [x["status"] for x in r.json()["results"]] == [201] * 100
    arrivals: list[str] = []
    _before_each_delete(
        services.categories.store,
        monkeypatch,
        lambda n: arrivals.append(services.tasks.create(user_id, {"title": f"late {n}", "categoryId": cid})["taskId"]),
    )

    r = http.delete(f"/categories/{cid}", params={"cascade": "detach"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CATEGORY_NOT_EMPTY", r.text
    still_in = [t["taskId"] for t in http.get("/tasks", params={"categoryId": cid, "limit": 100}).json()["items"]]
    assert len(still_in) == 1 + len(arrivals)  # 99 detached in the first step; the last one and the arrivals stay
    assert http.get(f"/categories/{cid}").json()["taskCount"] == len(still_in)

    monkeypatch.undo()
    assert http.delete(f"/categories/{cid}", params={"cascade": "detach"}).status_code == 204
    assert http.get(f"/categories/{cid}").status_code == 404
    tasks, params = [], {"limit": 100}
    while True:
        page = http.get("/tasks", params=params).json()
        tasks += page["items"]
        if not page["nextCursor"]:
            break
        params["cursor"] = page["nextCursor"]
    assert len(tasks) == 100 + len(arrivals)
    assert all(t["categoryId"] is None and t["version"] == 2 for t in tasks)


@pytest.mark.integration
def test_cascade_delete_keeps_if_match_to_the_end(app, monkeypatch):
    """Review finding: with ?cascade=detach, If-Match was checked once up front; a rename by another client
    after that check was deleted anyway (a lost update). Now the version is a condition of the delete itself."""
    http, services = app
    user_id = next(iter(wiring.settings().api_keys.values()))
    cid = http.post("/categories", json={"name": "Work", "color": "#112233"}).json()["categoryId"]
    task = http.post("/tasks", json={"title": "t", "categoryId": cid}).json()
    seen = http.get(f"/categories/{cid}").json()["version"]
    _once_before(
        services.categories.store,
        "query_tasks",
        lambda: services.categories.update(user_id, cid, {"name": "Important, keep"}, None),  # renamed meanwhile
        monkeypatch,
    )
    r = http.delete(f"/categories/{cid}", params={"cascade": "detach"}, headers={"If-Match": f'"{seen}"'})
    assert r.status_code == 412 and r.json()["error"]["code"] == "PRECONDITION_FAILED", r.text
    assert r.headers["etag"] == f'"{seen + 1}"'
    assert http.get(f"/categories/{cid}").json()["name"] == "Important, keep"
    assert http.get(f"/tasks/{task['taskId']}").json() == task


@pytest.mark.integration
def test_cascade_delete_of_a_big_category_with_if_match(app):
    """Over 98 tasks our own detach steps bump the version; the caller's If-Match still names the category it saw."""
    http, _ = app
    cid = http.post("/categories", json={"name": "huge", "color": "#112233"}).json()["categoryId"]
    http.post("/tasks/batch", json={"tasks": [{"title": f"t{i}", "categoryId": cid} for i in range(100)]})
    seen = http.get(f"/categories/{cid}").json()["version"]
    stale = http.delete(f"/categories/{cid}", params={"cascade": "detach"}, headers={"If-Match": f'"{seen - 1}"'})
    assert stale.status_code == 412
    assert http.get(f"/categories/{cid}").json()["taskCount"] == 100  # refused before any step
    r = http.delete(f"/categories/{cid}", params={"cascade": "detach"}, headers={"If-Match": f'"{seen}"'})
    assert r.status_code == 204, r.text
    assert http.get(f"/categories/{cid}").status_code == 404


@pytest.mark.integration
def test_cascade_delete_of_a_big_category_with_if_match_survives_a_retry(app, monkeypatch):
    """A lost race after our own detach steps is retried; the retry must expect the version those steps moved the
    category to, not the caller's (else a spurious 412 with the first tasks already detached)."""
    from tasktracker.store.errors import WriteConflict

    http, services = app
    cid = http.post("/categories", json={"name": "retried", "color": "#112233"}).json()["categoryId"]
    http.post("/tasks/batch", json={"tasks": [{"title": f"t{i}", "categoryId": cid} for i in range(100)]})
    seen = http.get(f"/categories/{cid}").json()["version"]
    store = services.categories.store
    real = store.delete_category

    def conflict_once(*args, **kwargs):
        monkeypatch.setattr(store, "delete_category", real)
        raise WriteConflict("TransactionConflict")  # as DynamoDB cancels a transaction that met another one

    monkeypatch.setattr(store, "delete_category", conflict_once)
    r = http.delete(f"/categories/{cid}", params={"cascade": "detach"}, headers={"If-Match": f'"{seen}"'})
    assert r.status_code == 204, r.text
    assert http.get(f"/categories/{cid}").status_code == 404
