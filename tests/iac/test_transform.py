"""Proof 2: SAM's own transform (samtranslator) expands the template, with the include inlined, into a template
holding every function, the API, the usage plan, the WAF association and the alarms."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from iac_support import function_name, operations

from tasktracker.store.client import DYNAMODB_CONFIG


def _worst_dynamodb_call_seconds() -> float:
    """One call to a stuck table: every attempt waits out connect + read, with botocore's standard-mode backoff
    (at most 1, 2, 4... s) between attempts."""
    attempts = DYNAMODB_CONFIG.retries["total_max_attempts"]
    per_attempt = DYNAMODB_CONFIG.connect_timeout + DYNAMODB_CONFIG.read_timeout
    return attempts * per_attempt + sum(2**i for i in range(attempts - 1))


DYNAMODB_WORST_CALL_SECONDS = _worst_dynamodb_call_seconds()

ALARMS = {
    "Api5xxRateAlarm", "ApiLatencyP99Alarm", "LambdaErrorsAlarm", "LambdaThrottlesAlarm",
    "DynamoDBThrottlesAlarm", "DynamoDBSystemErrorsAlarm",
}


def by_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_every_operation_has_its_function(transformed: dict[str, Any], spec: dict[str, Any]) -> None:
    functions = by_type(transformed, "AWS::Lambda::Function")
    expected = {function_name(op["operationId"]) for _, _, op in operations(spec)}
    assert set(functions) == expected
    layer = next(iter(by_type(transformed, "AWS::Lambda::LayerVersion")))
    for name, fn in functions.items():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.13", name
        assert props["Architectures"] == [{"Ref": "Architecture"}], name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert props["Layers"] == [{"Ref": layer}], name
        assert props["Handler"] == "tasktracker.handler.handler", name
        assert props["LoggingConfig"]["LogGroup"] == {"Ref": f"{name}LogGroup"}, name
        assert props["Timeout"] < 29, f"{name}: must end before API Gateway's 29 s"
        assert props["Timeout"] > DYNAMODB_WORST_CALL_SECONDS, f"{name}: a stuck table must end in our own 503"
        env = props["Environment"]["Variables"]
        assert {"TASKS_TABLE", "CATEGORIES_TABLE", "IDEMPOTENCY_TABLE", "POWERTOOLS_SERVICE_NAME"} <= set(env), name
        for local_only in ("TASKTRACKER_LOCAL_LAMBDA_API_KEYS", "AWS_ENDPOINT_URL_DYNAMODB", "CURSOR_SECRET"):
            assert env.get(local_only, "") == "", f"{name}: {local_only} is for sam local only, empty when deployed"
        log_group = transformed["Resources"][f"{name}LogGroup"]
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_api_is_imported_from_the_derived_spec(transformed: dict[str, Any], gateway_doc: dict[str, Any]) -> None:
    (rest_api,) = by_type(transformed, "AWS::ApiGateway::RestApi").values()
    # Byte for byte the derived spec, but for SAM resolving each `${Name.Alias}` to the alias resource.
    body = json.dumps(rest_api["Properties"]["Body"], sort_keys=True)
    derived = json.dumps(gateway_doc, sort_keys=True)
    assert body == re.sub(r"\$\{(\w+)\.Alias\}", r"${\1Aliaslive}", derived)
    assert ".Alias}" in derived and ".Arn}" not in derived
    assert len(by_type(transformed, "AWS::ApiGateway::Deployment")) == 1
    (stage,) = by_type(transformed, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == {"Ref": "Stage"}
    assert props["TracingEnabled"] is True
    assert props["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert '"requestId":"$context.requestId"' in props["AccessLogSetting"]["Format"]
    assert "$context.identity.apiKey\"" not in props["AccessLogSetting"]["Format"], "never log the key itself"
    assert props["Variables"]["stage"] == {"Ref": "Stage"}
    (settings,) = props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "RateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "BurstLimit"}
    assert settings["MetricsEnabled"] is True and settings["DataTraceEnabled"] is False


def test_usage_plan_key_and_waf(transformed: dict[str, Any], template: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    plan = resources["UsagePlan"]["Properties"]
    assert plan["ApiStages"] == [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "ApiStage"}}]
    assert plan["Throttle"] == {"RateLimit": {"Ref": "RateLimit"}, "BurstLimit": {"Ref": "BurstLimit"}}
    assert plan["Quota"] == {"Limit": {"Ref": "DailyQuota"}, "Period": "DAY"}
    assert template["Parameters"]["RateLimit"]["Default"] == 1000
    assert template["Parameters"]["BurstLimit"]["Default"] == 2000
    assert resources["InitialUsagePlanKey"]["Properties"]["UsagePlanId"] == {"Ref": "UsagePlan"}
    assert resources["InitialApiKey"]["Type"] == "AWS::ApiGateway::ApiKey"
    assoc = resources["WebAclAssociation"]
    assert assoc["Type"] == "AWS::WAFv2::WebACLAssociation" and assoc["Condition"] == "WafEnabled"
    assert "/restapis/${Api}/stages/${ApiStage}" in assoc["Properties"]["ResourceArn"]["Fn::Sub"]
    rules = {r["Name"]: r for r in resources["WebAcl"]["Properties"]["Rules"]}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "RateLimitPerIp"} == set(rules)
    assert rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"


def test_alarms_dashboard_and_topic(transformed: dict[str, Any], spec: dict[str, Any]) -> None:
    alarms = by_type(transformed, "AWS::CloudWatch::Alarm")
    assert set(alarms) == ALARMS
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    functions = {function_name(op["operationId"]) for _, _, op in operations(spec)}
    for alarm in ("LambdaErrorsAlarm", "LambdaThrottlesAlarm"):
        watched = {
            m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
            for m in alarms[alarm]["Properties"]["Metrics"] if "MetricStat" in m
        }
        assert watched == functions, f"{alarm} must watch every function"
    assert by_type(transformed, "AWS::CloudWatch::Dashboard")
    assert transformed["Resources"]["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"


def test_tables_secret_and_stage_conditions(transformed: dict[str, Any], transformed_prod: dict[str, Any]) -> None:
    tables = by_type(transformed, "AWS::DynamoDB::Table")
    assert set(tables) == {"TasksTable", "CategoriesTable", "IdempotencyTable"}
    for name, table in tables.items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert props["SSESpecification"] == {"SSEEnabled": True}, name
    gsi = tables["TasksTable"]["Properties"]["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == "CategoryIndex"
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["categoryId", "createdAt"]
    for name in ("TasksTable", "CategoriesTable"):
        assert transformed["Resources"][name]["DeletionPolicy"] == "Delete"
        assert transformed_prod["Resources"][name]["DeletionPolicy"] == "Retain"
        assert transformed_prod["Resources"][name]["UpdateReplacePolicy"] == "Retain"
    assert transformed["Resources"]["CursorSecret"]["Type"] == "AWS::SecretsManager::Secret"
    scaling = Counter(v["Condition"] for v in by_type(transformed, "AWS::ApplicationAutoScaling::ScalingPolicy").values())
    assert scaling == {"IsProvisioned": 6}
