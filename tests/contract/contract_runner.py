"""Runs the Schemathesis CLI with the contract suite's config and hooks, and reads its NDJSON report.

One command for every target, so the local server, the in-process Lambda handler and `make fuzz` against a
deployment all run the same suite:

    schemathesis --config-file tests/contract/schemathesis.toml run openapi.yaml --url URL -H "x-api-key: KEY"

with SCHEMATHESIS_HOOKS=tests/contract/hooks.py. Usable as a script too (see `make fuzz`).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CONFIG = HERE / "schemathesis.toml"
HOOKS = HERE / "hooks.py"
SPEC = ROOT / "openapi.yaml"
PHASES = ("examples", "coverage", "fuzzing", "stateful")


@dataclass
class Result:
    target: str
    returncode: int
    seconds: float
    output: str
    report_dir: Path
    cases: dict[str, int] = field(default_factory=dict)
    failed_scenarios: dict[str, int] = field(default_factory=dict)
    operations: set[str] = field(default_factory=set)
    stop_reason: str | None = None

    def summary(self) -> str:
        per_phase = ", ".join(f"{p} {self.cases.get(p, 0)}" for p in PHASES)
        total = sum(self.cases.get(p, 0) for p in PHASES)
        return (
            f"schemathesis [{self.target}]: {total} test cases ({per_phase}); "
            f"{len(self.operations)} operations; exit {self.returncode}; {self.seconds:.1f} s"
        )


def _schemathesis() -> str:
    exe = Path(sys.executable).parent / "schemathesis"
    return str(exe) if exe.exists() else "schemathesis"


def _config_with_peers(report_dir: Path, keys: dict[str, str]) -> Path:
    """The committed config plus a WFC auth file naming two users as peers, so `object_level_authorization`
    replays one user's reads as the other (cross-tenant reads must be 404, DESIGN.md §3 invariant 1)."""
    wfc = report_dir / "users.wfc.json"
    wfc.write_text(json.dumps({"auth": [
        {"name": name, "fixedHeaders": [{"name": "x-api-key", "value": key}]} for name, key in keys.items()
    ]}))
    wfc.chmod(0o600)
    config = report_dir / "schemathesis.toml"
    names = ", ".join(json.dumps(n) for n in keys)
    config.write_text(
        CONFIG.read_text()
        + f"\n# Added by contract_runner.py: two users, each other's peer.\n[auth.wfc]\npath = {json.dumps(str(wfc))}\n"
        + f"peers = [{names}]\n"
    )
    return config


def run(
    target: str,
    url: str,
    api_key: str,
    *,
    peer_key: str | None = None,
    report_dir: Path,
    seed: int | None = None,
    workers: int | str = 1,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> Result:
    report_dir.mkdir(parents=True, exist_ok=True)
    for old in report_dir.glob("*.ndjson"):
        old.unlink()
    if peer_key:
        config = _config_with_peers(report_dir, {"alice": api_key, "bob": peer_key})
        auth: list[str] = []
    else:
        config, auth = CONFIG, ["-H", f"x-api-key: {api_key}"]
    cmd = [
        _schemathesis(), "--no-color", "--config-file", str(config),
        "run", str(SPEC), "--url", url, *auth,
        "--workers", str(workers),
        "--report", "ndjson,junit", "--report-dir", str(report_dir),
    ]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    full_env = {**os.environ, **(env or {}), "SCHEMATHESIS_HOOKS": str(HOOKS), "PYTHONPATH": str(ROOT / "src")}
    started = time.monotonic()
    proc = subprocess.run(
        cmd, check=False, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout
    )
    result = Result(target, proc.returncode, time.monotonic() - started, proc.stdout, report_dir)
    (report_dir / "output.txt").write_text(proc.stdout)
    _read_report(result)
    return result


def _read_report(result: Result) -> None:
    cases: collections.Counter[str] = collections.Counter()
    failed: collections.Counter[str] = collections.Counter()
    for path in result.report_dir.glob("*.ndjson"):
        for line in path.read_text().splitlines():
            event = json.loads(line)
            if "ScenarioFinished" in event:
                data = event["ScenarioFinished"]
                recorder = data["recorder"]
                cases[data["phase"]] += len(recorder.get("cases") or {})
                if data["phase"] != "stateful":
                    result.operations.add(recorder.get("label", ""))
                if data["status"] in ("failure", "error"):
                    failed[data["phase"]] += 1
            elif "EngineFinished" in event:
                result.stop_reason = event["EngineFinished"].get("stop_reason")
    result.cases = dict(cases)
    result.failed_scenarios = dict(failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the contract suite against a deployed API.")
    parser.add_argument("--url", required=True, help="base URL of the API (stage URL)")
    parser.add_argument("--key", required=True, help="an API key of that deployment")
    parser.add_argument("--key2", default=None, help="another user's key: turns on the cross-tenant check")
    parser.add_argument("--seed", type=int, default=None, help="default: random")
    parser.add_argument("--workers", default="2")
    parser.add_argument("--report-dir", default=str(ROOT / "build" / "contract" / "deployed"))
    args = parser.parse_args(argv)
    result = run("deployed", args.url.rstrip("/"), args.key, peer_key=args.key2, report_dir=Path(args.report_dir),
                 seed=args.seed,
                 workers=args.workers, timeout=3600)
    print(result.output)
    print(result.summary())
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
