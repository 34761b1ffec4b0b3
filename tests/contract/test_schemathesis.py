"""Schemathesis against the contract, every operation, positive and negative data, all phases, all checks.

(a) the real local server (`tasktracker serve` on DynamoDB Local, the `server_url` fixture);
(b) in-process through the Lambda entry point: each request becomes an API Gateway REST proxy event for
    tasktracker.handler.handler (tests/contract/lambda_proxy.py), on the same DynamoDB Local.

Config: tests/contract/schemathesis.toml; hooks: tests/contract/hooks.py; reports: build/contract/<target>/.
CONTRACT_SEED=N picks the seed (default: a fixed one, so CI is reproducible; `make fuzz` uses a random one).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import contract_runner as runner
import pytest

pytestmark = pytest.mark.integration

SEED = int(os.environ.get("CONTRACT_SEED") or "20261127")
OPERATIONS = {
    "POST /tasks", "GET /tasks", "GET /tasks/{taskId}", "PUT /tasks/{taskId}", "DELETE /tasks/{taskId}",
    "POST /categories", "GET /categories", "GET /categories/{categoryId}", "PUT /categories/{categoryId}",
    "DELETE /categories/{categoryId}",
}


def _check(result: runner.Result) -> None:
    print(result.summary())
    assert result.returncode == 0, f"{result.summary()}\n\n{result.output[-20000:]}"
    assert result.stop_reason == "completed", result.stop_reason
    assert OPERATIONS <= result.operations, OPERATIONS - result.operations
    for phase in runner.PHASES:
        assert result.cases.get(phase, 0) > 0, f"phase {phase} ran no test case: {result.summary()}"


def test_local_server_on_dynamodb_local(server_url: str, key_pool) -> None:
    (key, _), (peer_key, _) = key_pool.take(), key_pool.take()
    result = runner.run(
        "server", server_url, key, peer_key=peer_key, report_dir=runner.ROOT / "build" / "contract" / "server",
        seed=SEED, workers=2,
    )
    _check(result)


def test_lambda_handler_in_process(dynamodb_endpoint: str) -> None:
    key, key_id = f"key-{secrets.token_hex(12)}", f"apikeyid{secrets.token_hex(5)}"
    peer_key, peer_id = f"key-{secrets.token_hex(12)}", f"apikeyid{secrets.token_hex(5)}"
    env = {
        "CONTRACT_TARGET": "lambda",
        "CONTRACT_LAMBDA_KEYS": f"{key}:{key_id},{peer_key}:{peer_id}",
        "TASKS_TABLE": "Tasks",
        "CATEGORIES_TABLE": "Categories",
        "CURSOR_SECRET": secrets.token_urlsafe(32),
        "TASKTRACKER_VALIDATE_RESPONSES": "true",
        "TASKTRACKER_API_KEYS": "",
        "TASKTRACKER_LOCAL_LAMBDA_API_KEYS": "",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
    }
    # The host is never contacted: the hooks give Schemathesis the WSGI app in front of the handler.
    result = runner.run(
        "lambda", "http://lambda.test", key, peer_key=peer_key, report_dir=runner.ROOT / "build" / "contract" / "lambda",
        seed=SEED, workers=1, env=env,
    )
    _check(result)


@pytest.mark.skipif(not os.environ.get("CONTRACT_URL"), reason="set CONTRACT_URL and CONTRACT_API_KEY (make fuzz)")
def test_deployment() -> None:
    """`make fuzz URL=... KEY=... [KEY2=...]`: KEY2, a second user's key, turns on the cross-tenant check."""
    seed = int(os.environ["CONTRACT_SEED"]) if os.environ.get("CONTRACT_SEED") else None
    result = runner.run(
        "deployed", os.environ["CONTRACT_URL"].rstrip("/"), os.environ["CONTRACT_API_KEY"],
        peer_key=os.environ.get("CONTRACT_API_KEY2") or None,
        report_dir=Path(runner.ROOT / "build" / "contract" / "deployed"), seed=seed, workers=2, timeout=3600,
    )
    _check(result)
