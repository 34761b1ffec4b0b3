"""Proof 5: what API Gateway imports (build/gateway/openapi.json, derived from openapi.yaml) obeys the import
rules of DESIGN.md §5; nullable fields survive the gateway's draft-4 body validator; CORS and gateway responses."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import pytest
from iac_support import operations
from openapi_spec_validator import validate

FORBIDDEN = {"discriminator", "example", "examples", "exclusiveMinimum", "exclusiveMaximum", "readOnly",
             "writeOnly", "default", "nullable", "oneOf", "anyOf"}
REQUIRED_GATEWAY_RESPONSES = {
    "INVALID_API_KEY": 401, "BAD_REQUEST_BODY": 400, "BAD_REQUEST_PARAMETERS": 400, "THROTTLED": 429,
    "QUOTA_EXCEEDED": 429, "WAF_FILTERED": 403, "DEFAULT_4XX": None, "DEFAULT_5XX": None,
}


def schemas(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every schema object in the document (components, parameters, bodies, responses, headers)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("x-"):
                continue
            if key == "schema" or where.endswith("/schemas"):
                found += _subschemas(value, f"{where}/{key}")
            else:
                found += schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += schemas(value, f"{where}/{i}")
    return found


def _subschemas(schema: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(schema, dict):
        return []
    out = [(where, schema)]
    for name, sub in (schema.get("properties") or {}).items():
        out += _subschemas(sub, f"{where}/properties/{name}")
    for key in ("items", "additionalProperties", "not"):
        out += _subschemas(schema.get(key), f"{where}/{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key) or []):
            out += _subschemas(sub, f"{where}/{key}/{i}")
    return out


def test_still_valid_openapi(gateway_doc: dict[str, Any]) -> None:
    validate(copy.deepcopy(gateway_doc))


def test_no_root_security_and_a_key_on_every_operation(gateway_doc: dict[str, Any]) -> None:
    assert "security" not in gateway_doc
    scheme = gateway_doc["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-api-key")
    for path, method, op in operations(gateway_doc):
        if method == "options":
            assert op["security"] == [], f"{path}: preflight must not need a key"
        else:
            assert op["security"] == [{"ApiKeyAuth": []}], f"{method.upper()} {path}"


def test_no_keyword_the_importer_rejects(gateway_doc: dict[str, Any]) -> None:
    bad = [(where, sorted(FORBIDDEN & set(s))) for where, s in schemas(gateway_doc) if FORBIDDEN & set(s)]
    bad += [(where, s["format"]) for where, s in schemas(gateway_doc) if s.get("format") in ("int32", "int64")]
    assert not bad, f"API Gateway ignores or rejects these: {bad}"


def test_model_names_and_paths(gateway_doc: dict[str, Any]) -> None:
    names = list(gateway_doc["components"]["schemas"])
    assert all(re.fullmatch(r"[A-Za-z0-9]+", n) for n in names), names
    for path in gateway_doc["paths"]:
        for segment in path.strip("/").split("/"):
            assert re.fullmatch(r"[A-Za-z0-9._,-]+|\{[A-Za-z0-9_]+\}", segment), f"bad path segment in {path}"


def test_models_are_draft4_and_validators_exist(gateway_doc: dict[str, Any]) -> None:
    for _where, schema in schemas(gateway_doc):
        jsonschema.Draft4Validator.check_schema(schema)
    validators = gateway_doc["x-amazon-apigateway-request-validators"]
    for path, method, op in operations(gateway_doc):
        name = op.get("x-amazon-apigateway-request-validator")
        if method != "options":
            assert name in validators, f"{method.upper()} {path}: dangling validator {name!r}"
            if "requestBody" in op:
                assert validators[name]["validateRequestBody"], f"{method.upper()} {path}: body not validated"


def gateway_validator(doc: dict[str, Any], schema_name: str) -> jsonschema.Draft4Validator:
    """What the gateway does with a model: draft 4, refs between models; `nullable` means nothing to it."""
    root = {"components": doc["components"], **doc["components"]["schemas"][schema_name]}
    return jsonschema.Draft4Validator(root)


NULL_CLEARS = [
    ("TaskCreate", {"title": "t", "description": None, "dueDate": None, "categoryId": None}),
    ("TaskUpdate", {"description": None}),
    ("TaskUpdate", {"dueDate": None}),
    ("TaskUpdate", {"categoryId": None}),
    ("CategoryCreate", {"name": "n", "color": "#123456", "icon": None}),
    ("CategoryUpdate", {"icon": None}),
]


@pytest.mark.parametrize(("model", "body"), NULL_CLEARS)
def test_nullable_fields_pass_the_gateway(spec: dict[str, Any], gateway_doc: dict[str, Any], model: str, body: Any) -> None:
    # As imported from openapi.yaml unchanged, the gateway would answer 400 to what clears a field...
    assert not gateway_validator(spec, model).is_valid(body), "openapi.yaml itself no longer shows the problem?"
    # ...derived, it lets it through to the app.
    errors = [e.message for e in gateway_validator(gateway_doc, model).iter_errors(body)]
    assert not errors, f"{model} {body}: {errors}"


@pytest.mark.parametrize(("model", "body"), [
    ("TaskCreate", {"title": ""}),
    ("TaskCreate", {"title": "t", "description": "x" * 2001}),
    ("TaskCreate", {"title": "t", "unknown": 1}),
    ("TaskUpdate", {}),
    ("CategoryCreate", {"name": "n", "color": "red"}),
    ("CategoryUpdate", {"icon": "x" * 65}),
])
def test_strings_keep_their_constraints(gateway_doc: dict[str, Any], model: str, body: Any) -> None:
    assert not gateway_validator(gateway_doc, model).is_valid(body)


def test_preflight_on_every_path(gateway_doc: dict[str, Any]) -> None:
    from tasktracker.app import CORS_ALLOW_HEADERS

    for path, item in gateway_doc["paths"].items():
        options = item.get("options")
        assert options, f"{path}: no OPTIONS"
        integration = options["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock"
        params = integration["responses"]["default"]["responseParameters"]
        assert params["method.response.header.Access-Control-Allow-Origin"] == "'*'"
        allowed = params["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
        assert set(CORS_ALLOW_HEADERS) <= set(allowed)
        methods = set(params["method.response.header.Access-Control-Allow-Methods"].strip("'").split(","))
        assert methods == {m.upper() for m in item if m in ("get", "put", "post", "delete", "patch", "options")}


def render(template: str, **context: str) -> str:
    out = template
    for name, value in context.items():
        out = out.replace(f"$context.{name}", value)
    return out


def test_gateway_errors_use_the_envelope(spec: dict[str, Any], gateway_doc: dict[str, Any]) -> None:
    responses = gateway_doc["x-amazon-apigateway-gateway-responses"]
    error_schema = {"components": spec["components"], **spec["components"]["schemas"]["Error"]}
    for kind, status in REQUIRED_GATEWAY_RESPONSES.items():
        response = responses[kind]
        if status is not None:
            assert response["statusCode"] == str(status), kind
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'", kind
    for kind, response in responses.items():
        body = json.loads(render(
            response["responseTemplates"]["application/json"],
            **{"error.messageString": '"Forbidden"', "error.validationErrorString": "[string [x] is too long]",
               "requestId": "c0ffee-1"},
        ))
        jsonschema.Draft4Validator(error_schema).validate(body)
        assert body["error"]["correlationId"] == "c0ffee-1", kind
    details = json.loads(render(responses["BAD_REQUEST_BODY"]["responseTemplates"]["application/json"],
                                **{"error.validationErrorString": "[object has missing required properties]",
                                   "requestId": "r"}))["error"]["details"]
    assert details == [{"field": "body", "message": "[object has missing required properties]"}]
    assert json.loads(render(responses["INVALID_API_KEY"]["responseTemplates"]["application/json"],
                             requestId="r"))["error"]["code"] == "UNAUTHORIZED"
