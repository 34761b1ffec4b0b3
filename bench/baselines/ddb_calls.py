"""The DynamoDB calls of each operation, written the plain way: what both baselines do for a request.

Each function makes the same DynamoDB calls (kind and number) as the TaskTracker function for the same request,
so a cold-start or warm ratio compares the code around the calls, not the calls. Arguments: the client, the user,
the id in the path (or None), the parsed JSON body (or None); returns (status, JSON-able body or None).
"""

import os
import time
import uuid

TASKS = os.environ.get("TASKS_TABLE", "Tasks")
CATEGORIES = os.environ.get("CATEGORIES_TABLE", "Categories")


def _plain(item):
    out = {}
    for k, v in item.items():
        ((kind, value),) = v.items()
        out[k] = int(value) if kind == "N" else value
    return out


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _task_item(user, body):
    now = _now()
    item = {
        "userId": {"S": user},
        "taskId": {"S": uuid.uuid4().hex},
        "title": {"S": body["title"]},
        "completed": {"BOOL": False},
        "priority": {"S": body.get("priority", "medium")},
        "createdAt": {"S": now},
        "updatedAt": {"S": now},
        "version": {"N": "1"},
    }
    if body.get("dueDate"):
        item["dueDate"] = {"S": body["dueDate"]}
    return item


def _key(user, sk_name, sk):
    return {"userId": {"S": user}, sk_name: {"S": sk}}


def get_task(c, user, id_, body):
    return 200, _plain(c.get_item(TableName=TASKS, Key=_key(user, "taskId", id_))["Item"])


def list_tasks(c, user, id_, body):
    r = c.query(
        TableName=TASKS, KeyConditionExpression="userId = :u", ExpressionAttributeValues={":u": {"S": user}}, Limit=11
    )
    return 200, {"items": [_plain(i) for i in r["Items"]], "nextCursor": None}


def create_task(c, user, id_, body):
    item = _task_item(user, body)
    c.put_item(TableName=TASKS, Item=item, ConditionExpression="attribute_not_exists(taskId)")
    return 201, _plain(item)


def update_task(c, user, id_, body):
    r = c.update_item(
        TableName=TASKS,
        Key=_key(user, "taskId", id_),
        ReturnValues="ALL_NEW",
        UpdateExpression="SET completed = :c, updatedAt = :t ADD version :one",
        ConditionExpression="attribute_exists(taskId)",
        ExpressionAttributeValues={
            ":c": {"BOOL": bool(body.get("completed"))},
            ":t": {"S": _now()},
            ":one": {"N": "1"},
        },
    )
    return 200, _plain(r["Attributes"])


def delete_task(c, user, id_, body):
    c.delete_item(
        TableName=TASKS,
        Key=_key(user, "taskId", id_),
        ReturnValues="ALL_OLD",
        ConditionExpression="attribute_exists(taskId)",
    )
    return 204, None


def list_categories(c, user, id_, body):
    r = c.query(
        TableName=CATEGORIES,
        KeyConditionExpression="userId = :u AND categoryId >= :z",
        ExpressionAttributeValues={":u": {"S": user}, ":z": {"S": "0"}},
        Limit=11,
    )
    return 200, {"items": [_plain(i) for i in r["Items"]], "nextCursor": None}


def create_category(c, user, id_, body):
    now = _now()
    item = {
        "userId": {"S": user},
        "categoryId": {"S": uuid.uuid4().hex},
        "name": {"S": body["name"]},
        "color": {"S": body["color"]},
        "taskCount": {"N": "0"},
        "createdAt": {"S": now},
        "updatedAt": {"S": now},
        "version": {"N": "1"},
    }
    guard = {"userId": {"S": user}, "categoryId": {"S": "#name#" + body["name"].lower()}}
    c.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": CATEGORIES, "Item": item, "ConditionExpression": "attribute_not_exists(categoryId)"}},
            {
                "Put": {
                    "TableName": CATEGORIES,
                    "Item": guard,
                    "ConditionExpression": "attribute_not_exists(categoryId)",
                }
            },
        ]
    )
    return 201, _plain(item)


def get_category(c, user, id_, body):
    return 200, _plain(c.get_item(TableName=CATEGORIES, Key=_key(user, "categoryId", id_))["Item"])


def update_category(c, user, id_, body):
    r = c.update_item(
        TableName=CATEGORIES,
        Key=_key(user, "categoryId", id_),
        ReturnValues="ALL_NEW",
        UpdateExpression="SET color = :c, updatedAt = :t ADD version :one",
        ConditionExpression="attribute_exists(categoryId)",
        ExpressionAttributeValues={":c": {"S": body["color"]}, ":t": {"S": _now()}, ":one": {"N": "1"}},
    )
    return 200, _plain(r["Attributes"])


def delete_category(c, user, id_, body):
    # Read for the name (its uniqueness guard goes too), then both deletes in one transaction.
    item = c.get_item(TableName=CATEGORIES, Key=_key(user, "categoryId", id_), ConsistentRead=True)["Item"]
    guard = {"userId": {"S": user}, "categoryId": {"S": "#name#" + item["name"]["S"].lower()}}
    c.transact_write_items(
        TransactItems=[
            {
                "Delete": {
                    "TableName": CATEGORIES,
                    "Key": _key(user, "categoryId", id_),
                    "ConditionExpression": "taskCount = :zero",
                    "ExpressionAttributeValues": {":zero": {"N": "0"}},
                }
            },
            {"Delete": {"TableName": CATEGORIES, "Key": guard}},
        ]
    )
    return 204, None


def batch_create_tasks(c, user, id_, body):
    items = [_task_item(user, t) for t in body["tasks"]]
    c.batch_write_item(RequestItems={TASKS: [{"PutRequest": {"Item": i}} for i in items]})
    return 200, {"results": [{"index": n, "status": 201, "task": _plain(i)} for n, i in enumerate(items)]}


def bulk_update_tasks(c, user, id_, body):
    keys = [_key(user, "taskId", t) for t in body["taskIds"]]
    found = c.batch_get_item(RequestItems={TASKS: {"Keys": keys, "ConsistentRead": True}})["Responses"][TASKS]
    c.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TASKS,
                    "Key": {"userId": i["userId"], "taskId": i["taskId"]},
                    "UpdateExpression": "SET completed = :c ADD version :one",
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": {":c": {"BOOL": True}, ":one": {"N": "1"}, ":v": i["version"]},
                }
            }
            for i in found
        ]
    )
    return 200, {"results": [{"index": n, "status": 200, "task": _plain(i)} for n, i in enumerate(found)]}


def clear_completed_tasks(c, user, id_, body):
    r = c.query(
        TableName=TASKS,
        KeyConditionExpression="userId = :u",
        FilterExpression="completed = :t",
        ExpressionAttributeValues={":u": {"S": user}, ":t": {"BOOL": True}},
        Limit=100,
    )
    keys = [{"userId": i["userId"], "taskId": i["taskId"]} for i in r["Items"]]
    if keys:
        current = c.batch_get_item(RequestItems={TASKS: {"Keys": keys, "ConsistentRead": True}})["Responses"][TASKS]
        c.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": TASKS,
                        "Key": {"userId": i["userId"], "taskId": i["taskId"]},
                        "ConditionExpression": "version = :v",
                        "ExpressionAttributeValues": {":v": i["version"]},
                    }
                }
                for i in current
            ]
        )
    return 200, {"deleted": len(keys), "more": False}


# (method, API Gateway resource) -> operation
ROUTES = {
    ("GET", "/tasks/{taskId}"): get_task,
    ("GET", "/tasks"): list_tasks,
    ("POST", "/tasks"): create_task,
    ("PUT", "/tasks/{taskId}"): update_task,
    ("DELETE", "/tasks/{taskId}"): delete_task,
    ("GET", "/categories"): list_categories,
    ("POST", "/categories"): create_category,
    ("GET", "/categories/{categoryId}"): get_category,
    ("PUT", "/categories/{categoryId}"): update_category,
    ("DELETE", "/categories/{categoryId}"): delete_category,
    ("POST", "/tasks/batch"): batch_create_tasks,
    ("POST", "/tasks/bulk"): bulk_update_tasks,
    ("POST", "/tasks/clear-completed"): clear_completed_tasks,
}
