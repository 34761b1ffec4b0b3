"""Tasks through HTTP on DynamoDB Local: every operation, the stored items, the invariants."""

from __future__ import annotations

import re

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def item(ddb, table, **key):
    resp = ddb.get_item(TableName=table, Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True)
    return resp.get("Item")


def test_create_returns_201_location_etag_and_defaults(alice, ddb):
    r = alice.post("/tasks", json={"title": "Buy milk"})
    assert r.status_code == 201
    task = r.json()
    assert r.headers["Location"] == f"/tasks/{task['taskId']}"
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Content-Type"] == "application/json"
    assert task["title"] == "Buy milk"
    assert task["completed"] is False and task["priority"] == "medium"
    assert task["description"] is None and task["dueDate"] is None and task["categoryId"] is None
    assert task["version"] == 1 and TS.match(task["createdAt"]) and task["createdAt"] == task["updatedAt"]
    stored = item(ddb, "Tasks", userId=alice.id, taskId=task["taskId"])
    assert stored["title"] == {"S": "Buy milk"} and stored["version"] == {"N": "1"}
    assert "description" not in stored  # nulls are not stored


def test_due_date_normalised_to_utc_millis(alice):
    task = alice.new_task(dueDate="2026-12-01T10:00:00+02:00")
    assert task["dueDate"] == "2026-12-01T08:00:00.000Z"


def test_get_returns_task_and_etag(alice):
    task = alice.new_task(description="d", priority="high")
    r = alice.get(f"/tasks/{task['taskId']}")
    assert r.status_code == 200 and r.json() == task and r.headers["ETag"] == '"1"'


def test_update_changes_given_fields_and_bumps_version(alice, ddb):
    task = alice.new_task(description="old", dueDate="2026-12-01T00:00:00Z")
    r = alice.put(f"/tasks/{task['taskId']}", json={"completed": True, "description": None, "dueDate": None})
    assert r.status_code == 200
    body = r.json()
    assert body["completed"] is True and body["description"] is None and body["dueDate"] is None
    assert body["title"] == task["title"] and body["version"] == 2 and r.headers["ETag"] == '"2"'
    assert body["updatedAt"] >= task["updatedAt"] and body["createdAt"] == task["createdAt"]
    stored = item(ddb, "Tasks", userId=alice.id, taskId=task["taskId"])
    assert "description" not in stored and "dueDate" not in stored and stored["version"] == {"N": "2"}


def test_update_with_matching_if_match_succeeds(alice):
    task = alice.new_task()
    r = alice.put(f"/tasks/{task['taskId']}", json={"title": "x"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2


def test_delete_returns_204_and_removes_item(alice, ddb):
    task = alice.new_task()
    r = alice.delete(f"/tasks/{task['taskId']}")
    assert r.status_code == 204 and r.content == b""
    assert item(ddb, "Tasks", userId=alice.id, taskId=task["taskId"]) is None
    assert alice.get(f"/tasks/{task['taskId']}").status_code == 404


def test_delete_with_if_match(alice):
    task = alice.new_task()
    assert alice.delete(f"/tasks/{task['taskId']}", headers={"If-Match": '"1"'}).status_code == 204


def test_list_newest_first(alice):
    ids = [alice.new_task(f"t{i}")["taskId"] for i in range(5)]
    r = alice.get("/tasks")
    assert r.status_code == 200
    body = r.json()
    assert [t["taskId"] for t in body["items"]] == ids[::-1]
    assert body["nextCursor"] is None


def test_list_filters(alice):
    cat = alice.new_category()
    a = alice.new_task("a", priority="high", completed=True, dueDate="2026-01-10T00:00:00Z")
    b = alice.new_task("b", priority="low", dueDate="2026-01-20T00:00:00Z", categoryId=cat["categoryId"])
    c = alice.new_task("c", priority="high")

    def ids(**params):
        r = alice.get("/tasks", params=params)
        assert r.status_code == 200, r.text
        return {t["taskId"] for t in r.json()["items"]}

    assert ids(priority="high") == {a["taskId"], c["taskId"]}
    assert ids(completed="true") == {a["taskId"]}
    assert ids(completed="false") == {b["taskId"], c["taskId"]}
    assert ids(categoryId=cat["categoryId"]) == {b["taskId"]}
    # Inclusive bounds; a task without a due date matches neither.
    assert ids(dueBefore="2026-01-10T00:00:00Z") == {a["taskId"]}
    assert ids(dueAfter="2026-01-20T00:00:00Z") == {b["taskId"]}
    assert ids(dueAfter="2026-01-01T00:00:00Z", dueBefore="2026-12-31T00:00:00Z") == {a["taskId"], b["taskId"]}
    assert ids(dueBefore="2026-01-20T02:00:00+02:00") == {a["taskId"], b["taskId"]}


def test_task_in_category_counts(alice):
    cat = alice.new_category()
    t1 = alice.new_task(categoryId=cat["categoryId"])
    alice.new_task(categoryId=cat["categoryId"])
    assert alice.get(f"/categories/{cat['categoryId']}").json()["taskCount"] == 2
    alice.delete(f"/tasks/{t1['taskId']}")
    assert alice.get(f"/categories/{cat['categoryId']}").json()["taskCount"] == 1


def test_move_between_categories_and_clear(alice):
    c1, c2 = alice.new_category(), alice.new_category()
    t = alice.new_task(categoryId=c1["categoryId"])
    r = alice.put(f"/tasks/{t['taskId']}", json={"categoryId": c2["categoryId"]})
    assert r.status_code == 200 and r.json()["categoryId"] == c2["categoryId"] and r.json()["version"] == 2

    def counts():
        return [alice.get(f"/categories/{c['categoryId']}").json()["taskCount"] for c in (c1, c2)]

    assert counts() == [0, 1]
    r = alice.put(f"/tasks/{t['taskId']}", json={"categoryId": None})
    assert r.status_code == 200 and r.json()["categoryId"] is None
    assert counts() == [0, 0]
    r = alice.put(f"/tasks/{t['taskId']}", json={"categoryId": c1["categoryId"], "title": "moved"})
    assert r.json()["title"] == "moved" and counts() == [1, 0]
    # Same category again: no count change.
    r = alice.put(f"/tasks/{t['taskId']}", json={"categoryId": c1["categoryId"]})
    assert r.status_code == 200 and counts() == [1, 0]


def test_cross_tenant_is_404_and_changes_nothing(alice, bob, snapshot):
    task = alice.new_task()
    cat = alice.new_category()
    before = snapshot(alice.id)
    tid, cid = task["taskId"], cat["categoryId"]
    for method, path, body in [
        ("GET", f"/tasks/{tid}", None),
        ("PUT", f"/tasks/{tid}", {"title": "pwned"}),
        ("DELETE", f"/tasks/{tid}", None),
        ("GET", f"/categories/{cid}", None),
        ("PUT", f"/categories/{cid}", {"name": "pwned"}),
        ("DELETE", f"/categories/{cid}", None),
    ]:
        r = bob.request(method, path, json=body)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["code"] in ("TASK_NOT_FOUND", "CATEGORY_NOT_FOUND")
    # Bob cannot file a task under Alice's category, nor see her tasks through it.
    r = bob.post("/tasks", json={"title": "x", "categoryId": cid})
    assert r.status_code == 422 and r.json()["error"]["code"] == "UNKNOWN_CATEGORY"
    assert bob.get("/tasks", params={"categoryId": cid}).json()["items"] == []
    assert bob.get("/tasks").json()["items"] == [] and bob.get("/categories").json()["items"] == []
    assert snapshot(alice.id) == before
