"""`make bench` in its quick mode, so it cannot rot: every phase runs on two functions (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration  # DynamoDB Local (Java), like the other integration tests


def test_bench_quick_mode_runs_every_phase(tmp_path):
    try:
        from bench.run import find_python313

        find_python313()
    except SystemExit:
        pytest.skip("no Python 3.13 (the Lambda runtime's version) on this machine")
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(out), "--build-dir", str(tmp_path / "pkg")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert {f["scenario"] for f in result["functions"]} == {"get_task", "create_task"}
    for row in result["functions"]:
        assert {"ours", "bare", "stock"} <= set(row["cold"])  # each answered its event with the expected status
        assert row["dynamodb"]["ours"]["calls"] == row["dynamodb"]["bare"]["calls"]  # the baseline's same calls
        assert row["ratios"]["cpu ours/bare"] > 0
    assert result["warm"]["get_task"]["overhead_cpu_us"].keys() == {"ours", "stock"}
    assert result["sizes"]["layer_bytes"] > 0 and result["sizes"]["function_bytes"] > 0
    assert "| get_task |" in proc.stdout
