"""The committed SDKs are exactly what `make clients` generates from openapi.yaml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_clients.py"


def _check(spec: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--spec", str(spec)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_committed_clients_match_openapi_yaml() -> None:
    proc = _check(ROOT / "openapi.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_drift_check_fails_when_the_spec_moves_on(tmp_path: Path) -> None:
    """A spec edited without `make clients` (here: a new operation) must be reported, file by file."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    batch = {
        **spec["paths"]["/tasks"]["post"],
        "operationId": "tasktracker.api.tasks.create_tasks_in_batch",
        "summary": "Create several tasks",
    }
    spec["paths"]["/tasks/batch"] = {"post": batch}
    changed = tmp_path / "openapi.yaml"
    changed.write_text(yaml.safe_dump(spec, sort_keys=False))
    proc = _check(changed)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "SDK drift" in proc.stdout
    assert "missing: clients/python/tasktracker_client/api/tasks/create_tasks_in_batch.py" in proc.stdout
    assert "changed: clients/typescript/src/schema.ts" in proc.stdout
    assert 'operations["createTasksInBatch"]' in proc.stdout
