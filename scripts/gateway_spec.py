#!/usr/bin/env python3
"""Derive the OpenAPI document that API Gateway imports from openapi.yaml, mechanically, at build time.

openapi.yaml stays the one contract (Connexion, SDKs, schemathesis read it as it is). API Gateway reads the
same operations, integrations and request validators, but its models are JSON Schema draft 4 and its importer
ignores or rejects part of OpenAPI 3.0 (DESIGN.md §5). This script writes what the gateway gets:

1. `nullable: true` becomes draft 4. The gateway does not know `nullable`, so `{"description": null}` (which
   clears a field) would fail its body validator with 400 while the app accepts it. A nullable schema loses its
   `type` instead (and an `enum` gains null): draft 4 applies `maxLength`, `pattern`, `format`, ... to strings
   only, so null passes and strings keep every constraint. A value of another type (a number where a string
   belongs) then passes the gateway and gets the app's own 400 with the full error envelope: the gateway is
   never stricter than the app. (`type: [string, "null"]` would be exact draft 4 but is not OpenAPI 3.0, which
   the importer parses first.)
2. Keywords the importer ignores or rejects and that only annotate (`example`, `examples`, `default`,
   `readOnly`, `writeOnly`, `discriminator`, `int32`/`int64` formats, `exclusiveMinimum/Maximum`) are
   dropped; a root-level `security` moves onto each operation that has none.
3. Every path gets an `OPTIONS` method (mock integration, no API key) answering the CORS preflight with the
   headers the app itself allows (tasktracker.app.CORS_*), so browsers are never asked for a key to ask.
4. `x-amazon-apigateway-gateway-responses` make the gateway's own errors (missing/invalid key, validation,
   throttling, quota, WAF, 4XX/5XX defaults) use the app's error envelope, with CORS headers and the request
   id as correlationId.
5. Each Lambda integration invokes the function's alias (`${CreateTaskFunction.Arn}` -> `${CreateTaskFunction.Alias}`,
   which SAM resolves to the `live` alias of AutoPublishAlias): SnapStart applies only to published versions, and
   an alias also lets a deployment move traffic in one step. openapi.yaml keeps naming the function (`.Arn`), which
   is what Connexion's per-function split (tasktracker.spec.for_function) and the route proofs read.

Usage: gateway_spec.py [SOURCE [TARGET]]   (defaults: openapi.yaml, build/gateway/openapi.json)
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT / "openapi.yaml"
DEFAULT_TARGET = ROOT / "build" / "gateway" / "openapi.json"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANNOTATIONS = ("example", "examples", "default", "readOnly", "writeOnly", "discriminator")
UNSUPPORTED_FORMATS = ("int32", "int64")
EXCLUSIVE = ("exclusiveMinimum", "exclusiveMaximum")
MODEL_NAME = re.compile(r"^[A-Za-z0-9]+$")
FUNCTION_ARN = re.compile(r"\$\{(\w+)\.Arn\}")

# Gateway response type -> (status or None to keep the gateway's own, code, message, details field or None).
# The message None means "the gateway's own message" ($context.error.messageString, already a JSON string).
GATEWAY_RESPONSES: dict[str, tuple[int | None, str, str | None, str | None]] = {
    "INVALID_API_KEY": (401, "UNAUTHORIZED", "A valid x-api-key header is required.", None),
    "MISSING_AUTHENTICATION_TOKEN": (404, "NOT_FOUND", "No such resource or method.", None),
    "ACCESS_DENIED": (403, "FORBIDDEN", None, None),
    "BAD_REQUEST_BODY": (400, "VALIDATION_ERROR", "The request body is invalid.", "body"),
    "BAD_REQUEST_PARAMETERS": (400, "VALIDATION_ERROR", "The request parameters are invalid.", "parameters"),
    "REQUEST_TOO_LARGE": (413, "PAYLOAD_TOO_LARGE", "The body is too large.", None),
    "UNSUPPORTED_MEDIA_TYPE": (415, "UNSUPPORTED_MEDIA_TYPE", "The body must be application/json.", None),
    "RESOURCE_NOT_FOUND": (404, "NOT_FOUND", "No such resource.", None),
    "THROTTLED": (429, "TOO_MANY_REQUESTS", "Too many requests; slow down and retry.", None),
    "QUOTA_EXCEEDED": (429, "TOO_MANY_REQUESTS", "The daily request quota of this API key is used up.", None),
    "WAF_FILTERED": (403, "FORBIDDEN", "The request was blocked by the web application firewall.", None),
    "INTEGRATION_TIMEOUT": (503, "SERVICE_UNAVAILABLE", "The service did not answer in time; retry.", None),
    "INTEGRATION_FAILURE": (503, "SERVICE_UNAVAILABLE", "The service is unavailable; retry.", None),
    "DEFAULT_4XX": (None, "FORBIDDEN", None, None),
    "DEFAULT_5XX": (None, "INTERNAL_ERROR", "Something went wrong on our side.", None),
}
RETRY_AFTER = {"THROTTLED": "1", "INTEGRATION_TIMEOUT": "1", "INTEGRATION_FAILURE": "1"}
CORS_MAX_AGE = "600"


def cors_settings() -> tuple[list[str], list[str]]:
    """The app's own CORS lists, so the gateway's preflight and errors never disagree with the app."""
    sys.path.insert(0, str(ROOT / "src"))
    from tasktracker.app import CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS

    return list(CORS_ALLOW_HEADERS), list(CORS_EXPOSE_HEADERS)


def _schema(node: Any) -> None:
    """Rewrite one schema object in place: nullable -> draft 4, drop what the importer cannot take."""
    if not isinstance(node, dict):
        return
    if node.get("nullable") is True:
        node.pop("type", None)
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"].append(None)
    node.pop("nullable", None)
    for key in ANNOTATIONS:
        node.pop(key, None)
    for key in EXCLUSIVE:
        if isinstance(node.get(key), bool):
            del node[key]
    if node.get("format") in UNSUPPORTED_FORMATS:
        del node["format"]
    for sub in (node.get("properties") or {}).values():  # property names are data, not keywords
        _schema(sub)
    for key in ("items", "additionalProperties", "not"):
        _schema(node.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key) or []:
            _schema(sub)


def _walk(node: Any) -> None:
    """Outside schemas: find every `schema`, drop media-type/parameter examples; keys like responses' default stay."""
    if isinstance(node, list):
        for item in node:
            _walk(item)
        return
    if not isinstance(node, dict):
        return
    if "schema" in node or "content" in node:
        node.pop("example", None)
        node.pop("examples", None)
        node.pop("links", None)
    for key, value in node.items():
        if key == "schema":
            _schema(value)
        elif not key.startswith("x-"):
            _walk(value)


def _operations(doc: dict[str, Any]):
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method in HTTP_METHODS and isinstance(op, dict):
                yield path, method, op


def _preflight(path: str, methods: list[str], allow_headers: list[str]) -> dict[str, Any]:
    allow_methods = ",".join(sorted({m.upper() for m in methods} | {"OPTIONS"}))
    headers = {
        "Access-Control-Allow-Origin": "'*'",
        "Access-Control-Allow-Methods": f"'{allow_methods}'",
        "Access-Control-Allow-Headers": f"'{','.join(allow_headers)}'",
        "Access-Control-Max-Age": f"'{CORS_MAX_AGE}'",
    }
    return {
        "operationId": "corsPreflight" + "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", path)),
        "summary": "CORS preflight (answered by API Gateway; no API key)",
        "tags": ["cors"],
        "security": [],
        "responses": {
            "204": {
                "description": "The CORS headers.",
                "headers": {name: {"schema": {"type": "string"}} for name in headers},
            }
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "when_no_match",
            "responses": {
                "default": {
                    "statusCode": "204",
                    "responseParameters": {f"method.response.header.{k}": v for k, v in headers.items()},
                    "responseTemplates": {"application/json": ""},
                }
            },
        },
    }


def _gateway_responses(allow_headers: list[str], expose_headers: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, (status, code, message, field) in GATEWAY_RESPONSES.items():
        details = (
            f'[{{"field": "{field}", "message": "$context.error.validationErrorString"}}]' if field else "[]"
        )
        msg = json.dumps(message) if message is not None else "$context.error.messageString"
        template = (
            f'{{"error": {{"code": "{code}", "message": {msg}, "details": {details}, '
            f'"correlationId": "$context.requestId"}}}}'
        )
        params = {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
            "gatewayresponse.header.Access-Control-Allow-Headers": f"'{','.join(allow_headers)}'",
            "gatewayresponse.header.Access-Control-Expose-Headers": f"'{','.join(expose_headers)}'",
        }
        if kind in RETRY_AFTER:
            params["gatewayresponse.header.Retry-After"] = f"'{RETRY_AFTER[kind]}'"
        response: dict[str, Any] = {
            "responseParameters": params,
            "responseTemplates": {"application/json": template},
        }
        if status is not None:
            response["statusCode"] = str(status)
        out[kind] = response
    return out


def _invoke_alias(op: dict[str, Any]) -> None:
    """A Lambda proxy integration's uri names the function's alias instead of the function ($LATEST)."""
    integration = op.get("x-amazon-apigateway-integration") or {}
    uri = integration.get("uri")
    if integration.get("type") != "aws_proxy" or not isinstance(uri, dict) or "Fn::Sub" not in uri:
        return
    text = uri["Fn::Sub"]
    if len(FUNCTION_ARN.findall(text)) != 1:
        raise ValueError(f"an integration must name exactly one function as ${{Name.Arn}}: {text}")
    integration["uri"] = {"Fn::Sub": FUNCTION_ARN.sub(r"${\1.Alias}", text)}


def derive(spec: dict[str, Any], allow_headers: list[str], expose_headers: list[str]) -> dict[str, Any]:
    doc = copy.deepcopy(spec)
    bad_names = [n for n in doc.get("components", {}).get("schemas", {}) if not MODEL_NAME.match(n)]
    if bad_names:
        raise ValueError(f"API Gateway model names must be alphanumeric; rename in openapi.yaml: {bad_names}")
    root_security = doc.pop("security", None)
    for _path, _method, op in _operations(doc):
        if root_security is not None and "security" not in op:
            op["security"] = copy.deepcopy(root_security)
        # Connexion's operationIds are Python paths; the gateway keeps them as operation names (harmless).
        _invoke_alias(op)
    components = doc.get("components", {})
    components.pop("examples", None)
    components.pop("links", None)  # OpenAPI links guide clients (stateful tests); the gateway has no use for them
    for schema in components.get("schemas", {}).values():
        _schema(schema)
    for key, section in components.items():
        if key != "schemas":
            _walk(section)
    for path, item in doc.get("paths", {}).items():
        _walk(item)
        methods = [m for m in item if m in HTTP_METHODS]
        if "options" not in item:
            item["options"] = _preflight(path, methods, allow_headers)
    doc["x-amazon-apigateway-gateway-responses"] = _gateway_responses(allow_headers, expose_headers)
    return doc


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    target = Path(argv[2]) if len(argv) > 2 else DEFAULT_TARGET
    spec = yaml.safe_load(source.read_text())
    allow, expose = cors_settings()
    doc = derive(spec, allow, expose)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    if not target.exists() or target.read_text() != text:
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")  # parallel sam builds run this at once
        tmp.write_text(text)
        tmp.replace(target)
    print(f"gateway spec: {target} (from {source})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
