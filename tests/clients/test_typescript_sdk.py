"""clients/typescript: `npm ci` (skipped while node_modules matches the lock), build, then its own `node --test`
suite against the live local server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "clients" / "typescript"
sys.path.insert(0, str(ROOT / "scripts"))
from gen_clients import ensure_node_modules, exclusive

KEYS_NEEDED = 5  # one user per slot in clients/typescript/test/env.ts


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["npm", *args], check=False, cwd=TS, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"npm {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="session")
def ts_built() -> Path:
    ensure_node_modules(TS)
    with exclusive("tasktracker-ts-build"):  # pytest-xdist workers must not run tsc into the same folders at once
        _npm("run", "build")
        _npm("run", "build:test")
    return TS


def test_package_is_built_with_types_and_pinned_typescript(ts_built: Path) -> None:
    pkg = json.loads((TS / "package.json").read_text())
    assert re.fullmatch(r"5\.9\.\d+", pkg["devDependencies"]["typescript"]), "typescript must stay pinned to 5.9.x"
    installed = json.loads((TS / "node_modules" / "typescript" / "package.json").read_text())["version"]
    assert installed == pkg["devDependencies"]["typescript"]
    lock = json.loads((TS / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/typescript"]["version"] == installed
    for entry in (pkg["types"], pkg["main"], pkg["exports"]["."]["types"], pkg["exports"]["."]["default"]):
        assert (TS / entry).is_file(), entry
    assert (TS / "dist" / "schema.d.ts").is_file()
    assert "createTask" in (TS / "dist" / "schema.d.ts").read_text()  # friendly operation names


def test_node_test_suite_against_live_server(ts_built: Path, server_url: str, key_pool: Any) -> None:
    keys = [key_pool.take()[0] for _ in range(KEYS_NEEDED)]
    tests = sorted(str(p.relative_to(TS)) for p in (TS / "build" / "test").glob("*.test.js"))
    assert tests, "no compiled tests in clients/typescript/build/test"
    env = {**os.environ, "TASKTRACKER_URL": server_url, "TASKTRACKER_API_KEYS": ",".join(keys)}
    proc = subprocess.run(
        ["node", "--test", "--test-reporter=tap", *tests],
        check=False,
        cwd=TS,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    passed = re.search(r"^# pass (\d+)$", out, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", out, re.MULTILINE)
    assert proc.returncode == 0 and failed and failed.group(1) == "0", out
    assert passed and int(passed.group(1)) >= 10, out
    assert "README usage example compiles and runs" in out
