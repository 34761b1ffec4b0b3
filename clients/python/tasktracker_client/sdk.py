"""Hand-written, kept by `make clients` (scripts/gen_clients.py lists it): connect, typed errors, pagination.

Everything else in this package is generated from openapi.yaml by openapi-python-client. Each operation is a
module with `sync_detailed(...)` (a `Response` with status, headers and the parsed body, which is the `Error`
model for a documented error); `unwrap` turns a non-2xx answer into an `ApiError` carrying the envelope.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .client import AuthenticatedClient
from .models.error import Error
from .models.error_detail import ErrorDetail
from .types import UNSET, Response

T = TypeVar("T")


def connect(base_url: str, api_key: str, **kwargs: Any) -> AuthenticatedClient:
    """A client that sends `x-api-key: <api_key>` on every request (kwargs go to AuthenticatedClient)."""
    return AuthenticatedClient(
        base_url=base_url.rstrip("/"), token=api_key, prefix="", auth_header_name="x-api-key", **kwargs
    )


class ApiError(Exception):
    """A non-2xx answer: the error envelope's code, message, details and correlationId, typed."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: list[ErrorDetail],
        correlation_id: str | None,
        body: Error | None = None,
    ) -> None:
        super().__init__(f"{status_code} {code}: {message}")
        self.status_code, self.code, self.message = status_code, code, message
        self.details, self.correlation_id, self.body = details, correlation_id, body

    @classmethod
    def from_response(cls, response: Response[Any]) -> ApiError:
        body = response.parsed if isinstance(response.parsed, Error) else None
        if body is None:  # a status the spec does not list (e.g. 429 from a gateway): parse the envelope ourselves
            try:
                body = Error.from_dict(json.loads(response.content))
            except (ValueError, KeyError, TypeError):
                text = response.content.decode(errors="replace")
                return cls(response.status_code, "UNKNOWN", text, [], response.headers.get("x-correlation-id"))
        e = body.error
        return cls(response.status_code, str(e.code), e.message, list(e.details), e.correlation_id, body)


def unwrap(response: Response[T | Error]) -> T:
    """The parsed body of a 2xx answer (None for 204); raises ApiError for any other status."""
    if 200 <= response.status_code < 300:
        return response.parsed  # type: ignore[return-value]
    raise ApiError.from_response(response)


def etag(response: Response[Any]) -> str:
    """The ETag of an answer (`"3"`): send it back as `if_match=` to make a write conditional."""
    return response.headers["etag"]


def paginate(list_operation: Callable[..., Response[Any]], **kwargs: Any) -> Iterator[Any]:
    """Every item of a list operation, following nextCursor to the end:
    `paginate(list_tasks.sync_detailed, client=client, limit=50)`."""
    cursor: Any = UNSET
    while True:
        page = unwrap(list_operation(cursor=cursor, **kwargs))
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor
