"""Schemathesis hooks for the contract suite against `sam local start-api`: the contract suite's own hooks
(tests/contract/hooks.py), plus one filter for a case SAM local cannot carry to a function at all."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import schemathesis

_CONTRACT_HOOKS = Path(__file__).resolve().parents[1] / "contract" / "hooks.py"
_spec = importlib.util.spec_from_file_location("contract_hooks", _CONTRACT_HOOKS)
assert _spec is not None and _spec.loader is not None
_spec.loader.exec_module(importlib.util.module_from_spec(_spec))  # registers its hooks


def _utf8(value: object) -> bool:
    if isinstance(value, (bytes, bytearray)):
        try:
            bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return False
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates
            return False
    return True


@schemathesis.hook
def filter_case(context, case) -> bool:
    # SAM local's Flask front end answers a non-UTF-8 body with its own 502 (UnicodeDecodeError) before any
    # function runs; API Gateway and the handler are tested with such bodies elsewhere (tests/lambda_handler).
    return _utf8(case.body)


def _spec_paths() -> dict[str, set[str]]:
    import yaml

    spec = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
    return {
        p: {m.upper() for m in item if m in ("get", "put", "post", "delete", "patch")}
        for p, item in spec["paths"].items()
    }


_PATHS = _spec_paths()


def _shadowed(path: str, method: str) -> bool:
    """`PUT /tasks/batch`: a method the static path lacks but a templated sibling (/tasks/{taskId}) has."""
    if method.upper() in _PATHS.get(path, set()):
        return False
    parts = path.strip("/").split("/")
    for other, methods in _PATHS.items():
        other_parts = other.strip("/").split("/")
        if other == path or len(other_parts) != len(parts) or method.upper() not in methods:
            continue
        if all(o == p or (o.startswith("{") and o.endswith("}")) for o, p in zip(other_parts, parts, strict=True)):
            return True
    return False


@schemathesis.hook("filter_case")
def not_shadowed_by_a_template(context, case) -> bool:
    # SAM local routes an undeclared method on a static path to the templated sibling's function (PUT /tasks/batch
    # reaches UpdateTaskFunction as taskId=batch: 400), where API Gateway matches the static resource and refuses
    # the method itself. The app's own 405 for it is checked against the local server by the contract suite.
    return not _shadowed(case.operation.path, case.method)
