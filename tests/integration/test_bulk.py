"""Batch create, bulk complete/reopen/delete, clear-completed and cascade=detach, on DynamoDB Local."""

from __future__ import annotations

from test_concurrency import count_in, task_count

MISSING_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def test_batch_create_mixed_results_in_order(alice, ddb, snapshot):
    cat = alice.new_category()
    bodies = [
        {"title": "plain 1"},
        {"title": "in cat", "categoryId": cat["categoryId"]},
        {"title": "unknown cat", "categoryId": MISSING_ID},
        {"title": "plain 2", "priority": "high"},
        {"title": "in cat 2", "categoryId": cat["categoryId"]},
    ]
    r = alice.post("/tasks/batch", json={"tasks": bodies})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["index"] for x in results] == [0, 1, 2, 3, 4]
    assert [x["status"] for x in results] == [201, 201, 422, 201, 201]
    assert results[2]["error"]["code"] == "UNKNOWN_CATEGORY" and results[2]["task"] is None
    assert results[3]["task"]["priority"] == "high" and results[0]["task"]["priority"] == "medium"
    assert task_count(alice, cat["categoryId"]) == count_in(ddb, alice.id, cat["categoryId"]) == 2
    stored_titles = sorted(i["title"]["S"] for i in snapshot(alice.id)["Tasks"])
    assert stored_titles == ["in cat", "in cat 2", "plain 1", "plain 2"]


def test_batch_create_100_and_validation_creates_nothing(alice, snapshot):
    cat = alice.new_category()
    r = alice.post(
        "/tasks/batch",
        json={"tasks": [{"title": f"t{i}", "categoryId": cat["categoryId"] if i % 2 else None} for i in range(100)]},
    )
    assert r.status_code == 200 and all(x["status"] == 201 for x in r.json()["results"])
    assert alice.get(f"/categories/{cat['categoryId']}").json()["taskCount"] == 50
    before = snapshot(alice.id)
    assert alice.post("/tasks/batch", json={"tasks": [{"title": "ok"}] * 101}).status_code == 400
    r = alice.post("/tasks/batch", json={"tasks": [{"title": "ok"}, {"title": ""}]})
    assert r.status_code == 400 and "body.tasks.1.title" in {d["field"] for d in r.json()["error"]["details"]}
    assert alice.post("/tasks/batch", json={"tasks": []}).status_code == 400
    assert snapshot(alice.id) == before


def test_bulk_complete_reopen_delete(alice, bob, ddb):
    cat = alice.new_category()
    tasks = [alice.new_task(f"t{i}", categoryId=cat["categoryId"] if i < 3 else None) for i in range(5)]
    ids = [t["taskId"] for t in tasks]
    bobs = bob.new_task()["taskId"]
    r = alice.post("/tasks/bulk", json={"action": "complete", "taskIds": ids + [MISSING_ID, bobs]})
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["status"] for x in res] == [200] * 5 + [404, 404]
    assert all(x["task"]["completed"] and x["task"]["version"] == 2 for x in res[:5])
    assert res[6]["error"]["code"] == "TASK_NOT_FOUND" and bob.get(f"/tasks/{bobs}").json()["completed"] is False
    # Completing again changes nothing.
    r = alice.post("/tasks/bulk", json={"action": "complete", "taskIds": ids[:2]})
    assert [x["task"]["version"] for x in r.json()["results"]] == [2, 2]
    r = alice.post("/tasks/bulk", json={"action": "reopen", "taskIds": ids[:1]})
    assert r.json()["results"][0]["task"]["completed"] is False
    r = alice.post("/tasks/bulk", json={"action": "delete", "taskIds": ids[1:4]})
    assert [x["status"] for x in r.json()["results"]] == [204, 204, 204]
    assert task_count(alice, cat["categoryId"]) == count_in(ddb, alice.id, cat["categoryId"]) == 1
    assert [t["taskId"] for t in alice.get("/tasks").json()["items"]] == [ids[4], ids[0]]


def test_clear_completed(alice, ddb):
    cat = alice.new_category()
    alice.post(
        "/tasks/batch",
        json={
            "tasks": [{"title": f"t{i}", "completed": i % 3 == 0, "categoryId": cat["categoryId"]} for i in range(30)]
        },
    )
    r = alice.post("/tasks/clear-completed")
    assert r.status_code == 200 and r.json() == {"deleted": 10, "more": False}
    assert alice.get("/tasks", params={"completed": "true"}).json()["items"] == []
    assert task_count(alice, cat["categoryId"]) == count_in(ddb, alice.id, cat["categoryId"]) == 20


def test_delete_category_with_cascade_detach(alice, ddb):
    cat = alice.new_category()
    other = alice.new_category()
    for batch in range(2):  # 120 tasks: more than one detach transaction (99 each)
        r = alice.post(
            "/tasks/batch",
            json={"tasks": [{"title": f"t{batch}-{i}", "categoryId": cat["categoryId"]} for i in range(60)]},
        )
        assert all(x["status"] == 201 for x in r.json()["results"])
    keep = alice.new_task(categoryId=other["categoryId"])
    assert alice.delete(f"/categories/{cat['categoryId']}").status_code == 409
    assert (
        alice.delete(
            f"/categories/{cat['categoryId']}", params={"cascade": "detach"}, headers={"If-Match": '"9"'}
        ).status_code
        == 412
    )
    r = alice.delete(f"/categories/{cat['categoryId']}", params={"cascade": "detach"})
    assert r.status_code == 204
    assert alice.get(f"/categories/{cat['categoryId']}").status_code == 404
    assert count_in(ddb, alice.id, cat["categoryId"]) == 0
    tasks = [
        t
        for t in ddb.query(
            TableName="Tasks", KeyConditionExpression="userId = :u", ExpressionAttributeValues={":u": {"S": alice.id}}
        )["Items"]
    ]
    assert len(tasks) == 121
    detached = [t for t in tasks if t["taskId"]["S"] != keep["taskId"]]
    assert all("categoryId" not in t and t["version"]["N"] == "2" for t in detached)
    assert alice.get(f"/categories/{other['categoryId']}").json()["taskCount"] == 1
    assert alice.delete(f"/categories/{cat['categoryId']}", params={"cascade": "nuke"}).status_code == 400
