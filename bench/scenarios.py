"""One scenario per Lambda function: the API Gateway event it answers and the data it needs, seeded fresh per run.

Events start from events/*.json (the SAM sample events the tests use); the three bulk operations, which have no
sample event, reuse create_task.json with their own path and body. Each run gets a new user (apiKeyId) and its own
items, so every request answers with success (a 404 would measure the error path instead).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"


@dataclass(frozen=True)
class Scenario:
    name: str  # the operationId's last part
    function: str  # the template's function resource
    sample: str  # events/<sample>.json
    status: int  # the answer every run must get
    seed: Callable[[Any, str], dict[str, Any]]  # (services, user) -> event changes: path, body, query


def _task(services: Any, user: str, **extra: Any) -> dict[str, Any]:
    return services.tasks.create(user, {"title": "seeded task", **extra})


def _category(services: Any, user: str) -> dict[str, Any]:
    return services.categories.create(user, {"name": f"seeded {uuid.uuid4().hex[:8]}", "color": "#112233"})


def _seed_tasks(services: Any, user: str, n: int, **extra: Any) -> list[str]:
    return [_task(services, user, **extra)["taskId"] for _ in range(n)]


SCENARIOS: list[Scenario] = [
    Scenario("get_task", "GetTaskFunction", "get_task", 200, lambda s, u: {"path": f"/tasks/{_task(s, u)['taskId']}"}),
    Scenario("list_tasks", "ListTasksFunction", "list_tasks", 200, lambda s, u: (_seed_tasks(s, u, 3), {})[1]),
    Scenario("create_task", "CreateTaskFunction", "create_task", 201, lambda s, u: {}),
    Scenario(
        "update_task",
        "UpdateTaskFunction",
        "update_task",
        200,
        lambda s, u: {"path": f"/tasks/{_task(s, u)['taskId']}"},
    ),
    Scenario(
        "delete_task",
        "DeleteTaskFunction",
        "delete_task",
        204,
        lambda s, u: {"path": f"/tasks/{_task(s, u)['taskId']}"},
    ),
    Scenario(
        "list_categories",
        "ListCategoriesFunction",
        "list_categories",
        200,
        lambda s, u: (_category(s, u), _category(s, u), {})[2],
    ),
    Scenario("create_category", "CreateCategoryFunction", "create_category", 201, lambda s, u: {}),
    Scenario(
        "get_category",
        "GetCategoryFunction",
        "get_category",
        200,
        lambda s, u: {"path": f"/categories/{_category(s, u)['categoryId']}"},
    ),
    Scenario(
        "update_category",
        "UpdateCategoryFunction",
        "update_category",
        200,
        lambda s, u: {"path": f"/categories/{_category(s, u)['categoryId']}"},
    ),
    Scenario(
        "delete_category",
        "DeleteCategoryFunction",
        "delete_category",
        204,
        lambda s, u: {"path": f"/categories/{_category(s, u)['categoryId']}"},
    ),
    Scenario(
        "batch_create_tasks",
        "BatchCreateTasksFunction",
        "create_task",
        200,
        lambda s, u: {"path": "/tasks/batch", "body": {"tasks": [{"title": f"batch {i}"} for i in range(3)]}},
    ),
    Scenario(
        "bulk_update_tasks",
        "BulkUpdateTasksFunction",
        "create_task",
        200,
        lambda s, u: {"path": "/tasks/bulk", "body": {"action": "complete", "taskIds": _seed_tasks(s, u, 3)}},
    ),
    Scenario(
        "clear_completed_tasks",
        "ClearCompletedTasksFunction",
        "create_task",
        200,
        lambda s, u: (
            _seed_tasks(s, u, 2, completed=True),
            _seed_tasks(s, u, 1),
            {"path": "/tasks/clear-completed", "body": None},
        )[2],
    ),
]
BY_NAME = {s.name: s for s in SCENARIOS}


def new_user() -> str:
    return "bench" + uuid.uuid4().hex[:12]


def event(scenario: Scenario, user: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The sample event, for this user, with the seeded path/body (pathParameters and resource follow the path)."""
    e = copy.deepcopy(json.loads((EVENTS / f"{scenario.sample}.json").read_text()))
    e["requestContext"]["identity"]["apiKeyId"] = user
    e["requestContext"]["requestId"] = str(uuid.uuid4())
    path = changes.get("path")
    if path is not None:
        e["path"] = path
        e["requestContext"]["path"] = "/dev" + path
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[1] not in ("batch", "bulk", "clear-completed"):
            key = "taskId" if parts[0] == "tasks" else "categoryId"
            e["pathParameters"] = {key: parts[1]}
            e["resource"] = e["requestContext"]["resourcePath"] = f"/{parts[0]}/{{{key}}}"
        else:
            e["pathParameters"] = None
            e["resource"] = e["requestContext"]["resourcePath"] = path
    if "body" in changes:
        body = changes["body"]
        e["body"] = None if body is None else json.dumps(body)
        e["isBase64Encoded"] = False
        if body is None:
            for h in ("headers", "multiValueHeaders"):
                e[h] = {k: v for k, v in (e.get(h) or {}).items() if k.lower() != "content-type"}
    return e
