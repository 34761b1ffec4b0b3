"""The real template in Lambda-like containers: `sam local start-api`, started by scripts/sam_local.py (the script
behind `make sam-local`), then the HTTP integration tests and Schemathesis against it, then everything torn down.

Order matters (one sam local for the module, torn down by the last test, which checks nothing is left behind):
  1. GET /tasks with a key answers 200 from a function container; no or an unknown key is 401.
  2. tests/integration, unchanged, in a pytest subprocess pointed at sam local (TASKTRACKER_TEST_URL/_KEYS/_DYNAMODB,
     tests/conftest.py). Tests that build their own in-process app still run, on the same DynamoDB Local. The
     few cases SAM local answers itself, unlike API Gateway, are strict xfails with reasons (gateway_only.py).
  3. The contract suite (tests/contract/contract_runner.py, its hooks plus samlocal_hooks.py, same checks) with
     its generated phases capped (SAMLOCAL_MAX_EXAMPLES, default 5 per operation and mode), since every request
     crosses SAM's Flask server and a container; see README "sam local".
  4. Teardown: no dockerd of ours, no docker0, no container, no leftover process.

Set-up needs root (or a running Docker engine) and apt-get on a machine without Docker. Where it cannot run, the
module is skipped with the reason, except in CI (CI=true), where that is a failure. SAMLOCAL_WARM=none runs
without --warm-containers (each request then builds and starts a container: slow).
"""

from __future__ import annotations

import inspect
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "sam_local.py"
SAM = ROOT / ".local" / "sam" / "bin" / "sam"
RUN_DIR = "/run/tasktracker-sam-local"
KEYS = 400  # tests/integration takes fresh users per test
MAX_EXAMPLES = int(os.environ.get("SAMLOCAL_MAX_EXAMPLES", "5"))
MAX_STEPS = 10
READY_TIMEOUT = float(os.environ.get("SAMLOCAL_READY_TIMEOUT", "1200"))  # cold: apt, debootstrap, sam build
SEED = int(os.environ.get("CONTRACT_SEED", "20261127"))

pytestmark = pytest.mark.integration

sys.path.insert(0, str(ROOT / "tests" / "contract"))


def _cannot_run() -> str | None:
    """Why set-up cannot run on this machine, or None. The script itself says more when it fails."""
    engine = os.environ.get("DOCKER_HOST") or (
        "unix:///var/run/docker.sock" if Path("/var/run/docker.sock").exists() else ""
    )
    if not engine:
        if os.geteuid() != 0:
            return "no Docker engine answers and starting a private dockerd needs root"
        if not shutil.which("dockerd") and not shutil.which("apt-get"):
            return "no Docker engine, no dockerd and no apt-get to install Debian's docker.io"
        if not Path("/sys/class/net").exists() or not shutil.which("ip") and not shutil.which("apt-get"):
            return "no iproute2 to manage the docker0 bridge"
    if not shutil.which("java"):
        return "DynamoDB Local needs Java (java not on PATH)"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"sam local cannot run here, and CI must not skip it: {reason}", pytrace=False)
    pytest.skip(f"sam local cannot run here: {reason}")


def _dockerd_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


def _ours(pid: int) -> bool:
    try:
        return RUN_DIR.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class SamLocal:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.keys = {f"key-{secrets.token_hex(12)}": f"user-{i}-{secrets.token_hex(4)}" for i in range(KEYS)}
        self.ready_file = workdir / "ready.json"
        self.log = workdir / "sam-local.log"
        self.sam_log = workdir / "sam.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self.stop_seconds: float | None = None
        self.exit_code: int | None = None

    @property
    def url(self) -> str:
        return self.info["url"]

    def key(self) -> str:
        return next(iter(self.keys))

    def keys_spec(self) -> str:
        return ",".join(f"{k}:{u}" for k, u in self.keys.items())

    def start(self) -> None:
        warm = os.environ.get("SAMLOCAL_WARM", "EAGER")
        # The outer session may have pointed AWS_* and TASKTRACKER_* at its own servers: none of that leaks in.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TASKTRACKER_", "AWS_ENDPOINT_URL"))}
        env["TASKTRACKER_SAM_LOCAL_KEYS"] = self.keys_spec()
        cmd = [
            sys.executable,
            str(SCRIPT),
            "--port",
            "0",
            "--ready-file",
            str(self.ready_file),
            "--sam-log",
            str(self.sam_log),
            "--data-dir",
            str(self.workdir / "data"),
        ]
        if warm.lower() != "none":
            cmd += ["--warm-containers", warm]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.ready_file.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"scripts/sam_local.py exited ({self.proc.returncode}):\n{self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sam local not ready after {READY_TIMEOUT:.0f}s:\n{self.tail()}")
            time.sleep(0.5)
        time.sleep(0.1)  # the file is written in one go; let the write finish
        self.info = json.loads(self.ready_file.read_text())

    def tail(self, n: int = 6000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-n:]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        started = time.monotonic()
        os.kill(self.proc.pid, signal.SIGTERM)  # the script tears down on SIGTERM, as on Ctrl-C
        try:
            self.exit_code = self.proc.wait(120)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.exit_code = self.proc.wait()
        self.stop_seconds = time.monotonic() - started


@pytest.fixture(scope="module")
def sam_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamLocal]:
    reason = _cannot_run()
    if reason:
        _skip_or_fail(reason)
    if not SAM.exists():
        out = subprocess.run(["make", "-s", "sam-cli"], cwd=ROOT, capture_output=True, text=True, check=False)
        assert out.returncode == 0, f"make sam-cli failed:\n{out.stdout}\n{out.stderr}"
    sl = SamLocal(tmp_path_factory.mktemp("samlocal"))
    try:
        sl.start()
    except RuntimeError as exc:
        text = str(exc)
        if "needs root" in text or "no apt-get" in text or "has no apt-get" in text:
            _skip_or_fail(text.splitlines()[-1])
        raise
    print(f"\nsam local ready: {json.dumps(sl.info.get('timings'))}", file=sys.stderr)
    yield sl
    sl.stop()


def test_get_tasks_answers_from_a_lambda_container(sam_local: SamLocal) -> None:
    r = httpx.get(sam_local.url + "/tasks", headers={"x-api-key": sam_local.key()}, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "nextCursor": None}
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers.get("x-correlation-id")
    # Unknown key, no key: 401 with the envelope (SAM checks no key; the handler's local-only map does).
    for headers in ({"x-api-key": "not-a-key"}, {}):
        r = httpx.get(sam_local.url + "/tasks", headers=headers, timeout=60)
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"]
    log = sam_local.sam_log.read_text(errors="replace")
    assert "Invoking tasktracker.handler.handler (python3.13)" in log
    assert "REPORT RequestId" in log


def _pytest_summary(output: str) -> str:
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    return lines[-1] if lines else "(no summary)"


def test_integration_tests_against_sam_local(sam_local: SamLocal) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        TASKTRACKER_TEST_URL=sam_local.url,
        TASKTRACKER_TEST_KEYS=sam_local.keys_spec(),
        TASKTRACKER_TEST_DYNAMODB=sam_local.info["dynamodb_endpoint"],
    )
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/integration",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "gateway_only",
            "-o",
            "addopts=",
            "-rfEX",
            "--strict-markers",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    summary = _pytest_summary(proc.stdout)
    print(f"\ntests/integration against sam local: {summary} ({time.monotonic() - started:.0f}s)", file=sys.stderr)
    (sam_local.workdir / "integration.txt").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"{summary}\n{proc.stdout[-15000:]}\n{proc.stderr[-3000:]}"
    assert re.search(r"\b\d+ passed", summary) and not re.search(r"\b\d+ (failed|errors?)\b", summary), summary


def _bounded_config(dest: Path) -> Path:
    """The contract suite's own config (checks, widened expectations, phases) with the generated counts capped."""
    import contract_runner as runner

    text = runner.CONFIG.read_text()
    text = re.sub(
        r"(?m)^(\s*(?:generation\.)?max-examples\s*=\s*)(\d+)", lambda m: f"{m[1]}{min(int(m[2]), MAX_EXAMPLES)}", text
    )
    text = re.sub(r"(?m)^(\s*max-steps\s*=\s*)(\d+)", lambda m: f"{m[1]}{min(int(m[2]), MAX_STEPS)}", text)
    tomllib.loads(text)
    dest.write_text(f"# {runner.CONFIG.name}, generated counts capped for sam local (tests/samlocal)\n" + text)
    return dest


def test_schemathesis_against_sam_local(sam_local: SamLocal, monkeypatch: pytest.MonkeyPatch) -> None:
    import contract_runner as runner

    report_dir = ROOT / "build" / "contract" / "sam-local"
    report_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(runner, "CONFIG", _bounded_config(sam_local.workdir / "schemathesis.toml"))
    monkeypatch.setattr(runner, "HOOKS", Path(__file__).with_name("samlocal_hooks.py"))
    keys = list(sam_local.keys)
    kwargs: dict[str, Any] = {"report_dir": report_dir, "seed": SEED, "workers": 2, "timeout": 1200}
    if "peer_key" in inspect.signature(runner.run).parameters:
        kwargs["peer_key"] = keys[-2]  # a second user: cross-tenant reads must be 404
    result = runner.run("sam-local", sam_local.url, keys[-1], **kwargs)
    print(f"\n{result.summary()}", file=sys.stderr)
    assert result.returncode == 0, f"{result.summary()}\n\n{result.output[-20000:]}"
    assert result.stop_reason == "completed", result.stop_reason
    spec_ops = {
        f"{m.upper()} {p}"
        for p, item in __import__("yaml").safe_load((ROOT / "openapi.yaml").read_text())["paths"].items()
        for m in item
        if m in ("get", "put", "post", "delete", "patch")
    }
    assert spec_ops <= result.operations, spec_ops - result.operations
    for phase in runner.PHASES:
        assert result.cases.get(phase, 0) > 0, f"phase {phase} ran no test case: {result.summary()}"


def test_teardown_leaves_no_daemon_container_or_bridge(sam_local: SamLocal) -> None:
    private = sam_local.info["engine"] == "private"
    dockerd_pid = sam_local.info.get("dockerd_pid")
    sam_local.stop()
    print(f"\nsam local torn down in {sam_local.stop_seconds:.1f}s (exit {sam_local.exit_code})", file=sys.stderr)
    assert sam_local.exit_code == 0, sam_local.tail()
    tail = sam_local.tail(3000)
    assert "torn down" in tail, tail
    leftovers = [pid for pid in map(int, filter(str.isdigit, os.listdir("/proc"))) if _ours(pid)]
    assert not leftovers, f"processes of the private engine still running: {leftovers}"
    if private:
        assert dockerd_pid and not Path(f"/proc/{dockerd_pid}").exists(), "the private dockerd is still running"
        assert not [p for p in _dockerd_pids() if _ours(p)]
        assert not Path("/sys/class/net/docker0").exists(), "docker0 is still there"
        assert not Path(RUN_DIR).exists(), f"{RUN_DIR} is still there"
        # A shim exits just after its container; give the last ones a moment rather than racing them.
        deadline = time.monotonic() + 10
        while True:
            shims = subprocess.run(["pgrep", "-f", "containerd-shim"], capture_output=True, text=True, check=False)
            if not shims.stdout.split() or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert not shims.stdout.split(), f"container shims still running: {shims.stdout}"
    evidence = subprocess.run(
        "pgrep -a dockerd; ip link show docker0", shell=True, capture_output=True, text=True, check=False
    )
    print(
        f"after teardown: `pgrep -a dockerd; ip link show docker0` -> {evidence.stdout.strip() or '(nothing)'} "
        f"{evidence.stderr.strip()}",
        file=sys.stderr,
    )
