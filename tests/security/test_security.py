"""Security matrix: tenancy for every operation in openapi.yaml, forged and replayed cursors, API keys kept out
of logs, header and log injection, oversized and deeply nested JSON, unicode edge cases in every string field.

Operations and body fields are read from the spec, so a new operation or field is covered (or fails here for
want of a case) without anyone remembering to add it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from tasktracker import wiring
from tasktracker.app import create_app
from tasktracker.config import MAX_BODY_BYTES, Settings

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text())
MISSING = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = sorted(
    (op["operationId"].rsplit(".", 1)[-1], method.upper(), path, op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if method in METHODS
)
OPERATION_IDS = [o[0] for o in OPERATIONS]
BODY_OPERATIONS = [o for o in OPERATIONS if "requestBody" in o[3]]


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    err = r.json()["error"]
    if code:
        assert err["code"] == code, err
    assert err["correlationId"] == r.headers["x-correlation-id"]
    return err


def _ref(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = SPEC
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_ref(part))
        return merged
    return schema


def string_fields(schema: dict[str, Any], path: tuple = ()) -> list[tuple[tuple, dict[str, Any]]]:
    """Every string-valued place in a request body schema, as a path (array items at index 0)."""
    schema = _ref(schema)
    if schema.get("type") == "object" or "properties" in schema:
        return [f for name, sub in schema.get("properties", {}).items() for f in string_fields(sub, (*path, name))]
    if schema.get("type") == "array":
        return string_fields(schema["items"], (*path, 0))
    return [(path, schema)] if schema.get("type") == "string" else []


def body_schema(op: dict[str, Any]) -> dict[str, Any]:
    return op["requestBody"]["content"]["application/json"]["schema"]


# ---------------------------------------------------------------------------------------------- fixtures


class Victim:
    """Alice's data: what every cross-user attempt aims at."""

    def __init__(self, alice) -> None:
        self.user = alice
        self.category = alice.new_category(f"secret-{secrets.token_hex(3)}", icon="🔒")
        self.task = alice.new_task("alice's secret", categoryId=self.category["categoryId"], description="private")
        self.done = alice.new_task("alice's done", completed=True)
        self.plain = alice.new_task("alice's plain", priority="high")
        self.secrets = ["alice's secret", "private", "alice's done", "alice's plain", self.category["name"], alice.id]


@pytest.fixture
def victim(alice) -> Victim:
    return Victim(alice)


def same_as_missing(foreign: httpx.Response, missing: httpx.Response, victim: Victim, foreign_id: str) -> None:
    """Another user's id is answered exactly like an id that does not exist, and shows nothing of theirs."""
    assert foreign.status_code == missing.status_code, (foreign.text, missing.text)
    if foreign.status_code >= 400:
        f, m = foreign.json()["error"], missing.json()["error"]
        assert f["code"] == m["code"]
        assert f["message"].replace(foreign_id, "ID") == m["message"].replace(MISSING, "ID")
        assert f["details"] == m["details"]
    else:
        f_body, m_body = foreign.json(), missing.json()
        for body in (f_body, m_body):  # per-item results: strip what is naturally different
            for x in body.get("results", []):
                x["taskId"] = "ID" if x["taskId"] in (foreign_id, MISSING) else x["taskId"]
                if x.get("error"):
                    x["error"]["message"] = x["error"]["message"].replace(foreign_id, "ID").replace(MISSING, "ID")
                    x["error"].pop("correlationId", None)
        assert f_body == m_body, (json.dumps(f_body), json.dumps(m_body))
    for s in victim.secrets:
        assert s not in foreign.text


# ---------------------------------------------------------------------------------------------- 1. tenancy


def _pair(bob, method: str, url: str, foreign_id: str, **kw: Any) -> tuple[httpx.Response, httpx.Response]:
    foreign = bob.request(method, url.format(id=foreign_id), **kw)
    missing = bob.request(method, url.format(id=MISSING), **json.loads(json.dumps(kw).replace(foreign_id, MISSING)))
    return foreign, missing


def _if_match_variants(version: int) -> list[dict[str, str]]:
    # With the right ETag guessed, a 412 (instead of 404) would confirm the item exists: never.
    return [{}, {"If-Match": f'"{version}"'}, {"If-Match": f'"{version + 5}"'}, {"If-Match": "*"}]


def cross_get_task(bob, v: Victim):
    same_as_missing(*_pair(bob, "GET", "/tasks/{id}", v.task["taskId"]), v, v.task["taskId"])


def cross_update_task(bob, v: Victim):
    for headers in _if_match_variants(v.task["version"]):
        for body in ({"title": "pwned"}, {"categoryId": None}, {"completed": True}):
            same_as_missing(
                *_pair(bob, "PUT", "/tasks/{id}", v.task["taskId"], json=body, headers=headers), v, v.task["taskId"]
            )


def cross_delete_task(bob, v: Victim):
    for headers in _if_match_variants(v.task["version"]):
        same_as_missing(*_pair(bob, "DELETE", "/tasks/{id}", v.task["taskId"], headers=headers), v, v.task["taskId"])


def cross_list_tasks(bob, v: Victim):
    cid = v.category["categoryId"]
    foreign, missing = _pair(bob, "GET", "/tasks", cid, params={"categoryId": cid})
    same_as_missing(foreign, missing, v, cid)
    assert foreign.json() == {"items": [], "nextCursor": None}
    for params in ({}, {"completed": "true"}, {"priority": "high"}, {"limit": 100}):
        assert bob.get("/tasks", params=params).json()["items"] == []


def cross_create_task(bob, v: Victim):
    cid = v.category["categoryId"]
    same_as_missing(*_pair(bob, "POST", "/tasks", cid, json={"title": "t", "categoryId": cid}), v, cid)
    # Alice's Idempotency-Key, used by Bob, is Bob's own key: a new task of his, never alice's answer.
    key = f"shared-{secrets.token_hex(4)}"
    a = v.user.post("/tasks", json={"title": "keyed"}, headers={"Idempotency-Key": key})
    assert a.status_code == 201
    v.secrets.append(a.json()["taskId"])
    b = bob.post("/tasks", json={"title": "keyed"}, headers={"Idempotency-Key": key})
    assert b.status_code == 201 and "idempotent-replayed" not in b.headers
    assert b.json()["taskId"] != a.json()["taskId"]
    v.user.delete(f"/tasks/{a.json()['taskId']}")


def cross_get_category(bob, v: Victim):
    same_as_missing(*_pair(bob, "GET", "/categories/{id}", v.category["categoryId"]), v, v.category["categoryId"])


def cross_update_category(bob, v: Victim):
    cid = v.category["categoryId"]
    for headers in _if_match_variants(v.category["version"]):
        for body in ({"name": "pwned"}, {"color": "#000000"}, {"icon": None}):
            same_as_missing(*_pair(bob, "PUT", "/categories/{id}", cid, json=body, headers=headers), v, cid)


def cross_delete_category(bob, v: Victim):
    cid = v.category["categoryId"]
    for headers in _if_match_variants(v.category["version"]):
        for params in ({}, {"cascade": "detach"}):
            same_as_missing(*_pair(bob, "DELETE", "/categories/{id}", cid, headers=headers, params=params), v, cid)


def cross_list_categories(bob, v: Victim):
    assert bob.get("/categories", params={"limit": 100}).json() == {"items": [], "nextCursor": None}


def cross_create_category(bob, v: Victim):
    # Names are unique per user: alice's name is free for Bob, and a 409 would have told him it exists.
    for name in (v.category["name"], v.category["name"].upper()):
        r = bob.post("/categories", json={"name": name, "color": "#123456"})
        assert r.status_code == 201, r.text
        bob.delete(f"/categories/{r.json()['categoryId']}")


def cross_batch_create_tasks(bob, v: Victim):
    cid = v.category["categoryId"]
    body = {"tasks": [{"title": "x", "categoryId": cid}, {"title": "y"}]}
    foreign, missing = _pair(bob, "POST", "/tasks/batch", cid, json=body)
    assert [x["status"] for x in foreign.json()["results"]] == [422, 201]
    assert [x["status"] for x in missing.json()["results"]] == [422, 201]
    assert foreign.json()["results"][0] == {
        **missing.json()["results"][0],
        "error": foreign.json()["results"][0]["error"],
    }
    assert (
        foreign.json()["results"][0]["error"]["code"]
        == missing.json()["results"][0]["error"]["code"]
        == "UNKNOWN_CATEGORY"
    )
    for s in v.secrets:
        assert s not in foreign.text


def cross_bulk_update_tasks(bob, v: Victim):
    for action in ("complete", "reopen", "delete"):
        for tid in (v.task["taskId"], v.done["taskId"], v.plain["taskId"]):
            same_as_missing(*_pair(bob, "POST", "/tasks/bulk", tid, json={"action": action, "taskIds": [tid]}), v, tid)


def cross_clear_completed_tasks(bob, v: Victim):
    r = bob.post("/tasks/clear-completed")
    assert r.status_code == 200 and r.json() == {"deleted": 0, "more": False}


CROSS_USER = {name[len("cross_") :]: fn for name, fn in globals().items() if name.startswith("cross_")}


@pytest.mark.integration
@pytest.mark.parametrize("operation", OPERATION_IDS)
def test_another_users_ids_are_404_and_change_nothing(operation, victim, bob, snapshot):
    case = CROSS_USER.get(operation)
    assert case, f"no cross-user case for {operation}: add cross_{operation} to tests/security/test_security.py"
    before = snapshot(victim.user.id)
    case(bob, victim)
    assert snapshot(victim.user.id) == before


def test_every_cross_user_case_names_a_spec_operation():
    assert set(CROSS_USER) <= set(OPERATION_IDS), set(CROSS_USER) - set(OPERATION_IDS)


# ---------------------------------------------------------------------------------------------- 2. cursors


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, user: str, scope: dict[str, Any], payload: bytes) -> str:
    bound = json.dumps([user, scope], sort_keys=True, separators=(",", ":")).encode()
    mac = hmac.new(secret, bound + b"\0" + payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


TASKS_SCOPE = {
    "resource": "tasks",
    "completed": None,
    "priority": None,
    "category_id": None,
    "due_before": None,
    "due_after": None,
}


@pytest.fixture
def cursors(alice):
    cat = alice.new_category()
    r = alice.post(
        "/tasks/batch",
        json={
            "tasks": [
                {"title": f"t{i}", "completed": True, "priority": "high", "categoryId": cat["categoryId"]}
                for i in range(4)
            ]
        },
    )
    assert r.status_code == 200
    for i in range(2):
        alice.new_category(f"c{i}-{secrets.token_hex(2)}")
    out = {
        "tasks": alice.get("/tasks", params={"limit": 1}).json()["nextCursor"],
        "completed": alice.get("/tasks", params={"limit": 1, "completed": "true"}).json()["nextCursor"],
        "category": alice.get("/tasks", params={"limit": 1, "categoryId": cat["categoryId"]}).json()["nextCursor"],
        "categories": alice.get("/categories", params={"limit": 1}).json()["nextCursor"],
    }
    assert all(out.values()), out
    out["categoryId"] = cat["categoryId"]
    return out


@pytest.mark.integration
def test_replayed_cursors_are_400(alice, bob, cursors):
    bad = [
        (bob, "/tasks", {"cursor": cursors["tasks"]}),  # another user's
        (bob, "/tasks", {"cursor": cursors["category"], "categoryId": cursors["categoryId"]}),
        (bob, "/categories", {"cursor": cursors["categories"]}),
        (alice, "/tasks", {"cursor": cursors["tasks"], "completed": "true"}),  # other filters
        (alice, "/tasks", {"cursor": cursors["tasks"], "priority": "high"}),
        (alice, "/tasks", {"cursor": cursors["tasks"], "dueBefore": "2030-01-01T00:00:00Z"}),
        (alice, "/tasks", {"cursor": cursors["completed"]}),  # filters dropped
        (alice, "/tasks", {"cursor": cursors["completed"], "completed": "false"}),
        (alice, "/tasks", {"cursor": cursors["category"]}),
        (alice, "/tasks", {"cursor": cursors["category"], "categoryId": MISSING}),
        (alice, "/categories", {"cursor": cursors["tasks"]}),  # another resource's
        (alice, "/tasks", {"cursor": cursors["categories"]}),
    ]
    for who, path, params in bad:
        assert_error(who.get(path, params=params), 400, "INVALID_CURSOR")
    # The genuine cursors still work for their owner, with their filters.
    assert alice.get("/tasks", params={"cursor": cursors["tasks"]}).status_code == 200
    assert alice.get("/tasks", params={"cursor": cursors["completed"], "completed": "true"}).status_code == 200


@pytest.mark.integration
def test_forged_and_truncated_cursors_are_400(alice, bob, cursors):
    cursor = cursors["tasks"]
    payload_part, mac_part = cursor.split(".")
    payload = json.loads(_unb64(payload_part))
    other_mac = cursors["completed"].split(".")[1]
    wrong = b"not-the-server-secret-0123456789"
    as_bob = json.dumps({**payload, "userId": bob.id}, sort_keys=True, separators=(",", ":")).encode()
    forged = [
        cursor[:-1], cursor[:-4], cursor[: len(cursor) // 2], payload_part, f"{payload_part}.", f".{mac_part}",
        f"{payload_part}.{mac_part}.{mac_part}", f"{payload_part}.{other_mac}", "garbage", "💥", "a.b", "....",
        _b64(json.dumps({**payload, "taskId": MISSING}).encode()) + "." + mac_part,  # edited payload, old MAC
        _sign(wrong, alice.id, TASKS_SCOPE, _unb64(payload_part)),  # re-signed with a wrong key
        _sign(wrong, bob.id, TASKS_SCOPE, as_bob),
        _sign(b"", alice.id, TASKS_SCOPE, _unb64(payload_part)),
    ]  # fmt: skip
    for i, c in enumerate(forged):
        r = alice.get("/tasks", params={"cursor": c})
        assert r.status_code == 400, (i, c, cursor)
        assert_error(r, 400, "INVALID_CURSOR")
    assert_error(bob.get("/tasks", params={"cursor": forged[-3]}), 400, "INVALID_CURSOR")
    # Over the spec's 2048 characters: a validation error, still a 400 in the envelope.
    assert_error(alice.get("/tasks", params={"cursor": cursor + "A" * 2048}), 400)


@pytest.fixture
def inproc(dynamodb_endpoint):
    """The app in-process with a known cursor secret, so cursors can be signed correctly yet be malformed."""
    key, user = f"k-{secrets.token_hex(8)}", f"sec-{secrets.token_hex(4)}"
    secret = "security-suite-secret-0123456789abcdef"
    http = TestClient(
        create_app(Settings(api_keys={key: user}, cursor_secret=secret)),
        headers={"x-api-key": key},
        raise_server_exceptions=False,
    )
    yield http, user, secret.encode(), key
    wiring.configure(Settings.from_env())


@pytest.mark.integration
def test_correctly_signed_but_malformed_cursors_are_400_not_500(inproc):
    """Defence in depth: a cursor from an older release (or a leaked secret) must not reach DynamoDB as junk."""
    http, user, secret, _ = inproc
    http.post("/tasks", json={"title": "t"})
    payloads = [
        b"not json", b"", b"[1, 2]", b"null", b'"str"', b"{}",
        json.dumps({"userId": user, "taskId": 123}).encode(),
        json.dumps({"userId": user, "taskId": None}).encode(),
        json.dumps({"userId": user, "taskId": {"S": "x"}}).encode(),
        json.dumps({"userId": user, "taskId": ["x"]}).encode(),
        json.dumps({"userId": user, "taskId": True}).encode(),
        json.dumps({"userId": user}).encode(),
        json.dumps({"userId": user, "taskId": "x", "extra": "y"}).encode(),
        json.dumps({"userId": "someone-else", "taskId": "x"}).encode(),
        b"\xff\xfe",
    ]  # fmt: skip
    for payload in payloads:
        r = http.get("/tasks", params={"cursor": _sign(secret, user, TASKS_SCOPE, payload)})
        assert_error(r, 400, "INVALID_CURSOR")
    r = http.get(
        "/categories",
        params={
            "cursor": _sign(
                secret, user, {"resource": "categories"}, json.dumps({"userId": user, "categoryId": 5}).encode()
            )
        },
    )
    assert_error(r, 400, "INVALID_CURSOR")


# ---------------------------------------------------------------------------------------------- 3. API keys in logs


def server_log(tmp_path_factory) -> Path:
    logs = sorted(tmp_path_factory.getbasetemp().glob("serve*/server.log"))
    assert logs, "the server_url fixture's log file was not found"
    return logs[0]


@pytest.mark.integration
def test_api_keys_never_appear_in_the_server_output(server_url, key_pool, alice, victim, tmp_path_factory):
    unknown = f"key-{secrets.token_hex(12)}"
    for headers in ({"x-api-key": unknown}, {"x-api-key": alice.key + "x"}, {"X-API-KEY": alice.key.upper()}):
        r = httpx.get(server_url + "/tasks", headers=headers)
        assert r.status_code == 401 and headers.popitem()[1] not in r.text
    alice.get("/tasks", params={"x-api-key": alice.key})  # a key in the query string: 400 unknown parameter
    alice.post("/tasks", json={"title": alice.key[:200]})  # a key in a body: the user's data, never logged
    alice.post("/tasks", content=b"{broken", headers={"Content-Type": "application/json"})
    assert alice.get("/tasks").status_code == 200
    text = server_log(tmp_path_factory).read_text()
    assert '"message":"request"' in text.replace(" ", "")  # the access log is there: requests were logged
    leaked = [k for k, _ in key_pool.keys if k in text] + [k for k in (unknown, alice.key + "x") if k in text]
    assert not leaked, [line for line in text.splitlines() if any(k in line for k in leaked)][:3]  # the lines


@pytest.mark.integration
def test_api_keys_never_appear_in_logs_in_process(inproc, captured_logs):
    http, user, _, key = inproc
    task = http.post("/tasks", json={"title": "t"}).json()
    http.put(f"/tasks/{task['taskId']}", json={"title": "u"}, headers={"If-Match": '"9"'})
    http.get("/tasks", params={"cursor": "forged"})
    http.get("/tasks", headers={"x-api-key": key + "-wrong"})
    http.get("/tasks", headers={"x-api-key": ""})
    http.post("/tasks", content=b"\xff", headers={"Content-Type": "application/json"})
    http.post("/tasks/bulk", json={"action": "delete", "taskIds": [task["taskId"]]})
    text = captured_logs.getvalue()
    lines = text.splitlines()
    assert len([json.loads(line) for line in lines if json.loads(line).get("message") == "request"]) == 7
    assert key not in text and (key + "-wrong") not in text
    assert user in text  # the user is logged: that is who the key maps to


# ---------------------------------------------------------------------------------------------- 4. header and log injection


def raw_request(server_url: str, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send bytes httpx would refuse to send (CR, LF, NUL in headers); returns (status, raw response)."""
    u = urlsplit(server_url)
    with socket.create_connection((u.hostname, u.port), timeout=30) as s:
        s.sendall(head + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                headers, _, rest = data.partition(b"\r\n\r\n")
                m = re.search(rb"content-length:\s*(\d+)", headers, re.I)
                if m and len(rest) >= int(m.group(1)):
                    break
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def _head(method: str, path: str, key: str, *extra: bytes, body: bytes = b"") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1".encode(),
        b"Host: localhost",
        f"x-api-key: {key}".encode(),
        b"Connection: close",
    ]
    if body or method in ("POST", "PUT"):
        lines += [b"Content-Type: application/json", f"Content-Length: {len(body)}".encode()]
    return b"\r\n".join([*lines, *extra]) + b"\r\n\r\n" + body


@pytest.mark.integration
def test_correlation_id_injection_is_never_echoed(server_url, alice):
    sane = "abc-123:x.y_z"
    assert alice.get("/tasks", headers={"X-Correlation-Id": sane}).headers["x-correlation-id"] == sane
    for value in ["has space", "a" * 129, "<script>", "a;b", "ünï", "a\tb", "'; DROP TABLE", "a" * 1024]:
        r = alice.get("/tasks", headers={"X-Correlation-Id": value.encode("utf-8")})
        assert r.status_code == 200
        assert r.headers["x-correlation-id"] != value and re.fullmatch(r"[0-9a-f-]{36}", r.headers["x-correlation-id"])
    r = alice.get("/tasks", headers={"X-Correlation-Id": "a" * 1025})  # over the spec's maxLength
    assert r.status_code == 400 and r.headers["x-correlation-id"] != "a" * 1025
    # CR/LF: the peer sees two headers (or a refused request), never a header we did not mean to send.
    for raw in [b"X-Correlation-Id: ok\r\nX-Injected: 1", b"X-Correlation-Id: a\rX-Injected: 1", b"X-Correlation-Id: a\x00b",
                b"X-Correlation-Id: \xff\xfe", b"X-Correlation-Id: a\r\n X-Injected: folded"]:  # fmt: skip
        status, data = raw_request(server_url, _head("GET", "/tasks", alice.key, raw))
        assert 200 <= status < 500, data[:300]
        head = data.partition(b"\r\n\r\n")[0].lower()
        assert b"\r\nx-injected" not in head
        assert not re.search(rb"x-correlation-id: [^\r\n]*(injected|\x00|\xff)", head)
    assert alice.get("/tasks").status_code == 200  # and the server still serves


@pytest.mark.integration
def test_if_match_injection_and_junk(server_url, alice, snapshot):
    task = alice.new_task("guarded")
    before = snapshot(alice.id)
    for value in [
        '"2"',
        '"0"',
        '"-1"',
        '""',
        '"99999999999999999999999"',
        'W/"7"',
        "garbage",
        '"1"x',
        "🙂".encode(),
        "a" * 256,
    ]:
        r = alice.put(f"/tasks/{task['taskId']}", json={"title": "x"}, headers={"If-Match": value})
        assert_error(r, 412, "PRECONDITION_FAILED")
    assert_error(
        alice.put(f"/tasks/{task['taskId']}", json={"title": "x"}, headers={"If-Match": "a" * 257}),
        400,
        "VALIDATION_ERROR",
    )
    for raw in [
        b'If-Match: "9"\r\nX-Injected: 1',
        b'If-Match: "9"\x00"1"',
        b'If-Match: "9"\r "1"',
        b'If-Match: \xff"1"',
    ]:
        status, data = raw_request(server_url, _head("DELETE", f"/tasks/{task['taskId']}", alice.key, raw))
        assert 400 <= status < 500, data[:300]
        assert b"\r\nx-injected" not in data.partition(b"\r\n\r\n")[0].lower()
        assert snapshot(alice.id) == before


@pytest.mark.integration
def test_huge_and_many_headers_are_4xx_and_the_server_lives_on(server_url, alice):
    for extra in [[b"X-Big: " + b"a" * 64 * 1024], [b"X-Correlation-Id: " + b"a" * 100_000], [f"X-H{i}: v".encode() for i in range(2000)],
                  [b"If-Match: " + b'"1",' * 20_000]]:  # fmt: skip
        status, data = raw_request(server_url, _head("GET", "/tasks", alice.key, *extra))
        assert status == 0 or 200 <= status < 500, data[:300]  # 0: the server closed the connection
    assert alice.get("/tasks").status_code == 200


@pytest.mark.integration
def test_log_injection_stays_inside_one_json_record(server_url, alice, tmp_path_factory):
    marker = f"INJECT{secrets.token_hex(4)}"
    fake = f'\n{{"level":"ERROR","message":"{marker}"}}\n'
    alice.get("/tasks/" + fake.replace("\n", "%0A").replace('"', "%22").replace("{", "%7B").replace("}", "%7D"))
    alice.get(f"/tasks/x%0D%0A{marker}")
    alice.get("/tasks", params={"priority": fake})
    r = alice.post("/tasks", json={"title": f"title{fake}"})  # control characters: refused
    assert_error(r, 400, "VALIDATION_ERROR")
    assert alice.post("/tasks", json={"title": marker, "description": fake}).status_code == 201
    status, _ = raw_request(
        server_url, _head("GET", "/tasks", alice.key, f"X-Correlation-Id: x\r\n{marker}: 1".encode())
    )
    assert status < 500
    lines = [line for line in server_log(tmp_path_factory).read_text().splitlines() if marker in line]
    assert lines, "the injected requests were not logged"
    for line in lines:
        record = json.loads(line)  # every line that mentions the marker is one whole JSON record
        assert record.get("message") != marker and record.get("level") != "ERROR", record


# ---------------------------------------------------------------------------------------------- 5. size and depth


def _nested_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _nested_object(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def _url(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


@pytest.mark.integration
@pytest.mark.parametrize("operation,method,path", [(o[0], o[1], o[2]) for o in OPERATIONS])
def test_oversized_and_deeply_nested_json_is_4xx(operation, method, path, alice, snapshot):
    task, cat = alice.new_task("keep me"), alice.new_category()
    url = _url(path, {"taskId": task["taskId"], "categoryId": cat["categoryId"]})
    has_body = any(o[0] == operation for o in BODY_OPERATIONS)
    before = snapshot(alice.id)
    bodies = {
        "1 MB": json.dumps({"title": "x" * (1024 * 1024)}).encode(),
        "10k arrays": _nested_array(10_000),
        "10k objects": _nested_object(10_000),
        "10k in a field": b'{"title": "t", "description": ' + _nested_array(10_000) + b"}",
    }
    for name, raw in bodies.items():
        r = alice.request(method, url, content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code < 500, (name, r.text[:300])
        if has_body:
            expected = 413 if len(raw) > MAX_BODY_BYTES else 400
            assert_error(r, expected)
            assert snapshot(alice.id) == before, name
    if has_body:  # chunked, with no Content-Length: counted as it arrives
        r = alice.request(
            method,
            url,
            content=iter([b'{"title": "', b"x" * (1024 * 1024), b'"}']),
            headers={"Content-Type": "application/json"},
        )
        assert_error(r, 413, "PAYLOAD_TOO_LARGE")
        assert snapshot(alice.id) == before


def test_every_body_operation_is_in_the_size_matrix():
    assert BODY_OPERATIONS and {o[0] for o in BODY_OPERATIONS} <= set(OPERATION_IDS)


# ---------------------------------------------------------------------------------------------- 6. unicode

UNICODE = {
    "emoji": "Buy milk 🥛🚀",
    "zwj family": "👨‍👩‍👧‍👦 family",
    "flags": "🇩🇪🇯🇵",
    "rtl marks": "\u200fשלום\u200e abc",
    "rtl override": "abc\u202edcba",
    "combining": "e\u0301 a\u0308 n\u0303",  # not normalised: stored as sent
    "precomposed": "é ä ñ",
    "astral": "𝕳𝖊𝖑𝖑𝖔 𠜎𠜱",
    "zero width": "a\u200bb\u200cc\u200dd\u2060e",
    "bom": "\ufeffbom",
    "line separator": "a\u2028b\u2029c",
    "noncharacter": "a\ufffeb\uffff",
    "max bmp": "\uffef",
    "cjk": "中文 日本語 한국어",
}
FREE_TEXT = {"title", "description", "name", "icon"}  # plain unicode here must be accepted, not just not-500
REJECTED = {  # raw JSON text (escapes kept as the client sent them): always a 400
    "lone high surrogate": '"\\ud800"',
    "lone low surrogate": '"x\\udfff"',
    "reversed pair": '"\\ude00\\ud83d"',
    "nul escape": '"a\\u0000b"',
}
RAW_INVALID = {  # bytes that are not UTF-8 / not JSON: always a 400
    "surrogate as utf-8 bytes": b"\xed\xa0\x80",
    "raw nul": b"a\x00b",
    "overlong slash": b"\xc0\xaf",
    "latin-1": b"caf\xe9",
}


def _base_body(operation: str, alice, ctx: dict[str, Any]) -> tuple[str, str, Any]:
    """(method, url, a valid body) for every operation with a body; a new one fails here until added."""
    name = f"n-{secrets.token_hex(3)}"
    bases = {
        "create_task": ("POST", "/tasks", {"title": "t"}),
        "update_task": ("PUT", f"/tasks/{ctx['task']}", {"title": "t"}),
        "create_category": ("POST", "/categories", {"name": name, "color": "#112233"}),
        "update_category": ("PUT", f"/categories/{ctx['category']}", {"name": name}),
        "batch_create_tasks": ("POST", "/tasks/batch", {"tasks": [{"title": "t"}]}),
        "bulk_update_tasks": ("POST", "/tasks/bulk", {"action": "complete", "taskIds": [ctx["task"]]}),
    }
    assert operation in bases, f"no base body for {operation}: add it to _base_body in tests/security/test_security.py"
    return bases[operation]


def _put(body: Any, path: tuple, value: Any) -> Any:
    node = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return body


def _stored_value(alice, operation: str, response: httpx.Response, path: tuple, ctx: dict[str, Any]) -> Any:
    """The field as a later read shows it."""
    field = path[-1]
    if operation in ("create_task", "update_task"):
        return alice.get(f"/tasks/{response.json()['taskId']}").json()[field]
    if operation in ("create_category", "update_category"):
        return alice.get(f"/categories/{response.json()['categoryId']}").json()[field]
    if operation == "batch_create_tasks":
        task_id = response.json()["results"][0]["taskId"]
        return alice.get(f"/tasks/{task_id}").json()[field]
    raise AssertionError(f"{operation} accepted a free string at {path}: add how to read it back")


UNICODE_CASES = [(o[0], path) for o in BODY_OPERATIONS for path, _ in string_fields(body_schema(o[3]))]


@pytest.mark.integration
@pytest.mark.parametrize(
    "operation,path", UNICODE_CASES, ids=[f"{o}:{'.'.join(map(str, p))}" for o, p in UNICODE_CASES]
)
def test_unicode_in_every_string_field_round_trips_or_is_400(operation, path, alice, snapshot):
    ctx = {"task": alice.new_task()["taskId"], "category": alice.new_category()["categoryId"]}
    for label, value in UNICODE.items():
        method, url, body = _base_body(operation, alice, ctx)
        r = alice.request(method, url, json=_put(body, path, value))
        assert r.status_code < 500, (label, r.text)
        if r.status_code >= 400:
            assert_error(r, 400, "VALIDATION_ERROR")
            assert path[-1] not in FREE_TEXT or label in (
                "bom",
                "noncharacter",
                "line separator",
                "zero width",
                "max bmp",
                "rtl override",
            ), f"{label} refused in free text {path}: {r.text}"
            continue
        if path[-1] == "icon" and len(value) > 64:
            continue
        assert _stored_value(alice, operation, r, path, ctx) == value, label
    before = snapshot(alice.id)
    for label, raw_value in REJECTED.items():
        method, url, body = _base_body(operation, alice, ctx)
        text = json.dumps(_put(body, path, "@@VALUE@@")).replace('"@@VALUE@@"', raw_value)
        r = alice.request(method, url, content=text.encode(), headers={"Content-Type": "application/json"})
        assert_error(r, 400, "VALIDATION_ERROR")
        assert snapshot(alice.id) == before, label
    for label, raw_bytes in RAW_INVALID.items():
        method, url, body = _base_body(operation, alice, ctx)
        raw = json.dumps(_put(body, path, "@@VALUE@@")).encode().replace(b"@@VALUE@@", raw_bytes)
        r = alice.request(method, url, content=raw, headers={"Content-Type": "application/json"})
        assert_error(r, 400, "VALIDATION_ERROR")
        assert snapshot(alice.id) == before, label


def test_unicode_matrix_covers_every_body_string_field():
    covered = {(o, p[-1]) for o, p in UNICODE_CASES}
    for name in ("title", "description", "priority", "dueDate", "categoryId"):
        assert ("create_task", name) in covered and ("update_task", name) in covered
    for name in ("name", "color", "icon"):
        assert ("create_category", name) in covered and ("update_category", name) in covered
