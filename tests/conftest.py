"""Shared fixtures: one real DynamoDB Local per session, one `tasktracker serve` on it, fresh users per test."""

from __future__ import annotations

import io
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tasktracker.local import DynamoDBLocal
from tasktracker.store.tables import ensure_tables

ROOT = Path(__file__).resolve().parents[1]
TASKS_TABLE = "Tasks"
CATEGORIES_TABLE = "Categories"
KEY_POOL = 400  # users the HTTP server knows; each test takes fresh ones so tests never see each other's data
# An API served elsewhere (tests/samlocal runs tests/integration against `sam local start-api` this way):
# TASKTRACKER_TEST_URL is its base URL, TASKTRACKER_TEST_KEYS the KEY:USER pairs it knows (comma-separated) and
# TASKTRACKER_TEST_DYNAMODB the DynamoDB endpoint it stores in (tests read it back to prove what was written).
EXTERNAL_URL = os.environ.get("TASKTRACKER_TEST_URL", "").rstrip("/")
EXTERNAL_KEYS = os.environ.get("TASKTRACKER_TEST_KEYS", "")
EXTERNAL_DYNAMODB = os.environ.get("TASKTRACKER_TEST_DYNAMODB", "")


def _use_dynamodb(endpoint: str) -> None:
    os.environ.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    ensure_tables(boto3.client("dynamodb"), TASKS_TABLE, CATEGORIES_TABLE)


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    if EXTERNAL_DYNAMODB:
        _use_dynamodb(EXTERNAL_DYNAMODB)
        yield EXTERNAL_DYNAMODB
        return
    with DynamoDBLocal() as ddb:
        _use_dynamodb(ddb.endpoint)
        yield ddb.endpoint


@pytest.fixture(scope="session")
def ddb(dynamodb_endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KeyPool:
    def __init__(self, size: int, keys: dict[str, str] | None = None) -> None:
        if keys is not None:
            self.keys = list(keys.items())
        else:
            self.keys = [(f"key-{secrets.token_hex(12)}", f"user-{i}-{secrets.token_hex(4)}") for i in range(size)]
        self.next = 0

    def take(self) -> tuple[str, str]:
        if self.next >= len(self.keys):
            raise RuntimeError("KEY_POOL exhausted: raise it in tests/conftest.py")
        self.next += 1
        return self.keys[self.next - 1]

    def env(self) -> str:
        return ",".join(f"{k}:{u}" for k, u in self.keys)


@pytest.fixture(scope="session")
def key_pool() -> KeyPool:
    if EXTERNAL_KEYS:
        from tasktracker.config import parse_api_keys

        return KeyPool(0, parse_api_keys(EXTERNAL_KEYS))
    return KeyPool(KEY_POOL)


@pytest.fixture(scope="session")
def server_url(dynamodb_endpoint: str, key_pool: KeyPool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real CLI (`tasktracker serve`) over HTTP, on the session's DynamoDB Local (or TASKTRACKER_TEST_URL)."""
    if EXTERNAL_URL:
        yield EXTERNAL_URL
        return
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("serve")
    log = open(data_dir / "server.log", "w")
    env = {**os.environ, "TASKTRACKER_API_KEYS": key_pool.env(), "TASKTRACKER_VALIDATE_RESPONSES": "true"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tasktracker.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--dynamodb-endpoint",
            dynamodb_endpoint,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/tasks", timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("server did not start:\n" + (data_dir / "server.log").read_text()) from None
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


class User:
    """An API user with its own key: an httpx client plus the id the server knows it by."""

    def __init__(self, base_url: str, key: str, user_id: str) -> None:
        self.key = key
        self.id = user_id
        self.http = httpx.Client(base_url=base_url, headers={"x-api-key": key}, timeout=30)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)

    def new_category(self, name: str | None = None, **extra: Any) -> dict[str, Any]:
        r = self.http.post(
            "/categories", json={"name": name or f"cat-{secrets.token_hex(4)}", "color": "#112233", **extra}
        )
        assert r.status_code == 201, r.text
        return r.json()

    def new_task(self, title: str = "a task", **extra: Any) -> dict[str, Any]:
        r = self.http.post("/tasks", json={"title": title, **extra})
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture
def make_user(server_url: str, key_pool: KeyPool) -> Iterator[Any]:
    users: list[User] = []

    def make() -> User:
        key, user_id = key_pool.take()
        users.append(User(server_url, key, user_id))
        return users[-1]

    yield make
    for u in users:
        u.http.close()


@pytest.fixture
def alice(make_user: Any) -> User:
    return make_user()


@pytest.fixture
def bob(make_user: Any) -> User:
    return make_user()


def stored(ddb: Any, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Everything DynamoDB holds for a user, to prove a failed request changed nothing."""
    out = {}
    for table in (TASKS_TABLE, CATEGORIES_TABLE):
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "userId = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "ConsistentRead": True,
        }
        while True:
            resp = ddb.query(**kwargs)
            items.extend(resp["Items"])
            if "LastEvaluatedKey" not in resp:
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        out[table] = items
    return out


@pytest.fixture
def snapshot(ddb: Any):
    return lambda user_id: stored(ddb, user_id)


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """What the Powertools logger writes in this process, through a handler with its own formatter."""
    from tasktracker.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)
