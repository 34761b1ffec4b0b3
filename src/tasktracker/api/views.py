"""Stored items -> API representations (nulls explicit, storage-only attributes dropped)."""

from __future__ import annotations

from typing import Any

TASK_FIELDS = (
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
)
CATEGORY_FIELDS = ("categoryId", "name", "color", "icon", "taskCount", "createdAt", "updatedAt", "version")


def task(item: dict[str, Any]) -> dict[str, Any]:
    return {f: item.get(f) for f in TASK_FIELDS}


def category(item: dict[str, Any]) -> dict[str, Any]:
    return {f: item.get(f) for f in CATEGORY_FIELDS}


def etag(item: dict[str, Any]) -> str:
    return f'"{item["version"]}"'


def page(items: list[dict[str, Any]], next_cursor: str | None, view) -> dict[str, Any]:
    return {"items": [view(i) for i in items], "nextCursor": next_cursor}
