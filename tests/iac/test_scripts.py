"""deploy.sh, destroy.sh and smoke.sh, exercised offline: help, argument errors, dry runs, and the smoke test for
real against a local `tasktracker serve` (in-memory store)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from iac_support import ROOT, offline_env, run

SCRIPTS = ROOT / "scripts"


@pytest.mark.parametrize("script", ["deploy.sh", "destroy.sh", "smoke.sh"])
def test_help_and_usage_errors(script: str) -> None:
    out = run([str(SCRIPTS / script), "--help"])
    assert out.returncode == 0 and "Usage" not in out.stderr and out.stdout.strip()
    assert run([str(SCRIPTS / script)]).returncode == 2
    assert run([str(SCRIPTS / script), "--bogus"]).returncode == 2


def test_deploy_dry_run_shows_build_and_deploy_with_the_stage_settings() -> None:
    out = run([str(SCRIPTS / "deploy.sh"), "prod", "--dry-run", "--arch", "x86_64", "--alarm-email", "ops@example.com"])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "would run: make --no-print-directory build ARCH=x86_64"
    assert "sam deploy --config-env prod" in lines[1]
    for setting in ("Stage=prod", "EnableWaf=true", "Architecture=x86_64", "AlarmEmail=ops@example.com"):
        assert setting in lines[1].replace("\\ ", " "), setting
    assert run([str(SCRIPTS / "deploy.sh"), "dev", "--arch", "sparc"]).returncode == 2


def test_destroy_revokes_keys_before_deleting_and_asks_first() -> None:
    out = run([str(SCRIPTS / "destroy.sh"), "dev", "--dry-run"])
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert "tasktracker keys revoke --all --yes --stack tasktracker-dev" in lines[0]
    assert "sam delete --stack-name tasktracker-dev --no-prompts" in lines[1]
    no_tty = run([str(SCRIPTS / "destroy.sh"), "dev"], stdin=subprocess.DEVNULL)
    assert no_tty.returncode == 2 and "--yes" in no_tty.stderr


@pytest.fixture(scope="module")
def local_api() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tasktracker.cli", "serve", "--store", "memory", "--port", str(port),
         "--api-key", "smoke-key:smoke-user"],
        cwd=ROOT, env=offline_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/tasks", timeout=1)
            break
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, "tasktracker serve did not start"
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


def test_smoke_passes_against_a_live_api(local_api: str) -> None:
    out = run([str(SCRIPTS / "smoke.sh"), local_api, "smoke-key", "--no-schemathesis"])
    assert out.returncode == 0, out.stdout + out.stderr
    assert "smoke: 0 failed" in out.stdout


def test_smoke_fails_with_a_wrong_key(local_api: str) -> None:
    out = run([str(SCRIPTS / "smoke.sh"), local_api, "wrong-key", "--no-schemathesis"])
    assert out.returncode == 1
    assert "FAIL POST /categories" in out.stdout
