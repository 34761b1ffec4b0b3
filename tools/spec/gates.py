"""The spec gates, runnable alone (`make lint-spec`) and from tests/spec/test_spec_gates.py (`make test`).

1. openapi-spec-validator: the document is valid OpenAPI 3.0.
2. Redocly CLI lint with the committed redocly.yaml (recommended-strict + API Gateway import rules).
3. Breaking changes against the last released spec, spec/released/openapi-<version>.yaml (the highest version
   there): openapi-diff (npm, request/response bodies as JSON value sets) and tools/spec/oas_breaking.py
   (parameters, enums, nullable, headers, and the main rules again). A breaking change fails unless
   info.version's major is above the released one. Releasing = copying openapi.yaml there (`make release-spec`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import oas_breaking  # noqa: E402

BIN = HERE / "node_modules" / ".bin"
RELEASED = ROOT / "spec" / "released"
NODE_ENV = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}


@dataclass
class GateResult:
    name: str
    ok: bool
    output: str
    seconds: float

    def __str__(self) -> str:
        return f"[{'PASS' if self.ok else 'FAIL'}] {self.name} ({self.seconds:.2f} s)\n{self.output.rstrip()}"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def validate(spec: Path) -> GateResult:
    from openapi_spec_validator import validate as validate_spec
    from openapi_spec_validator.readers import read_from_filename

    started = time.perf_counter()
    try:
        doc, _ = read_from_filename(str(spec))
        validate_spec(doc)
        ok, output = True, f"{spec.name}: valid OpenAPI {doc.get('openapi')}"
    except Exception as e:  # the validator's errors carry the path and the reason
        ok, output = False, f"{spec.name}: {type(e).__name__}: {e}"
    return GateResult("openapi-spec-validator", ok, output, time.perf_counter() - started)


def redocly_lint(spec: Path, config: Path = ROOT / "redocly.yaml") -> GateResult:
    started = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "redocly"), "lint", str(spec), "--config", str(config), "--format", "stylish"],
        cwd=ROOT, env=NODE_ENV, capture_output=True, text=True, check=False,
    )
    # Drop Redocly's Node.js 20 end-of-life banner; keep the findings.
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip() and not ln.strip().startswith("║")
             and not set(ln.strip()) <= set("╔╗╚╝═")]
    return GateResult("redocly lint", proc.returncode == 0, "\n".join(lines), time.perf_counter() - started)


def last_release() -> Path:
    releases = sorted(RELEASED.glob("openapi-*.yaml"), key=lambda p: _version(p.stem))
    if not releases:
        raise FileNotFoundError(f"no released spec in {RELEASED}")
    return releases[-1]


def openapi_diff(old: Path, new: Path) -> list[str]:
    proc = subprocess.run(
        [str(BIN / "openapi-diff"), str(old), str(new)], cwd=ROOT, env=NODE_ENV, capture_output=True, text=True,
        check=False,
    )
    text = proc.stdout
    start = text.find("{")
    if start < 0:
        if "No changes found" in text:
            return []
        raise RuntimeError(f"openapi-diff failed ({proc.returncode}):\n{text}\n{proc.stderr}")
    report = json.loads(text[start:])
    out = []
    for diff in report.get("breakingDifferences", []):
        where = [d["location"] for d in diff.get("sourceSpecEntityDetails") or diff.get("destinationSpecEntityDetails") or []]
        out.append(f"{diff['code']} at {', '.join(where) or '?'}")
    return out


def breaking(new: Path, released: Path | None = None) -> GateResult:
    started = time.perf_counter()
    released = released or last_release()
    old_version = str(yaml.safe_load(released.read_text())["info"]["version"])
    new_version = str(yaml.safe_load(new.read_text())["info"]["version"])
    found = [f"openapi-diff: {d}" for d in openapi_diff(released, new)]
    found += [f"oas_breaking: {d}" for d in oas_breaking.breaking_changes(oas_breaking.load(released),
                                                                           oas_breaking.load(new))]
    header = f"{new.name} {new_version} against released {released.name} ({old_version})"
    if _version(new_version) < _version(old_version):
        return GateResult("breaking-change check", False, f"{header}: info.version went backwards",
                          time.perf_counter() - started)
    if not found:
        return GateResult("breaking-change check", True, f"{header}: no breaking change", time.perf_counter() - started)
    bumped = _version(new_version)[0] > _version(old_version)[0]
    verdict = "allowed: major version bumped" if bumped else f"bump info.version to {_version(old_version)[0] + 1}.0.0 or undo them"
    output = f"{header}: {len(found)} breaking change(s), {verdict}\n" + "\n".join(f"  - {f}" for f in found)
    return GateResult("breaking-change check", bumped, output, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    spec = Path(args[0]) if args else ROOT / "openapi.yaml"
    results = [validate(spec), redocly_lint(spec), breaking(spec)]
    for r in results:
        print(r, end="\n\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
