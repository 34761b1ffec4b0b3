"""`tasktracker keys` against moto: keys are created attached to the stack's usage plan, listed, revoked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tasktracker.cli import main

REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "moto")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "moto")
    with mock_aws():
        apigw = boto3.client("apigateway", region_name=REGION)
        api = apigw.create_rest_api(name="tt")
        plan = apigw.create_usage_plan(name="tt-default", throttle={"rateLimit": 1000, "burstLimit": 2000})
        other = apigw.create_usage_plan(name="someone-else")
        cfn = boto3.client("cloudformation", region_name=REGION)
        body = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"UsagePlanId": {"Value": plan["id"]}, "ApiId": {"Value": api["id"]}},
        }
        cfn.create_stack(StackName="tasktracker-dev", TemplateBody=json.dumps(body))
        cfn.create_stack(StackName="not-ours", TemplateBody=json.dumps({"Resources": body["Resources"]}))
        yield {"apigw": apigw, "plan": plan["id"], "other": other["id"]}


def keys(*args: str) -> list[str]:
    return ["keys", *args, "--region", REGION]


def plan_key_ids(aws: dict[str, Any], plan: str | None = None) -> set[str]:
    return {k["id"] for k in aws["apigw"].get_usage_plan_keys(usagePlanId=plan or aws["plan"])["items"]}


def test_create_attaches_a_new_key_to_the_stack_plan(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(keys("create", "alice", "--stack", "tasktracker-dev", "--json")) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["usagePlanId"] == aws["plan"] and created["userId"] == created["id"]
    assert plan_key_ids(aws) == {created["id"]}
    key = aws["apigw"].get_api_key(apiKey=created["id"], includeValue=True)
    assert key["value"] == created["value"] and key["enabled"] is True
    assert key["tags"] == {"tasktracker:stack": "tasktracker-dev", "tasktracker:user": "alice"}
    assert plan_key_ids(aws, aws["other"]) == set()


def test_create_prints_only_the_value_on_stdout(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(keys("create", "bob", "--usage-plan-id", aws["plan"])) == 0
    out = capsys.readouterr()
    (key_id,) = plan_key_ids(aws)
    assert out.out.strip() == aws["apigw"].get_api_key(apiKey=key_id, includeValue=True)["value"]
    assert key_id in out.err


def test_list_shows_the_plan_keys_without_values(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b"):
        assert main(keys("create", name, "--stack", "tasktracker-dev")) == 0
    stray = aws["apigw"].create_api_key(name="stray", enabled=True)  # not in the plan: not listed
    capsys.readouterr()
    assert main(keys("list", "--stack", "tasktracker-dev", "--json")) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {k["id"] for k in listed} == plan_key_ids(aws)
    assert stray["id"] not in {k["id"] for k in listed}
    assert all("value" not in k for k in listed)


def test_revoke_detaches_and_deletes(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b"):
        main(keys("create", name, "--stack", "tasktracker-dev"))
    first, second = sorted(plan_key_ids(aws))
    assert main(keys("revoke", first, "--stack", "tasktracker-dev")) == 0
    assert plan_key_ids(aws) == {second}
    assert first not in {k["id"] for k in aws["apigw"].get_api_keys()["items"]}


def test_revoke_refuses_keys_of_other_plans(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    foreign = aws["apigw"].create_api_key(name="foreign", enabled=True)
    aws["apigw"].create_usage_plan_key(usagePlanId=aws["other"], keyId=foreign["id"], keyType="API_KEY")
    assert main(keys("revoke", foreign["id"], "--stack", "tasktracker-dev")) == 2
    assert "not keys of usage plan" in capsys.readouterr().err
    assert plan_key_ids(aws, aws["other"]) == {foreign["id"]}


def test_revoke_all_needs_yes(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b"):
        main(keys("create", name, "--stack", "tasktracker-dev"))
    assert main(keys("revoke", "--all", "--stack", "tasktracker-dev")) == 2
    assert len(plan_key_ids(aws)) == 2
    assert main(keys("revoke", "--stack", "tasktracker-dev")) == 2  # nothing named
    assert main(keys("revoke", "--all", "--yes", "--stack", "tasktracker-dev")) == 0
    assert plan_key_ids(aws) == set()


def test_argument_errors(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(keys("list")) == 2
    assert "--stack" in capsys.readouterr().err
    assert main(keys("list", "--stack", "not-ours")) == 2
    assert "no UsagePlanId output" in capsys.readouterr().err
    assert main(keys("list", "--stack", "missing-stack")) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(keys("create", "--stack", "tasktracker-dev"))  # no name
    with pytest.raises(SystemExit):
        main(keys("list", "--stack", "a", "--usage-plan-id", "b"))  # one or the other
