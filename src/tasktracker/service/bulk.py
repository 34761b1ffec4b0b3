"""Bulk task writes: per-item results, chunked transactions, exact category counts."""

from __future__ import annotations

from typing import Any

from tasktracker import errors
from tasktracker.service.common import now_iso, run_read, run_write
from tasktracker.service.tasks import TaskService
from tasktracker.store.errors import StoreUnavailable, WriteConflict

MAX_TRANSACTION_ITEMS = 100
ACTIONS = {"complete": {"completed": True}, "reopen": {"completed": False}, "delete": None}


def _ok(index: int, status: int, task: dict[str, Any] | None, task_id: str | None = None) -> dict[str, Any]:
    return {
        "index": index,
        "status": status,
        "taskId": task_id or (task or {}).get("taskId"),
        "task": task,
        "error": None,
    }


def _failed(index: int, error: errors.ApiError, task_id: str | None = None) -> dict[str, Any]:
    body = {"code": error.code, "message": error.message, "details": error.details}
    return {"index": index, "status": error.status, "taskId": task_id, "task": None, "error": body}


class BulkService:
    def __init__(self, tasks: TaskService) -> None:
        self.tasks = tasks
        self.store = tasks.store

    def batch_create(self, user_id: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Results are item dicts as stored (the api layer renders them); in request order."""
        now = now_iso()
        built = [self.tasks.build(user_id, body, now) for body in bodies]
        results: list[dict[str, Any] | None] = [None] * len(built)
        plain = [i for i, t in enumerate(built) if not t.get("categoryId")]
        by_category: dict[str, list[int]] = {}
        for i, t in enumerate(built):
            if t.get("categoryId"):
                by_category.setdefault(t["categoryId"], []).append(i)

        if plain:
            unprocessed = set(self.store.put_new_tasks([built[i] for i in plain]))  # failed chunks included
            for i in plain:
                if built[i]["taskId"] in unprocessed:
                    results[i] = _failed(i, errors.service_unavailable())
                else:
                    results[i] = _ok(i, 201, built[i])

        for category_id, indexes in by_category.items():
            for start in range(0, len(indexes), MAX_TRANSACTION_ITEMS - 1):
                chunk = indexes[start : start + MAX_TRANSACTION_ITEMS - 1]
                # The chunk's own answer, as one create in that category would get it (retries included).
                try:
                    run_write(
                        lambda chunk=chunk, category_id=category_id: self.store.create_tasks_in_category(
                            user_id, category_id, [built[i] for i in chunk], now
                        ),
                        not_found=lambda category_id=category_id: errors.unknown_category(category_id),
                        on_category_missing=lambda category_id=category_id: errors.unknown_category(category_id),
                    )
                    error = None
                except errors.ApiError as e:
                    error = e
                for i in chunk:
                    results[i] = _failed(i, error) if error else _ok(i, 201, built[i])
        return [r for r in results if r is not None]

    def bulk_action(
        self,
        user_id: str,
        action: str,
        task_ids: list[str],
        only_if: dict[str, Any] | None = None,
        current: dict[str, dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """only_if: act only on tasks that (still) have these values; the others are left alone (409).

        current: the tasks as just read (strongly consistent) by the caller, to save the BatchGetItem; every write
        is conditioned on the version read either way.
        """
        changes = ACTIONS[action]
        if current is None:
            current = run_read(lambda: self.store.get_tasks(user_id, task_ids))
        results: list[dict[str, Any] | None] = [None] * len(task_ids)
        writes: list[tuple[int, dict[str, Any]]] = []
        for i, task_id in enumerate(task_ids):
            task = current.get(task_id)
            if task is None:
                results[i] = _failed(i, errors.task_not_found(task_id), task_id)
            elif only_if and any(task.get(k) != v for k, v in only_if.items()):
                results[i] = _failed(i, errors.conflict("The task changed meanwhile; it was left as it is."), task_id)
            elif changes is not None and all(task.get(k) == v for k, v in changes.items()):
                results[i] = _ok(i, 200, task)  # already so: nothing to write
            else:
                writes.append((i, task))

        for chunk in self._chunks(writes, deletes=changes is None):
            now = now_iso()
            try:
                self.store.apply_task_changes([(task, changes) for _, task in chunk], now)
            except WriteConflict:
                committed: bool | None = False  # a concurrent change cancelled the chunk: nothing was written
            except StoreUnavailable:
                # Throttled, a 5xx or no answer: the transaction may have committed all the same.
                committed = self._committed(user_id, chunk, changes)
            else:
                committed = True
            if committed is None:  # cannot tell: the client retries what it was told failed
                for i, task in chunk:
                    results[i] = _failed(i, errors.service_unavailable(), task["taskId"])
                continue
            if not committed:  # redo item by item for exact answers
                for i, task in chunk:
                    # With only_if, the task must still be the version checked above (else 412: left alone).
                    results[i] = self._one(i, user_id, task["taskId"], changes, task["version"] if only_if else None)
                continue
            for i, task in chunk:
                if changes is None:
                    results[i] = _ok(i, 204, None, task["taskId"])
                else:
                    results[i] = _ok(i, 200, {**task, **changes, "version": task["version"] + 1, "updatedAt": now})
        return [r for r in results if r is not None]

    def clear_completed(self, user_id: str) -> tuple[int, bool]:
        completed, next_key = run_read(lambda: self.store.query_tasks(user_id, limit=100, completed=True))
        # Only tasks still completed: one reopened meanwhile must survive "clear completed".
        ids = [t["taskId"] for t in completed]
        read = {t["taskId"]: t for t in completed}  # the Query is strongly consistent: no second read needed
        results = (
            self.bulk_action(user_id, "delete", ids, only_if={"completed": True}, current=read) if completed else []
        )
        deleted = sum(1 for r in results if r["status"] == 204)
        return deleted, next_key is not None or deleted < len(completed)

    def _committed(
        self, user_id: str, chunk: list[tuple[int, dict[str, Any]]], changes: dict[str, Any] | None
    ) -> bool | None:
        """Whether a chunk's transaction committed, after a failure that does not say: read back. All or nothing,
        so one task still at the version read means it did not; every task one version on with the changes (or
        gone, for deletes) means it did; anything else, or a failing read, cannot be told (None)."""
        try:
            stored = self.store.get_tasks(user_id, [task["taskId"] for _, task in chunk])
        except StoreUnavailable:
            return None
        if any(stored.get(t["taskId"], {}).get("version") == t["version"] for _, t in chunk):
            return False
        if changes is None:
            return None if any(t["taskId"] in stored for _, t in chunk) else True
        done = all(
            (cur := stored.get(t["taskId"])) is not None
            and cur["version"] == t["version"] + 1
            and all(cur.get(k) == v for k, v in changes.items())
            for _, t in chunk
        )
        return True if done else None

    def _one(
        self,
        index: int,
        user_id: str,
        task_id: str,
        changes: dict[str, Any] | None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        if_match = f'"{expected_version}"' if expected_version is not None else None
        try:
            if changes is None:
                self.tasks.delete(user_id, task_id, if_match)
                return _ok(index, 204, None, task_id)
            return _ok(index, 200, self.tasks.update(user_id, task_id, changes, if_match))
        except errors.ApiError as e:
            return _failed(index, e, task_id)

    @staticmethod
    def _chunks(writes: list[tuple[int, dict[str, Any]]], *, deletes: bool):
        """Chunks whose task writes plus category count updates fit in one transaction."""
        chunk: list[tuple[int, dict[str, Any]]] = []
        categories: set[str] = set()
        for entry in writes:
            category = entry[1].get("categoryId") if deletes else None
            extra = 1 if category and category not in categories else 0
            if len(chunk) + len(categories) + 1 + extra > MAX_TRANSACTION_ITEMS:
                yield chunk
                chunk, categories = [], set()
                extra = 1 if category else 0
            chunk.append(entry)
            if category:
                categories.add(category)
        if chunk:
            yield chunk
