"""/tasks/batch, /tasks/bulk and /tasks/clear-completed: many tasks per call, one result per task."""

from __future__ import annotations

from tasktracker import wiring
from tasktracker.api import views
from tasktracker.api.idempotent import idempotent


def _results(results: list[dict]) -> dict:
    from tasktracker.app import correlation_id

    # A per-item error is an ErrorBody like any other: it carries the request's correlationId too.
    return {
        "results": [
            {
                **r,
                "task": views.task(r["task"]) if r["task"] else None,
                "error": {**r["error"], "correlationId": correlation_id()} if r["error"] else None,
            }
            for r in results
        ]
    }


def batch_create_tasks(body: dict, user: str):
    return idempotent(
        user,
        "batch_create_tasks",
        body,
        lambda: (_results(wiring.services().bulk.batch_create(user, body["tasks"])), 200, {}),
    )


def bulk_update_tasks(body: dict, user: str):
    def execute():
        results = wiring.services().bulk.bulk_action(user, body["action"], body["taskIds"])
        return _results(results), 200, {}

    return idempotent(user, "bulk_update_tasks", body, execute)


def clear_completed_tasks(user: str):
    def execute():
        deleted, more = wiring.services().bulk.clear_completed(user)
        return {"deleted": deleted, "more": more}, 200, {}

    return idempotent(user, "clear_completed_tasks", None, execute)
