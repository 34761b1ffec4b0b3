"""Proof 3: route parity. Every spec operation has exactly one integration to exactly one function, and every
function serves exactly its operation (its API event and its invoke permission name that path and method). API Gateway
invokes each function's alias `live` (a published version, which SnapStart needs): the derived gateway spec names
`${Name.Alias}`, SAM's transform turns it into that alias, and the invoke permission is the alias's."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from iac_support import ALIAS, function_name, operations

URI = (
    r"^arn:\$\{AWS::Partition\}:apigateway:\$\{AWS::Region\}:lambda:path/2015-03-31/functions/"
    r"\$\{(\w+)%s\}/invocations$"
)
BY_FUNCTION = re.compile(URI % r"\.Arn")  # openapi.yaml
BY_ALIAS = re.compile(URI % r"\.Alias")  # build/gateway/openapi.json
BY_ALIAS_RESOURCE = re.compile(URI % f"Alias{ALIAS}")  # the RestApi body after SAM's transform


def integrations(doc: dict[str, Any], uri_form: re.Pattern[str] = BY_FUNCTION) -> dict[tuple[str, str], str]:
    out = {}
    for path, method, op in operations(doc):
        integration = op.get("x-amazon-apigateway-integration")
        assert integration, f"{method.upper()} {path} has no x-amazon-apigateway-integration"
        if integration["type"] == "mock":
            continue
        assert integration["type"] == "aws_proxy" and integration["httpMethod"] == "POST", (path, method)
        uri = integration["uri"]["Fn::Sub"]
        named = [v for v in re.findall(r"\$\{([^}]+)\}", uri) if not v.startswith("AWS::")]
        assert len(named) == 1, f"{method.upper()} {path}: one function per integration"
        match = uri_form.match(uri)
        assert match, f"{method.upper()} {path}: unexpected integration uri {uri}"
        out[(path, method)] = match.group(1)
    return out


def test_each_operation_integrates_the_function_named_after_it(spec: dict[str, Any]) -> None:
    routes = integrations(spec)
    for path, method, op in operations(spec):
        assert routes[(path, method)] == function_name(op["operationId"]), f"{method.upper()} {path}"
    counts = Counter(routes.values())
    assert all(n == 1 for n in counts.values()), f"a function serves several operations: {counts}"


def test_template_functions_are_exactly_the_integrated_ones(spec: dict[str, Any], template: dict[str, Any]) -> None:
    routes = integrations(spec)
    functions = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == set(routes.values()), (
        f"without an operation: {sorted(set(functions) - set(routes.values()))}; "
        f"operations without a function: {sorted(set(routes.values()) - set(functions))}"
    )
    for (path, method), name in routes.items():
        events = functions[name]["Properties"].get("Events", {})
        assert len(events) == 1, f"{name}: exactly one API event"
        (event,) = events.values()
        assert event["Type"] == "Api"
        props = event["Properties"]
        assert props["RestApiId"] == {"Ref": "Api"}
        assert (props["Path"], props["Method"].lower()) == (path, method), f"{name} serves {props}, not {method} {path}"


def test_the_gateway_imports_the_same_integrations(spec: dict[str, Any], gateway_doc: dict[str, Any]) -> None:
    """Same operations, same function each, invoked through its alias."""
    assert integrations(gateway_doc, BY_ALIAS) == integrations(spec)


def test_the_deployed_api_invokes_each_function_alias(spec: dict[str, Any], transformed: dict[str, Any]) -> None:
    (api,) = [v for v in transformed["Resources"].values() if v["Type"] == "AWS::ApiGateway::RestApi"]
    routes = integrations(spec)
    assert integrations(api["Properties"]["Body"], BY_ALIAS_RESOURCE) == routes
    for name in routes.values():
        alias = transformed["Resources"][f"{name}Alias{ALIAS}"]
        assert alias["Type"] == "AWS::Lambda::Alias"
        assert alias["Properties"]["FunctionName"] == {"Ref": name}
        assert alias["Properties"]["Name"] == ALIAS
        (version_id,) = [k for k, v in transformed["Resources"].items()
                         if v["Type"] == "AWS::Lambda::Version" and v["Properties"]["FunctionName"] == {"Ref": name}]
        assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}


def test_each_function_may_be_invoked_by_its_route_only(spec: dict[str, Any], transformed: dict[str, Any]) -> None:
    permissions = {k: v for k, v in transformed["Resources"].items() if v["Type"] == "AWS::Lambda::Permission"}
    by_function = Counter(p["Properties"]["FunctionName"]["Ref"] for p in permissions.values())
    routes = integrations(spec)
    # The permission is the alias's: API Gateway invokes the alias, and a function's own policy would not cover it.
    assert dict(by_function) == {f"{name}Alias{ALIAS}": 1 for name in routes.values()}
    for (path, method), name in routes.items():
        (perm,) = [p for p in permissions.values() if p["Properties"]["FunctionName"]["Ref"] == f"{name}Alias{ALIAS}"]
        props = perm["Properties"]
        assert props["Principal"] == "apigateway.amazonaws.com"
        arn, values = props["SourceArn"]["Fn::Sub"]
        assert values["__ApiId__"] == {"Ref": "Api"}
        expected = "/" + method.upper() + re.sub(r"\{[^}]+\}", "*", path)
        assert arn.endswith(expected), f"{name}: {arn} does not end with {expected}"
