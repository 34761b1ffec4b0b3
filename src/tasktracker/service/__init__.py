"""Service layer: the rules (ownership, invariants, locking, cursors), with no HTTP and no DynamoDB types."""
