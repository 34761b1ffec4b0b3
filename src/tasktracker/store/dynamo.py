"""DynamoDB access: conditional writes, transactions and bounded pagination.

Items go in and come out as plain dicts (ints, strs, bools); attributes that are null are simply absent.
Failures are raised as the small exceptions below; the service turns them into API errors.
"""

from __future__ import annotations

import functools
import random
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import botocore.exceptions
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tasktracker.store.errors import (
    CategoryMissing,
    CategoryNotEmpty,
    ItemMissing,
    NameTaken,
    StoreUnavailable,
    VersionMismatch,
    WriteConflict,
)

# Name-uniqueness guards live in the Categories table under this sort-key prefix; "#" sorts before every ULID
# character, so a category query bounded below by "0" never sees them.
NAME_GUARD_PREFIX = "#name#"
CATEGORY_ID_FLOOR = "0"

# A list request reads at most this many DynamoDB pages, so a selective filter cannot make it unbounded.
MAX_READS_PER_LIST = 5
FILTERED_PAGE_SIZE = 100

_TRANSIENT_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
    "TransactionInProgressException",  # a retry met its own first attempt still running: outcome unknown, retry
}
WRITE_TOKEN = "writeToken"  # storage only (api/views.py shows the schema's fields): the last fast-path update's token
_NETWORK_ERRORS = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectTimeoutError,
)

# BatchWriteItem/BatchGetItem leave items unprocessed under load; retry them this many times with backoff.
BATCH_ATTEMPTS = 5
BATCH_BACKOFF_SECONDS = 0.05

_ser = TypeSerializer()
_deser = TypeDeserializer()

F = TypeVar("F", bound=Callable[..., Any])


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in data.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: _deser.deserialize(v) for k, v in item.items()}
    for k, v in out.items():
        if not isinstance(v, (str, bool)) and v is not None:
            out[k] = int(v)  # our only numbers are counters and versions
    return out


def _classify(error: botocore.exceptions.ClientError) -> Exception:
    code = error.response.get("Error", {}).get("Code", "")
    if code in _TRANSIENT_CODES:
        return StoreUnavailable(code)
    if code == "TransactionConflictException":
        return WriteConflict(code)
    return error


def translated(fn: F) -> F:
    """Throttling, 5xx and network failures become StoreUnavailable; everything else passes through."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except botocore.exceptions.ClientError as e:
            raise _classify(e) from e
        except _NETWORK_ERRORS as e:
            raise StoreUnavailable(type(e).__name__) from e

    return wrapper  # type: ignore[return-value]


class _Update:
    """Builds an UpdateExpression with SET/REMOVE from a dict where None means remove."""

    def __init__(self) -> None:
        self.sets: list[str] = []
        self.removes: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def set(self, attr: str, value: Any) -> _Update:
        n = f"#a{len(self.names)}"
        self.names[n] = attr
        if value is None:
            self.removes.append(n)
        else:
            v = f":v{len(self.values)}"
            self.values[v] = _ser.serialize(value)
            self.sets.append(f"{n} = {v}")
        return self

    def add(self, attr: str, delta: int) -> _Update:
        n = f"#a{len(self.names)}"
        v = f":v{len(self.values)}"
        self.names[n] = attr
        self.values[v] = {"N": str(delta)}
        self.sets.append(f"{n} = {n} + {v}")
        return self

    def value(self, value: Any) -> str:
        v = f":v{len(self.values)}"
        self.values[v] = _ser.serialize(value)
        return v

    def name(self, attr: str) -> str:
        n = f"#a{len(self.names)}"
        self.names[n] = attr
        return n

    def params(self, condition: str) -> dict[str, Any]:
        expr = ""
        if self.sets:
            expr += "SET " + ", ".join(self.sets)
        if self.removes:
            expr += " REMOVE " + ", ".join(self.removes)
        params: dict[str, Any] = {
            "UpdateExpression": expr.strip(),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": self.names,
        }
        if self.values:
            params["ExpressionAttributeValues"] = self.values
        return params


def _cancel_reasons(error: botocore.exceptions.ClientError) -> list[dict[str, Any]]:
    return error.response.get("CancellationReasons", []) or []


def _is_cancelled(error: botocore.exceptions.ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException"


def _reason_codes(error: botocore.exceptions.ClientError) -> list[str]:
    return [r.get("Code", "None") for r in _cancel_reasons(error)]


def _raise_for_cancellation(error: botocore.exceptions.ClientError) -> None:
    """Conflicts and throttles inside a transaction are not condition failures: classify them first."""
    codes = _reason_codes(error)
    if "TransactionConflict" in codes:
        raise WriteConflict("TransactionConflict") from error
    if any(c in ("ThrottlingError", "ProvisionedThroughputExceeded") for c in codes):
        raise StoreUnavailable("transaction throttled") from error


def _condition_failed(error: botocore.exceptions.ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _old_item(error: botocore.exceptions.ClientError) -> dict[str, Any] | None:
    item = error.response.get("Item")
    return from_item(item) if item else None


class DynamoStore:
    """Tasks and Categories tables (DESIGN.md §3) behind one small interface."""

    def __init__(self, client: Any, tasks_table: str, categories_table: str) -> None:
        self.client = client
        self.tasks_table = tasks_table
        self.categories_table = categories_table

    # ---------------------------------------------------------------- reads

    @translated
    def get_task(self, user_id: str, task_id: str) -> dict[str, Any] | None:
        resp = self.client.get_item(
            TableName=self.tasks_table,
            Key=to_item({"userId": user_id, "taskId": task_id}),
            ConsistentRead=True,
        )
        return from_item(resp["Item"]) if "Item" in resp else None

    @translated
    def get_category(self, user_id: str, category_id: str) -> dict[str, Any] | None:
        resp = self.client.get_item(
            TableName=self.categories_table,
            Key=to_item({"userId": user_id, "categoryId": category_id}),
            ConsistentRead=True,
        )
        return from_item(resp["Item"]) if "Item" in resp else None

    @translated
    def query_tasks(
        self,
        user_id: str,
        *,
        limit: int,
        start_key: dict[str, Any] | None = None,
        completed: bool | None = None,
        priority: str | None = None,
        category_id: str | None = None,
        due_before: str | None = None,
        due_after: str | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Newest first. Returns (items, key to continue after) with at most MAX_READS_PER_LIST reads."""
        filters: list[str] = []
        names: dict[str, str] = {"#u": "userId"}
        values: dict[str, Any] = {":u": {"S": user_id}}
        params: dict[str, Any] = {"TableName": self.tasks_table, "ScanIndexForward": False}
        if category_id is not None:
            # A GSI is not tenant-scoped: the userId filter keeps other users' tasks out.
            params["IndexName"] = "CategoryIndex"
            params["KeyConditionExpression"] = "#c = :c"
            names["#c"] = "categoryId"
            values[":c"] = {"S": category_id}
            filters.append("#u = :u")
            key_attrs = ("categoryId", "createdAt", "userId", "taskId")
        else:
            params["KeyConditionExpression"] = "#u = :u"
            params["ConsistentRead"] = True
            key_attrs = ("userId", "taskId")
        for attr, op, val in (
            ("completed", "=", completed),
            ("priority", "=", priority),
            ("dueDate", "<=", due_before),
            ("dueDate", ">=", due_after),
        ):
            if val is not None:
                n, v = f"#f{len(filters)}", f":f{len(filters)}"
                names[n] = attr
                values[v] = _ser.serialize(val)
                filters.append(f"{n} {op} {v}")
        if filters:
            params["FilterExpression"] = " AND ".join(filters)
        params["ExpressionAttributeNames"] = names
        params["ExpressionAttributeValues"] = values
        filtered = len(filters) > (1 if category_id is not None else 0)
        # One item more than asked tells whether another page exists, so the last page has no cursor.
        params["Limit"] = max(limit + 1, FILTERED_PAGE_SIZE) if filtered else limit + 1
        return self._collect(params, start_key, limit, key_attrs)

    @translated
    def query_categories(
        self, user_id: str, *, limit: int, start_key: dict[str, Any] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        params = {
            "TableName": self.categories_table,
            "KeyConditionExpression": "#u = :u AND #c >= :floor",
            "ExpressionAttributeNames": {"#u": "userId", "#c": "categoryId"},
            "ExpressionAttributeValues": {":u": {"S": user_id}, ":floor": {"S": CATEGORY_ID_FLOOR}},
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": limit + 1,
        }
        return self._collect(params, start_key, limit, ("userId", "categoryId"))

    def _collect(
        self, params: dict[str, Any], start_key: dict[str, Any] | None, limit: int, key_attrs: tuple[str, ...]
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        items: list[dict[str, Any]] = []
        last_evaluated = start_key
        for _ in range(MAX_READS_PER_LIST):
            if last_evaluated:
                params["ExclusiveStartKey"] = to_item(last_evaluated)
            resp = self.client.query(**params)
            items.extend(from_item(i) for i in resp.get("Items", []))
            last_evaluated = from_item(resp["LastEvaluatedKey"]) if "LastEvaluatedKey" in resp else None
            if len(items) >= limit or last_evaluated is None:
                break
        if len(items) > limit or (len(items) == limit and last_evaluated is not None):
            # Continue right after the last item returned, not after the last one read.
            items = items[:limit]
            return items, {a: items[-1][a] for a in key_attrs}
        return items, last_evaluated

    # ---------------------------------------------------------------- tasks

    @translated
    def create_task(self, task: dict[str, Any]) -> None:
        put = {
            "TableName": self.tasks_table,
            "Item": to_item(task),
            "ConditionExpression": "attribute_not_exists(taskId)",
        }
        if not task.get("categoryId"):
            try:
                self.client.put_item(**put)
            except botocore.exceptions.ClientError as e:
                # The id was drawn for this request (80 random bits): if it exists, botocore re-sent our own put
                # after its answer was lost, and the task is created.
                if not _condition_failed(e):
                    raise
            return
        self._transact(
            [{"Put": put}, self._count_update(task["userId"], task["categoryId"], +1, task["updatedAt"])],
            on_condition={1: CategoryMissing},
        )

    @translated
    def update_task(
        self, user_id: str, task_id: str, changes: dict[str, Any], expected_version: int | None, now: str
    ) -> dict[str, Any]:
        """Apply changes (None removes). One request unless the task changes category."""
        key = to_item({"userId": user_id, "taskId": task_id})
        upd = self._bump(_Update(), changes, now)
        cond = ["attribute_exists(taskId)"]
        if expected_version is not None:
            cond.append(f"{upd.name('version')} = {upd.value(expected_version)}")
        if "categoryId" in changes:
            # The fast path is only right when the category stays the same.
            cat = upd.name("categoryId")
            new_cat = changes["categoryId"]
            cond.append(f"{cat} = {upd.value(new_cat)}" if new_cat else f"attribute_not_exists({cat})")
        new, old = self._update_or_current(self.tasks_table, key, upd, cond, expected_version)
        return new if new is not None else self._move_task(old, changes, now)

    def _move_task(self, old: dict[str, Any], changes: dict[str, Any], now: str) -> dict[str, Any]:
        if "categoryId" not in changes or old.get("categoryId") == changes["categoryId"]:
            raise WriteConflict("task changed while updating")  # the fast path lost a race; retry
        upd = self._bump(_Update(), changes, now)
        cond = f"{upd.name('version')} = {upd.value(old['version'])}"
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.tasks_table,
                    "Key": to_item({"userId": old["userId"], "taskId": old["taskId"]}),
                    **upd.params(cond),
                }
            }
        ]
        on_condition: dict[int, type[Exception]] = {0: WriteConflict}
        if old.get("categoryId"):
            items.append(self._count_update(old["userId"], old["categoryId"], -1, now))
            on_condition[len(items) - 1] = WriteConflict
        if changes["categoryId"]:
            items.append(self._count_update(old["userId"], changes["categoryId"], +1, now))
            on_condition[len(items) - 1] = CategoryMissing
        self._transact(items, on_condition=on_condition)
        new = {**old, **changes, "version": old["version"] + 1, "updatedAt": now}
        return {k: v for k, v in new.items() if v is not None}

    @translated
    def delete_task(self, user_id: str, task_id: str, expected_version: int | None, now: str) -> None:
        """One request for a task without a category; a transaction with the count update otherwise."""
        names = {"#t": "taskId", "#c": "categoryId"}
        values: dict[str, Any] = {}
        cond = "attribute_exists(#t) AND attribute_not_exists(#c)"
        if expected_version is not None:
            names["#v"] = "version"
            values[":v"] = {"N": str(expected_version)}
            cond += " AND #v = :v"
        extra = {"ExpressionAttributeValues": values} if values else {}
        key = to_item({"userId": user_id, "taskId": task_id})
        try:
            self.client.delete_item(
                TableName=self.tasks_table,
                Key=key,
                ConditionExpression=cond,
                ExpressionAttributeNames=names,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **extra,
            )
            return
        except botocore.exceptions.ClientError as e:
            if not _condition_failed(e):
                raise
            old = _old_item(e)
        old = self._check_current(old, expected_version)
        self._transact(
            [
                {
                    "Delete": {
                        "TableName": self.tasks_table,
                        "Key": key,
                        "ConditionExpression": "#v = :v",
                        "ExpressionAttributeNames": {"#v": "version"},
                        "ExpressionAttributeValues": {":v": {"N": str(old["version"])}},
                    }
                },
                self._count_update(user_id, old["categoryId"], -1, now),
            ],
            on_condition={0: WriteConflict, 1: WriteConflict},
        )

    # ---------------------------------------------------------------- categories

    @translated
    def create_category(self, category: dict[str, Any]) -> None:
        self._transact(
            [
                {
                    "Put": {
                        "TableName": self.categories_table,
                        "Item": to_item(category),
                        "ConditionExpression": "attribute_not_exists(categoryId)",
                    }
                },
                self._guard_put(category["userId"], category["nameKey"], category["categoryId"]),
            ],
            on_condition={0: WriteConflict, 1: NameTaken},
        )

    @translated
    def update_category(
        self, user_id: str, category_id: str, changes: dict[str, Any], expected_version: int | None, now: str
    ) -> dict[str, Any]:
        """One request unless the name changes other than in case (then its guard moves too)."""
        upd = self._bump(_Update(), changes, now)
        cond = ["attribute_exists(categoryId)"]
        if expected_version is not None:
            cond.append(f"{upd.name('version')} = {upd.value(expected_version)}")
        if "nameKey" in changes:
            cond.append(f"{upd.name('nameKey')} = {upd.value(changes['nameKey'])}")
        key = to_item({"userId": user_id, "categoryId": category_id})
        new, old = self._update_or_current(self.categories_table, key, upd, cond, expected_version)
        if new is not None:
            return new
        if "nameKey" not in changes or old["nameKey"] == changes["nameKey"]:
            raise WriteConflict("category changed while updating")  # the fast path lost a race; retry
        upd = self._bump(_Update(), changes, now)
        self._transact(
            [
                {
                    "Update": {
                        "TableName": self.categories_table,
                        "Key": key,
                        **upd.params(f"{upd.name('version')} = {upd.value(old['version'])}"),
                    }
                },
                {"Delete": {"TableName": self.categories_table, "Key": self._guard_key(user_id, old["nameKey"])}},
                self._guard_put(user_id, changes["nameKey"], category_id),
            ],
            on_condition={0: WriteConflict, 2: NameTaken},
        )
        return {**old, **changes, "version": old["version"] + 1, "updatedAt": now}

    @translated
    def delete_category(
        self,
        user_id: str,
        category_id: str,
        expected_version: int | None,
        detach: list[dict[str, Any]] | None = None,
        now: str = "",
    ) -> None:
        """The category and its name guard go, together with `detach` (its last tasks, at most
        MAX_DETACH_WITH_DELETE) losing it: one transaction, so a failure leaves every task as it was."""
        detach = detach or []
        old = self._check_current(self.get_category(user_id, category_id), expected_version)
        if old.get("taskCount", 0) != len(detach):
            raise CategoryNotEmpty(old["taskCount"])
        items = [self._detach_item(user_id, category_id, task, now) for task in detach]
        items += [
            {
                "Delete": {
                    "TableName": self.categories_table,
                    "Key": to_item({"userId": user_id, "categoryId": category_id}),
                    "ConditionExpression": "#v = :v AND #n = :n",
                    "ExpressionAttributeNames": {"#v": "version", "#n": "taskCount"},
                    "ExpressionAttributeValues": {":v": {"N": str(old["version"])}, ":n": {"N": str(len(detach))}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {"Delete": {"TableName": self.categories_table, "Key": self._guard_key(user_id, old["nameKey"])}},
        ]
        try:
            # A task that moved meanwhile fails its condition: a lost race, retried by the caller.
            self._transact(items, on_condition={i: WriteConflict for i in range(len(detach))})
        except _CancelledOnCondition as c:
            current = c.items.get(len(detach))
            if current is None:
                raise ItemMissing() from None
            if current.get("taskCount", 0) != len(detach):
                raise CategoryNotEmpty(current["taskCount"]) from None
            raise WriteConflict("category changed") from None

    # ---------------------------------------------------------------- bulk

    @translated
    def get_tasks(self, user_id: str, task_ids: list[str]) -> dict[str, dict[str, Any]]:
        """BatchGetItem (strongly consistent), unprocessed keys retried with backoff; missing ids are absent."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(task_ids), 100):
            keys = [to_item({"userId": user_id, "taskId": t}) for t in task_ids[start : start + 100]]
            request = {self.tasks_table: {"Keys": keys, "ConsistentRead": True}}
            for attempt in range(BATCH_ATTEMPTS):
                resp = self.client.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self.tasks_table, []):
                    task = from_item(item)
                    found[task["taskId"]] = task
                request = resp.get("UnprocessedKeys") or {}
                if not request:
                    break
                _backoff(attempt)
            else:
                raise StoreUnavailable("BatchGetItem left keys unprocessed")
        return found

    @translated
    def put_new_tasks(self, tasks: list[dict[str, Any]]) -> list[str]:
        """BatchWriteItem for tasks without a category (new ids, so no condition is needed).

        Returns the ids not written, which the caller reports as failed. When DynamoDB fails a chunk (throttled
        past botocore's retries, a 5xx, unreachable), the later chunks are not tried, and the failed chunk's ids
        are read back: a lost answer may hide a write, and a task reported as failed must not exist.
        """
        failed: list[str] = []
        for start in range(0, len(tasks), 25):
            try:
                failed += self._put_batch(tasks[start : start + 25])
            except StoreUnavailable:
                ids = [t["taskId"] for t in tasks[start:]]
                try:
                    written = self.get_tasks(tasks[0]["userId"], ids[:25])
                except StoreUnavailable:
                    written = {}  # unknown, and DynamoDB is failing: reported as 503 like the rest
                return failed + [i for i in ids if i not in written]
        return failed

    @translated
    def _put_batch(self, tasks: list[dict[str, Any]]) -> list[str]:
        """One BatchWriteItem of up to 25 puts, unprocessed items retried with backoff; returns those left."""
        request = {self.tasks_table: [{"PutRequest": {"Item": to_item(t)}} for t in tasks]}
        for attempt in range(BATCH_ATTEMPTS):
            resp = self.client.batch_write_item(RequestItems=request)
            request = resp.get("UnprocessedItems") or {}
            if not request:
                return []
            _backoff(attempt)
        return [r["PutRequest"]["Item"]["taskId"]["S"] for r in request[self.tasks_table]]

    @translated
    def create_tasks_in_category(self, user_id: str, category_id: str, tasks: list[dict[str, Any]], now: str) -> None:
        """Up to 99 new tasks of one category and its count, all or nothing."""
        puts = [
            {
                "Put": {
                    "TableName": self.tasks_table,
                    "Item": to_item(t),
                    "ConditionExpression": "attribute_not_exists(taskId)",
                }
            }
            for t in tasks
        ]
        count = self._count_update(user_id, category_id, len(tasks), now)
        self._transact(
            [count, *puts], on_condition={0: CategoryMissing, **{i + 1: WriteConflict for i in range(len(puts))}}
        )

    @translated
    def apply_task_changes(self, writes: list[tuple[dict[str, Any], dict[str, Any] | None]], now: str) -> None:
        """One transaction: each (current task, changes) is an update, or a delete when changes is None.

        Every write is conditioned on the version read, and category counts move in the same transaction, so
        a concurrent change anywhere cancels the whole chunk (WriteConflict) and nothing is written.
        """
        items: list[dict[str, Any]] = []
        deltas: dict[tuple[str, str], int] = {}
        for old, changes in writes:
            key = to_item({"userId": old["userId"], "taskId": old["taskId"]})
            if changes is None:
                items.append(
                    {
                        "Delete": {
                            "TableName": self.tasks_table,
                            "Key": key,
                            "ConditionExpression": "#v = :v",
                            "ExpressionAttributeNames": {"#v": "version"},
                            "ExpressionAttributeValues": {":v": {"N": str(old["version"])}},
                        }
                    }
                )
                if old.get("categoryId"):
                    k = (old["userId"], old["categoryId"])
                    deltas[k] = deltas.get(k, 0) - 1
            else:
                upd = self._bump(_Update(), changes, now)
                cond = f"{upd.name('version')} = {upd.value(old['version'])}"
                items.append({"Update": {"TableName": self.tasks_table, "Key": key, **upd.params(cond)}})
        items += [self._count_update(u, c, d, now) for (u, c), d in deltas.items()]
        if items:
            self._transact(items, on_condition={i: WriteConflict for i in range(len(items))})

    @translated
    def detach_tasks(
        self,
        user_id: str,
        category_id: str,
        tasks: list[dict[str, Any]],
        now: str,
        expected_version: int | None = None,
    ) -> None:
        """Up to 99 tasks lose the category, and its count drops by as many, all or nothing (and only while the
        category is at expected_version, when given)."""
        items = [self._detach_item(user_id, category_id, task, now) for task in tasks]
        items.append(self._count_update(user_id, category_id, -len(tasks), now, expected_version))
        try:
            self._transact(items, on_condition={i: WriteConflict for i in range(len(tasks))})
        except _CancelledOnCondition as c:
            self._check_current(c.items.get(len(tasks)), expected_version)
            raise WriteConflict("category changed") from None

    def _detach_item(self, user_id: str, category_id: str, task: dict[str, Any], now: str) -> dict[str, Any]:
        """The task loses the category (a version of its own), only if it still is in it."""
        upd = self._bump(_Update(), {"categoryId": None}, now)
        cond = f"{upd.name('categoryId')} = {upd.value(category_id)}"
        key = to_item({"userId": user_id, "taskId": task["taskId"]})
        return {"Update": {"TableName": self.tasks_table, "Key": key, **upd.params(cond)}}

    # ---------------------------------------------------------------- helpers

    def _update_or_current(
        self, table: str, key: dict[str, Any], upd: _Update, cond: list[str], expected_version: int | None
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """One conditional UpdateItem: (the new item, {}) or, when a condition failed, (None, the current item).

        The current item comes back with the failure itself (ReturnValuesOnConditionCheckFailure), so telling
        404 from 412 from "take the slow path" costs no extra read. The item keeps the update's random token
        (WRITE_TOKEN), so when botocore re-sends an update whose answer was lost (a timeout, a dropped connection,
        a 500), the retry finds its own write instead of applying it a second time.
        """
        token = uuid.uuid4().hex
        upd.set(WRITE_TOKEN, token)
        written = upd.name(WRITE_TOKEN)
        cond = [*cond, f"(attribute_not_exists({written}) OR {written} <> {upd.value(token)})"]
        try:
            resp = self.client.update_item(
                TableName=table,
                Key=key,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **upd.params(" AND ".join(cond)),
            )
            return from_item(resp["Attributes"]), {}
        except botocore.exceptions.ClientError as e:
            if not _condition_failed(e):
                raise
            old = _old_item(e)
            if old is not None and old.get(WRITE_TOKEN) == token:
                return old, {}  # botocore re-sent an update whose answer was lost: it is applied, once
            return None, self._check_current(old, expected_version)

    @staticmethod
    def _check_current(old: dict[str, Any] | None, expected_version: int | None) -> dict[str, Any]:
        if old is None:
            raise ItemMissing()
        if expected_version is not None and old["version"] != expected_version:
            raise VersionMismatch(old["version"])
        return old

    @staticmethod
    def _bump(upd: _Update, changes: dict[str, Any], now: str) -> _Update:
        for attr, value in changes.items():
            upd.set(attr, value)
        upd.set("updatedAt", now)
        upd.add("version", 1)
        return upd

    def _count_update(
        self, user_id: str, category_id: str, delta: int, now: str, expected_version: int | None = None
    ) -> dict[str, Any]:
        """taskCount +/- 1 on a category that must exist (and be at expected_version, when given; a failure then
        returns the category as it is); counted writes bump its version too."""
        update: dict[str, Any] = {
            "TableName": self.categories_table,
            "Key": to_item({"userId": user_id, "categoryId": category_id}),
            "UpdateExpression": "SET #n = #n + :d, #v = #v + :one, #u = :now",
            "ConditionExpression": "attribute_exists(categoryId)",
            "ExpressionAttributeNames": {"#n": "taskCount", "#v": "version", "#u": "updatedAt"},
            "ExpressionAttributeValues": {":d": {"N": str(delta)}, ":one": {"N": "1"}, ":now": {"S": now}},
        }
        if expected_version is not None:
            update["ConditionExpression"] += " AND #v = :expected"
            update["ExpressionAttributeValues"][":expected"] = {"N": str(expected_version)}
            update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Update": update}

    def _guard_key(self, user_id: str, name_key: str) -> dict[str, Any]:
        return to_item({"userId": user_id, "categoryId": NAME_GUARD_PREFIX + name_key})

    def _guard_put(self, user_id: str, name_key: str, category_id: str) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.categories_table,
                "Item": {**self._guard_key(user_id, name_key), "ownerCategoryId": {"S": category_id}},
                "ConditionExpression": "attribute_not_exists(categoryId)",
            }
        }

    def _transact(self, items: list[dict[str, Any]], on_condition: dict[int, type[Exception]]) -> None:
        """TransactWriteItems; a condition failure on item i raises on_condition[i] (botocore never retries these).

        botocore's own retries (after a timeout or a lost answer) are idempotent: it fills in ClientRequestToken
        (an idempotency token in DynamoDB's model), so DynamoDB applies a retried transaction once.
        """
        try:
            self.client.transact_write_items(TransactItems=items)
        except botocore.exceptions.ClientError as e:
            if not _is_cancelled(e):
                raise
            _raise_for_cancellation(e)
            reasons = _cancel_reasons(e)
            failed = {i: r for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"}
            for i in sorted(failed):
                if i in on_condition:
                    raise on_condition[i]() from e
            if failed:
                raise _CancelledOnCondition(
                    {i: from_item(r["Item"]) if r.get("Item") else None for i, r in failed.items()}
                ) from e
            raise WriteConflict(",".join(_reason_codes(e))) from e


def _backoff(attempt: int) -> None:
    time.sleep(BATCH_BACKOFF_SECONDS * (2**attempt) * (0.5 + random.random()))


class _CancelledOnCondition(Exception):
    """A transaction failed a condition the caller wants to inspect (with the items as they were)."""

    def __init__(self, items: dict[int, dict[str, Any] | None]) -> None:
        super().__init__("condition failed")
        self.items = items
