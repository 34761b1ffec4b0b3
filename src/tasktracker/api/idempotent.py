"""Runs a POST under its Idempotency-Key header, when the caller sent one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connexion import request

from tasktracker import wiring


def idempotent(user: str, operation: str, body: Any, execute: Callable[[], tuple]) -> tuple:
    key = request.headers.get("idempotency-key")
    return wiring.services().idempotency(key, user=user, operation=operation, body=body, execute=execute)
