"""The one error envelope, and the errors the service raises (HTTP-agnostic codes + status)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The HTTP status of each code lives here, so the service below the api layer only names codes.
STATUS_BY_CODE = {
    "VALIDATION_ERROR": 400,
    "INVALID_CURSOR": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "TASK_NOT_FOUND": 404,
    "CATEGORY_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "CONFLICT": 409,
    "CATEGORY_NOT_EMPTY": 409,
    "CATEGORY_NAME_TAKEN": 409,
    "PRECONDITION_FAILED": 412,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "UNKNOWN_CATEGORY": 422,
    "IDEMPOTENCY_KEY_REUSED": 422,
    "REQUEST_IN_PROGRESS": 409,
    "TOO_MANY_REQUESTS": 429,
    "INTERNAL_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}


@dataclass
class ApiError(Exception):
    code: str
    message: str
    details: list[dict[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return STATUS_BY_CODE[self.code]

    def __str__(self) -> str:  # logs show the code, never a stack of internals
        return f"{self.status} {self.code}: {self.message}"


def envelope(code: str, message: str, correlation_id: str, details: list | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or [], "correlationId": correlation_id}}


def validation_error(message: str, details: list[dict[str, str]] | None = None) -> ApiError:
    return ApiError("VALIDATION_ERROR", message, details or [])


def invalid_cursor() -> ApiError:
    return ApiError("INVALID_CURSOR", "The cursor is not valid for this user and these filters.")


def task_not_found(task_id: str) -> ApiError:
    return ApiError("TASK_NOT_FOUND", f"Task {task_id} does not exist.")


def category_not_found(category_id: str) -> ApiError:
    return ApiError("CATEGORY_NOT_FOUND", f"Category {category_id} does not exist.")


def unknown_category(category_id: str) -> ApiError:
    return ApiError(
        "UNKNOWN_CATEGORY",
        f"Category {category_id} does not exist.",
        [{"field": "body.categoryId", "message": "names no category of yours"}],
    )


def precondition_failed(current_version: int | None = None) -> ApiError:
    headers = {"ETag": f'"{current_version}"'} if current_version else {}
    return ApiError("PRECONDITION_FAILED", "If-Match does not match the current version.", headers=headers)


def conflict(message: str = "A concurrent write changed this item; retry.") -> ApiError:
    return ApiError("CONFLICT", message)


def service_unavailable(retry_after: int = 1) -> ApiError:
    return ApiError(
        "SERVICE_UNAVAILABLE",
        "Storage is busy or unreachable; retry later.",
        headers={"Retry-After": str(retry_after)},
    )
