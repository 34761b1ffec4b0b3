"""Powertools Logger, Metrics (EMF) and Tracer: one JSON access line, one metric set and annotations per request.

The API key is never logged: only the user it maps to.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME", "tasktracker")
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TaskTracker")

logger = Logger(service=SERVICE_NAME)
# A no-op unless tracing is on (Lambda with Tracing: Active); `serve` sets POWERTOOLS_TRACE_DISABLED.
# Only botocore is patched (its calls are the subsegments): the default patches every library X-Ray knows that is
# importable (httpx, requests, sqlite3, ...), none of which the functions call; ~4 ms of each cold start (make bench).
tracer = Tracer(service=SERVICE_NAME, patch_modules=["botocore"])


def outcome(status: int) -> str:
    return "success" if status < 400 else "client_error" if status < 500 else "server_error"


def record_request(
    *, operation: str | None, user: str | None, method: str, path: str, status: int, latency_ms: float
) -> None:
    logger.info(
        "request",
        extra={
            "operation": operation,
            "user": user,
            "method": method,
            "path": path,
            "status": status,
            "latency_ms": latency_ms,
        },
    )
    dimensions = {"service": SERVICE_NAME, "operation": operation or "unrouted", "outcome": outcome(status)}
    # single_metric flushes its own EMF blob, so concurrent requests (uvicorn) never mix dimensions.
    with single_metric(
        name="Requests", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE, default_dimensions=dimensions
    ):
        pass
    with single_metric(
        name="Latency",
        unit=MetricUnit.Milliseconds,
        value=latency_ms,
        namespace=METRICS_NAMESPACE,
        default_dimensions={"service": SERVICE_NAME, "operation": operation or "unrouted"},
    ):
        pass
    if operation:
        tracer.put_annotation("operation", operation)
    tracer.put_annotation("status", status)
