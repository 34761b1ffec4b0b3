"""Builds the Connexion app from openapi.yaml: the same app serves uvicorn locally and every Lambda function."""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.utils import get_function_from_name
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tasktracker import spec, wiring
from tasktracker.config import MAX_BODY_BYTES, Settings
from tasktracker.errors import ApiError, envelope
from tasktracker.observability import logger, record_request
from tasktracker.validation import VALIDATORS

_SANE_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Per-request facts filled in by inner layers (operation, user) and read by the outer access log.
_request_info: ContextVar[dict[str, Any]] = ContextVar("request_info")

CODE_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "TOO_MANY_REQUESTS",
}
CORS_ALLOW_HEADERS = ["Content-Type", "x-api-key", "If-Match", "X-Correlation-Id", "Idempotency-Key"]
CORS_EXPOSE_HEADERS = ["ETag", "Location", "X-Correlation-Id", "Retry-After", "Idempotent-Replayed"]


def correlation_id() -> str:
    info = _request_info.get(None)
    return info["correlationId"] if info else "-"


def _pick_correlation_id(header: str | None, event: dict[str, Any] | None) -> str:
    if header and _SANE_CORRELATION_ID.match(header):
        return header
    request_id = ((event or {}).get("requestContext") or {}).get("requestId")
    if request_id and _SANE_CORRELATION_ID.match(str(request_id)):
        return str(request_id)
    return str(uuid.uuid4())


def _envelope_body(code: str, message: str, details: list | None = None) -> bytes:
    return json.dumps(envelope(code, message, correlation_id(), details)).encode()


def _error_response(status: int, code: str, message: str, details=None, headers=None) -> ConnexionResponse:
    body = _envelope_body(code, message, details)
    return ConnexionResponse(status_code=status, mimetype="application/json", body=body, headers=headers or {})


async def _on_api_error(_request: ConnexionRequest, exc: ApiError) -> ConnexionResponse:
    return _error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _on_http_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    status = getattr(exc, "status_code", 500)
    if status >= 500:
        logger.error("framework error", extra={"error": repr(exc)})
        return _error_response(500, "INTERNAL_ERROR", "Something went wrong on our side.")
    code = CODE_BY_STATUS.get(status, "VALIDATION_ERROR")
    message = getattr(exc, "detail", None) or code.replace("_", " ").capitalize()
    if status == 401:
        message = "A valid x-api-key header is required."
    headers = dict(getattr(exc, "headers", None) or {})
    headers.pop("WWW-Authenticate", None)
    if status == 405:
        # Starlette names only the first matching route's methods; Allow must list all the path's.
        headers["Allow"] = _allowed_methods(_request.url.path) or headers.get("Allow", "")
    return _error_response(status, code, str(message)[:500], headers=headers)


@functools.cache
def _spec_routes() -> tuple[tuple[re.Pattern[str], str], ...]:
    paths = spec.load()["paths"]
    routes = []
    for template, item in paths.items():
        methods = ", ".join(m.upper() for m in item if m in ("get", "put", "post", "delete", "patch"))
        routes.append((re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"), methods))
    # Concrete paths match before templated ones (OpenAPI): /tasks/batch is not /tasks/{taskId}.
    return tuple(sorted(routes, key=lambda route: "[^/]+" in route[0].pattern))


def _allowed_methods(path: str) -> str | None:
    return next((methods for pattern, methods in _spec_routes() if pattern.match(path)), None)


async def _on_unexpected(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    logger.exception("unhandled error")
    return _error_response(500, "INTERNAL_ERROR", "Something went wrong on our side.")


class RequestContextMiddleware:
    """Correlation id, body size limit and one access-log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        cid = _pick_correlation_id(headers.get("x-correlation-id"), scope.get("aws.event"))
        info: dict[str, Any] = {"correlationId": cid, "status": 500}
        _request_info.set(info)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                info["status"] = message["status"]
                info["started"] = True
                MutableHeaders(scope=message)["X-Correlation-Id"] = cid
            await send(message)

        with logger.append_context_keys(correlation_id=cid):
            try:
                if "content-length" not in headers and scope["method"] in ("POST", "PUT", "PATCH"):
                    # Chunked bodies: Connexion decides from Content-Length whether a body exists.
                    buffered = await _buffer_body(receive)
                    if buffered is None:
                        await _send_envelope(send_with_id, _payload_too_large())
                        return
                    scope, receive = _with_body(scope, buffered)
                    headers = Headers(scope=scope)
                await self.app(scope, _limited(receive, headers), send_with_id)
            except Exception:
                # Last resort: whatever escaped the handlers still gets the envelope, never a bare 500.
                logger.exception("unhandled error outside the handlers")
                if not info.get("started"):
                    await _send_envelope(send_with_id, ApiError("INTERNAL_ERROR", "Something went wrong on our side."))
            finally:
                record_request(
                    operation=info.get("operation"),
                    user=info.get("user"),
                    method=scope["method"],
                    path=scope["path"],
                    status=info["status"],
                    latency_ms=round((time.perf_counter() - started) * 1000, 2),
                )


def _limited(receive: Receive, headers: Headers) -> Receive:
    """Refuse bodies over MAX_BODY_BYTES, by the declared length or by counting what arrives."""
    declared = headers.get("content-length")
    too_large = declared is not None and (not (declared.isascii() and declared.isdigit()) or int(declared) > MAX_BODY_BYTES)
    seen = 0

    async def receive_() -> Message:
        nonlocal seen
        if too_large:
            raise _payload_too_large()
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY_BYTES:
            raise _payload_too_large()
        return message

    return receive_


def _payload_too_large() -> ApiError:
    return ApiError("PAYLOAD_TOO_LARGE", f"The body is over {MAX_BODY_BYTES} bytes.")


async def _buffer_body(receive: Receive) -> bytes | None:
    """The whole body, or None once it passes MAX_BODY_BYTES."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _with_body(scope: Scope, body: bytes) -> tuple[Scope, Receive]:
    scope = dict(scope)
    scope["headers"] = [*scope["headers"], (b"content-length", str(len(body)).encode())]
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return scope, receive


async def _send_envelope(send: Send, error: ApiError) -> None:
    body = _envelope_body(error.code, error.message, error.details)
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class OperationInfoMiddleware:
    """Sits after routing and security, where Connexion knows the operation and the user."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        info = _request_info.get(None)
        if info is not None and scope["type"] == "http":
            extensions = scope.get("extensions", {})
            operation = (extensions.get("connexion_routing") or {}).get("operation_id") or ""
            info["operation"] = operation.rsplit(".", 1)[-1] or None
            info["user"] = (extensions.get("connexion_context") or {}).get("user")
        if scope["type"] == "http" and scope["method"] not in ("HEAD", "OPTIONS"):
            # PUT /tasks/batch routes to PUT /tasks/{taskId}; the spec's /tasks/batch has no PUT: 405, not 400.
            allowed = _allowed_methods(scope["path"])
            if allowed is not None and scope["method"] not in allowed.split(", "):
                raise HTTPException(405, headers={"Allow": allowed})
        await self.app(scope, receive, send)


def _run_inline(function: Any) -> Any:
    """The operation as a coroutine function, so Connexion calls it on the event loop instead of handing it to a
    worker thread: anyio starts a new thread for every Mangum invocation (each is a new root task), ~0.3 ms of
    every warm request (make bench). Only for Lambda, which gives an execution environment one request at a time;
    the local server keeps the thread pool, so a slow call does not hold up other requests."""
    if asyncio.iscoroutinefunction(function):
        return function

    @functools.wraps(function)  # Connexion reads the parameters through __wrapped__
    async def run_inline(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return run_inline


def create_app(settings: Settings | None = None, *, one_request_at_a_time: bool = False) -> AsyncApp:
    """one_request_at_a_time: Lambda's case (tasktracker.handler); operations then run on the event loop."""
    if settings is not None:
        wiring.configure(settings)
    config = wiring.settings()
    app = AsyncApp(__name__, validator_map=VALIDATORS)
    app.add_api(
        # The dict parsed once per process (tasktracker.spec), not the file: Connexion would parse it again with
        # PyYAML's pure-Python loader. A copy, as Connexion changes parts of what it is given.
        copy.deepcopy(spec.load()),
        strict_validation=True,
        pythonic_params=True,
        resolver=Resolver(lambda operation_id: _run_inline(get_function_from_name(operation_id)))
        if one_request_at_a_time
        else None,
        validate_responses=config.validate_responses,
        # Docs are served by `tasktracker serve` only; Lambda functions serve the API alone.
        # Swagger UI at /docs/ (assets from the swagger-ui-bundle package, no CDN), the spec at /openapi.json.
        swagger_ui_options=SwaggerUIOptions(
            swagger_ui=config.serve_docs,
            serve_spec=config.serve_docs,
            swagger_ui_path="/docs",
            spec_path="/openapi.json",
        ),
    )
    app.add_middleware(OperationInfoMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION)
    app.add_middleware(RequestContextMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(
        CORSMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        max_age=600,
    )
    app.add_error_handler(ApiError, _on_api_error)
    app.add_error_handler(ProblemException, _on_http_error)
    app.add_error_handler(HTTPException, _on_http_error)
    app.add_error_handler(Exception, _on_unexpected)
    return app
