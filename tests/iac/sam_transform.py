"""SAM's own transform (samtranslator), offline: prints the CloudFormation template CloudFormation would deploy.

Run by the aws-sam-cli venv's Python (it carries samtranslator): `python sam_transform.py TEMPLATE [Key=Value...]`.
Does what CloudFormation does before the SAM transform, no more (DESIGN.md §5):
- AWS::Include snippets are inlined from their local file (CloudFormation processes them first);
- AWS::LanguageExtensions: `Fn::If` in DeletionPolicy / UpdateReplacePolicy is resolved with the parameters;
- local CodeUri/ContentUri become s3:// URIs (what `sam package` uploads);
- managed policy names resolve from samtranslator's bundled map (no IAM call); AWS_DEFAULT_REGION is set.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class BundledPolicies:
    def load(self) -> dict[str, str]:
        return get_bundled_managed_policy_map("aws") or {}


def inline_includes(node: Any, base: Path) -> Any:
    if isinstance(node, list):
        return [inline_includes(n, base) for n in node]
    if not isinstance(node, dict):
        return node
    transform_spec = node.get("Fn::Transform")
    if len(node) == 1 and isinstance(transform_spec, dict) and transform_spec.get("Name") == "AWS::Include":
        location = base / transform_spec["Parameters"]["Location"]
        text = location.read_text()
        return json.loads(text) if location.suffix == ".json" else yaml_parse(text)
    return {k: inline_includes(v, base) for k, v in node.items()}


def evaluate(condition: Any, conditions: dict[str, Any], params: dict[str, Any]) -> bool:
    """Just enough of CloudFormation's condition functions for this template."""
    if isinstance(condition, dict) and len(condition) == 1:
        (fn, args), = condition.items()
        if fn == "Condition":
            return evaluate(conditions[args], conditions, params)
        if fn == "Fn::Equals":
            a, b = (value(x, params) for x in args)
            return str(a) == str(b)
        if fn == "Fn::Not":
            return not evaluate(args[0], conditions, params)
        if fn == "Fn::And":
            return all(evaluate(a, conditions, params) for a in args)
        if fn == "Fn::Or":
            return any(evaluate(a, conditions, params) for a in args)
    raise ValueError(f"unsupported condition {condition!r}")


def value(node: Any, params: dict[str, Any]) -> Any:
    if isinstance(node, dict) and set(node) == {"Ref"}:
        return params[node["Ref"]]
    return node


def language_extensions(template: dict[str, Any], params: dict[str, Any]) -> None:
    conditions = template.get("Conditions", {})
    for resource in template.get("Resources", {}).values():
        for attr in ("DeletionPolicy", "UpdateReplacePolicy"):
            policy = resource.get(attr)
            if isinstance(policy, dict):
                cond, when_true, when_false = policy["Fn::If"]
                resource[attr] = when_true if evaluate({"Condition": cond}, conditions, params) else when_false
    transforms = template.get("Transform")
    if isinstance(transforms, list):
        template["Transform"] = [t for t in transforms if t != "AWS::LanguageExtensions"]
        if len(template["Transform"]) == 1:
            template["Transform"] = template["Transform"][0]


def s3_code_uris(template: dict[str, Any]) -> None:
    for name, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://offline-bucket/{name}.zip"
    function_globals = template.get("Globals", {}).get("Function", {})
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = "s3://offline-bucket/code.zip"


def main(argv: list[str]) -> int:
    path = Path(argv[1]).resolve()
    overrides = dict(arg.split("=", 1) for arg in argv[2:])
    template = yaml_parse(path.read_text())
    params = {k: v.get("Default") for k, v in template.get("Parameters", {}).items()}
    params.update(overrides)
    params.update({"AWS::Region": os.environ["AWS_DEFAULT_REGION"], "AWS::Partition": "aws"})
    template = inline_includes(copy.deepcopy(template), path.parent)
    language_extensions(template, params)
    s3_code_uris(template)
    result = transform(template, overrides, BundledPolicies())
    json.dump(result, sys.stdout, indent=1, sort_keys=True, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
