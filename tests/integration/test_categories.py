"""Categories through HTTP on DynamoDB Local."""

from __future__ import annotations


def test_create_get_update_delete(alice, snapshot):
    r = alice.post("/categories", json={"name": "Work", "color": "#FF0000", "icon": "briefcase"})
    assert r.status_code == 201
    cat = r.json()
    assert r.headers["Location"] == f"/categories/{cat['categoryId']}" and r.headers["ETag"] == '"1"'
    assert cat["taskCount"] == 0 and cat["icon"] == "briefcase" and cat["version"] == 1
    assert set(cat) == {"categoryId", "name", "color", "icon", "taskCount", "createdAt", "updatedAt", "version"}
    r = alice.get(f"/categories/{cat['categoryId']}")
    assert r.status_code == 200 and r.json() == cat and r.headers["ETag"] == '"1"'
    r = alice.put(f"/categories/{cat['categoryId']}", json={"color": "#00ff00", "icon": None})
    assert r.status_code == 200 and r.json()["color"] == "#00ff00" and r.json()["icon"] is None
    assert r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    r = alice.put(f"/categories/{cat['categoryId']}", json={"name": "Office"}, headers={"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["name"] == "Office"
    assert alice.delete(f"/categories/{cat['categoryId']}").status_code == 204
    assert alice.get(f"/categories/{cat['categoryId']}").status_code == 404
    # The name guard went with it: nothing of Alice's is left.
    assert snapshot(alice.id) == {"Tasks": [], "Categories": []}
    assert alice.post("/categories", json={"name": "office", "color": "#000000"}).status_code == 201


def test_names_unique_ignoring_case(alice, bob, snapshot):
    alice.new_category("Home")
    before = snapshot(alice.id)
    r = alice.post("/categories", json={"name": "HOME", "color": "#000000"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CATEGORY_NAME_TAKEN"
    assert snapshot(alice.id) == before
    # Another user may use the same name.
    assert bob.post("/categories", json={"name": "home", "color": "#000000"}).status_code == 201


def test_rename_onto_taken_name_is_409_and_case_change_is_fine(alice, snapshot):
    a = alice.new_category("Alpha")
    alice.new_category("Beta")
    before = snapshot(alice.id)
    r = alice.put(f"/categories/{a['categoryId']}", json={"name": "beta"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CATEGORY_NAME_TAKEN"
    assert snapshot(alice.id) == before
    r = alice.put(f"/categories/{a['categoryId']}", json={"name": "ALPHA"})
    assert r.status_code == 200 and r.json()["name"] == "ALPHA"
    # The old name is free again after a real rename.
    assert alice.put(f"/categories/{a['categoryId']}", json={"name": "Gamma"}).status_code == 200
    assert alice.post("/categories", json={"name": "alpha", "color": "#000000"}).status_code == 201


def test_delete_non_empty_is_409(alice, snapshot):
    cat = alice.new_category()
    alice.new_task(categoryId=cat["categoryId"])
    before = snapshot(alice.id)
    r = alice.delete(f"/categories/{cat['categoryId']}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "CATEGORY_NOT_EMPTY"
    assert snapshot(alice.id) == before


def test_list_newest_first_paginated(alice):
    ids = [alice.new_category(f"c{i}")["categoryId"] for i in range(5)]
    seen, cursor = [], None
    while True:
        r = alice.get("/categories", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        seen += [c["categoryId"] for c in r.json()["items"]]
        cursor = r.json()["nextCursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
