"""The spec the app loads is the document Connexion would load from openapi.yaml itself (tasktracker.spec)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from connexion.spec import Specification

from tasktracker import spec

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi.yaml"


def _has_gateway_keys(node) -> bool:
    if isinstance(node, dict):
        return any(str(k).startswith("x-amazon-apigateway-") or _has_gateway_keys(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_gateway_keys(v) for v in node)
    return False


def test_the_yaml_parses_to_what_connexion_reads_from_the_file():
    # Connexion renders the file with Jinja2, then yaml.safe_load: the same document, libyaml or not.
    assert spec.parse_yaml(OPENAPI.read_text()) == Specification._load_spec_from_file(None, OPENAPI)


def test_the_packaged_json_is_the_spec_without_gateway_extensions(tmp_path):
    out = tmp_path / "openapi.json"
    spec.write_packaged(OPENAPI, out)
    packaged = json.loads(out.read_text())
    full = spec.parse_yaml(OPENAPI.read_text())
    assert _has_gateway_keys(full) and not _has_gateway_keys(packaged)
    assert packaged == spec.without_gateway_extensions(full)
    # Connexion resolves and validates both to the same operations, parameters and schemas.
    from_file = Specification.from_file(OPENAPI)
    from_json = Specification.from_dict(packaged)
    assert from_json.spec == spec.without_gateway_extensions(from_file.spec)
    assert from_json.base_path == from_file.base_path == ""


def test_load_prefers_the_packaged_json(tmp_path, monkeypatch):
    out = tmp_path / "openapi.json"
    spec.write_packaged(OPENAPI, out)
    with monkeypatch.context() as m:
        m.setattr(spec, "PACKAGED_JSON", out)
        spec.load.cache_clear()
        try:
            assert spec.load() == json.loads(out.read_text())
        finally:
            spec.load.cache_clear()
    assert spec.load() == spec.parse_yaml(OPENAPI.read_text())


def _functions(full: dict) -> set[str]:
    return set(re.findall(r"\$\{(\w+)\.Arn\}", json.dumps(full["paths"])))


def test_each_function_gets_its_own_operations_resolved_exactly_as_in_the_whole_spec():
    full = spec.parse_yaml(OPENAPI.read_text())
    whole = Specification.from_dict(full).spec
    functions = _functions(full)
    assert len(functions) >= 13
    seen = []
    for function in sorted(functions):
        sub = spec.without_gateway_extensions(spec.for_function(full, function))
        resolved = Specification.from_dict(sub).spec  # valid on its own: Connexion accepts it
        for template, item in resolved["paths"].items():
            methods = [m for m in item if m in spec.HTTP_METHODS]
            assert methods, (function, template)
            for method in methods:
                seen.append((template, method))
                # The operation Connexion routes, validates and calls is the whole spec's, to the last schema.
                assert item[method] == spec.without_gateway_extensions(whole["paths"][template][method])
            assert item.get("parameters") == whole["paths"][template].get("parameters")
        assert resolved["components"]["securitySchemes"] == whole["components"]["securitySchemes"]
    every = [(t, m) for t, item in full["paths"].items() for m in item if m in spec.HTTP_METHODS]
    assert sorted(seen) == sorted(every)  # each operation belongs to exactly one function


def test_a_function_the_spec_does_not_integrate_is_a_build_error():
    with pytest.raises(SystemExit):
        spec.for_function(spec.parse_yaml(OPENAPI.read_text()), "NoSuchFunction")


def test_every_response_header_in_the_spec_is_exposed_to_browsers():
    """A header the spec promises is useless to a browser client unless CORS exposes it (the local app and the
    gateway's responses both use CORS_EXPOSE_HEADERS)."""
    from tasktracker.app import CORS_EXPOSE_HEADERS

    doc = spec.parse_yaml(OPENAPI.read_text())
    declared = set()
    for item in doc["paths"].values():
        for op in item.values():
            if isinstance(op, dict):
                for resp in op.get("responses", {}).values():
                    if "$ref" in resp:
                        resp = doc["components"]["responses"][resp["$ref"].rsplit("/", 1)[-1]]
                    declared |= set(resp.get("headers", {}))
    assert "Idempotent-Replayed" in declared
    assert declared <= set(CORS_EXPOSE_HEADERS), declared - set(CORS_EXPOSE_HEADERS)
