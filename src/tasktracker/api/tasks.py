"""/tasks operations."""

from __future__ import annotations

from connexion import request

from tasktracker import wiring
from tasktracker.api import views
from tasktracker.api.idempotent import idempotent


def create_task(body: dict, user: str):
    def execute():
        task = wiring.services().tasks.create(user, body)
        return views.task(task), 201, {"Location": f"/tasks/{task['taskId']}", "ETag": views.etag(task)}

    return idempotent(user, "create_task", body, execute)


def list_tasks(
    user: str,
    limit: int | None = None,
    cursor: str | None = None,
    completed: bool | None = None,
    priority: str | None = None,
    category_id: str | None = None,
    due_before: str | None = None,
    due_after: str | None = None,
):
    items, next_cursor = wiring.services().tasks.list(
        user,
        limit=limit,
        cursor=cursor,
        completed=completed,
        priority=priority,
        category_id=category_id,
        due_before=due_before,
        due_after=due_after,
    )
    return views.page(items, next_cursor, views.task), 200


def get_task(task_id: str, user: str):
    task = wiring.services().tasks.get(user, task_id)
    return views.task(task), 200, {"ETag": views.etag(task)}


def update_task(task_id: str, body: dict, user: str):
    task = wiring.services().tasks.update(user, task_id, body, request.headers.get("if-match"))
    return views.task(task), 200, {"ETag": views.etag(task)}


def delete_task(task_id: str, user: str):
    wiring.services().tasks.delete(user, task_id, request.headers.get("if-match"))
    return None, 204
