"""Task rules: defaults, ownership, category counts, conditional writes, filtered pagination."""

from __future__ import annotations

from typing import Any

from tasktracker import errors
from tasktracker.observability import logger
from tasktracker.service.common import (
    drop_none,
    new_id,
    normalize_datetime,
    now_iso,
    parse_if_match,
    run_read,
    run_write,
)
from tasktracker.service.cursor import CursorCodec
from tasktracker.store.dynamo import DynamoStore

DEFAULT_PRIORITY = "medium"
DEFAULT_LIMIT = 20


class TaskService:
    def __init__(self, store: DynamoStore, cursors: CursorCodec) -> None:
        self.store = store
        self.cursors = cursors

    def build(self, user_id: str, body: dict[str, Any], now: str) -> dict[str, Any]:
        """A new task item from a validated body, with the defaults applied."""
        return drop_none(
            {
                "userId": user_id,
                "taskId": new_id(),
                "title": body["title"],
                "description": body.get("description"),
                "completed": body.get("completed", False),
                "priority": body.get("priority") or DEFAULT_PRIORITY,
                "dueDate": _due(body.get("dueDate")),
                "categoryId": body.get("categoryId"),
                "createdAt": now,
                "updatedAt": now,
                "version": 1,
            }
        )

    def create(self, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
        task = self.build(user_id, body, now_iso())
        run_write(
            lambda: self.store.create_task(task),
            not_found=lambda: errors.task_not_found(task["taskId"]),
            on_category_missing=lambda: errors.unknown_category(task["categoryId"]),
        )
        return task

    def get(self, user_id: str, task_id: str) -> dict[str, Any]:
        task = run_read(lambda: self.store.get_task(user_id, task_id))
        if task is None:
            raise errors.task_not_found(task_id)
        return task

    def update(self, user_id: str, task_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        changes = dict(body)
        if "dueDate" in changes:
            changes["dueDate"] = _due(changes["dueDate"])
        return run_write(
            lambda: self.store.update_task(user_id, task_id, changes, parse_if_match(if_match), now_iso()),
            not_found=lambda: errors.task_not_found(task_id),
            on_category_missing=lambda: errors.unknown_category(changes["categoryId"]),
        )

    def delete(self, user_id: str, task_id: str, if_match: str | None) -> None:
        run_write(
            lambda: self.store.delete_task(user_id, task_id, parse_if_match(if_match), now_iso()),
            not_found=lambda: errors.task_not_found(task_id),
        )

    def list(
        self,
        user_id: str,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        completed: bool | None = None,
        priority: str | None = None,
        category_id: str | None = None,
        due_before: str | None = None,
        due_after: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        filters = {
            "completed": completed,
            "priority": priority,
            "category_id": category_id,
            "due_before": normalize_datetime(due_before, "query.dueBefore") if due_before else None,
            "due_after": normalize_datetime(due_after, "query.dueAfter") if due_after else None,
        }
        scope = {"resource": "tasks", **filters}
        key_attrs = ("categoryId", "createdAt", "userId", "taskId") if category_id else ("userId", "taskId")
        start = self.cursors.decode(user_id, scope, cursor, key_attrs)
        if category_id and run_read(lambda: self.store.get_category(user_id, category_id)) is None:
            # Not the caller's category: nothing to list, and the index is never read for it.
            return [], None
        items, next_key = run_read(
            lambda: self.store.query_tasks(user_id, limit=limit or DEFAULT_LIMIT, start_key=start, **filters)
        )
        if next_key is not None and next_key.get("userId") != user_id:
            # Writes keep an index partition to its category's owner; never hand out another user's key.
            logger.error("foreign item in CategoryIndex partition", extra={"categoryId": category_id})
            next_key = None
        return items, self.cursors.encode(user_id, scope, next_key)


def _due(value: str | None) -> str | None:
    return normalize_datetime(value, "body.dueDate") if value else None
