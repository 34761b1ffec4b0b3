"""An ASGI app that plays API Gateway (REST API, Lambda proxy integration) in front of the Lambda handler.

Each request becomes an API Gateway REST proxy event, exactly as a deployed stage would send it:
no Content-Length header, single- and multi-value headers and query parameters, `pathParameters`
left to the app, a base64 body (`isBase64Encoded`) when the bytes are not UTF-8, and
`requestContext.identity.apiKeyId` set to the key's id when `x-api-key` names a known key
(API Gateway has validated the key by then). `tasktracker.handler.handler(event, context)` is called
in this process and its proxy result becomes the HTTP response.

Schemathesis sends its requests here through its ASGI transport, so the Lambda handler path
(Mangum, the Content-Length fix, the apiKeyId identity) is fuzzed without a network or a container.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote


class LambdaContext:
    function_name = "contract-test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:contract-test"
    memory_limit_in_mb = 256
    log_group_name = "/aws/lambda/contract-test"
    log_stream_name = "contract"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


def to_event(
    method: str, raw_path: bytes, query_string: bytes, headers: list[tuple[str, str]], raw_body: bytes,
    api_keys: dict[str, str],
) -> dict[str, Any]:
    # API Gateway gives the decoded path, and never forwards Content-Length to a proxy integration.
    path = unquote(raw_path.decode("utf-8", "replace"))
    headers = [(name, value) for name, value in headers if name.lower() not in ("content-length", "host")]
    headers.append(("Host", "contract.execute-api.us-east-1.amazonaws.com"))
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    qs_single: dict[str, str] = {}
    qs_multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True):
        qs_single[name] = value
        qs_multi.setdefault(name, []).append(value)
    body: str | None = None
    is_b64 = False
    if raw_body:
        try:
            body = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            body, is_b64 = base64.b64encode(raw_body).decode(), True
    key = next((v for k, v in headers if k.lower() == "x-api-key"), None)
    identity: dict[str, Any] = {"sourceIp": "127.0.0.1", "userAgent": single.get("user-agent"), "apiKey": key}
    if key is not None and key in api_keys:
        identity["apiKeyId"] = api_keys[key]
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": qs_single or None,
        "multiValueQueryStringParameters": qs_multi or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/test{path}",
            "stage": "test",
            "requestId": str(uuid.uuid4()),
            "accountId": "123456789012",
            "apiId": "contract",
            "identity": identity,
        },
        "body": body,
        "isBase64Encoded": is_b64,
    }


class LambdaProxyApp:
    """ASGI app: request -> API Gateway event -> handler(event, context) in a worker thread -> response."""

    def __init__(self, handler: Callable[[dict[str, Any], Any], dict[str, Any]], api_keys: dict[str, str]) -> None:
        self.handler = handler
        self.api_keys = api_keys
        self._local = threading.local()

    def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        # Mangum runs the ASGI app on asyncio.get_event_loop(): Lambda's main thread has one, a worker
        # thread does not, so each worker thread gets its own.
        if getattr(self._local, "loop", None) is None:
            self._local.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._local.loop)
        return self.handler(event, LambdaContext())

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        raw_path = scope.get("raw_path") or scope["path"].encode()
        event = to_event(scope["method"], raw_path, scope.get("query_string", b""), headers, b"".join(chunks),
                         self.api_keys)
        result = await asyncio.to_thread(self._invoke, event)
        out: list[tuple[bytes, bytes]] = []
        for name, values in (result.get("multiValueHeaders") or {}).items():
            out.extend((name.lower().encode(), v.encode("latin-1")) for v in values)
        seen = {n for n, _ in out}
        out.extend(
            (n.lower().encode(), v.encode("latin-1"))
            for n, v in (result.get("headers") or {}).items() if n.lower().encode() not in seen
        )
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
        await send({"type": "http.response.start", "status": int(result["statusCode"]), "headers": out})
        await send({"type": "http.response.body", "body": data})
