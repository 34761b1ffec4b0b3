"""pytest plugin for tests/integration run against `sam local start-api` (loaded by test_sam_local.py with -p).

SAM local emulates API Gateway's proxy integration only: it answers these cases itself, before any function
runs, differently from a deployed API Gateway (which the template configures through openapi.yaml's gateway
responses and mock integrations, proven offline by tests/iac). The tests stay as they are; here they are expected
to fail (strict: when SAM starts to behave like API Gateway, they pass and this list must shrink).
"""

from __future__ import annotations

import re

import pytest

SAM_LOCAL_DIFFERS = {
    r"test_errors\.py::test_malformed_bodies_are_400\[\\xff": (
        "SAM local's front end fails on a non-UTF-8 body (UnicodeDecodeError -> 502) before any function runs; "
        "the handler's 400 for it is tested with API Gateway events in tests/lambda_handler"
    ),
    r"test_errors\.py::test_not_found_codes$": (
        "an unknown path is SAM local's own 403 'Missing Authentication Token'; deployed, the template's "
        "MISSING_AUTHENTICATION_TOKEN gateway response answers it"
    ),
    r"test_errors\.py::test_method_not_allowed$": (
        "a method the API does not declare is SAM local's own 403; deployed, API Gateway answers it"
    ),
    r"test_errors\.py::test_cors_on_success_error_and_preflight$": (
        "CORS preflight (OPTIONS) is a mock integration in API Gateway, which SAM local does not run"
    ),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for pattern, reason in SAM_LOCAL_DIFFERS.items():
            if re.search(pattern, item.nodeid):
                item.add_marker(pytest.mark.xfail(reason=f"sam local: {reason}", strict=True))
