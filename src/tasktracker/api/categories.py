"""/categories operations."""

from __future__ import annotations

from connexion import request

from tasktracker import wiring
from tasktracker.api import views
from tasktracker.api.idempotent import idempotent


def list_categories(user: str, limit: int | None = None, cursor: str | None = None):
    items, next_cursor = wiring.services().categories.list(user, limit=limit, cursor=cursor)
    return views.page(items, next_cursor, views.category), 200


def create_category(body: dict, user: str):
    def execute():
        category = wiring.services().categories.create(user, body)
        headers = {"Location": f"/categories/{category['categoryId']}", "ETag": views.etag(category)}
        return views.category(category), 201, headers

    return idempotent(user, "create_category", body, execute)


def get_category(category_id: str, user: str):
    category = wiring.services().categories.get(user, category_id)
    return views.category(category), 200, {"ETag": views.etag(category)}


def update_category(category_id: str, body: dict, user: str):
    category = wiring.services().categories.update(user, category_id, body, request.headers.get("if-match"))
    return views.category(category), 200, {"ETag": views.etag(category)}


def delete_category(category_id: str, user: str, cascade: str | None = None):
    wiring.services().categories.delete(user, category_id, request.headers.get("if-match"), cascade=cascade)
    return None, 204
