"""Smoke test of the load test: loadtest/run.py drives the locustfile against the session's server for a few
seconds and writes its summary; the full run (make loadtest) is not part of make test."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_locustfile_has_traffic_for_every_operation():
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    operations = {
        op["operationId"].rsplit(".", 1)[-1]
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }
    named = set(re.findall(r'name="(\w+)"', (ROOT / "loadtest" / "locustfile.py").read_text()))
    assert operations <= named, f"no load for {sorted(operations - named)}: add it to loadtest/locustfile.py"


@pytest.mark.integration
def test_loadtest_runs_headless_and_writes_a_summary(server_url, key_pool, tmp_path):
    keys = [key_pool.take()[0] for _ in range(2)]
    cmd = [sys.executable, str(ROOT / "loadtest" / "run.py"), "--url", server_url, "--users", "2", "--time", "5s",
           "--out", str(tmp_path)]  # fmt: skip
    for key in keys:
        cmd += ["--key", key]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    total = summary["total"]
    assert total["requests"] > 0 and total["failures"] == 0, summary["failures"]
    assert total["p50Ms"] <= total["p95Ms"] <= total["p99Ms"]
    assert {"list_tasks", "get_task", "create_task"} <= set(summary["operations"])
    assert summary["machine"]["cpus"] and summary["machine"]["dynamodbLocal"]
    md = (tmp_path / "summary.md").read_text()
    assert "| **all** |" in md and "p99" in md
    for key in keys:  # the summary names the target, never its keys
        assert key not in md and key not in json.dumps(summary)
