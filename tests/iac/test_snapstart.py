"""The opt-in SnapStart parameter: with SnapStart=Enabled every function's published versions get SnapStart and API
Gateway invokes those versions (through the alias); with Disabled (the default) no function has SnapStart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from iac_support import ALIAS, function_name, operations, sam_transform


def resolve(node: Any, conditions: dict[str, Any], params: dict[str, str]) -> Any:
    """Fn::If / Fn::Equals / Ref to parameters, as CloudFormation evaluates them for this stack's parameters."""
    if isinstance(node, list):
        return [resolve(n, conditions, params) for n in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in params:
        return params[node["Ref"]]
    if set(node) == {"Fn::Equals"}:
        a, b = (resolve(x, conditions, params) for x in node["Fn::Equals"])
        return str(a) == str(b)
    if set(node) == {"Fn::If"}:
        cond, yes, no = node["Fn::If"]
        return resolve(yes if resolve(conditions[cond], conditions, params) else no, conditions, params)
    return {k: resolve(v, conditions, params) for k, v in node.items()}


@pytest.fixture(scope="session", params=["Enabled", "Disabled"])
def snapstart(request: pytest.FixtureRequest, sam_python: Path, gateway_doc: dict[str, Any]):
    template = sam_transform(sam_python, Stage="dev", SnapStart=request.param)
    params = {k: str(v.get("Default")) for k, v in template["Parameters"].items()}
    params["SnapStart"] = request.param
    return request.param, template, params


def test_default_is_disabled(template: dict[str, Any]) -> None:
    assert template["Parameters"]["SnapStart"]["Default"] == "Disabled"
    assert template["Parameters"]["SnapStart"]["AllowedValues"] == ["Disabled", "Enabled"]


def test_snapstart_on_published_versions_only_when_enabled(snapstart, spec: dict[str, Any]) -> None:
    value, template, params = snapstart
    resources = template["Resources"]
    functions = {function_name(op["operationId"]) for _, _, op in operations(spec)}
    for name in functions:
        props = resources[name]["Properties"]
        applied = resolve(props.get("SnapStart", {"ApplyOn": "None"}), template["Conditions"], params)
        if value == "Enabled":
            assert applied == {"ApplyOn": "PublishedVersions"}, name
        else:
            assert applied.get("ApplyOn", "None") == "None", f"{name} has SnapStart {applied}"
        # SnapStart restores published versions only: API Gateway must invoke one, through the alias.
        versions = [v for v in resources.values()
                    if v["Type"] == "AWS::Lambda::Version" and v["Properties"]["FunctionName"] == {"Ref": name}]
        assert len(versions) == 1, name
        assert resources[f"{name}Alias{ALIAS}"]["Type"] == "AWS::Lambda::Alias", name
    (api,) = [v for v in resources.values() if v["Type"] == "AWS::ApiGateway::RestApi"]
    for path, method, op in operations(api["Properties"]["Body"]):
        integration = op["x-amazon-apigateway-integration"]
        if integration["type"] == "mock":
            continue
        target = f"${{{function_name(op['operationId'])}Alias{ALIAS}}}"
        assert target in integration["uri"]["Fn::Sub"], f"{method.upper()} {path} does not invoke {target}"
    permissions = [v for v in resources.values() if v["Type"] == "AWS::Lambda::Permission"]
    assert {p["Properties"]["FunctionName"]["Ref"] for p in permissions} == {f"{n}Alias{ALIAS}" for n in functions}


def test_a_new_layer_publishes_new_versions(template: dict[str, Any]) -> None:
    """The alias must follow the dependencies too: a new layer version publishes a new version of each function."""
    assert template["Globals"]["Function"]["AutoPublishAlias"] == ALIAS
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert resource["Properties"]["AutoPublishAliasAllProperties"] is True, name
    assert template["Resources"]["DependencyLayer"]["Properties"]["PublishLambdaVersion"] is True
