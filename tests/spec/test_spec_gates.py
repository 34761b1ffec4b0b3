"""The spec gates on openapi.yaml, and each gate shown failing on a deliberate break of a copy."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "spec"))
import gates  # noqa: E402

SPEC = ROOT / "openapi.yaml"


def _write(tmp_path: Path, doc: dict, name: str = "openapi.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def doc() -> dict:
    return yaml.safe_load(SPEC.read_text())


def test_openapi_spec_validator() -> None:
    result = gates.validate(SPEC)
    print(result)
    assert result.ok, str(result)


def test_redocly_lint(spec_tools: Path) -> None:
    result = gates.redocly_lint(SPEC)
    print(result)
    assert result.ok, str(result)


def test_no_breaking_change_since_last_release(spec_tools: Path) -> None:
    result = gates.breaking(SPEC)
    print(result)
    assert result.ok, str(result)


def test_released_specs_are_valid_and_versioned() -> None:
    for path in gates.RELEASED.glob("openapi-*.yaml"):
        assert yaml.safe_load(path.read_text())["info"]["version"] == path.stem.removeprefix("openapi-")
        assert gates.validate(path).ok


# ---- each gate fails on a deliberate break ---------------------------------------------------------------

def test_validator_fails_on_a_broken_spec(tmp_path: Path, doc: dict) -> None:
    del doc["paths"]["/tasks"]["post"]["responses"]
    doc["components"]["schemas"]["Task"]["properties"]["title"]["type"] = "text"
    result = gates.validate(_write(tmp_path, doc))
    print(result)
    assert not result.ok and "ValidationError" in result.output


def test_redocly_lint_fails_on_a_deliberate_break(spec_tools: Path, tmp_path: Path, doc: dict) -> None:
    doc["components"]["schemas"]["Title"]["example"] = "Buy milk"        # API Gateway import rejects it
    doc["paths"]["/tasks"]["get"].pop("security")                       # operation without security
    doc["paths"]["/tasks"]["get"]["operationId"] = doc["paths"]["/tasks"]["post"]["operationId"]  # duplicate id
    result = gates.redocly_lint(_write(tmp_path, doc))
    print(result)
    assert not result.ok
    for rule in ("rule/api-gateway-no-example", "rule/api-gateway-operation-security", "operation-operationId-unique"):
        assert rule in result.output


def test_breaking_check_fails_on_a_break_unless_major_bumped(spec_tools: Path, tmp_path: Path, doc: dict) -> None:
    released = _write(tmp_path, copy.deepcopy(doc), "released.yaml")
    doc["paths"]["/tasks/{taskId}"].pop("delete")                                          # removed operation
    doc["components"]["schemas"]["TaskCreate"]["required"].append("priority")               # new required field
    doc["components"]["schemas"]["Priority"]["enum"].remove("medium")                       # narrowed enum
    doc["paths"]["/tasks"]["get"]["parameters"].append(
        {"name": "owner", "in": "query", "required": True, "schema": {"type": "string"}})  # new required param
    broken = _write(tmp_path, doc)
    result = gates.breaking(broken, released)
    print(result)
    assert not result.ok
    for expected in ("method.remove", "operation removed", "new required request field", "request enum narrowed",
                     "new required parameter"):
        assert expected in result.output
    doc["info"]["version"] = "2.0.0"
    bumped = gates.breaking(_write(tmp_path, doc, "bumped.yaml"), released)
    print(bumped)
    assert bumped.ok and "major version bumped" in bumped.output


def test_breaking_check_refuses_a_version_going_backwards(spec_tools: Path, tmp_path: Path, doc: dict) -> None:
    released = _write(tmp_path, copy.deepcopy(doc), "released.yaml")
    doc["info"]["version"] = "0.9.0"
    result = gates.breaking(_write(tmp_path, doc), released)
    assert not result.ok and "backwards" in result.output
