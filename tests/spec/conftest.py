"""Spec gates: the pinned Node tools in tools/spec (npm ci from the committed lock, once per machine)."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "spec"
SPEC = ROOT / "openapi.yaml"
RELEASED = ROOT / "spec" / "released"
NODE_ENV = {
    **os.environ,
    # Redocly CLI: no usage reports and no update check (this network reaches package registries only).
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_COLOR": "1",
}


def ensure_spec_tools() -> Path:
    """tools/spec/node_modules from package-lock.json; a file lock keeps pytest-xdist workers from racing."""
    bin_dir = TOOLS / "node_modules" / ".bin"
    with open(TOOLS / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = TOOLS / "node_modules" / ".package-lock.json"
        lock_file = TOOLS / "package-lock.json"
        if not (bin_dir / "redocly").exists() or not stamp.exists() or stamp.stat().st_mtime < lock_file.stat().st_mtime:
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOOLS, env=NODE_ENV, check=True
            )
    return bin_dir


@pytest.fixture(scope="session")
def spec_tools() -> Path:
    return ensure_spec_tools()
