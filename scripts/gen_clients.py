"""Generate the SDKs in clients/ from openapi.yaml (`make clients`), or check that they are current (`--check`).

Both SDKs are generated from one derived spec (scripts/sdk_spec.py: friendly operationIds, no API Gateway
extensions), always into a fresh temporary directory first, so `make clients` and the drift check run the very
same steps:

- clients/python: openapi-python-client (pinned in uv.lock; its ruff post-hooks use the locked ruff). Every file
  it writes is owned by the generator; PY_HANDWRITTEN are ours and survive (the generator's README is dropped).
  A generated file that the generator no longer writes (an operation was removed) is deleted.
- clients/typescript: openapi-typescript (pinned in package-lock.json) writes src/schema.ts; every other file there
  is ours.

--check regenerates into a temporary directory and compares with clients/ in the work tree; it exits 1 and
prints what differs when anything does (openapi.yaml changed without `make clients`, or generated code edited
by hand). Usage: python scripts/gen_clients.py [--check] [--spec openapi.yaml]
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sdk_spec

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "clients"
PY_DIR = CLIENTS / "python"
TS_DIR = CLIENTS / "typescript"

PY_CONFIG = {"project_name_override": "tasktracker-client", "package_name_override": "tasktracker_client"}
PY_HANDWRITTEN = {"README.md", "tasktracker_client/sdk.py"}
TS_GENERATED = {"src/schema.ts"}
# Never generated, never compared, never deleted: caches, installs and build output.
IGNORED_DIRS = {"__pycache__", ".ruff_cache", ".pytest_cache", ".mypy_cache", "node_modules", "dist", "build", ".venv"}
IGNORED_SUFFIXES = (".pyc", ".egg-info")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout + proc.stderr


def files_under(root: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    if not root.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS and not d.endswith(IGNORED_SUFFIXES))
        for name in filenames:
            if name.endswith(IGNORED_SUFFIXES):
                continue
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = path
    return out


# --- npm: `npm ci` once per lock file ------------------------------------------------------------------------


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[None]:
    """A machine-wide lock, so parallel pytest workers never run `npm ci` in the same folder at once."""
    path = Path(tempfile.gettempdir()) / f"{name}-{hashlib.sha256(str(TS_DIR).encode()).hexdigest()[:12]}.lock"
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_node_modules(ts_dir: Path = TS_DIR) -> bool:
    """`npm ci` in clients/typescript unless node_modules already matches package.json + package-lock.json.

    Returns True when it ran npm ci."""
    digest = hashlib.sha256((ts_dir / "package.json").read_bytes() + (ts_dir / "package-lock.json").read_bytes())
    stamp = ts_dir / "node_modules" / ".tasktracker-lock.sha256"
    with exclusive("tasktracker-npm-ci"):
        if stamp.is_file() and stamp.read_text() == digest.hexdigest():
            return False
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ts_dir)
        stamp.write_text(digest.hexdigest())
        return True


# --- generation ------------------------------------------------------------------------------------------------


def generate_python(spec_json: Path, out: Path) -> dict[str, bytes]:
    """openapi-python-client into `out`; returns the generated files (relative path -> bytes)."""
    config = out.parent / "openapi-python-client.json"
    config.write_text(json.dumps(PY_CONFIG))
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", "RUFF_NO_CACHE": "true"}
    log = _run(
        [
            str(bindir / "openapi-python-client"),
            "generate",
            "--path",
            str(spec_json),
            "--config",
            str(config),
            "--meta",
            "uv",
            "--output-path",
            str(out),
        ],
        cwd=out.parent,
        env=env,
    )
    warnings = [line for line in log.splitlines() if "warning" in line.lower()]
    if warnings:
        print("openapi-python-client:\n" + log, file=sys.stderr)
    return {rel: p.read_bytes() for rel, p in files_under(out).items() if rel not in PY_HANDWRITTEN}


def generate_typescript(spec_json: Path, out: Path) -> dict[str, bytes]:
    ensure_node_modules()
    target = out / "src" / "schema.ts"
    target.parent.mkdir(parents=True, exist_ok=True)
    cli = TS_DIR / "node_modules" / "openapi-typescript" / "bin" / "cli.js"
    _run(["node", str(cli), str(spec_json), "--output", str(target)], cwd=TS_DIR)
    return {"src/schema.ts": target.read_bytes()}


def generate_all(spec: Path, work: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    spec_json = sdk_spec.write(spec, work / "sdk-openapi.json")
    return generate_python(spec_json, work / "python"), generate_typescript(spec_json, work / "typescript")


# --- compare / apply ---------------------------------------------------------------------------------------------


def _committed(sdk_dir: Path, generated_names: set[str] | None) -> dict[str, Path]:
    """The generator-owned files of an SDK folder as they are in the work tree."""
    found = files_under(sdk_dir)
    if generated_names is None:  # python: everything but ours
        return {rel: p for rel, p in found.items() if rel not in PY_HANDWRITTEN}
    return {rel: p for rel, p in found.items() if rel in generated_names}


def differences(name: str, sdk_dir: Path, generated: dict[str, bytes], owns_all: bool) -> list[str]:
    have = _committed(sdk_dir, None if owns_all else set(generated))
    problems: list[str] = []
    for rel in sorted(set(generated) | set(have)):
        shown = f"clients/{name}/{rel}"
        if rel not in have:
            problems.append(f"missing: {shown} (the generator writes it)")
        elif rel not in generated:
            problems.append(f"stale: {shown} (the generator no longer writes it)")
        elif have[rel].read_bytes() != generated[rel]:
            old = have[rel].read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
            new = generated[rel].decode("utf-8", errors="replace").splitlines(keepends=True)
            diff = list(difflib.unified_diff(old, new, f"committed/{shown}", f"regenerated/{shown}", n=2))
            cut = diff[:60] + ([f"... {len(diff) - 60} more diff lines\n"] if len(diff) > 60 else [])
            problems.append(f"changed: {shown}\n" + "".join(cut).rstrip("\n"))
    if owns_all:
        problems += [
            f"missing hand-written file: clients/{name}/{rel}"
            for rel in sorted(PY_HANDWRITTEN)
            if not (sdk_dir / rel).is_file()
        ]
    return problems


def apply(sdk_dir: Path, generated: dict[str, bytes], owns_all: bool) -> list[str]:
    changed: list[str] = []
    have = _committed(sdk_dir, None if owns_all else set(generated))
    for rel in sorted(set(have) - set(generated)):
        have[rel].unlink()
        changed.append(f"deleted {rel}")
        parent = have[rel].parent
        while parent != sdk_dir and not any(parent.iterdir()):  # drop folders emptied by that
            parent.rmdir()
            parent = parent.parent
    for rel, data in sorted(generated.items()):
        target = sdk_dir / rel
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        changed.append(f"wrote {rel}")
    return changed


def check(spec: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="sdk-drift-") as tmp:
        py, ts = generate_all(spec, Path(tmp))
        problems = differences("python", PY_DIR, py, owns_all=True) + differences("typescript", TS_DIR, ts, False)
    if problems:
        print(f"SDK drift: clients/ does not match what {spec.name} generates. Run `make clients` and commit.\n")
        print("\n".join(problems))
        return 1
    print(f"clients/ is up to date with {spec.name} ({len(py)} python files, {len(ts)} typescript file)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", type=Path, default=ROOT / "openapi.yaml")
    ap.add_argument("--check", action="store_true", help="compare with clients/ instead of writing it")
    args = ap.parse_args()
    spec = args.spec.absolute()
    if args.check:
        return check(spec)
    sdk_spec.write(spec, ROOT / "build" / "sdk-openapi.json")
    with tempfile.TemporaryDirectory(prefix="sdk-gen-") as tmp:
        py, ts = generate_all(spec, Path(tmp))
        changes = [f"python: {c}" for c in apply(PY_DIR, py, True)]
        changes += [f"typescript: {c}" for c in apply(TS_DIR, ts, False)]
    print("\n".join(changes) if changes else "clients/ already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
