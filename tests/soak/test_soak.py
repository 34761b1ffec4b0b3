"""Contention soak: concurrent clients run a random mix of every operation against the real server for a fixed
time, then every invariant of DESIGN.md §3 is checked against what DynamoDB holds.

Bounded by SOAK_SECONDS (default 45) with SOAK_CLIENTS threads (default 12) over SOAK_USERS users (default 4);
SOAK_SEED makes the operation mix repeatable. A summary is printed and written to build/soak/summary.json.
No assertion depends on timing: the clock only bounds the run and orders observations.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "45"))
SOAK_CLIENTS = int(os.environ.get("SOAK_CLIENTS", "12"))
SOAK_USERS = int(os.environ.get("SOAK_USERS", "4"))
SOAK_SEED = int(os.environ.get("SOAK_SEED", str(secrets.randbits(32))))

TASK_FIELDS = (
    "taskId",
    "title",
    "description",
    "completed",
    "priority",
    "dueDate",
    "categoryId",
    "createdAt",
    "version",
)
CATEGORY_FIELDS = ("categoryId", "name", "color", "icon", "taskCount", "createdAt", "version")
PRIORITIES = ("low", "medium", "high")
DUE_DATES = (None, "2026-01-01T00:00:00.000Z", "2026-06-15T12:30:00.000Z", "2027-03-01T08:00:00.000Z")

# What each operation may answer under contention; anything else (and any 5xx) fails the soak.
EXPECTED = {
    # 422: the category was deleted by a sibling client (or an Idempotency-Key reused); 409: lost races
    "create_task": {201, 409, 422},
    "get_task": {200, 404},
    "update_task": {200, 404, 409, 412, 422},
    "delete_task": {204, 404, 409, 412},
    "list_tasks": {200},
    "create_category": {201, 409, 422},
    "get_category": {200, 404},
    "update_category": {200, 404, 409, 412},
    "delete_category": {204, 404, 409, 412},
    "list_categories": {200},
    "batch_create_tasks": {200, 409, 422},
    "bulk_update_tasks": {200, 409, 422},
    "clear_completed_tasks": {200, 409},
}
CHANGED = {  # a different body for the same Idempotency-Key
    "create_task": {"title": "changed"},
    "create_category": {"name": "changed"},
    "batch_create_tasks": {"tasks": [{"title": "changed"}]},
    "bulk_update_tasks": {"action": "reopen", "taskIds": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]},
}
ITEM_STATUSES = {"batch_create_tasks": {201, 409, 422}, "bulk_update_tasks": {200, 204, 404, 409}}
CODES = {
    404: {"TASK_NOT_FOUND", "CATEGORY_NOT_FOUND"},
    409: {"CONFLICT", "CATEGORY_NOT_EMPTY", "CATEGORY_NAME_TAKEN", "REQUEST_IN_PROGRESS"},
    412: {"PRECONDITION_FAILED"},
    422: {"UNKNOWN_CATEGORY", "IDEMPOTENCY_KEY_REUSED"},
}


def spec_operations() -> set[str]:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return {
        op["operationId"].rsplit(".", 1)[-1]
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }


@dataclass
class Obs:
    """One successful answer that showed an item's state (a write's result or a read)."""

    kind: str  # "task" | "category"
    item_id: str
    user: str
    body: dict[str, Any]
    start: float
    end: float
    write: bool
    expected_version: int | None = None  # the If-Match a write carried
    bulk: bool = False  # a bulk result: a write, unless the task already was so (then the version it had)


@dataclass
class UserState:
    """What the clients of one user share: the ids they created (others may be deleting them)."""

    user: Any
    lock: threading.Lock = field(default_factory=threading.Lock)
    tasks: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # last version any client saw, for If-Match


@dataclass
class Journal:
    lock: threading.Lock = field(default_factory=threading.Lock)
    obs: list[Obs] = field(default_factory=list)
    deletes: dict[str, list[tuple[float, float, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # id -> (start, end, status)
    delete_started: dict[str, float] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    by_op: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    uncertain: set[str] = field(default_factory=set)  # ids touched by a request whose outcome is unknown
    ops_run: set[str] = field(default_factory=set)
    created: dict[str, str] = field(default_factory=dict)  # item id -> creating user
    listed: set[tuple[str, str]] = field(default_factory=set)  # (user, item id) that user's lists returned
    clear_started: dict[str, float] = field(default_factory=dict)  # user -> first clear-completed request
    cleared: Counter = field(default_factory=Counter)  # user -> tasks clear-completed said it deleted
    cascaded: set[str] = field(default_factory=set)  # categories deleted with ?cascade=detach (204)

    def fail(self, msg: str) -> None:
        with self.lock:
            self.failures.append(msg)


def check_envelope(r: httpx.Response) -> str | None:
    """The error envelope of §4, or a description of what is wrong with it."""
    if r.headers.get("content-type") != "application/json":
        return f"content-type {r.headers.get('content-type')!r}"
    try:
        body = r.json()
        err = body["error"]
    except (ValueError, KeyError, TypeError):
        return f"not an envelope: {r.text[:200]!r}"
    if set(body) != {"error"} or set(err) != {"code", "message", "details", "correlationId"}:
        return f"envelope keys {sorted(body)} / {sorted(err)}"
    if err["correlationId"] != r.headers.get("x-correlation-id"):
        return "correlationId differs from X-Correlation-Id"
    if r.status_code in CODES and err["code"] not in CODES[r.status_code]:
        return f"code {err['code']} for {r.status_code}"
    if not isinstance(err["details"], list) or not err["message"]:
        return "details/message"
    return None


class Client:
    """One soak thread: its own httpx client, a user, and a seeded random mix of operations."""

    def __init__(self, index: int, me: UserState, others: list[UserState], journal: Journal, seed: int) -> None:
        self.index = index
        self.me = me
        self.others = others
        self.j = journal
        self.rng = random.Random(seed)
        self.http = httpx.Client(base_url=str(me.user.http.base_url), headers={"x-api-key": me.user.key}, timeout=30)
        self.ops: list[tuple[Callable[[], None], int]] = [
            (self.create_task, 12),
            (self.get_task, 8),
            (self.update_task, 18),
            (self.delete_task, 5),
            (self.list_tasks, 7),
            (self.create_category, 3),
            (self.get_category, 5),
            (self.update_category, 5),
            (self.delete_category, 2),
            (self.list_categories, 4),
            (self.batch_create_tasks, 2),
            (self.bulk_update_tasks, 3),
            (self.clear_completed_tasks, 1),
            (self.probe_other_user, 4),
        ]

    # ------------------------------------------------------------------ plumbing

    def call(
        self, op: str, method: str, url: str, ids: tuple[str, ...] = (), **kw: Any
    ) -> tuple[httpx.Response | None, float, float]:
        start = time.monotonic()
        try:
            r = self.http.request(method, url, **kw)
        except httpx.TransportError as e:
            end = time.monotonic()
            with self.j.lock:
                self.j.statuses["transport-error"] += 1
                self.j.by_op[(op, "transport-error")] += 1
                self.j.uncertain.update(ids)
                self.j.failures.append(f"{op} {method} {url}: {type(e).__name__}")
            return None, start, end
        end = time.monotonic()
        with self.j.lock:
            self.j.statuses[r.status_code] += 1
            self.j.by_op[(op, r.status_code)] += 1
            self.j.ops_run.add(op)
        allowed = {404} if op.startswith("probe:") else EXPECTED[op]
        if r.status_code not in allowed:
            self.j.fail(f"{op} {method} {url} -> {r.status_code} {r.text[:300]}")
        if r.status_code >= 400:
            problem = check_envelope(r)
            if problem:
                self.j.fail(f"{op} {method} {url} -> {r.status_code}: {problem}")
        return r, start, end

    def observe(
        self,
        kind: str,
        body: dict[str, Any],
        start: float,
        end: float,
        write: bool,
        expected: int | None = None,
        bulk: bool = False,
    ) -> None:
        item_id = body["taskId"] if kind == "task" else body["categoryId"]
        fields = TASK_FIELDS if kind == "task" else CATEGORY_FIELDS
        obs = Obs(kind, item_id, self.me.user.id, {f: body.get(f) for f in fields}, start, end, write, expected, bulk)
        with self.j.lock:
            self.j.obs.append(obs)
        with self.me.lock:
            self.me.versions[item_id] = max(self.me.versions.get(item_id, 0), body["version"])

    def pick(self, pool: list[str]) -> str | None:
        """Half the time one of the newest few: the user's clients keep colliding on the same items."""
        with self.me.lock:
            if not pool:
                return None
            return self.rng.choice(pool[-6:] if self.rng.random() < 0.5 else pool)

    def forget(self, pool: list[str], item_id: str) -> None:
        """Drop an id found gone (most of the time: a few stay, so 404s keep being exercised)."""
        with self.me.lock:
            if item_id in pool and self.rng.random() < 0.8:
                pool.remove(item_id)

    def if_match(self, item_id: str, p: float = 0.5) -> dict[str, str]:
        if self.rng.random() >= p:
            return {}
        with self.me.lock:
            version = self.me.versions.get(item_id, 1)
        if self.rng.random() < 0.1:
            version = max(1, version - 1)  # a deliberately stale ETag: 412 unless it happens to be current
        return {"If-Match": f'"{version}"'}

    def check_404_earned(self, op: str, item_id: str, end: float, task: bool = False) -> None:
        """A 404 for one of the user's own ids is right only once someone has started deleting it."""
        with self.j.lock:
            started = [self.j.delete_started.get(item_id), self.j.clear_started.get(self.me.user.id) if task else None]
        if not any(t is not None and t <= end for t in started):
            self.j.fail(f"{op}: {item_id} answered 404 though nobody had deleted it")

    def idempotency(self, p: float = 0.3) -> dict[str, str]:
        return {"Idempotency-Key": f"soak-{secrets.token_hex(8)}"} if self.rng.random() < p else {}

    def replay(self, op: str, url: str, body: Any, headers: dict[str, str], first: httpx.Response) -> None:
        """Retry a POST with its Idempotency-Key: the same answer again, and a changed body is refused.

        A replay is the first answer, not a new observation (the item may have moved on since)."""
        if not headers or self.rng.random() >= 0.5:
            return
        if self.rng.random() < 0.2:
            other = {**body, **CHANGED[op]}
            r, _, _ = self.call(op, "POST", url, json=other, headers=headers)
            if r is not None and (r.status_code, r.json()["error"]["code"]) != (422, "IDEMPOTENCY_KEY_REUSED"):
                self.j.fail(f"{op} key reused with another body -> {r.status_code} {r.text[:200]}")
            return
        r, _, _ = self.call(op, "POST", url, json=body, headers=headers)
        if r is None or r.status_code == 409 and r.json()["error"]["code"] == "REQUEST_IN_PROGRESS":
            return
        if r.status_code != first.status_code or r.json() != first.json():
            self.j.fail(
                f"{op} replay answered {r.status_code} {r.text[:200]}, first {first.status_code} {first.text[:200]}"
            )
        if first.headers.get("location") != r.headers.get("location"):
            self.j.fail(f"{op} replay Location {r.headers.get('location')} != {first.headers.get('location')}")

    def task_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"title": f"t-{self.index}-{self.rng.randrange(10**6)}"}
        if self.rng.random() < 0.5:
            body["priority"] = self.rng.choice(PRIORITIES)
        if self.rng.random() < 0.3:
            body["completed"] = self.rng.random() < 0.5
        if self.rng.random() < 0.3:
            body["dueDate"] = self.rng.choice(DUE_DATES)
        if self.rng.random() < 0.3:
            body["description"] = self.rng.choice([None, "", "line one\nline two", "naïve café 🚀"])
        return body

    # ------------------------------------------------------------------ tasks

    def create_task(self) -> None:
        body = self.task_body()
        cat = self.pick(self.me.categories) if self.rng.random() < 0.6 else None
        if cat:
            body["categoryId"] = cat
        headers = self.idempotency()
        r, s, e = self.call("create_task", "POST", "/tasks", json=body, headers=headers)
        if r is not None and r.status_code == 201:
            task = r.json()
            for k, v in body.items():
                if task[k] != v:
                    self.j.fail(f"create_task: {k} {task[k]!r} != sent {v!r}")
            if r.headers.get("location") != f"/tasks/{task['taskId']}" or r.headers.get("etag") != '"1"':
                self.j.fail(f"create_task headers {dict(r.headers)}")
            self.observe("task", task, s, e, write=True)
            with self.me.lock:
                self.me.tasks.append(task["taskId"])
            with self.j.lock:
                self.j.created[task["taskId"]] = self.me.user.id
            self.replay("create_task", "/tasks", body, headers, r)
        elif r is not None and r.status_code == 422:
            self.check_404_earned("create_task (422)", cat or "-", e)

    def get_task(self) -> None:
        tid = self.pick(self.me.tasks)
        if tid is None:
            return self.create_task()
        r, s, e = self.call("get_task", "GET", f"/tasks/{tid}", ids=(tid,))
        if r is None:
            return
        if r.status_code == 200:
            task = r.json()
            if r.headers.get("etag") != f'"{task["version"]}"':
                self.j.fail(f"get_task ETag {r.headers.get('etag')} for version {task['version']}")
            self.observe("task", task, s, e, write=False)
        elif r.status_code == 404:
            self.check_404_earned("get_task", tid, e, task=True)
            self.forget(self.me.tasks, tid)

    def update_task(self) -> None:
        tid = self.pick(self.me.tasks)
        if tid is None:
            return self.create_task()
        body = {k: v for k, v in self.task_body().items() if self.rng.random() < 0.6} or {
            "completed": self.rng.random() < 0.5
        }
        if self.rng.random() < 0.35:
            body["categoryId"] = self.pick(self.me.categories) if self.rng.random() < 0.8 else None
        headers = self.if_match(tid)
        r, s, e = self.call("update_task", "PUT", f"/tasks/{tid}", ids=(tid,), json=body, headers=headers)
        if r is None:
            return
        if r.status_code == 200:
            task = r.json()
            for k, v in body.items():
                if task[k] != v:
                    self.j.fail(f"update_task: {k} {task[k]!r} != sent {v!r}")
            expected = int(headers["If-Match"].strip('"')) if headers else None
            self.observe("task", task, s, e, write=True, expected=expected)
        elif r.status_code == 404:
            self.check_404_earned("update_task", tid, e, task=True)
            self.forget(self.me.tasks, tid)
        elif r.status_code == 422:
            self.check_404_earned("update_task (422)", body.get("categoryId") or "-", e)
        elif r.status_code == 412 and not headers:
            self.j.fail("update_task: 412 without If-Match")

    def delete_task(self) -> None:
        tid = self.pick(self.me.tasks)
        if tid is None:
            return
        headers = self.if_match(tid, 0.3)
        with self.j.lock:
            self.j.delete_started.setdefault(tid, time.monotonic())
        r, s, e = self.call("delete_task", "DELETE", f"/tasks/{tid}", ids=(tid,), headers=headers)
        if r is None:
            return
        with self.j.lock:
            self.j.deletes[tid].append((s, e, r.status_code))
        if r.status_code == 204:
            with self.me.lock:
                if tid in self.me.tasks and self.rng.random() < 0.7:  # some deleted ids stay in the pool: 404s
                    self.me.tasks.remove(tid)
        elif r.status_code == 412 and not headers:
            self.j.fail("delete_task: 412 without If-Match")

    def list_tasks(self) -> None:
        params: dict[str, Any] = {"limit": self.rng.choice([1, 5, 20, 100])}
        choice = self.rng.randrange(5)
        if choice == 1:
            params["completed"] = self.rng.choice(["true", "false"])
        elif choice == 2:
            params["priority"] = self.rng.choice(PRIORITIES)
        elif choice == 3:
            cat = self.pick(self.me.categories)
            if cat:
                params["categoryId"] = cat
        elif choice == 4:
            params["dueBefore"] = "2026-12-31T00:00:00Z"
        seen: set[str] = set()
        for _ in range(3):  # a few pages; the walk to the end is the model tests' job
            r, s, e = self.call("list_tasks", "GET", "/tasks", params=params)
            if r is None or r.status_code != 200:
                return
            page = r.json()
            for task in page["items"]:
                with self.j.lock:  # checked at the end: its creator may not have had the 201 yet
                    self.j.listed.add((self.me.user.id, task["taskId"]))
                if task["taskId"] in seen:
                    self.j.fail(f"list_tasks returned {task['taskId']} twice in one walk")
                seen.add(task["taskId"])
                for name, attr in (("completed", "completed"), ("priority", "priority"), ("categoryId", "categoryId")):
                    if name in params and str(task[attr]).lower() != str(params[name]).lower():
                        self.j.fail(f"list_tasks filter {name}={params[name]} returned {task[attr]!r}")
                if "dueBefore" in params and not (task["dueDate"] and task["dueDate"] <= "2026-12-31T00:00:00.000Z"):
                    self.j.fail(f"list_tasks dueBefore returned dueDate {task['dueDate']!r}")
                if "categoryId" not in params:  # CategoryIndex reads are eventually consistent: not an observation
                    self.observe("task", task, s, e, write=False)
            if not page["nextCursor"]:
                return
            params["cursor"] = page["nextCursor"]

    # ------------------------------------------------------------------ many tasks per call

    def batch_create_tasks(self) -> None:
        bodies = []
        for _ in range(self.rng.randint(1, 8)):
            body = self.task_body()
            if self.rng.random() < 0.5:
                cat = self.pick(self.me.categories)
                if cat:
                    body["categoryId"] = cat
            bodies.append(body)
        headers = self.idempotency()
        r, s, e = self.call("batch_create_tasks", "POST", "/tasks/batch", json={"tasks": bodies}, headers=headers)
        if r is None or r.status_code != 200:
            return
        results = r.json()["results"]
        if [x["index"] for x in results] != list(range(len(bodies))):
            self.j.fail(f"batch_create_tasks results out of order: {[x['index'] for x in results]}")
        for x, body in zip(results, bodies, strict=True):
            self.item_result("batch_create_tasks", x)
            if x["status"] == 201:
                task = x["task"]
                if any(task[k] != v for k, v in body.items()) or task["version"] != 1 or x["taskId"] != task["taskId"]:
                    self.j.fail(f"batch_create_tasks result {task} for {body}")
                self.observe("task", task, s, e, write=True)
                with self.me.lock:
                    self.me.tasks.append(task["taskId"])
                with self.j.lock:
                    self.j.created[task["taskId"]] = self.me.user.id
            elif x["status"] == 422:
                self.check_404_earned("batch_create_tasks (422)", body.get("categoryId") or "-", e)
        self.replay("batch_create_tasks", "/tasks/batch", {"tasks": bodies}, headers, r)

    def item_result(self, op: str, x: dict[str, Any]) -> None:
        with self.j.lock:
            self.j.by_op[(op + "[item]", x["status"])] += 1
        if x["status"] not in ITEM_STATUSES[op]:
            self.j.fail(f"{op} item {x}")
        if (x["error"] is None) != (x["status"] < 400) or (x["task"] is None) != (x["status"] not in (200, 201)):
            self.j.fail(f"{op} item shape {x}")

    def bulk_update_tasks(self) -> None:
        with self.me.lock:
            pool = list(self.me.tasks)
        if not pool:
            return self.create_task()
        ids = self.rng.sample(pool, min(len(pool), self.rng.randint(1, 6)))
        action = self.rng.choices(["complete", "reopen", "delete"], [4, 2, 1])[0]
        if action == "delete":
            now = time.monotonic()
            with self.j.lock:
                for tid in ids:
                    self.j.delete_started.setdefault(tid, now)
        body = {"action": action, "taskIds": ids}
        headers = self.idempotency(0.2)
        r, s, e = self.call("bulk_update_tasks", "POST", "/tasks/bulk", ids=tuple(ids), json=body, headers=headers)
        if r is None or r.status_code != 200:
            return
        results = r.json()["results"]
        if [x["taskId"] for x in results] != ids:
            self.j.fail(f"bulk_update_tasks results {[x['taskId'] for x in results]} for {ids}")
        for x, tid in zip(results, ids, strict=True):
            self.item_result("bulk_update_tasks", x)
            if x["status"] == 200:
                if x["task"]["completed"] != (action == "complete"):
                    self.j.fail(f"bulk {action} answered {x['task']}")
                self.observe("task", x["task"], s, e, write=False, bulk=True)
            elif x["status"] == 204:
                with self.j.lock:
                    self.j.deletes[tid].append((s, e, 204))
                with self.me.lock:
                    if tid in self.me.tasks and self.rng.random() < 0.7:
                        self.me.tasks.remove(tid)
            elif x["status"] == 404:
                self.check_404_earned("bulk_update_tasks (item 404)", tid, e, task=True)
        self.replay("bulk_update_tasks", "/tasks/bulk", body, headers, r)

    def clear_completed_tasks(self) -> None:
        with self.j.lock:
            self.j.clear_started.setdefault(self.me.user.id, time.monotonic())
        r, _, _ = self.call("clear_completed_tasks", "POST", "/tasks/clear-completed")
        if r is not None and r.status_code == 200:
            with self.j.lock:
                self.j.cleared[self.me.user.id] += r.json()["deleted"]

    # ------------------------------------------------------------------ categories

    def create_category(self) -> None:
        with self.me.lock:
            names = list(self.me.names)
        if names and self.rng.random() < 0.2:
            name = self.rng.choice(names).swapcase()  # same name in another case: 409 unless it was renamed
        else:
            name = f"c{self.index}-{self.rng.randrange(10**6)}"
        body: dict[str, Any] = {"name": name, "color": f"#{self.rng.randrange(16**6):06x}"}
        if self.rng.random() < 0.5:
            body["icon"] = self.rng.choice(["📁", "home", "work"])
        headers = self.idempotency()
        r, s, e = self.call("create_category", "POST", "/categories", json=body, headers=headers)
        if r is not None and r.status_code == 201:
            cat = r.json()
            if cat["taskCount"] != 0 or cat["version"] != 1 or cat["name"] != name:
                self.j.fail(f"create_category answered {cat}")
            self.observe("category", cat, s, e, write=True)
            with self.me.lock:
                self.me.categories.append(cat["categoryId"])
                self.me.names.append(name)
            with self.j.lock:
                self.j.created[cat["categoryId"]] = self.me.user.id
            self.replay("create_category", "/categories", body, headers, r)

    def get_category(self) -> None:
        cid = self.pick(self.me.categories)
        if cid is None:
            return self.create_category()
        r, s, e = self.call("get_category", "GET", f"/categories/{cid}", ids=(cid,))
        if r is not None and r.status_code == 200:
            self.observe("category", r.json(), s, e, write=False)
        elif r is not None and r.status_code == 404:
            self.check_404_earned("get_category", cid, e)

    def update_category(self) -> None:
        cid = self.pick(self.me.categories)
        if cid is None:
            return self.create_category()
        body: dict[str, Any] = {}
        if self.rng.random() < 0.4:
            body["name"] = f"r{self.index}-{self.rng.randrange(10**6)}"
        if self.rng.random() < 0.5 or not body:
            body["color"] = f"#{self.rng.randrange(16**6):06X}"
        if self.rng.random() < 0.2:
            body["icon"] = self.rng.choice([None, "⭐"])
        headers = self.if_match(cid)
        r, s, e = self.call("update_category", "PUT", f"/categories/{cid}", ids=(cid,), json=body, headers=headers)
        if r is not None and r.status_code == 200:
            cat = r.json()
            for k, v in body.items():
                if cat[k] != v:
                    self.j.fail(f"update_category: {k} {cat[k]!r} != sent {v!r}")
            expected = int(headers["If-Match"].strip('"')) if headers else None
            self.observe("category", cat, s, e, write=True, expected=expected)
            if "name" in body:
                with self.me.lock:
                    self.me.names.append(body["name"])
        elif r is not None and r.status_code == 404:
            self.check_404_earned("update_category", cid, e)

    def delete_category(self) -> None:
        cid = self.pick(self.me.categories)
        if cid is None:
            return
        headers = self.if_match(cid, 0.3)
        params = {"cascade": "detach"} if self.rng.random() < 0.5 else {}
        with self.j.lock:
            self.j.delete_started.setdefault(cid, time.monotonic())
        r, s, e = self.call(
            "delete_category", "DELETE", f"/categories/{cid}", ids=(cid,), headers=headers, params=params
        )
        if r is None:
            return
        with self.j.lock:
            self.j.deletes[cid].append((s, e, r.status_code))
            if r.status_code == 204 and params:
                self.j.cascaded.add(cid)
        if r.status_code == 204:
            with self.me.lock:
                if cid in self.me.categories:
                    self.me.categories.remove(cid)

    def list_categories(self) -> None:
        params: dict[str, Any] = {"limit": self.rng.choice([2, 10, 100])}
        for _ in range(3):
            r, s, e = self.call("list_categories", "GET", "/categories", params=params)
            if r is None or r.status_code != 200:
                return
            page = r.json()
            for cat in page["items"]:
                with self.j.lock:
                    self.j.listed.add((self.me.user.id, cat["categoryId"]))
                self.observe("category", cat, s, e, write=False)
            if not page["nextCursor"]:
                return
            params["cursor"] = page["nextCursor"]

    # ------------------------------------------------------------------ tenancy

    def probe_other_user(self) -> None:
        """Another user's live ids, through every single-item operation: always 404, never a change."""
        other = self.rng.choice(self.others)
        with other.lock:
            tid = self.rng.choice(other.tasks) if other.tasks else None
            cid = self.rng.choice(other.categories) if other.categories else None
        probes = []
        if tid:
            probes += [
                ("GET", f"/tasks/{tid}", None),
                ("PUT", f"/tasks/{tid}", {"title": "stolen"}),
                ("DELETE", f"/tasks/{tid}", None),
            ]
        if cid:
            probes += [
                ("GET", f"/categories/{cid}", None),
                ("PUT", f"/categories/{cid}", {"name": "stolen"}),
                ("DELETE", f"/categories/{cid}", None),
            ]
            # Creating into another user's category is refused per item; listing through it reads nothing.
            r, _, _ = self.call(
                "batch_create_tasks", "POST", "/tasks/batch", json={"tasks": [{"title": "x", "categoryId": cid}]}
            )
            if r is not None and r.status_code == 200 and [x["status"] for x in r.json()["results"]] != [422]:
                self.j.fail(f"batch into another user's category answered {r.text[:300]}")
            r, _, _ = self.call("list_tasks", "GET", "/tasks", params={"categoryId": cid})
            if r is not None and r.status_code == 200 and r.json()["items"]:
                self.j.fail(f"list_tasks?categoryId=<other user's> returned {len(r.json()['items'])} items")
        if tid:
            action = self.rng.choice(["complete", "reopen", "delete"])
            r, _, _ = self.call("bulk_update_tasks", "POST", "/tasks/bulk", json={"action": action, "taskIds": [tid]})
            if r is not None and r.status_code == 200 and [x["status"] for x in r.json()["results"]] != [404]:
                self.j.fail(f"bulk {action} of another user's task answered {r.text[:300]}")
        if not probes:
            return
        method, url, body = self.rng.choice(probes)
        headers = {"If-Match": '"1"'} if self.rng.random() < 0.3 else {}
        op = (
            "probe:"
            + {"GET": "get", "PUT": "update", "DELETE": "delete"}[method]
            + ("_task" if "/tasks/" in url else "_category")
        )
        self.call(op, method, url, json=body, headers=headers)

    # ------------------------------------------------------------------ loop

    def run(self, deadline: float, start: threading.Barrier) -> None:
        funcs, weights = zip(*self.ops, strict=True)
        start.wait()
        try:
            while time.monotonic() < deadline:
                self.rng.choices(funcs, weights)[0]()
        except Exception as e:  # a crash in the harness must fail the test, not vanish in a thread
            self.j.fail(f"client {self.index} crashed: {e!r}")
        finally:
            self.http.close()


# ---------------------------------------------------------------------- what DynamoDB holds


def query_all(ddb: Any, table: str, user_id: str) -> list[dict[str, Any]]:
    from tasktracker.store.dynamo import from_item

    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "userId = :u",
        "ExpressionAttributeValues": {":u": {"S": user_id}},
        "ConsistentRead": True,
    }
    while True:
        resp = ddb.query(**kwargs)
        items += [from_item(i) for i in resp["Items"]]
        if "LastEvaluatedKey" not in resp:
            return items
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def check_invariants(j: Journal, ddb: Any, users: list[UserState]) -> dict[str, Any]:
    """Every §3 invariant against the tables; returns counts for the summary."""
    from tasktracker.store.dynamo import NAME_GUARD_PREFIX

    failures = j.failures
    stored_tasks: dict[str, dict[str, Any]] = {}
    stored_cats: dict[str, dict[str, Any]] = {}
    guards: dict[str, dict[str, Any]] = {}
    for us in users:
        for t in query_all(ddb, "Tasks", us.user.id):
            stored_tasks[t["taskId"]] = t
        for c in query_all(ddb, "Categories", us.user.id):
            (guards if c["categoryId"].startswith(NAME_GUARD_PREFIX) else stored_cats)[
                f"{us.user.id}/{c['categoryId']}"
            ] = c
    stored_cats = {k.split("/", 1)[1]: v for k, v in stored_cats.items()}

    # Invariant 1: everything stored under a user was created by that user's clients.
    for item_id, item in [*stored_tasks.items(), *stored_cats.items()]:
        if j.created.get(item_id) != item["userId"]:
            failures.append(f"{item_id} stored under {item['userId']} but created by {j.created.get(item_id)}")

    failures += [
        f"{u}'s list returned {i}, created by {j.created.get(i)}" for u, i in j.listed if j.created.get(i) != u
    ]

    # Invariant 2: taskCount exact; no task in a category that does not exist.
    counts: Counter = Counter()
    for t in stored_tasks.values():
        if t.get("categoryId"):
            counts[t["categoryId"]] += 1
            cat = stored_cats.get(t["categoryId"])
            if cat is None or cat["userId"] != t["userId"]:
                failures.append(
                    f"task {t['taskId']} is in category {t['categoryId']}, which {t['userId']} does not have"
                )
    for cid, c in stored_cats.items():
        if c["taskCount"] != counts[cid]:
            failures.append(f"category {cid}: taskCount {c['taskCount']} but {counts[cid]} tasks")

    # Names stay unique per user, ignoring case, and every name guard belongs to a live category of that name.
    by_name: Counter = Counter((c["userId"], c["name"].strip().casefold()) for c in stored_cats.values())
    failures += [f"{u}: {n} categories named {name!r}" for (u, name), n in by_name.items() if n > 1]
    for key, g in guards.items():
        owner = stored_cats.get(g.get("ownerCategoryId", ""))
        if owner is None or NAME_GUARD_PREFIX + owner["nameKey"] != g["categoryId"]:
            failures.append(f"stale name guard {key} -> {g.get('ownerCategoryId')}")
    if len(guards) != len(stored_cats):
        failures.append(f"{len(guards)} name guards for {len(stored_cats)} categories")

    # Invariant 3: per item, versions never go back in real time; each acknowledged write made a version of
    # its own, the one after its If-Match; and the last acknowledged write (or a later one) is what is stored.
    per_item: dict[str, list[Obs]] = defaultdict(list)
    gone_by_clear: dict[str, list[str]] = defaultdict(list)
    for o in j.obs:
        per_item[o.item_id].append(o)
    acked_writes = 0
    for item_id, observations in per_item.items():
        by_end = sorted(observations, key=lambda o: o.end)
        max_before, k = 0, 0
        for o in sorted(observations, key=lambda o: o.start):
            while k < len(by_end) and by_end[k].end < o.start:
                max_before = max(max_before, by_end[k].body["version"])
                k += 1
            if o.body["version"] < max_before:
                failures.append(f"{item_id}: version {o.body['version']} seen after version {max_before}")
        writes = [o for o in observations if o.write]
        acked_writes += len(writes) + sum(1 for o in observations if o.bulk)
        versions = Counter(o.body["version"] for o in writes)
        failures += [
            f"{item_id}: {n} acknowledged writes all answered version {v}" for v, n in versions.items() if n > 1
        ]
        failures += [
            f"{item_id}: If-Match {o.expected_version} acknowledged as version {o.body['version']}"
            for o in writes
            if o.expected_version is not None and o.body["version"] != o.expected_version + 1
        ]
        # Reads never show a version no write could have made: same version, same state.
        by_version: dict[int, dict[str, Any]] = {}
        for o in observations:
            seen = by_version.setdefault(o.body["version"], o.body)
            if seen != o.body:
                failures.append(f"{item_id}: two states for version {o.body['version']}: {seen} / {o.body}")

        stored = (stored_tasks if observations[0].kind == "task" else stored_cats).get(item_id)
        deleted = any(status == 204 for _, _, status in j.deletes.get(item_id, []))
        if deleted:
            if stored is not None:
                failures.append(f"{item_id}: delete acknowledged but still stored")
            continue
        if stored is None:
            if observations[0].kind == "task":
                gone_by_clear[observations[0].user].append(item_id)  # only clear-completed may explain it
            else:
                failures.append(f"{item_id}: acknowledged, never deleted, but gone")
            continue
        last = max((o for o in observations if o.write or o.bulk), key=lambda o: o.body["version"], default=None)
        if last is None:
            continue
        if stored["version"] < last.body["version"]:
            failures.append(f"{item_id}: stored version {stored['version']} < acknowledged {last.body['version']}")
        elif stored["version"] == last.body["version"]:
            diff = {f: (stored.get(f), v) for f, v in last.body.items() if stored.get(f) != v}
            if diff:
                failures.append(f"{item_id}: acknowledged write lost: stored vs acknowledged {diff}")

    # Invariants 3 and 4 together, exactly: a task's versions are its acknowledged writes, one each (failed
    # requests changed nothing, none applied twice); the only versions no answer acknowledged are the detaches
    # of categories deleted with ?cascade=detach, at most one per such category the task was in.
    task_versions: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    categories_of: dict[str, set[str]] = defaultdict(set)
    for o in sorted(j.obs, key=lambda o: not o.write):  # writes first; a bulk result adds the version it made
        if o.kind == "task":
            if o.write or o.bulk:
                task_versions[o.item_id].setdefault(o.body["version"], o.body)
            if o.body.get("categoryId"):
                categories_of[o.item_id].add(o.body["categoryId"])
    for tid, versions in task_versions.items():
        if tid in j.uncertain:
            continue
        top = max(versions)
        stored = stored_tasks.get(tid)
        final = stored["version"] if stored is not None else top
        unexplained = final - len(versions)
        detachable = len(categories_of[tid] & j.cascaded)
        if not 0 <= unexplained <= detachable:
            failures.append(
                f"task {tid}: stored version {final} but acknowledged versions {sorted(versions)}"
                f" ({detachable} cascade detaches could explain the rest)"
            )
        if stored is not None and stored["version"] > top:
            expected = {**versions[top], "categoryId": None, "version": stored["version"]}
            diff = {f: (stored.get(f), v) for f, v in expected.items() if stored.get(f) != v}
            if diff:
                failures.append(f"task {tid}: changed after its last acknowledged write by more than a detach: {diff}")

    # Tasks gone without an acknowledged delete: exactly as many as clear-completed said it deleted, and each
    # was completed when last seen (clear-completed must never take a task someone reopened).
    for user_id, gone in gone_by_clear.items():
        if len(gone) != j.cleared[user_id]:
            failures.append(
                f"{user_id}: {len(gone)} tasks gone without a delete, clear-completed deleted {j.cleared[user_id]}"
            )
        for tid in gone:
            versions = task_versions.get(tid)
            if versions and not versions[max(versions)]["completed"]:
                failures.append(
                    f"task {tid}: deleted by clear-completed, but last acknowledged as not completed: {versions[max(versions)]}"
                )
    return {
        "acknowledgedWrites": acked_writes,
        "itemsObserved": len(per_item),
        "tasksStored": len(stored_tasks),
        "categoriesStored": len(stored_cats),
        "tasksInCategories": sum(counts.values()),
    }


@pytest.mark.integration
def test_soak_keeps_every_invariant(make_user, ddb, capsys):
    known = {
        "create_task", "get_task", "update_task", "delete_task", "list_tasks",
        "create_category", "get_category", "update_category", "delete_category", "list_categories",
        "batch_create_tasks", "bulk_update_tasks", "clear_completed_tasks",
    }  # fmt: skip
    missing = spec_operations() - known
    assert not missing, f"the soak has no traffic for {sorted(missing)}: add it to the mix"

    users = [UserState(make_user()) for _ in range(SOAK_USERS)]
    journal = Journal()
    for us in users:  # a few shared categories per user, so the clients contend on them from the start
        for i in range(3):
            r = us.user.http.post("/categories", json={"name": f"shared-{i}", "color": "#123456"})
            assert r.status_code == 201, r.text
            cat = r.json()
            us.categories.append(cat["categoryId"])
            us.names.append(cat["name"])
            journal.created[cat["categoryId"]] = us.user.id
            journal.obs.append(
                Obs("category", cat["categoryId"], us.user.id, {f: cat.get(f) for f in CATEGORY_FIELDS}, 0, 0, True)
            )
    clients = [
        Client(i, users[i % SOAK_USERS], [u for u in users if u is not users[i % SOAK_USERS]], journal, SOAK_SEED + i)
        for i in range(SOAK_CLIENTS)
    ]
    barrier = threading.Barrier(SOAK_CLIENTS)
    began = time.monotonic()
    deadline = began + SOAK_SECONDS
    threads = [threading.Thread(target=c.run, args=(deadline, barrier)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began

    results = check_invariants(journal, ddb, users)
    total = sum(journal.statuses.values())
    summary = {
        "seed": SOAK_SEED,
        "clients": SOAK_CLIENTS,
        "users": SOAK_USERS,
        "seconds": round(elapsed, 1),
        "requests": total,
        "requestsPerSecond": round(total / elapsed, 1),
        "byStatus": {str(k): v for k, v in sorted(journal.statuses.items(), key=str)},
        "byOperation": {f"{op} {st}": n for (op, st), n in sorted(journal.by_op.items(), key=str)},
        **results,
        "failures": len(journal.failures),
    }
    out = ROOT / "build" / "soak"
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    with capsys.disabled():
        print(
            f"\nsoak: {total} requests in {elapsed:.0f} s ({summary['requestsPerSecond']}/s), {SOAK_CLIENTS} clients, "
            f"{SOAK_USERS} users, seed {SOAK_SEED}; by status {summary['byStatus']}; "
            f"{results['acknowledgedWrites']} acknowledged writes on {results['itemsObserved']} items; "
            f"{len(journal.failures)} invariant failures"
        )

    assert not journal.failures, f"{len(journal.failures)} failures (seed {SOAK_SEED}):\n" + "\n".join(
        journal.failures[:40]
    )
    assert not [s for s in journal.statuses if isinstance(s, int) and s >= 500]
    ran = journal.ops_run | {"list_tasks"}
    assert known <= ran, f"operations never run: {known - ran}"
    assert results["acknowledgedWrites"] > 0
