"""Storage layer: DynamoDB tables, clients and access."""
