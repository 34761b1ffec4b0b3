"""HTTP layer: one module per resource; each function is named after its operationId."""
