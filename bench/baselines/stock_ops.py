"""The stock app's operations: the usual Connexion module, a boto3 client at import, the same DynamoDB calls."""

import boto3
import ddb_calls

client = boto3.client("dynamodb")


def api_key_info(token, required_scopes=None, request=None):
    event = request.scope.get("aws.event") if request is not None else None
    key_id = ((event or {}).get("requestContext") or {}).get("identity", {}).get("apiKeyId")
    return {"sub": key_id} if key_id else None


def _call(operation, user, id_=None, body=None):
    status, answer = operation(client, user, id_, body)
    return (answer, status) if answer is not None else ("", status)


def get_task(taskId, user):
    return _call(ddb_calls.get_task, user, taskId)


def list_tasks(user, **query):
    return _call(ddb_calls.list_tasks, user)


def create_task(body, user, **headers):
    return _call(ddb_calls.create_task, user, None, body)


def update_task(taskId, body, user, **headers):
    return _call(ddb_calls.update_task, user, taskId, body)


def delete_task(taskId, user, **headers):
    return _call(ddb_calls.delete_task, user, taskId)


def list_categories(user, **query):
    return _call(ddb_calls.list_categories, user)


def create_category(body, user, **headers):
    return _call(ddb_calls.create_category, user, None, body)


def get_category(categoryId, user):
    return _call(ddb_calls.get_category, user, categoryId)


def update_category(categoryId, body, user, **headers):
    return _call(ddb_calls.update_category, user, categoryId, body)


def delete_category(categoryId, user, **query):
    return _call(ddb_calls.delete_category, user, categoryId)


def batch_create_tasks(body, user, **headers):
    return _call(ddb_calls.batch_create_tasks, user, None, body)


def bulk_update_tasks(body, user, **headers):
    return _call(ddb_calls.bulk_update_tasks, user, None, body)


def clear_completed_tasks(user, **headers):
    return _call(ddb_calls.clear_completed_tasks, user)
