"""Settings read once from the environment (Lambda) or given by `tasktracker serve`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_TASKS_TABLE = "Tasks"
DEFAULT_CATEGORIES_TABLE = "Categories"
DEFAULT_IDEMPOTENCY_TABLE = "Idempotency"
MAX_BODY_BYTES = 64 * 1024


def parse_api_keys(spec: str | None) -> dict[str, str]:
    """'k1:alice,k2:bob' -> {'k1': 'alice', 'k2': 'bob'}."""
    keys: dict[str, str] = {}
    for pair in (spec or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, sep, user = pair.partition(":")
        if not sep or not key or not user:
            raise ValueError(f"API key entries look like KEY:USER, got {pair!r}")
        keys[key] = user
    return keys


@dataclass(frozen=True)
class Settings:
    tasks_table: str = DEFAULT_TASKS_TABLE
    categories_table: str = DEFAULT_CATEGORIES_TABLE
    idempotency_table: str = DEFAULT_IDEMPOTENCY_TABLE
    # key -> user for the local server. Deployed, API Gateway checks keys and the user is the key's id.
    api_keys: dict[str, str] = field(default_factory=dict)
    # Only `sam local` sets this: it neither checks keys nor fills requestContext.identity.apiKeyId.
    local_lambda_api_keys: dict[str, str] = field(default_factory=dict)
    # HMAC key for pagination cursors: given directly (local) or by a Secrets Manager ARN (deployed).
    cursor_secret: str | None = None
    cursor_secret_arn: str | None = None
    validate_responses: bool = False
    serve_docs: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            tasks_table=env.get("TASKS_TABLE", DEFAULT_TASKS_TABLE),
            categories_table=env.get("CATEGORIES_TABLE", DEFAULT_CATEGORIES_TABLE),
            idempotency_table=env.get("IDEMPOTENCY_TABLE", DEFAULT_IDEMPOTENCY_TABLE),
            api_keys=parse_api_keys(env.get("TASKTRACKER_API_KEYS")),
            local_lambda_api_keys=parse_api_keys(env.get("TASKTRACKER_LOCAL_LAMBDA_API_KEYS")),
            cursor_secret=env.get("CURSOR_SECRET") or None,
            cursor_secret_arn=env.get("CURSOR_SECRET_ARN") or None,
            validate_responses=env.get("TASKTRACKER_VALIDATE_RESPONSES", "").lower() in ("1", "true"),
        )
