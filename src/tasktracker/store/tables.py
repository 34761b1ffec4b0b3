"""Table definitions (DESIGN.md §3), used to create tables locally; template.yaml declares the same for AWS."""

from __future__ import annotations

from typing import Any

TASKS_KEYS = [{"AttributeName": "userId", "KeyType": "HASH"}, {"AttributeName": "taskId", "KeyType": "RANGE"}]
CATEGORIES_KEYS = [
    {"AttributeName": "userId", "KeyType": "HASH"},
    {"AttributeName": "categoryId", "KeyType": "RANGE"},
]


def table_definitions(tasks_table: str, categories_table: str, idempotency_table: str) -> list[dict[str, Any]]:
    return [
        {
            "TableName": tasks_table,
            "KeySchema": TASKS_KEYS,
            "AttributeDefinitions": [
                {"AttributeName": "userId", "AttributeType": "S"},
                {"AttributeName": "taskId", "AttributeType": "S"},
                {"AttributeName": "categoryId", "AttributeType": "S"},
                {"AttributeName": "createdAt", "AttributeType": "S"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "CategoryIndex",
                    "KeySchema": [
                        {"AttributeName": "categoryId", "KeyType": "HASH"},
                        {"AttributeName": "createdAt", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": categories_table,
            "KeySchema": CATEGORIES_KEYS,
            "AttributeDefinitions": [
                {"AttributeName": "userId", "AttributeType": "S"},
                {"AttributeName": "categoryId", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            # Powertools idempotency records: key "id", expiry in "expiration" (TTL).
            "TableName": idempotency_table,
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    ]


def ensure_tables(
    client: Any, tasks_table: str, categories_table: str, idempotency_table: str = "Idempotency"
) -> list[str]:
    """Create the tables that are missing; returns the names created."""
    existing = set(client.list_tables().get("TableNames", []))
    created = []
    for definition in table_definitions(tasks_table, categories_table, idempotency_table):
        if definition["TableName"] in existing:
            continue
        client.create_table(**definition)
        client.get_waiter("table_exists").wait(TableName=definition["TableName"], WaiterConfig={"Delay": 1})
        if definition["TableName"] == idempotency_table:
            client.update_time_to_live(
                TableName=idempotency_table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
            )
        created.append(definition["TableName"])
    return created
