"""Model-based tests: Hypothesis runs random operation sequences against the real service on DynamoDB Local
(in-process, through the whole HTTP stack) and against a small in-memory model, and compares every answer:
status, error code, body fields, ETag, category counts and versions, If-Match outcomes, cross-user 404s,
idempotent replays, and every list walked page by page to its end.

Each example runs as two fresh users (A acts; B owns a few items A must never reach). Bounded by
MODEL_EXAMPLES (default 60) x MODEL_STEPS (default 40).
"""

from __future__ import annotations

import os
import re
import secrets
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from starlette.testclient import TestClient

from tasktracker import wiring
from tasktracker.app import create_app
from tasktracker.config import Settings

EXAMPLES = int(os.environ.get("MODEL_EXAMPLES", "60"))
STEPS = int(os.environ.get("MODEL_STEPS", "40"))
MISSING = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TASK_KEYS = {
    "taskId",
    "title",
    "description",
    "completed",
    "priority",
    "dueDate",
    "categoryId",
    "createdAt",
    "updatedAt",
    "version",
}
CATEGORY_KEYS = {"categoryId", "name", "color", "icon", "taskCount", "createdAt", "updatedAt", "version"}

titles = st.one_of(
    st.sampled_from(["buy milk", "Write report", "call mom", "🚀 launch", "naïve café", "x"]),
    st.text(st.characters(categories=["L", "N", "Zs", "So"]), min_size=1, max_size=12).filter(lambda s: s.strip()),
)
# Few names, in several cases, so uniqueness (ignoring case, casefold: "STRASSE" == "straße") is exercised.
names = st.sampled_from(["Work", "work", "WORK", "Home", "home ", "straße", "STRASSE", "Ünï", "ünï", "🏠"])
colors = st.sampled_from(["#112233", "#AABBCC", "#abcdef"])
icons = st.sampled_from([None, "📁", "star"])
priorities = st.sampled_from(["low", "medium", "high"])
# The same instants in several RFC 3339 spellings: stored and compared as UTC with milliseconds.
due_dates = st.sampled_from(
    [
        None,
        "2026-01-01T00:00:00Z",
        "2026-01-01T02:00:00+02:00",
        "2026-06-15T12:30:00.5Z",
        "2026-06-15T12:30:00.500000Z",
        "2027-03-01T08:00:00.000Z",
        "2027-02-28T23:00:00-09:00",
    ]
)
descriptions = st.sampled_from([None, "", "two\nlines", "tab\there"])
limits = st.integers(1, 7)


def normalize(value: str | None) -> str | None:
    if value is None:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@pytest.fixture(scope="module")
def service(dynamodb_endpoint):
    """One in-process app for the module; each example adds its own two users to the key map."""
    keys: dict[str, str] = {}
    settings_ = Settings(api_keys=keys, cursor_secret="model-test-secret-0123456789abcdef")
    client = TestClient(create_app(settings_), raise_server_exceptions=False)
    yield client, keys
    client.close()
    wiring.configure(Settings.from_env())


class TaskTrackerModel(RuleBasedStateMachine):
    client: TestClient
    keys: dict[str, str]
    stats: Counter = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.stats["examples"] += 1
        self.users = {}
        for who in ("A", "B"):
            key, user_id = f"model-{secrets.token_hex(12)}", f"model-{who}-{secrets.token_hex(6)}"
            self.keys[key] = user_id
            self.users[who] = key
        self.tasks: dict[str, dict[str, Any]] = {}  # A's live tasks
        self.categories: dict[str, dict[str, Any]] = {}  # A's live categories
        self.task_ids: list[str] = []  # every id A ever had (deleted ones stay: they must 404)
        self.category_ids: list[str] = []
        self.b_task = self.b_category = MISSING
        self.b_owned: set[str] = set()  # every id B created
        self.b_names = {"work"}  # B's category names (casefolded)
        self.b_answers: dict[str, Any] = {}  # B's first answer per Idempotency-Key B used
        self.replayable: list[tuple[str, Any, str, Any]] = []  # (path, body, key, first response)

    # ------------------------------------------------------------------ plumbing

    def req(self, method: str, path: str, who: str = "A", **kw: Any):
        headers = {"x-api-key": self.users[who], **kw.pop("headers", {})}
        self.stats["requests"] += 1
        r = self.client.request(method, path, headers=headers, **kw)
        assert r.status_code < 500, f"{method} {path} -> {r.status_code} {r.text}"
        return r

    def expect_error(self, r, status: int, code: str) -> None:
        assert r.status_code == status, f"expected {status} {code}, got {r.status_code} {r.text}"
        assert r.headers["content-type"] == "application/json"
        err = r.json()["error"]
        assert err["code"] == code, err
        assert err["correlationId"] == r.headers["x-correlation-id"]

    def check_task(self, got: dict[str, Any], etag: str | None = None) -> None:
        want = self.tasks[got["taskId"]]
        assert set(got) == TASK_KEYS
        for k in TASK_KEYS - {"createdAt", "updatedAt"}:
            assert got[k] == want[k], (k, got, want)
        assert TIMESTAMP.match(got["createdAt"]) and TIMESTAMP.match(got["updatedAt"])
        assert got["createdAt"] == want.setdefault("createdAt", got["createdAt"])
        assert got["updatedAt"] >= got["createdAt"]
        if etag is not None:
            assert etag == f'"{want["version"]}"'

    def check_category(self, got: dict[str, Any], etag: str | None = None) -> None:
        want = self.categories[got["categoryId"]]
        assert set(got) == CATEGORY_KEYS
        for k in CATEGORY_KEYS - {"createdAt", "updatedAt"}:
            assert got[k] == want[k], (k, got, want)
        assert got["taskCount"] == sum(1 for t in self.tasks.values() if t["categoryId"] == got["categoryId"])
        assert got["createdAt"] == want.setdefault("createdAt", got["createdAt"])
        assert TIMESTAMP.match(got["updatedAt"]) and got["updatedAt"] >= got["createdAt"]
        if etag is not None:
            assert etag == f'"{want["version"]}"'

    def bump_category(self, category_id: str | None, delta: int) -> None:
        """A counted task write: taskCount moves and the category's version goes up by one."""
        if category_id:
            self.categories[category_id]["taskCount"] += delta
            self.categories[category_id]["version"] += 1

    def if_match(self, data: st.DataObject, current: int | None) -> tuple[dict[str, str], bool]:
        """A random If-Match and whether it admits the write (absent, '*', or the current version)."""
        choice = data.draw(st.sampled_from(["none", "current", "stale", "star", "garbage"]), label="if_match")
        if choice == "none" or current is None and choice == "current":
            return {}, True
        if choice == "star":
            return {"If-Match": "*"}, True
        if choice == "current":
            return {"If-Match": f'"{current}"'}, True
        if choice == "stale":
            return {"If-Match": f'"{(current or 1) + data.draw(st.sampled_from([-1, 1, 7]))}"'}, False
        return {"If-Match": '"not-a-version"'}, False

    def task_ref(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from([*self.task_ids, MISSING, self.b_task]), label="taskId")

    def category_ref(self, data: st.DataObject, allow_none: bool = True) -> str | None:
        options = [*self.category_ids, MISSING, self.b_category] + ([None] if allow_none else [])
        return data.draw(st.sampled_from(options), label="categoryId")

    def name_taken(self, name: str, except_id: str | None = None) -> bool:
        key = name.strip().casefold()
        return any(c["name"].strip().casefold() == key for cid, c in self.categories.items() if cid != except_id)

    # ------------------------------------------------------------------ setup

    @initialize()
    def b_owns_something(self) -> None:
        r = self.req("POST", "/categories", "B", json={"name": "Work", "color": "#000000"})
        assert r.status_code == 201
        self.b_category = r.json()["categoryId"]
        r = self.req("POST", "/tasks", "B", json={"title": "b's", "categoryId": self.b_category})
        assert r.status_code == 201
        self.b_task = r.json()["taskId"]
        self.b_owned |= {self.b_task, self.b_category}

    # ------------------------------------------------------------------ tasks

    @rule(data=st.data(), title=titles, priority=st.none() | priorities, completed=st.none() | st.booleans(),
          due=due_dates, description=descriptions, keyed=st.booleans())  # fmt: skip
    def create_task(self, data, title, priority, completed, due, description, keyed) -> None:
        category = self.category_ref(data)
        body: dict[str, Any] = {"title": title}
        for k, v in (("priority", priority), ("completed", completed), ("dueDate", due), ("description", description)):
            if v is not None:
                body[k] = v
        if category is not None:
            body["categoryId"] = category
        headers = {"Idempotency-Key": secrets.token_hex(8)} if keyed else {}
        r = self.req("POST", "/tasks", json=body, headers=headers)
        if category is not None and category not in self.categories:
            return self.expect_error(r, 422, "UNKNOWN_CATEGORY")
        assert r.status_code == 201, r.text
        got = r.json()
        self.tasks[got["taskId"]] = {
            "taskId": got["taskId"], "title": title, "description": description, "completed": bool(completed),
            "priority": priority or "medium", "dueDate": normalize(due), "categoryId": category, "version": 1,
        }  # fmt: skip
        self.task_ids.append(got["taskId"])
        self.bump_category(category, +1)
        self.check_task(got, r.headers["etag"])
        assert r.headers["location"] == f"/tasks/{got['taskId']}"
        if keyed:
            self.replayable.append(("/tasks", body, headers["Idempotency-Key"], r))

    @precondition(lambda self: self.task_ids)
    @rule(data=st.data(), who=st.sampled_from(["A", "A", "B"]))
    def get_task(self, data, who) -> None:
        tid = self.task_ref(data)
        r = self.req("GET", f"/tasks/{tid}", who)
        if who == "B" and tid in self.b_owned:
            assert r.status_code == 200
        elif who == "A" and tid in self.tasks:
            assert r.status_code == 200, r.text
            self.check_task(r.json(), r.headers["etag"])
        else:
            self.expect_error(r, 404, "TASK_NOT_FOUND")

    @precondition(lambda self: self.task_ids)
    @rule(data=st.data(), who=st.sampled_from(["A", "A", "A", "B"]))
    def update_task(self, data, who) -> None:
        tid = self.task_ref(data)
        body: dict[str, Any] = {}
        for field, strategy in (("title", titles), ("completed", st.booleans()), ("priority", priorities),
                                ("dueDate", due_dates), ("description", descriptions)):  # fmt: skip
            if data.draw(st.integers(0, 3), label=f"set {field}") == 0:
                body[field] = data.draw(strategy, label=field)
        if data.draw(st.booleans(), label="move") or not body:
            body["categoryId"] = self.category_ref(data)
        mine = who == "A" and tid in self.tasks
        headers, admitted = self.if_match(data, self.tasks[tid]["version"] if mine else None)
        r = self.req("PUT", f"/tasks/{tid}", who, json=body, headers=headers)
        if who == "B" and tid == self.b_task:
            return  # B's own business; not modelled
        if not mine:
            return self.expect_error(r, 404, "TASK_NOT_FOUND")
        if not admitted:
            return self.expect_error(r, 412, "PRECONDITION_FAILED")
        new_cat = body.get("categoryId", self.tasks[tid]["categoryId"])
        if new_cat is not None and new_cat not in self.categories:
            return self.expect_error(r, 422, "UNKNOWN_CATEGORY")
        assert r.status_code == 200, r.text
        task = self.tasks[tid]
        old_cat = task["categoryId"]
        task.update({k: normalize(v) if k == "dueDate" else v for k, v in body.items()})
        task["version"] += 1
        if old_cat != new_cat:
            self.bump_category(old_cat, -1)
            self.bump_category(new_cat, +1)
        self.check_task(r.json(), r.headers["etag"])

    @precondition(lambda self: self.task_ids)
    @rule(data=st.data(), who=st.sampled_from(["A", "A", "A", "B"]))
    def delete_task(self, data, who) -> None:
        tid = self.task_ref(data)
        if who == "B" and tid == self.b_task:
            return
        mine = who == "A" and tid in self.tasks
        headers, admitted = self.if_match(data, self.tasks[tid]["version"] if mine else None)
        r = self.req("DELETE", f"/tasks/{tid}", who, headers=headers)
        if not mine:
            return self.expect_error(r, 404, "TASK_NOT_FOUND")
        if not admitted:
            return self.expect_error(r, 412, "PRECONDITION_FAILED")
        assert r.status_code == 204 and r.content == b""
        self.bump_category(self.tasks.pop(tid)["categoryId"], -1)

    @rule(data=st.data(), limit=limits)
    def list_tasks(self, data, limit) -> None:
        flt = data.draw(
            st.sampled_from(["none", "completed", "priority", "category", "dueBefore", "dueAfter", "mixed"])
        )
        params: dict[str, Any] = {"limit": limit}
        want = sorted(self.tasks.values(), key=lambda t: t["taskId"], reverse=True)
        if flt in ("completed", "mixed"):
            value = data.draw(st.booleans(), label="completed")
            params["completed"] = str(value).lower()
            want = [t for t in want if t["completed"] == value]
        if flt in ("priority", "mixed"):
            value = data.draw(priorities, label="priority")
            params["priority"] = value
            want = [t for t in want if t["priority"] == value]
        if flt == "category":
            value = self.category_ref(data, allow_none=False)
            params["categoryId"] = value
            want = [t for t in want if t["categoryId"] == value and value in self.categories]
        if flt in ("dueBefore", "dueAfter"):
            value = data.draw(due_dates.filter(bool), label=flt)
            params[flt] = value
            bound = normalize(value)
            want = [
                t
                for t in want
                if t["dueDate"] and (t["dueDate"] <= bound if flt == "dueBefore" else t["dueDate"] >= bound)
            ]
        got = self.walk("/tasks", params, "A")
        if flt == "category":
            # CategoryIndex orders by createdAt; tasks created in the same millisecond may come in any order.
            assert [t["createdAt"] for t in got] == sorted((t["createdAt"] for t in got), reverse=True)
            assert sorted(t["taskId"] for t in got) == sorted(t["taskId"] for t in want)
        else:
            assert [t["taskId"] for t in got] == [t["taskId"] for t in want], params
        for t in got:
            self.check_task(t)
        # B sees none of A's tasks, whatever the filter.
        assert all(t["taskId"] in self.b_owned for t in self.walk("/tasks", params, "B"))

    def walk(self, path: str, params: dict[str, Any], who: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for _ in range(200):
            r = self.req("GET", path, who, params=params)
            assert r.status_code == 200, r.text
            page = r.json()
            assert len(page["items"]) <= params["limit"]
            items += page["items"]
            if page["nextCursor"] is None:
                ids = [i.get("taskId") or i["categoryId"] for i in items]
                assert len(ids) == len(set(ids)), "an item came twice in one walk"
                return items
            params = {**params, "cursor": page["nextCursor"]}
        raise AssertionError("pagination never ended")

    # ------------------------------------------------------------------ many tasks per call

    @rule(data=st.data(), n=st.integers(1, 5))
    def batch_create_tasks(self, data, n) -> None:
        bodies = []
        for i in range(n):
            body: dict[str, Any] = {"title": data.draw(titles, label=f"title {i}")}
            category = self.category_ref(data)
            if category is not None:
                body["categoryId"] = category
            if data.draw(st.booleans(), label=f"completed {i}"):
                body["completed"] = True
            bodies.append(body)
        r = self.req("POST", "/tasks/batch", json={"tasks": bodies})
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert [x["index"] for x in results] == list(range(n))
        created_in: dict[str, int] = {}
        for x, body in zip(results, bodies, strict=True):
            category = body.get("categoryId")
            if category is not None and category not in self.categories:
                assert (x["status"], x["error"]["code"], x["task"]) == (422, "UNKNOWN_CATEGORY", None), x
                continue
            assert x["status"] == 201 and x["error"] is None, x
            tid = x["task"]["taskId"]
            self.tasks[tid] = {
                "taskId": tid, "title": body["title"], "description": None, "completed": body.get("completed", False),
                "priority": "medium", "dueDate": None, "categoryId": category, "version": 1,
            }  # fmt: skip
            self.task_ids.append(tid)
            self.check_task(x["task"])
            if category:
                created_in[category] = created_in.get(category, 0) + 1
        for category, count in created_in.items():  # one transaction per category: one version step
            self.categories[category]["taskCount"] += count
            self.categories[category]["version"] += 1
        ids = [x["taskId"] for x in results if x["status"] == 201]
        assert ids == sorted(ids), "a batch's tasks are created in request order"

    @precondition(lambda self: self.task_ids)
    @rule(data=st.data(), action=st.sampled_from(["complete", "reopen", "delete"]))
    def bulk_update_tasks(self, data, action) -> None:
        pool = [*self.task_ids, MISSING, self.b_task]
        ids = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique=True), label="taskIds")
        r = self.req("POST", "/tasks/bulk", json={"action": action, "taskIds": ids})
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert [x["taskId"] for x in results] == ids and [x["index"] for x in results] == list(range(len(ids)))
        left: dict[str, int] = {}
        for x, tid in zip(results, ids, strict=True):
            if tid not in self.tasks:
                assert (x["status"], x["error"]["code"]) == (404, "TASK_NOT_FOUND"), x
                continue
            if action == "delete":
                assert (x["status"], x["task"], x["error"]) == (204, None, None), x
                category = self.tasks.pop(tid)["categoryId"]
                if category:
                    left[category] = left.get(category, 0) + 1
                continue
            task = self.tasks[tid]
            if task["completed"] != (action == "complete"):
                task["completed"] = action == "complete"
                task["version"] += 1
            assert x["status"] == 200, x
            self.check_task(x["task"])
        for category, count in left.items():  # one count update per category per transaction
            self.categories[category]["taskCount"] -= count
            self.categories[category]["version"] += 1

    @rule()
    def clear_completed_tasks(self) -> None:
        r = self.req("POST", "/tasks/clear-completed")
        assert r.status_code == 200, r.text
        done = sorted((t for t in self.tasks.values() if t["completed"]), key=lambda t: t["taskId"], reverse=True)
        assert r.json() == {"deleted": min(len(done), 100), "more": len(done) > 100}
        done = done[:100]  # newest first, at most 100 a call
        left: dict[str, int] = {}
        for t in done:
            del self.tasks[t["taskId"]]
            if t["categoryId"]:
                left[t["categoryId"]] = left.get(t["categoryId"], 0) + 1
        for category, count in left.items():
            self.categories[category]["taskCount"] -= count
            self.categories[category]["version"] += 1

    # ------------------------------------------------------------------ categories

    @rule(name=names, color=colors, icon=icons, keyed=st.booleans())
    def create_category(self, name, color, icon, keyed) -> None:
        body = {"name": name, "color": color, **({"icon": icon} if icon else {})}
        headers = {"Idempotency-Key": secrets.token_hex(8)} if keyed else {}
        r = self.req("POST", "/categories", json=body, headers=headers)
        if self.name_taken(name):
            return self.expect_error(r, 409, "CATEGORY_NAME_TAKEN")
        assert r.status_code == 201, r.text
        cid = r.json()["categoryId"]
        self.categories[cid] = {
            "categoryId": cid,
            "name": name,
            "color": color,
            "icon": icon,
            "taskCount": 0,
            "version": 1,
        }
        self.category_ids.append(cid)
        self.check_category(r.json(), r.headers["etag"])
        assert r.headers["location"] == f"/categories/{cid}"
        if keyed:
            self.replayable.append(("/categories", body, headers["Idempotency-Key"], r))

    @precondition(lambda self: self.category_ids)
    @rule(data=st.data(), who=st.sampled_from(["A", "A", "B"]))
    def get_category(self, data, who) -> None:
        cid = self.category_ref(data, allow_none=False)
        r = self.req("GET", f"/categories/{cid}", who)
        if who == "B" and cid == self.b_category:
            assert r.status_code == 200
        elif who == "A" and cid in self.categories:
            assert r.status_code == 200, r.text
            self.check_category(r.json(), r.headers["etag"])
        else:
            self.expect_error(r, 404, "CATEGORY_NOT_FOUND")

    @precondition(lambda self: self.category_ids)
    @rule(data=st.data(), who=st.sampled_from(["A", "A", "A", "B"]))
    def update_category(self, data, who) -> None:
        cid = self.category_ref(data, allow_none=False)
        if who == "B" and cid == self.b_category:
            return
        body: dict[str, Any] = {}
        if data.draw(st.booleans(), label="rename"):
            body["name"] = data.draw(names, label="name")
        if data.draw(st.booleans(), label="recolor") or not body:
            body["color"] = data.draw(colors, label="color")
        if data.draw(st.integers(0, 2), label="set icon") == 0:
            body["icon"] = data.draw(icons, label="icon")
        mine = who == "A" and cid in self.categories
        headers, admitted = self.if_match(data, self.categories[cid]["version"] if mine else None)
        r = self.req("PUT", f"/categories/{cid}", who, json=body, headers=headers)
        if not mine:
            return self.expect_error(r, 404, "CATEGORY_NOT_FOUND")
        if not admitted:
            return self.expect_error(r, 412, "PRECONDITION_FAILED")
        if "name" in body and self.name_taken(body["name"], except_id=cid):
            return self.expect_error(r, 409, "CATEGORY_NAME_TAKEN")
        assert r.status_code == 200, r.text
        self.categories[cid].update(body)
        self.categories[cid]["version"] += 1
        self.check_category(r.json(), r.headers["etag"])

    @precondition(lambda self: self.category_ids)
    @rule(data=st.data(), who=st.sampled_from(["A", "A", "A", "B"]), cascade=st.booleans())
    def delete_category(self, data, who, cascade) -> None:
        cid = self.category_ref(data, allow_none=False)
        if who == "B" and cid == self.b_category:
            return
        mine = who == "A" and cid in self.categories
        headers, admitted = self.if_match(data, self.categories[cid]["version"] if mine else None)
        params = {"cascade": "detach"} if cascade else {}
        r = self.req("DELETE", f"/categories/{cid}", who, headers=headers, params=params)
        if not mine:
            return self.expect_error(r, 404, "CATEGORY_NOT_FOUND")
        if not admitted:
            return self.expect_error(r, 412, "PRECONDITION_FAILED")
        members = [t for t in self.tasks.values() if t["categoryId"] == cid]
        if members and not cascade:
            return self.expect_error(r, 409, "CATEGORY_NOT_EMPTY")
        assert r.status_code == 204, r.text
        for t in members:  # detached: each task loses the category in a write of its own
            t["categoryId"] = None
            t["version"] += 1
        del self.categories[cid]

    @rule(limit=limits, who=st.sampled_from(["A", "A", "B"]))
    def list_categories(self, limit, who) -> None:
        got = self.walk("/categories", {"limit": limit}, who)
        if who == "B":
            assert {c["categoryId"] for c in got} <= self.b_owned and self.b_category in {c["categoryId"] for c in got}
            return
        assert [c["categoryId"] for c in got] == sorted(self.categories, reverse=True)
        for c in got:
            self.check_category(c)

    # ------------------------------------------------------------------ idempotency

    @precondition(lambda self: self.replayable)
    @rule(data=st.data(), variant=st.sampled_from(["same", "same", "other body", "other user"]))
    def replay_post(self, data, variant) -> None:
        path, body, key, first = data.draw(st.sampled_from(self.replayable), label="replay")
        if variant == "same":  # a retry: the first answer again, nothing new stored
            r = self.req("POST", path, json=body, headers={"Idempotency-Key": key})
            assert (r.status_code, r.json()) == (first.status_code, first.json())
            assert r.headers["location"] == first.headers["location"] and r.headers["etag"] == first.headers["etag"]
            assert r.headers.get("idempotent-replayed") == "true"
        elif variant == "other body":
            changed = {**body, ("title" if path == "/tasks" else "color"): "#fedcba" if path != "/tasks" else "changed"}
            r = self.req("POST", path, json=changed, headers={"Idempotency-Key": key})
            self.expect_error(r, 422, "IDEMPOTENCY_KEY_REUSED")
        else:
            # Keys are scoped per user: B's request with A's key (and A's body) is B's own, never A's answer.
            id_field = "taskId" if path == "/tasks" else "categoryId"
            b_body = {k: v for k, v in body.items() if k != "categoryId"}
            r = self.req("POST", path, "B", json=b_body, headers={"Idempotency-Key": key})
            if key in self.b_answers:  # B has used this key itself: B's own first answer comes back
                mine = self.b_answers[key]
                assert (r.status_code, r.json()) == (mine.status_code, mine.json())
                return
            if path == "/categories" and b_body["name"].strip().casefold() in self.b_names:
                return self.expect_error(r, 409, "CATEGORY_NAME_TAKEN")
            assert r.status_code == 201, r.text
            assert "idempotent-replayed" not in r.headers
            assert r.json()[id_field] != first.json()[id_field]
            self.b_owned.add(r.json()[id_field])
            self.b_answers[key] = r
            if path == "/categories":
                self.b_names.add(b_body["name"].strip().casefold())

    # ------------------------------------------------------------------ end of a run

    def teardown(self) -> None:
        got = self.walk("/tasks", {"limit": 100}, "A")
        assert [t["taskId"] for t in got] == sorted(self.tasks, reverse=True)
        for t in got:
            self.check_task(t)
        cats = self.walk("/categories", {"limit": 100}, "A")
        assert [c["categoryId"] for c in cats] == sorted(self.categories, reverse=True)
        for c in cats:
            self.check_category(c)


@pytest.mark.integration
def test_service_matches_the_model(service, capsys):
    client, keys = service
    TaskTrackerModel.client = client
    TaskTrackerModel.keys = keys
    run = TaskTrackerModel.TestCase
    run.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    TaskTrackerModel.stats.clear()
    run().runTest()
    with capsys.disabled():
        print(f"\nmodel: {dict(TaskTrackerModel.stats)}")
