"""Cursor walks return every matching item exactly once, with bounded reads per request."""

from __future__ import annotations

import itertools

import pytest

from tasktracker.service.common import new_id, now_iso
from tasktracker.store.dynamo import MAX_READS_PER_LIST, to_item


def seed_tasks(ddb, user_id: str, count: int, special_every: int, category_id: str | None = None) -> list[str]:
    """Write tasks straight into DynamoDB (fast); every special_every-th one is high priority. Returns their ids."""
    special = []
    items = []
    for i in range(count):
        task_id = new_id()
        is_special = i % special_every == 0
        item = {
            "userId": user_id,
            "taskId": task_id,
            "title": f"t{i}",
            "completed": False,
            "priority": "high" if is_special else "low",
            "createdAt": now_iso(),
            "updatedAt": now_iso(),
            "version": 1,
        }
        if category_id:
            item["categoryId"] = category_id
        items.append({"PutRequest": {"Item": to_item(item)}})
        if is_special:
            special.append(task_id)
    for batch in (
        itertools.batched(items, 25)
        if hasattr(itertools, "batched")
        else (items[i : i + 25] for i in range(0, len(items), 25))
    ):
        resp = ddb.batch_write_item(RequestItems={"Tasks": list(batch)})
        while resp.get("UnprocessedItems"):
            resp = ddb.batch_write_item(RequestItems=resp["UnprocessedItems"])
    return special


def walk(user, path: str, params: dict, max_pages: int = 1000) -> tuple[list[str], int]:
    ids, cursor, pages = [], None, 0
    while pages < max_pages:
        r = user.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= params.get("limit", 20)
        ids += [t["taskId"] for t in body["items"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            return ids, pages
    raise AssertionError("cursor walk did not end")


@pytest.mark.parametrize("limit", [1, 7, 20, 100])
def test_unfiltered_walk_returns_all_exactly_once_newest_first(alice, ddb, limit):
    seed_tasks(ddb, alice.id, 45, special_every=1)
    everything, _ = walk(alice, "/tasks", {"limit": 100})
    ids, pages = walk(alice, "/tasks", {"limit": limit})
    assert ids == everything and len(ids) == 45 and len(set(ids)) == 45
    assert ids == sorted(ids, reverse=True)  # time-ordered ids: newest first
    assert pages == -(-45 // limit)  # no trailing empty page when nothing is filtered


def test_sparse_filter_walk_is_complete_even_when_pages_come_back_empty(alice, ddb):
    # 1 in 400 matches: a page reads at most MAX_READS_PER_LIST DynamoDB pages, so some come back empty
    # with a cursor, and the walk must still find every match exactly once.
    special = seed_tasks(ddb, alice.id, 1200, special_every=400)
    ids, pages = walk(alice, "/tasks", {"priority": "high", "limit": 2})
    assert sorted(ids) == sorted(special) and len(ids) == len(set(ids)) == 3
    assert pages > 1


def test_category_filter_walk_uses_index_and_stays_in_tenant(alice, bob, ddb):
    cat = alice.new_category()
    mine = seed_tasks(ddb, alice.id, 30, special_every=1, category_id=cat["categoryId"])
    seed_tasks(ddb, alice.id, 10, special_every=1)  # not in the category
    ids, _ = walk(alice, "/tasks", {"categoryId": cat["categoryId"], "limit": 4})
    # CategoryIndex sorts by createdAt; tasks made in the same millisecond may come in any order.
    assert sorted(ids) == sorted(mine) and len(ids) == len(set(ids))
    ids, pages = walk(bob, "/tasks", {"categoryId": cat["categoryId"], "limit": 4})
    assert ids == [] and pages == 1


def test_reads_per_request_are_bounded(alice, ddb, monkeypatch):
    from tasktracker.store import dynamo

    seed_tasks(ddb, alice.id, 50, special_every=1000)
    calls = []

    class CountingClient:
        def query(self, **kw):
            calls.append(kw)
            return ddb.query(**kw)

    store = dynamo.DynamoStore(CountingClient(), "Tasks", "Categories")
    items, next_key = store.query_tasks(alice.id, limit=5, priority="medium")
    assert len(calls) <= MAX_READS_PER_LIST
    assert items == []
