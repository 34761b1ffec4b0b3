"""Locust load profile for the TaskTracker API: a user's day, weighted like a task app is used.

Keys come from LOADTEST_KEYS (comma-separated; each simulated user takes the next one round-robin), so one key
(a deployed stage) or many (the local server `make loadtest` starts) both work. Every simulated user works on
its own category and tasks, so any answer other than the expected 2xx is a real failure, counted as an error.
Requests are named by operation, so the summary has one row per operation.

Run it through `make loadtest` (loadtest/run.py), which also writes build/loadtest/summary.{json,md}.
"""

from __future__ import annotations

import itertools
import os
import random
import secrets

from locust import HttpUser, between, constant, task

KEYS = [k for k in os.environ.get("LOADTEST_KEYS", "").split(",") if k]
_next_key = itertools.cycle(KEYS or [""])
WAIT = float(os.environ.get("LOADTEST_WAIT", "0"))  # seconds of think time between requests (0: flat out)
PRIORITIES = ("low", "medium", "high")


class ApiUser(HttpUser):
    wait_time = between(WAIT / 2, WAIT * 1.5) if WAIT else constant(0)

    def on_start(self) -> None:
        if not KEYS:
            raise RuntimeError("set LOADTEST_KEYS to one or more API keys")
        self.client.headers.update({"x-api-key": next(_next_key), "Content-Type": "application/json"})
        self.tasks_: list[str] = []
        self.versions: dict[str, int] = {}
        self.done: set[str] = set()
        # clear-completed deletes every completed task of the key's user: only safe with a key of one's own.
        self.own_key = self.environment.parsed_options is not None and self.environment.parsed_options.num_users <= len(
            KEYS
        )
        r = self.client.post(
            "/categories", json={"name": f"load-{secrets.token_hex(6)}", "color": "#336699"}, name="create_category"
        )
        self.category = r.json()["categoryId"] if r.status_code == 201 else None
        for _ in range(5):
            self.create_task()

    def _remember(self, response) -> None:
        if response.status_code in (200, 201):
            body = response.json()
            self._note(body)

    def _note(self, task: dict) -> None:
        self.versions[task["taskId"]] = task["version"]
        (self.done.add if task["completed"] else self.done.discard)(task["taskId"])

    @task(10)
    def list_tasks(self) -> None:
        params = random.choice([{}, {"completed": "false"}, {"priority": "high"}, {"limit": 50}])
        if self.category and random.random() < 0.3:
            params = {"categoryId": self.category}
        self.client.get("/tasks", params=params, name="list_tasks")

    @task(10)
    def get_task(self) -> None:
        if self.tasks_:
            self._remember(self.client.get(f"/tasks/{random.choice(self.tasks_)}", name="get_task"))

    @task(5)
    def create_task(self) -> None:
        body = {"title": f"task {secrets.token_hex(4)}", "priority": random.choice(PRIORITIES)}
        if self.category and random.random() < 0.5:
            body["categoryId"] = self.category
        r = self.client.post("/tasks", json=body, name="create_task")
        if r.status_code == 201:
            self.tasks_.append(r.json()["taskId"])
            self._remember(r)

    @task(6)
    def update_task(self) -> None:
        if not self.tasks_:
            return
        task_id = random.choice(self.tasks_)
        body = random.choice([{"completed": True}, {"completed": False}, {"priority": random.choice(PRIORITIES)}])
        if self.category and random.random() < 0.2:
            body = {"categoryId": random.choice([self.category, None])}
        headers = {"If-Match": f'"{self.versions[task_id]}"'} if task_id in self.versions else {}
        self._remember(self.client.put(f"/tasks/{task_id}", json=body, headers=headers, name="update_task"))

    @task(2)
    def delete_task(self) -> None:
        if len(self.tasks_) > 5:
            task_id = self.tasks_.pop(random.randrange(len(self.tasks_)))
            self.client.delete(f"/tasks/{task_id}", name="delete_task")
            self.versions.pop(task_id, None)
            self.done.discard(task_id)

    @task(3)
    def list_categories(self) -> None:
        self.client.get("/categories", name="list_categories")

    @task(2)
    def get_category(self) -> None:
        if self.category:
            self.client.get(f"/categories/{self.category}", name="get_category")

    @task(1)
    def update_category(self) -> None:
        if self.category:
            self.client.put(
                f"/categories/{self.category}",
                json={"color": f"#{random.randrange(16**6):06x}"},
                name="update_category",
            )

    @task(1)
    def create_and_delete_category(self) -> None:
        r = self.client.post(
            "/categories", json={"name": f"tmp-{secrets.token_hex(6)}", "color": "#996633"}, name="create_category"
        )
        if r.status_code == 201:
            self.client.delete(f"/categories/{r.json()['categoryId']}", name="delete_category")

    @task(1)
    def batch_create_tasks(self) -> None:
        bodies = [{"title": f"batch {i}"} for i in range(random.randint(2, 10))]
        with self.client.post(
            "/tasks/batch", json={"tasks": bodies}, name="batch_create_tasks", catch_response=True
        ) as r:
            if r.status_code != 200 or any(x["status"] != 201 for x in r.json()["results"]):
                r.failure(f"batch: {r.status_code} {r.text[:200]}")
                return
            for x in r.json()["results"]:
                self.tasks_.append(x["taskId"])
                self._note(x["task"])

    @task(1)
    def bulk_update_tasks(self) -> None:
        if len(self.tasks_) < 3:
            return
        ids = random.sample(self.tasks_, 3)
        action = random.choice(["complete", "reopen"])
        with self.client.post(
            "/tasks/bulk", json={"action": action, "taskIds": ids}, name="bulk_update_tasks", catch_response=True
        ) as r:
            if r.status_code != 200 or any(x["status"] != 200 for x in r.json()["results"]):
                r.failure(f"bulk: {r.status_code} {r.text[:200]}")
            else:
                for x in r.json()["results"]:
                    self._note(x["task"])

    @task(1)
    def clear_completed_tasks(self) -> None:
        if self.own_key and random.random() < 0.3:
            r = self.client.post("/tasks/clear-completed", name="clear_completed_tasks")
            if r.status_code == 200:
                self.tasks_ = [t for t in self.tasks_ if t not in self.done]
                self.done.clear()
