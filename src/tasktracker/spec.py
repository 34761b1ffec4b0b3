"""openapi.yaml as a dict, parsed once per process (stdlib + PyYAML only: the Lambda build runs this module).

Lambda packages carry the spec pre-parsed: each function's build writes tasktracker/openapi.json with
`python -m tasktracker.spec openapi.yaml OUT.json GetTaskFunction` (layer/Makefile): JSON parses in ~0.1 ms where
PyYAML's pure-Python loader, which Connexion uses for a spec file, takes ~60 ms; and only the function's own
operations and the components they use are kept, without API Gateway's x-amazon-apigateway-* extensions (which
Connexion ignores), so the validation Connexion runs at every start covers a fifth of the spec. The operations
kept resolve to exactly what the whole spec gives (tests/unit/test_spec.py). Elsewhere the YAML is parsed, with
libyaml when PyYAML has it.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import yaml

PACKAGED_JSON = Path(__file__).parent / "openapi.json"
GATEWAY_EXTENSION_PREFIX = "x-amazon-apigateway-"


def yaml_path() -> Path:
    """The packaged copy (Lambda) or the repository's openapi.yaml (development)."""
    packaged = Path(__file__).parent / "openapi.yaml"
    return packaged if packaged.exists() else Path(__file__).resolve().parents[2] / "openapi.yaml"


def parse_yaml(text: str) -> dict[str, Any]:
    """yaml.safe_load's document, with libyaml's parser when PyYAML was built with it."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def without_gateway_extensions(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: without_gateway_extensions(v)
            for k, v in node.items()
            if not (isinstance(k, str) and k.startswith(GATEWAY_EXTENSION_PREFIX))
        }
    if isinstance(node, list):
        return [without_gateway_extensions(v) for v in node]
    return node


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _refs(node: Any, found: set[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            kind, name = ref[len("#/components/") :].split("/", 1)
            found.add((kind, name))
        for v in node.values():
            _refs(v, found)
    elif isinstance(node, list):
        for v in node:
            _refs(v, found)


def for_function(spec: dict[str, Any], function: str) -> dict[str, Any]:
    """Only the operations API Gateway invokes `function` for (their x-amazon-apigateway-integration names it),
    and the components they use. A function is never sent another route, so its app answers the same; Connexion
    validates and builds a fifth of the spec at each cold start (make bench: ~30 ms -> ~6 ms)."""
    marker = "${" + function + ".Arn}"
    paths = {}
    for template, item in spec["paths"].items():
        ops = {
            m: op
            for m, op in item.items()
            if m in HTTP_METHODS and marker in json.dumps(op.get(GATEWAY_EXTENSION_PREFIX + "integration"))
        }
        if ops:
            paths[template] = {**{k: v for k, v in item.items() if k not in HTTP_METHODS}, **ops}
    if not paths:
        raise SystemExit(f"no operation of the spec is integrated with {function}")
    used: set[tuple[str, str]] = set()
    _refs(paths, used)
    todo = list(used)
    while todo:
        kind, name = todo.pop()
        more: set[tuple[str, str]] = set()
        _refs(spec["components"][kind][name], more)
        todo += more - used
        used |= more
    components = {}
    for kind, items in spec.get("components", {}).items():
        # Security schemes are named by operations' `security`, not by $ref: all are kept (there are few).
        kept = items if kind == "securitySchemes" else {n: v for n, v in items.items() if (kind, n) in used}
        if kept:
            components[kind] = kept
    return {**spec, "paths": paths, "components": components}


@functools.cache
def load() -> dict[str, Any]:
    """The spec (cached: callers must not change it; Connexion gets a copy)."""
    if PACKAGED_JSON.exists():
        return json.loads(PACKAGED_JSON.read_bytes())
    return parse_yaml(yaml_path().read_text())


def write_packaged(source: Path, out: Path, function: str | None = None) -> None:
    spec = parse_yaml(source.read_text())
    if function:
        spec = for_function(spec, function)
    spec = without_gateway_extensions(spec)
    # A YAML value JSON cannot carry (a date, bytes) would change the document: fail the build instead.
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if json.loads(text) != spec:
        raise SystemExit(f"{source}: the spec does not survive a JSON round trip")
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        raise SystemExit("usage: python -m tasktracker.spec openapi.yaml OUT.json [FunctionLogicalId]")
    write_packaged(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] if len(sys.argv) == 4 else None)
