"""Concurrent writers on DynamoDB Local: counts stay exact, conditional writes admit one winner."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor


def count_in(ddb, user_id: str, category_id: str) -> int:
    resp = ddb.query(
        TableName="Tasks",
        KeyConditionExpression="userId = :u",
        FilterExpression="categoryId = :c",
        ExpressionAttributeValues={":u": {"S": user_id}, ":c": {"S": category_id}},
        ConsistentRead=True,
    )
    return resp["Count"]


def task_count(user, category_id: str) -> int:
    return user.get(f"/categories/{category_id}").json()["taskCount"]


def test_parallel_moves_keep_task_count_exact(alice, ddb):
    cats = [alice.new_category()["categoryId"] for _ in range(3)]
    tasks = [alice.new_task(categoryId=cats[0])["taskId"] for _ in range(10)]
    rng = random.Random(7)
    moves = [(rng.choice(tasks), rng.choice(cats + [None])) for _ in range(20)]
    start = threading.Barrier(20)

    def move(arg):
        task_id, cat = arg
        start.wait()
        return alice.put(f"/tasks/{task_id}", json={"categoryId": cat}).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(move, moves))
    # Lost races are retried by the service; when they still lose, the answer is a clean 409.
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= 10
    for cat in cats:
        assert task_count(alice, cat) == count_in(ddb, alice.id, cat)


def test_parallel_creates_and_deletes_keep_count_exact(alice, ddb):
    cat = alice.new_category()["categoryId"]
    existing = [alice.new_task(categoryId=cat)["taskId"] for _ in range(10)]
    start = threading.Barrier(20)

    def work(i):
        start.wait()
        if i < 10:
            return alice.post("/tasks", json={"title": f"n{i}", "categoryId": cat}).status_code
        return alice.delete(f"/tasks/{existing[i - 10]}").status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(work, range(20)))
    assert statuses[:10] == [201] * 10 and statuses[10:] == [204] * 10
    assert task_count(alice, cat) == count_in(ddb, alice.id, cat) == 10


def test_same_if_match_one_wins_one_gets_412(alice):
    for _ in range(5):
        task = alice.new_task()
        start = threading.Barrier(2)

        def write(title, start=start, task=task):
            start.wait()
            return alice.put(f"/tasks/{task['taskId']}", json={"title": title}, headers={"If-Match": '"1"'})

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(write, ["first", "second"]))
        assert sorted(r.status_code for r in results) == [200, 412]
        winner = next(r for r in results if r.status_code == 200).json()
        assert alice.get(f"/tasks/{task['taskId']}").json()["title"] == winner["title"]
        assert winner["version"] == 2


def test_same_if_match_on_move_one_wins(alice, ddb):
    c1, c2 = alice.new_category()["categoryId"], alice.new_category()["categoryId"]
    task = alice.new_task()
    start = threading.Barrier(2)

    def move(cat):
        start.wait()
        return alice.put(f"/tasks/{task['taskId']}", json={"categoryId": cat}, headers={"If-Match": '"1"'}).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(move, [c1, c2]))
    assert statuses == [200, 412]
    assert task_count(alice, c1) + task_count(alice, c2) == 1
    assert task_count(alice, c1) == count_in(ddb, alice.id, c1)


def test_delete_category_racing_task_creation(alice, ddb):
    """Either the delete wins (creates get 422) or a create wins (delete gets 409); never an orphan."""
    for _ in range(3):
        cat = alice.new_category()["categoryId"]
        start = threading.Barrier(6)

        def work(i, start=start, cat=cat):
            start.wait()
            if i == 0:
                return alice.delete(f"/categories/{cat}").status_code
            return alice.post("/tasks", json={"title": "t", "categoryId": cat}).status_code

        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(work, range(6)))
        created = statuses[1:].count(201)
        assert set(statuses[1:]) <= {201, 422}
        if statuses[0] == 204:
            # Any task created first would have made the delete a 409.
            assert created == 0 and count_in(ddb, alice.id, cat) == 0
        else:
            assert statuses[0] == 409
            assert task_count(alice, cat) == count_in(ddb, alice.id, cat) == created


def test_parallel_category_creates_with_one_name(alice):
    start = threading.Barrier(8)

    def create(i):
        start.wait()
        return alice.post("/categories", json={"name": "Same" if i % 2 else "SAME", "color": "#000000"}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(create, range(8)))
    assert statuses == [201] + [409] * 7
