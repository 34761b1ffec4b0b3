"""Derive the SDK generators' input from openapi.yaml, mechanically (never a hand-kept copy).

openapi.yaml is written for Connexion and API Gateway: its operationIds are Python paths
(`tasktracker.api.tasks.create_task`) and it carries `x-amazon-apigateway-*` extensions. The SDKs want
method names a person would call, so this writes a JSON copy where:

- each operationId becomes its last dotted part in camelCase (`createTask`), or the operation's
  `x-sdk-name` when it has one; two operations with the same derived name are an error;
- OpenAPI `links` that name an operation by operationId follow the rename;
- every `x-amazon-apigateway-*` key is dropped, at any depth.

Nothing else changes. Usage: python scripts/sdk_spec.py [--spec openapi.yaml] [--out build/sdk-openapi.json]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DROP_PREFIX = "x-amazon-apigateway-"


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates and timestamps as the strings written (JSON has no date type)."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def sdk_name(operation_id: str) -> str:
    """`tasktracker.api.tasks.create_task` -> `createTask`; an already camelCase name is kept."""
    last = operation_id.rsplit(".", 1)[-1]
    words = [w for w in re.split(r"[_\-\s]+", last) if w]
    if not words:
        raise ValueError(f"operationId {operation_id!r} has no usable name")
    return words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if not (isinstance(k, str) and k.startswith(DROP_PREFIX))}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def derive(spec: dict[str, Any]) -> dict[str, Any]:
    out = _strip(spec)
    seen: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for path, item in (out.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if not isinstance(op, dict):
                continue
            where = f"{method.upper()} {path}"
            if "x-sdk-name" in op:
                name = op.pop("x-sdk-name")
            elif "operationId" in op:
                name = sdk_name(op["operationId"])
            else:
                raise ValueError(f"{where} has no operationId")
            if name in seen:
                raise ValueError(f"{where} and {seen[name]} both derive the SDK name {name!r}: give one an x-sdk-name")
            seen[name] = where
            if "operationId" in op:
                renamed[op["operationId"]] = name
            op["operationId"] = name
    _relink(out, renamed)
    return out


def _relink(node: Any, renamed: dict[str, str]) -> None:
    """OpenAPI `links` name their target by operationId: point them at the renamed operations."""
    if isinstance(node, dict):
        links = node.get("links")
        for link in links.values() if isinstance(links, dict) else ():
            if isinstance(link, dict) and link.get("operationId") in renamed:
                link["operationId"] = renamed[link["operationId"]]
        for v in node.values():
            _relink(v, renamed)
    elif isinstance(node, list):
        for v in node:
            _relink(v, renamed)


def load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)


def write(spec_path: Path, out_path: Path) -> Path:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(derive(load(spec_path)), indent=2, ensure_ascii=False) + "\n"
    out_path.write_text(text, encoding="utf-8")
    return out_path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", type=Path, default=ROOT / "openapi.yaml")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "sdk-openapi.json")
    args = ap.parse_args()
    print(write(args.spec, args.out))


if __name__ == "__main__":
    main()
