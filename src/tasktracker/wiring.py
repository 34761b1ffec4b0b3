"""One place that builds the services from the settings, once per process (one cached factory)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tasktracker.config import Settings
from tasktracker.idempotency import IdempotencyGuard
from tasktracker.service.bulk import BulkService
from tasktracker.service.categories import CategoryService
from tasktracker.service.cursor import CursorCodec
from tasktracker.service.tasks import TaskService
from tasktracker.store.client import dynamodb_client
from tasktracker.store.dynamo import DynamoStore

_settings: Settings | None = None


@dataclass(frozen=True)
class Services:
    tasks: TaskService
    categories: CategoryService
    bulk: BulkService
    idempotency: IdempotencyGuard


def configure(settings: Settings) -> None:
    global _settings
    _settings = settings
    services.cache_clear()


def settings() -> Settings:
    if _settings is None:
        configure(Settings.from_env())
    assert _settings is not None
    return _settings


def cursor_secret(config: Settings) -> bytes:
    if config.cursor_secret:
        return config.cursor_secret.encode()
    if config.cursor_secret_arn:
        # Read once per container and cached; only list functions are allowed to read this secret.
        from aws_lambda_powertools.utilities import parameters

        return str(parameters.get_secret(config.cursor_secret_arn, max_age=3600)).encode()
    raise RuntimeError("set CURSOR_SECRET or CURSOR_SECRET_ARN to sign pagination cursors")


@functools.cache
def services() -> Services:
    config = settings()
    client = dynamodb_client()
    store = DynamoStore(client, config.tasks_table, config.categories_table)
    cursors = CursorCodec(lambda: cursor_secret(config))
    tasks = TaskService(store, cursors)
    return Services(
        tasks=tasks,
        categories=CategoryService(store, cursors),
        bulk=BulkService(tasks),
        idempotency=IdempotencyGuard(config.idempotency_table, client),
    )
