"""Lambda entry point: Mangum around the same Connexion app that `tasktracker serve` runs.

Mangum, not aws-wsgi: Connexion 3 is an ASGI framework, and aws-wsgi only speaks WSGI.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from tasktracker import wiring
from tasktracker.app import create_app
from tasktracker.observability import logger, tracer

TEXT_MIME_TYPES = ["application/json", "application/problem+json", "text/plain", "text/html"]

app = create_app(one_request_at_a_time=True)
_asgi_handler = Mangum(app, lifespan="off", text_mime_types=TEXT_MIME_TYPES)
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # In Lambda the DynamoDB client and the services are built at init, once per execution environment (and into
    # the snapshot with SnapStart), not inside the first request.
    wiring.services()


def add_content_length(event: dict[str, Any]) -> dict[str, Any]:
    """API Gateway proxy events carry no Content-Length, and Connexion decides from it whether a body exists."""
    body = event.get("body")
    if body is None:
        return event
    if event.get("isBase64Encoded"):
        try:
            length = len(base64.b64decode(body, validate=True))
        except (binascii.Error, ValueError):
            length = len(body)
    else:
        length = len(body.encode("utf-8", "surrogatepass"))
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-length"}
    headers["Content-Length"] = str(length)
    event["headers"] = headers
    multi = event.get("multiValueHeaders")
    if multi is not None:
        multi = {k: v for k, v in multi.items() if k.lower() != "content-length"}
        multi["Content-Length"] = [str(length)]
        event["multiValueHeaders"] = multi
    return event


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("httpMethod") == "POST":
        # In-flight idempotency records expire with this invocation's deadline.
        wiring.services().idempotency.register_lambda_context(context)
    return _asgi_handler(add_content_length(event), context)
