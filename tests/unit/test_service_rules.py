"""Pure rules: ids, timestamps, If-Match, cursors, key maps."""

from __future__ import annotations

import pytest

from tasktracker.config import parse_api_keys
from tasktracker.errors import ApiError
from tasktracker.service.categories import name_key
from tasktracker.service.common import new_id, normalize_datetime, parse_if_match
from tasktracker.service.cursor import CursorCodec


def test_ids_are_ulids_and_sort_by_creation():
    ids = [new_id() for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == 2000
    assert all(len(i) == 26 and set(i) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for i in ids)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2026-11-26T10:00:00Z", "2026-11-26T10:00:00.000Z"),
        ("2026-11-26t10:00:00.123456789z", "2026-11-26T10:00:00.123Z"),
        ("2026-11-26T10:00:00+01:30", "2026-11-26T08:30:00.000Z"),
        ("2026-01-01T00:30:00-01:00", "2026-01-01T01:30:00.000Z"),
    ],
)
def test_datetimes_normalise_to_utc_millis(value, expected):
    assert normalize_datetime(value, "body.dueDate") == expected


@pytest.mark.parametrize(
    "value",
    [
        "tomorrow",
        "2026-02-30T00:00:00Z",
        "2026-11-26T24:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-23:59",
        "2026-11-26T23:59:60Z",
    ],
)
def test_bad_datetimes_are_validation_errors(value):
    with pytest.raises(ApiError) as e:
        normalize_datetime(value, "body.dueDate")
    assert e.value.status == 400 and e.value.details[0]["field"] == "body.dueDate"


@pytest.mark.parametrize(
    "header,expected",
    [
        (None, None),
        ("*", None),
        ('"3"', 3),
        ("3", 3),
        ('W/"4"', 4),
        ('"x", "5"', 5),
        ("garbage", -1),
        ('"99999999999999999999"', -1),
        ('"²"', -1),  # str.isdigit() says yes, int() says no: was a 500
        ('"١٢"', -1),  # Arabic-Indic digits: int() reads 12, but we never issued such an ETag
    ],
)
def test_if_match_parsing(header, expected):
    assert parse_if_match(header) == expected


def test_cursor_round_trip_and_binding():
    codec = CursorCodec(b"k" * 32)
    key = {"userId": "u1", "taskId": "T1"}
    scope = {"resource": "tasks", "priority": "high"}
    token = codec.encode("u1", scope, key)
    assert codec.decode("u1", scope, token, ("userId", "taskId")) == key
    assert codec.encode("u1", scope, None) is None
    for user, sc, tok in [
        ("u2", scope, token),
        ("u1", {**scope, "priority": "low"}, token),
        ("u1", scope, token[:-1] + ("A" if token[-1] != "A" else "B")),
        ("u1", scope, "x.y"),
        ("u1", scope, "nodot"),
        ("u1", scope, "!!!.???"),
    ]:
        with pytest.raises(ApiError) as e:
            codec.decode(user, sc, tok, ("userId", "taskId"))
        assert e.value.code == "INVALID_CURSOR"
    other = CursorCodec(b"z" * 32)
    with pytest.raises(ApiError):
        other.decode("u1", scope, token, ("userId", "taskId"))


def test_cursor_secret_is_resolved_lazily_and_must_be_long():
    calls = []
    codec = CursorCodec(lambda: calls.append(1) or b"s" * 32)
    assert calls == []
    codec.encode("u", {}, {"userId": "u", "taskId": "t"})
    codec.encode("u", {}, {"userId": "u", "taskId": "t"})
    assert calls == [1]
    with pytest.raises(ValueError):
        CursorCodec(b"short").encode("u", {}, {"userId": "u"})


def test_category_names_compare_ignoring_case_and_outer_space():
    assert name_key(" Straße ") == name_key("STRASSE") == "strasse"


def test_api_key_map_parsing():
    assert parse_api_keys("k1:alice, k2:bob,") == {"k1": "alice", "k2": "bob"}
    assert parse_api_keys(None) == {}
    with pytest.raises(ValueError):
        parse_api_keys("nouser")
