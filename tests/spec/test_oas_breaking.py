"""tools/spec/oas_breaking.py: each rule on a small spec, and what must not count as breaking."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "spec"))
from oas_breaking import breaking_changes

BASE = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1.0.0"},
    "paths": {
        "/things": {
            "get": {
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"$ref": "#/components/parameters/Kind"},
                ],
                "responses": {"200": {"description": "ok", "headers": {"ETag": {"schema": {"type": "string"}}},
                                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
            },
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingCreate"}}}},
                "responses": {"201": {"description": "made", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                              "400": {"description": "bad"}},
            },
        },
        "/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
    "components": {
        "parameters": {"Kind": {"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/Kind"}}},
        "schemas": {
            "Kind": {"type": "string", "enum": ["a", "b"]},
            "Thing": {"type": "object", "required": ["id", "name", "kind"], "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "kind": {"$ref": "#/components/schemas/Kind"},
                "note": {"type": "string", "nullable": True}, "count": {"type": "integer"}}},
            "ThingCreate": {"type": "object", "additionalProperties": False, "required": ["name"], "properties": {
                "name": {"type": "string", "maxLength": 50, "pattern": "^\\S"}, "kind": {"$ref": "#/components/schemas/Kind"},
                "note": {"type": "string", "nullable": True}}},
        },
    },
}


def changed(fn) -> list[str]:
    new = copy.deepcopy(BASE)
    fn(new)
    return breaking_changes(BASE, new)


S = lambda d: d["components"]["schemas"]  # noqa: E731
GET = lambda d: d["paths"]["/things"]["get"]  # noqa: E731

BREAKING = {
    "path removed": lambda d: d["paths"].pop("/things/{id}"),
    "operation removed": lambda d: d["paths"]["/things"].pop("post"),
    "response field removed": lambda d: S(d)["Thing"]["properties"].pop("count"),
    "response field no longer required": lambda d: S(d)["Thing"]["required"].remove("name"),
    "new required request field": lambda d: S(d)["ThingCreate"]["required"].append("kind"),
    "request enum narrowed": lambda d: S(d)["Kind"].update(enum=["a"]),
    "response enum widened": lambda d: S(d)["Kind"]["enum"].append("c"),
    "request type narrowed": lambda d: S(d)["ThingCreate"]["properties"]["note"].pop("nullable"),
    "response type widened": lambda d: S(d)["Thing"]["properties"]["name"].update(nullable=True),
    "new required parameter": lambda d: GET(d)["parameters"].append({"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}),
    "optional parameter became required": lambda d: GET(d)["parameters"][0].update(required=True),
    "parameter removed": lambda d: GET(d)["parameters"].pop(0),
    "request maximum narrowed": lambda d: GET(d)["parameters"][0]["schema"].update(maximum=50),
    "request maxLength narrowed": lambda d: S(d)["ThingCreate"]["properties"]["name"].update(maxLength=10),
    "request pattern changed": lambda d: S(d)["ThingCreate"]["properties"]["name"].update(pattern="^[a-z]+$"),
    "request field no longer accepted": lambda d: S(d)["ThingCreate"]["properties"].pop("note"),
    "response status removed": lambda d: d["paths"]["/things"]["post"]["responses"].pop("201"),
    "response header removed": lambda d: GET(d)["responses"]["200"].pop("headers"),
    "request body became required": lambda d: d["paths"]["/things/{id}"]["delete"].update(
        requestBody={"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}),
    "type changed in response": lambda d: S(d)["Thing"]["properties"]["count"].update(type="string"),
}

NOT_BREAKING = {
    "nothing": lambda d: None,
    "new path": lambda d: d["paths"].update({"/other": {"get": {"responses": {"200": {"description": "ok"}}}}}),
    "new optional request field": lambda d: S(d)["ThingCreate"]["properties"].update(extra={"type": "string"}),
    "new response field": lambda d: S(d)["Thing"]["properties"].update(extra={"type": "string"}),
    "new optional parameter": lambda d: GET(d)["parameters"].append({"name": "q", "in": "query", "schema": {"type": "string"}}),
    "request maxLength widened": lambda d: S(d)["ThingCreate"]["properties"]["name"].update(maxLength=500),
    "request field no longer required": lambda d: S(d)["ThingCreate"]["required"].remove("name"),
    "new error status": lambda d: d["paths"]["/things"]["post"]["responses"].update({"409": {"description": "taken"}}),
    "descriptions": lambda d: d["paths"]["/things"]["get"].update(summary="List things", description="All of them."),
    "integer request widened to number": lambda d: GET(d)["parameters"][0]["schema"].update(type="number"),
    "nullable written as anyOf with a null branch": lambda d: S(d)["Thing"]["properties"].update(
        note={"anyOf": [{"type": "string"}, {"type": "object", "nullable": True, "enum": [None]}]}),
}


@pytest.mark.parametrize("name", BREAKING)
def test_breaking(name: str) -> None:
    found = changed(BREAKING[name])
    assert found, f"{name} was not reported"
    expected = "response type widened" if name == "type changed in response" else name
    assert any(expected in f for f in found), found


@pytest.mark.parametrize("name", NOT_BREAKING)
def test_not_breaking(name: str) -> None:
    assert changed(NOT_BREAKING[name]) == []
