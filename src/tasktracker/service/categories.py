"""Category rules: case-insensitive unique names, counts owned by task writes, empty-only deletes."""

from __future__ import annotations

from typing import Any

from tasktracker import errors
from tasktracker.service.common import (
    drop_none,
    new_id,
    now_iso,
    parse_if_match,
    run_read,
    run_write,
)
from tasktracker.service.cursor import CursorCodec
from tasktracker.service.tasks import DEFAULT_LIMIT
from tasktracker.store.dynamo import DynamoStore
from tasktracker.store.errors import CategoryNotEmpty, ItemMissing, NameTaken

DETACH_ROUNDS = 3
MAX_DETACH_PER_TRANSACTION = 99
MAX_DETACH_TRANSACTIONS = 50  # ~5000 tasks per request; beyond that the delete answers CATEGORY_NOT_EMPTY
MAX_DETACH_WITH_DELETE = 98  # + the category and its name guard: DynamoDB's 100 items per transaction


def name_key(name: str) -> str:
    """Names are unique per user ignoring case (casefold handles ß, Turkish i, etc.)."""
    return name.strip().casefold()


class CategoryService:
    def __init__(self, store: DynamoStore, cursors: CursorCodec) -> None:
        self.store = store
        self.cursors = cursors

    def create(self, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
        now = now_iso()
        category = drop_none(
            {
                "userId": user_id,
                "categoryId": new_id(),
                "name": body["name"],
                "nameKey": name_key(body["name"]),
                "color": body["color"],
                "icon": body.get("icon"),
                "taskCount": 0,
                "createdAt": now,
                "updatedAt": now,
                "version": 1,
            }
        )
        with _name_rules(category["name"]):
            run_write(
                lambda: self.store.create_category(category),
                not_found=lambda: errors.category_not_found(category["categoryId"]),
            )
        return category

    def get(self, user_id: str, category_id: str) -> dict[str, Any]:
        category = run_read(lambda: self.store.get_category(user_id, category_id))
        if category is None:
            raise errors.category_not_found(category_id)
        return category

    def update(self, user_id: str, category_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        changes = dict(body)
        if "name" in changes:
            changes["nameKey"] = name_key(changes["name"])
        with _name_rules(changes.get("name", "")):
            return run_write(
                lambda: self.store.update_category(user_id, category_id, changes, parse_if_match(if_match), now_iso()),
                not_found=lambda: errors.category_not_found(category_id),
            )

    def delete(self, user_id: str, category_id: str, if_match: str | None, cascade: str | None = None) -> None:
        expected = parse_if_match(if_match)
        # The version If-Match names, moved on by each of our own detach steps (kept across retries).
        seen = [expected]
        for attempt in range(DETACH_ROUNDS):
            try:
                run_write(
                    (lambda: self._delete_detaching(user_id, category_id, seen))
                    if cascade == "detach"
                    else (lambda: self.store.delete_category(user_id, category_id, expected)),
                    not_found=lambda: errors.category_not_found(category_id),
                )
                return
            except CategoryNotEmpty as e:
                # Without cascade this is the answer; with it, a task arrived meanwhile: detach again.
                if cascade != "detach" or attempt == DETACH_ROUNDS - 1:
                    raise errors.ApiError(
                        "CATEGORY_NOT_EMPTY",
                        f"Category {category_id} still holds {e.args[0]} task(s); move or delete them first,"
                        " or delete with ?cascade=detach.",
                    ) from None

    def _delete_detaching(self, user_id: str, category_id: str, seen: list[int | None]) -> None:
        """Detach every task, then delete. The last MAX_DETACH_WITH_DELETE tasks are detached in the delete's own
        transaction, so a failed delete of a category that small changes nothing; bigger ones are detached 99 per
        transaction first (bounded work), and a failure after those leaves them detached (repeating finishes).
        If-Match holds throughout: each of our detach steps bumps the version by one, and nothing else may."""
        for _ in range(MAX_DETACH_TRANSACTIONS):
            tasks, _ = self.store.query_tasks(user_id, limit=MAX_DETACH_PER_TRANSACTION, category_id=category_id)
            if len(tasks) <= MAX_DETACH_WITH_DELETE:
                return self.store.delete_category(user_id, category_id, seen[0], detach=tasks, now=now_iso())
            self.store.detach_tasks(user_id, category_id, tasks, now_iso(), expected_version=seen[0])
            if seen[0] is not None:
                seen[0] += 1
        category = self.store.get_category(user_id, category_id)
        if category is None:
            raise ItemMissing()
        raise CategoryNotEmpty(category["taskCount"])

    def list(self, user_id: str, *, limit: int | None = None, cursor: str | None = None):
        scope = {"resource": "categories"}
        start = self.cursors.decode(user_id, scope, cursor, ("userId", "categoryId"))
        items, next_key = run_read(
            lambda: self.store.query_categories(user_id, limit=limit or DEFAULT_LIMIT, start_key=start)
        )
        return items, self.cursors.encode(user_id, scope, next_key)


class _name_rules:
    """NameTaken from storage -> 409 CATEGORY_NAME_TAKEN naming the clashing name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None and issubclass(exc_type, NameTaken):
            raise errors.ApiError(
                "CATEGORY_NAME_TAKEN",
                f"You already have a category named {self.name!r} (names ignore case).",
                [{"field": "body.name", "message": "already taken"}],
            ) from None
        return False
