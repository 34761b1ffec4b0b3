"""Ids, timestamps and If-Match parsing shared by the services."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

from tasktracker import errors
from tasktracker.store.errors import (
    CategoryMissing,
    ItemMissing,
    StoreUnavailable,
    VersionMismatch,
    WriteConflict,
)

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_id_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def new_id() -> str:
    """A ULID: 48-bit ms time + 80 random bits, monotonic within a process so ids sort by creation."""
    global _last_ms, _last_rand
    with _id_lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms, rand = _last_ms, _last_rand + 1
        else:
            rand = int.from_bytes(os.urandom(10), "big")
        _last_ms, _last_rand = ms, rand
    value = (ms << 80) | (rand & ((1 << 80) - 1))
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def format_timestamp(dt: datetime) -> str:
    dt = dt.astimezone(UTC)
    # Not strftime("%Y"): glibc writes year 144 as "144", which is no RFC 3339 date-time.
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
        f".{dt.microsecond // 1000:03d}Z"
    )


def now_iso() -> str:
    return format_timestamp(datetime.now(UTC))


_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def normalize_datetime(value: str, field: str) -> str:
    """Any RFC 3339 date-time -> UTC with milliseconds, so stored dates compare as strings."""
    m = _RFC3339.match(value)
    try:
        if not m:
            raise ValueError("not an RFC 3339 date-time")
        year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
        micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
        offset = timedelta(0)
        if m.group(9):
            offset = timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
            if m.group(9) == "-":
                offset = -offset
        dt = datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))
        return format_timestamp(dt)
    except (ValueError, OverflowError) as e:
        raise errors.validation_error(
            f"{field} is not a valid date-time", [{"field": field, "message": f"{value!r}: {e}"}]
        ) from None


def parse_if_match(header: str | None) -> int | None:
    """ETag is the quoted version. None means unconditional ('*' or no header)."""
    if header is None or header.strip() == "*":
        return None
    for tag in header.split(","):
        tag = tag.strip()
        tag = tag.removeprefix("W/")
        tag = tag.strip('"')
        if tag.isascii() and tag.isdigit() and len(tag) < 19:  # "²".isdigit() is True, int("²") fails
            return int(tag)
    # An ETag we never issued cannot match the current version.
    return -1


T = TypeVar("T")
WRITE_ATTEMPTS = 3


def run_write(
    fn: Callable[[], T],
    *,
    not_found: Callable[[], errors.ApiError],
    on_category_missing: Callable[[], errors.ApiError] | None = None,
) -> T:
    """Run a store write, retrying lost races, and turn storage failures into API errors."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return fn()
        except WriteConflict:
            if attempt == WRITE_ATTEMPTS - 1:
                raise errors.conflict() from None
        except ItemMissing:
            raise not_found() from None
        except VersionMismatch as e:
            raise errors.precondition_failed(e.current_version) from None
        except CategoryMissing:
            if on_category_missing is None:
                raise
            raise on_category_missing() from None
        except StoreUnavailable:
            raise errors.service_unavailable() from None
    raise AssertionError("unreachable")


def run_read(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except StoreUnavailable:
        raise errors.service_unavailable() from None


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}
