"""Schemathesis hooks for the contract suite (loaded through SCHEMATHESIS_HOOKS by tests/contract/contract_runner.py).

- A schema-valid `cursor` is still only valid when the server signed it: a made-up one is INVALID_CURSOR
  (400) by design, and a generator cannot sign one. Positive cases therefore drop the cursor (paging with
  real cursors is tested in tests/integration/test_pagination.py and by the SDK tests); negative cases keep it.
- CONTRACT_TARGET=lambda puts tests/contract/lambda_proxy.py in front of tasktracker.handler.handler, so every
  request goes through an API Gateway proxy event into the Lambda entry point, in this process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import schemathesis
from schemathesis import GenerationMode

LIST_OPERATIONS = {"GET /tasks", "GET /categories"}


def _is_positive(case) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


@schemathesis.hook
def map_case(context, case):
    label = f"{case.method.upper()} {case.operation.path}"
    if label in LIST_OPERATIONS and _is_positive(case) and case.query and "cursor" in case.query:
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    return case


@schemathesis.hook
def after_load_schema(context, schema):
    if os.environ.get("CONTRACT_TARGET") != "lambda":
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from lambda_proxy import LambdaProxyApp

    from tasktracker.config import parse_api_keys
    from tasktracker.handler import handler

    # key -> apiKeyId, as API Gateway would fill requestContext.identity.apiKeyId.
    schema.app = LambdaProxyApp(handler, parse_api_keys(os.environ["CONTRACT_LAMBDA_KEYS"]))
