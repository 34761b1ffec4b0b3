"""Proof 4: each function's IAM policy grants exactly the DynamoDB (and Secrets Manager) actions its code issues.

The actions are measured, not listed by hand: every operation runs through the real app against DynamoDB Local,
down every path that issues a different request (with and without a category, moves, renames, pagination,
Idempotency-Key first use / replay / failure, bulk chunks that lose a race and are redone item by item), and a
botocore `before-parameter-build` hook records each request. TransactWriteItems, BatchWriteItem and friends are
authorised by IAM per item (PutItem, UpdateItem, ... on each item's table), so they are recorded that way. The
policy side comes from SAM's transform (what CloudFormation creates); both must be equal, on the right ARNs.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.exceptions
import pytest
from iac_support import function_name, operations

pytestmark = pytest.mark.integration

# Logical ids of the template's tables; the tests' DynamoDB Local tables are named as in tests/conftest.py.
TABLES = {"Tasks": "TasksTable", "Categories": "CategoriesTable", "Idempotency": "IdempotencyTable"}
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cursor-offline"
TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


class Recorder:
    def __init__(self) -> None:
        self.op: str | None = None
        self.op_last: str | None = None
        self.seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.faults: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)

    def add(self, action: str, resource: str) -> None:
        assert self.op is not None, f"{action} on {resource} outside any operation"
        self.seen[self.op].add((action, resource))

    def dynamodb(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        name = model.name
        if name in ("TransactWriteItems", "TransactGetItems"):
            for item in params["TransactItems"]:
                (kind, body), = item.items()
                self.add("dynamodb:" + (TRANSACT_ACTIONS.get(kind) or "GetItem"), TABLES[body["TableName"]])
        elif name in ("BatchWriteItem", "BatchGetItem"):
            for table in params["RequestItems"]:
                self.add(f"dynamodb:{name}", TABLES[table])
        else:
            resource = TABLES[params["TableName"]]
            if params.get("IndexName"):
                resource += f"/index/{params['IndexName']}"
            self.add(f"dynamodb:{name}", resource)

    def fail_once(self, op: str, api_call: str, code: str, **extra: Any) -> None:
        self.faults[op].append((api_call, {"Error": {"Code": code, "Message": "injected"}, **extra}))

    def inject(self, model: Any, **_: Any) -> None:
        """Fault injection (before the request is sent, so botocore does not retry it)."""
        pending = self.faults.get(self.op or "", [])
        for i, (api_call, response) in enumerate(pending):
            if api_call == model.name:
                del pending[i]
                raise botocore.exceptions.ClientError(response, api_call)

    def secret(self, **_: Any) -> tuple[Any, dict[str, Any]]:
        self.add("secretsmanager:GetSecretValue", "CursorSecret")

        class _Http:
            status_code = 200
            headers: dict[str, str] = {}

        return _Http(), {"ARN": SECRET_ARN, "Name": "cursor", "SecretString": "offline-cursor-secret-0123456789"}


@contextmanager
def measured_app(dynamodb_endpoint: str) -> Iterator[tuple[Recorder, Any]]:
    import boto3
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters import base as parameters_base

    from tasktracker import wiring
    from tasktracker.app import create_app
    from tasktracker.config import Settings
    from tasktracker.store.client import dynamodb_client

    recorder = Recorder()
    dynamodb_client.cache_clear()
    client = dynamodb_client()
    client.meta.events.register("before-parameter-build.dynamodb", recorder.dynamodb)
    client.meta.events.register("before-call.dynamodb", recorder.inject)
    secrets_client = boto3.client("secretsmanager", region_name="us-east-1")
    secrets_client.meta.events.register("before-call.secrets-manager.GetSecretValue", recorder.secret)
    saved_providers = dict(parameters_base.DEFAULT_PROVIDERS)
    parameters_base.DEFAULT_PROVIDERS["secrets"] = parameters.SecretsProvider(boto3_client=secrets_client)
    settings = Settings(
        tasks_table="Tasks",
        categories_table="Categories",
        idempotency_table="Idempotency",
        api_keys={"measure-key": f"measure-{secrets.token_hex(6)}"},
        cursor_secret_arn=SECRET_ARN,
    )
    app = create_app(settings)
    try:
        def fresh_container() -> None:
            """Each function runs in its own container: nothing cached (secret, codec) carries over."""
            wiring.services.cache_clear()
            parameters_base.DEFAULT_PROVIDERS["secrets"] = parameters.SecretsProvider(boto3_client=secrets_client)

        recorder.fresh_container = fresh_container  # type: ignore[attr-defined]
        with app.test_client(headers={"x-api-key": "measure-key"}) as http:
            yield recorder, http
    finally:
        parameters_base.DEFAULT_PROVIDERS.clear()
        parameters_base.DEFAULT_PROVIDERS.update(saved_providers)
        wiring.configure(Settings.from_env())
        dynamodb_client.cache_clear()


def _scenarios(rec: Recorder, http: Any) -> dict[str, Callable[[], None]]:
    def call(op: str, method: str, path: str, status: int, **kwargs: Any) -> Any:
        if rec.op_last != op:
            rec.fresh_container()
            rec.op_last = op
        rec.op = op
        try:
            r = http.request(method, path, **kwargs)
        finally:
            rec.op = None
        assert r.status_code == status, f"{op}: {method} {path} -> {r.status_code} {r.text}"
        return r.json() if r.content else None

    def key() -> dict[str, str]:
        return {"Idempotency-Key": secrets.token_hex(8)}

    def category(name: str | None = None) -> dict[str, Any]:
        return call("create_category", "POST", "/categories", 201, json={"name": name or secrets.token_hex(4), "color": "#112233"})

    def task(**extra: Any) -> dict[str, Any]:
        return call("create_task", "POST", "/tasks", 201, json={"title": "t", **extra})

    def create_task() -> None:
        cat = category()
        task()
        task(categoryId=cat["categoryId"])
        k = key()
        call("create_task", "POST", "/tasks", 201, json={"title": "once"}, headers=k)
        call("create_task", "POST", "/tasks", 201, json={"title": "once"}, headers=k)  # replay
        # A failure under a key releases it (the idempotency record is deleted).
        call("create_task", "POST", "/tasks", 422, json={"title": "x", "categoryId": "0" * 26}, headers=key())

    def list_tasks() -> None:
        cat = category()
        for _ in range(3):
            task(categoryId=cat["categoryId"], priority="high")
        page = call("list_tasks", "GET", "/tasks", 200, params={"limit": 1})
        call("list_tasks", "GET", "/tasks", 200, params={"limit": 1, "cursor": page["nextCursor"]})
        page = call("list_tasks", "GET", "/tasks", 200, params={"limit": 1, "categoryId": cat["categoryId"]})
        call("list_tasks", "GET", "/tasks", 200, params={"limit": 1, "categoryId": cat["categoryId"], "cursor": page["nextCursor"]})
        call("list_tasks", "GET", "/tasks", 200, params={"priority": "high", "completed": "false"})

    def get_task() -> None:
        t = task()
        call("get_task", "GET", f"/tasks/{t['taskId']}", 200)
        call("get_task", "GET", f"/tasks/{'0' * 26}", 404)

    def update_task() -> None:
        a, b = category(), category()
        t = task(categoryId=a["categoryId"])
        t = call("update_task", "PUT", f"/tasks/{t['taskId']}", 200, json={"title": "u"}, headers={"If-Match": f'"{t["version"]}"'})
        call("update_task", "PUT", f"/tasks/{t['taskId']}", 200, json={"categoryId": b["categoryId"]})
        call("update_task", "PUT", f"/tasks/{t['taskId']}", 200, json={"categoryId": None, "description": None})
        call("update_task", "PUT", f"/tasks/{t['taskId']}", 412, json={"title": "v"}, headers={"If-Match": '"1"'})

    def delete_task() -> None:
        cat = category()
        call("delete_task", "DELETE", f"/tasks/{task()['taskId']}", 204)
        call("delete_task", "DELETE", f"/tasks/{task(categoryId=cat['categoryId'])['taskId']}", 204)

    def list_categories() -> None:
        category(), category()
        page = call("list_categories", "GET", "/categories", 200, params={"limit": 1})
        call("list_categories", "GET", "/categories", 200, params={"limit": 1, "cursor": page["nextCursor"]})

    def create_category() -> None:
        category()
        k = key()
        body = {"name": secrets.token_hex(4), "color": "#445566"}
        call("create_category", "POST", "/categories", 201, json=body, headers=k)
        call("create_category", "POST", "/categories", 201, json=body, headers=k)  # replay
        call("create_category", "POST", "/categories", 409, json=body, headers=key())  # name taken, key released

    def get_category() -> None:
        call("get_category", "GET", f"/categories/{category()['categoryId']}", 200)

    def update_category() -> None:
        c = category()
        c = call("update_category", "PUT", f"/categories/{c['categoryId']}", 200, json={"color": "#000000"})
        call("update_category", "PUT", f"/categories/{c['categoryId']}", 200, json={"name": secrets.token_hex(5)})
        call("update_category", "PUT", f"/categories/{c['categoryId']}", 200, json={"icon": None})

    def delete_category() -> None:
        call("delete_category", "DELETE", f"/categories/{category()['categoryId']}", 204)
        c = category()
        task(categoryId=c["categoryId"])
        call("delete_category", "DELETE", f"/categories/{c['categoryId']}", 409)
        call("delete_category", "DELETE", f"/categories/{c['categoryId']}", 204, params={"cascade": "detach"})
        # Over 98 tasks, the first 99 are detached (with the count update) before the delete's own transaction.
        big = category()
        call("batch_create_tasks", "POST", "/tasks/batch", 200, json={"tasks": [{"title": f"b{i}", "categoryId": big["categoryId"]} for i in range(99)]})
        call("delete_category", "DELETE", f"/categories/{big['categoryId']}", 204, params={"cascade": "detach"})

    def batch_create_tasks() -> None:
        cat = category()
        body = {"tasks": [{"title": "a"}, {"title": "b", "categoryId": cat["categoryId"]}]}
        call("batch_create_tasks", "POST", "/tasks/batch", 200, json=body)
        k = key()
        call("batch_create_tasks", "POST", "/tasks/batch", 200, json=body, headers=k)
        call("batch_create_tasks", "POST", "/tasks/batch", 200, json=body, headers=k)  # replay
        # A failure under a key releases it: DynamoDB refuses the batch write.
        rec.fail_once("batch_create_tasks", "BatchWriteItem", "ValidationException")
        call("batch_create_tasks", "POST", "/tasks/batch", 500, json={"tasks": [{"title": "c"}]}, headers=key())
        # A chunk DynamoDB fails on is read back (a lost answer may hide a write): 200 with that item as 503.
        rec.fail_once("batch_create_tasks", "BatchWriteItem", "ThrottlingException")
        call("batch_create_tasks", "POST", "/tasks/batch", 200, json={"tasks": [{"title": "d"}]})

    def bulk_update_tasks() -> None:
        cat = category()
        ids = [task()["taskId"], task(categoryId=cat["categoryId"])["taskId"]]
        call("bulk_update_tasks", "POST", "/tasks/bulk", 200, json={"action": "complete", "taskIds": ids}, headers=key())
        rec.fail_once("bulk_update_tasks", "TransactWriteItems", "TransactionCanceledException", CancellationReasons=[{"Code": "TransactionConflict"}])  # the chunk loses a race: redone task by task
        call("bulk_update_tasks", "POST", "/tasks/bulk", 200, json={"action": "reopen", "taskIds": ids})
        call("bulk_update_tasks", "POST", "/tasks/bulk", 200, json={"action": "delete", "taskIds": ids[:1]})
        rec.fail_once("bulk_update_tasks", "TransactWriteItems", "TransactionCanceledException", CancellationReasons=[{"Code": "TransactionConflict"}])
        call("bulk_update_tasks", "POST", "/tasks/bulk", 200, json={"action": "delete", "taskIds": ids[1:]})
        rec.fail_once("bulk_update_tasks", "BatchGetItem", "ThrottlingException")  # 503 under a key releases it
        call("bulk_update_tasks", "POST", "/tasks/bulk", 503, json={"action": "complete", "taskIds": ids}, headers=key())

    def clear_completed_tasks() -> None:
        cat = category()
        for extra in ({}, {"categoryId": cat["categoryId"]}):
            t = task(**extra)
            call("update_task", "PUT", f"/tasks/{t['taskId']}", 200, json={"completed": True})
        rec.fail_once("clear_completed_tasks", "TransactWriteItems", "TransactionCanceledException", CancellationReasons=[{"Code": "TransactionConflict"}])
        call("clear_completed_tasks", "POST", "/tasks/clear-completed", 200, headers=key())
        call("clear_completed_tasks", "POST", "/tasks/clear-completed", 200)
        # A throttled transaction is read back (it may have committed behind the error), then redone task by task.
        t = task()
        call("update_task", "PUT", f"/tasks/{t['taskId']}", 200, json={"completed": True})
        rec.fail_once("clear_completed_tasks", "TransactWriteItems", "ThrottlingException")
        call("clear_completed_tasks", "POST", "/tasks/clear-completed", 200)
        rec.fail_once("clear_completed_tasks", "Query", "ThrottlingException")  # 503 under a key releases it
        call("clear_completed_tasks", "POST", "/tasks/clear-completed", 503, headers=key())

    return {fn.__name__: fn for fn in (
        create_task, list_tasks, get_task, update_task, delete_task, list_categories, create_category, get_category,
        update_category, delete_category, batch_create_tasks, bulk_update_tasks, clear_completed_tasks,
    )}


@pytest.fixture(scope="module")
def measured(dynamodb_endpoint: str, spec: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    with measured_app(dynamodb_endpoint) as (rec, http):
        scenarios = _scenarios(rec, http)
        missing = [op["operationId"] for _, _, op in operations(spec) if op["operationId"].rsplit(".", 1)[-1] not in scenarios]
        assert not missing, f"no measuring scenario for {missing}: add one in {__file__}"
        for run in scenarios.values():
            run()
        return {function_name(op): actions for op, actions in rec.seen.items()}


def _resource(value: Any) -> str:
    """The template's resource forms -> 'TasksTable', 'TasksTable/index/CategoryIndex', 'CursorSecret'."""
    if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
        return value["Fn::GetAtt"][0]
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        text = value["Fn::Sub"]
        if text.startswith("${") and ".Arn}" in text:
            logical, rest = text[2:].split(".Arn}", 1)
            return logical + rest
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return value["Ref"]
    raise AssertionError(f"not a least-privilege resource (wildcard or unrecognised form): {value!r}")


def granted(transformed: dict[str, Any], function: str) -> set[tuple[str, str]]:
    role = transformed["Resources"][f"{function}Role"]["Properties"]
    managed = {arn["Fn::Sub"] if isinstance(arn, dict) else arn for arn in role.get("ManagedPolicyArns", [])}
    allowed_managed = {"service-role/AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess"}
    assert all(any(m.endswith(a) for a in allowed_managed) for m in managed), f"{function}: managed policies {managed}"
    out: set[tuple[str, str]] = set()
    for policy in role.get("Policies", []):
        for stmt in policy["PolicyDocument"]["Statement"]:
            assert stmt["Effect"] == "Allow" and "NotAction" not in stmt and "NotResource" not in stmt, stmt
            actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
            for action in actions:
                assert "*" not in action, f"{function}: wildcard action {action}"
                for resource in resources:
                    out.add((action, _resource(resource)))
    return out


def test_every_function_is_granted_exactly_what_its_code_does(
    measured: dict[str, set[tuple[str, str]]], transformed: dict[str, Any], spec: dict[str, Any]
) -> None:
    problems = []
    for _path, _method, op in operations(spec):
        function = function_name(op["operationId"])
        want, have = measured.get(function, set()), granted(transformed, function)
        if want != have:
            problems.append(f"{function}: missing {sorted(want - have)}; not used {sorted(have - want)}")
    assert not problems, "IAM policy != actions measured on DynamoDB Local:\n" + "\n".join(problems)


def test_only_list_functions_can_read_the_cursor_secret(transformed: dict[str, Any], spec: dict[str, Any]) -> None:
    readers = set()
    for _path, _method, op in operations(spec):
        function = function_name(op["operationId"])
        if any(r == "CursorSecret" for _, r in granted(transformed, function)):
            readers.add(function)
        env = transformed["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert ("CURSOR_SECRET_ARN" in env) == (function in readers), function
    assert readers == {"ListTasksFunction", "ListCategoriesFunction"}
