"""Breaking changes between two OpenAPI 3.0 documents: the rules openapi-diff (npm) does not check.

openapi-diff compares request/response *bodies* as sets of JSON values, which covers most schema changes, but it
ignores parameters, enums, `nullable` and response headers (measured: a new required query parameter, an
optional parameter made required, a parameter's type change, a narrowed enum, a field made nullable and a
removed ETag header all pass it). This checker covers those, plus the main rules again (removed path or
operation, removed response field or status, new required request field, type change), so either tool alone
failing fails the gate.

A change is breaking when a client written against OLD can fail against NEW:
  requests  - NEW must accept everything OLD accepted (no new required field/parameter, no narrowed type, enum,
              length, range or pattern, no removed field where extra fields are rejected);
  responses - NEW must only send what OLD could send (no removed or newly optional field, no widened type,
              enum or nullability, no removed status code or header).

Usage: python tools/spec/oas_breaking.py OLD.yaml NEW.yaml   (prints one line per breaking change; exit 1 if any)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
MAX_DEPTH = 12


class Spec:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported: {ref}")
            target: Any = self.doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref loop at {ref}")
        return node

    def schema(self, node: Any) -> dict[str, Any]:
        """A schema with $refs resolved and allOf merged (enough for the rules here)."""
        node = self.resolve(node) or {}
        for key in ("anyOf", "oneOf"):
            # `anyOf: [X, <null only>]` is how OpenAPI 3.0 says "X or null": read it as X + nullable.
            branches = [self.resolve(b) or {} for b in node.get(key) or []]
            others = [b for b in branches if not _null_only(b)]
            if len(branches) == 2 and len(others) == 1:
                rest = {k: v for k, v in node.items() if k != key}
                return {**self.schema(others[0]), **rest, "nullable": True}
        if "allOf" not in node:
            return node
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            part = self.schema(part)
            for key, value in part.items():
                if key == "properties":
                    merged.setdefault("properties", {}).update(value)
                elif key == "required":
                    merged["required"] = sorted(set(merged.get("required", [])) | set(value))
                else:
                    merged.setdefault(key, value)
        return merged


def _null_only(schema: dict[str, Any]) -> bool:
    return schema.get("enum") == [None] or schema.get("type") == "null"


def _types(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema allows (None = any), `nullable` counted as 'null'."""
    if "type" not in schema:
        return None
    kinds = {schema["type"]} if isinstance(schema["type"], str) else set(schema["type"])
    if schema.get("nullable"):
        kinds.add("null")
    return kinds


def _compatible_types(narrow: set[str] | None, wide: set[str] | None) -> bool:
    if wide is None:
        return True
    if narrow is None:
        return False
    # Every integer is a number.
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


class Checker:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = Spec(old), Spec(new)
        self.problems: list[str] = []

    def report(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    # ---- operations -------------------------------------------------------------------------------------
    def run(self) -> list[str]:
        old_paths = self.old.doc.get("paths") or {}
        new_paths = self.new.doc.get("paths") or {}
        for path, old_item in old_paths.items():
            if path not in new_paths:
                self.report(path, "path removed")
                continue
            new_item = new_paths[path]
            for method in METHODS:
                if method in old_item and method not in new_item:
                    self.report(f"{method.upper()} {path}", "operation removed")
                elif method in old_item:
                    self.operation(f"{method.upper()} {path}", old_item, new_item, method)
        return self.problems

    def _params(self, spec: Spec, item: dict[str, Any], method: str) -> dict[tuple[str, str], dict[str, Any]]:
        params: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(item.get("parameters") or []), *(item[method].get("parameters") or [])]:
            p = spec.resolve(raw)
            name = p["name"].lower() if p["in"] == "header" else p["name"]
            params[(p["in"], name)] = p
        return params

    def operation(self, where: str, old_item: dict[str, Any], new_item: dict[str, Any], method: str) -> None:
        old_op, new_op = old_item[method], new_item[method]
        old_params = self._params(self.old, old_item, method)
        new_params = self._params(self.new, new_item, method)
        for key, p in old_params.items():
            label = f"{where} {key[0]} parameter {p['name']}"
            if key not in new_params:
                self.report(label, "parameter removed")
                continue
            q = new_params[key]
            if q.get("required") and not p.get("required"):
                self.report(label, "optional parameter became required")
            self.request_schema(label, p.get("schema") or {}, q.get("schema") or {}, 0)
        for key, q in new_params.items():
            if key not in old_params and q.get("required"):
                self.report(f"{where} {key[0]} parameter {q['name']}", "new required parameter")

        old_body = self.old.resolve(old_op.get("requestBody")) if old_op.get("requestBody") else None
        new_body = self.new.resolve(new_op.get("requestBody")) if new_op.get("requestBody") else None
        if new_body and new_body.get("required") and not (old_body and old_body.get("required")):
            self.report(f"{where} request body", "request body became required")
        if old_body and new_body:
            for media, content in (old_body.get("content") or {}).items():
                if media not in (new_body.get("content") or {}):
                    self.report(f"{where} request body {media}", "media type no longer accepted")
                    continue
                self.request_schema(
                    f"{where} request body", content.get("schema") or {},
                    new_body["content"][media].get("schema") or {}, 0,
                )
        elif old_body and not new_body:
            self.report(f"{where} request body", "request body removed")

        new_responses = new_op.get("responses") or {}
        for status, old_resp in (old_op.get("responses") or {}).items():
            label = f"{where} response {status}"
            if status not in new_responses:
                self.report(label, "response status removed")
                continue
            old_resp, new_resp = self.old.resolve(old_resp), self.new.resolve(new_responses[status])
            new_headers = {h.lower() for h in (new_resp.get("headers") or {})}
            for header in old_resp.get("headers") or {}:
                if header.lower() not in new_headers:
                    self.report(f"{label} header {header}", "response header removed")
            for media, content in (old_resp.get("content") or {}).items():
                new_content = (new_resp.get("content") or {}).get(media)
                if new_content is None:
                    self.report(f"{label} {media}", "response media type removed")
                    continue
                self.response_schema(label, content.get("schema") or {}, new_content.get("schema") or {}, 0)

    # ---- schemas ----------------------------------------------------------------------------------------
    def request_schema(self, where: str, old_raw: Any, new_raw: Any, depth: int) -> None:
        """NEW must accept every value OLD accepted."""
        if depth > MAX_DEPTH:
            return
        old, new = self.old.schema(old_raw), self.new.schema(new_raw)
        if not _compatible_types(_types(old), _types(new)):
            self.report(where, f"request type narrowed: {sorted(_types(old) or ['any'])} -> {sorted(_types(new) or [])}")
        if "enum" in new:
            removed = [v for v in old.get("enum", []) if v not in new["enum"]] if "enum" in old else ["(any)"]
            if removed:
                self.report(where, f"request enum narrowed, no longer accepted: {removed}")
        for key, tighter in (("maxLength", min), ("maximum", min), ("maxItems", min), ("maxProperties", min),
                             ("minLength", max), ("minimum", max), ("minItems", max), ("minProperties", max)):
            if key in new and (key not in old or tighter(old[key], new[key]) != old[key]):
                self.report(where, f"request {key} narrowed: {old.get(key, 'none')} -> {new[key]}")
        if "pattern" in new and new.get("pattern") != old.get("pattern"):
            self.report(where, f"request pattern changed: {old.get('pattern')!r} -> {new['pattern']!r}")
        added = sorted(set(new.get("required", [])) - set(old.get("required", [])))
        for name in added:
            self.report(f"{where}.{name}", "new required request field")
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        for name, sub in old_props.items():
            if name in new_props:
                self.request_schema(f"{where}.{name}", sub, new_props[name], depth + 1)
            elif new.get("additionalProperties") is False:
                self.report(f"{where}.{name}", "request field no longer accepted")
        if old.get("additionalProperties") is not False and new.get("additionalProperties") is False:
            self.report(where, "request no longer accepts additional properties")
        if "items" in old and "items" in new:
            self.request_schema(f"{where}[]", old["items"], new["items"], depth + 1)

    def response_schema(self, where: str, old_raw: Any, new_raw: Any, depth: int) -> None:
        """NEW must only send values OLD could send."""
        if depth > MAX_DEPTH:
            return
        old, new = self.old.schema(old_raw), self.new.schema(new_raw)
        if not _compatible_types(_types(new), _types(old)):
            self.report(where, f"response type widened: {sorted(_types(old) or [])} -> {sorted(_types(new) or ['any'])}")
        if "enum" in old:
            added = [v for v in new.get("enum", []) if v not in old["enum"]] if "enum" in new else ["(any)"]
            if added:
                self.report(where, f"response enum widened, new values: {added}")
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        for name in old_props:
            if name not in new_props:
                self.report(f"{where}.{name}", "response field removed")
        for name in sorted(set(old.get("required", [])) - set(new.get("required", []))):
            if name in new_props:
                self.report(f"{where}.{name}", "response field no longer required")
        for name, sub in old_props.items():
            if name in new_props:
                self.response_schema(f"{where}.{name}", sub, new_props[name], depth + 1)
        if "items" in old and "items" in new:
            self.response_schema(f"{where}[]", old["items"], new["items"], depth + 1)


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return Checker(old, new).run()


def load(path: str | Path) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.split("\n\n")[-1], file=sys.stderr)
        return 2
    problems = breaking_changes(load(args[0]), load(args[1]))
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
