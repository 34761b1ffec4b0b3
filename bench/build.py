"""The packages the benchmark runs, built mechanically the way template.yaml builds them, for this machine.

  ours/task/<Function>   each function's artifact from layer/Makefile's build-<Function> target (what SAM runs)
  ours/opt/python        the layer from layer/Makefile's build-DependencyLayer, for the host's architecture
                         (ARCHITECTURE=x86_64 here: the same wheels, cp313 manylinux, for the CPU that runs them)
  nopyc/python           the same layer without bytecode: what `pip install` and `sam build` ship
  bare[-nopyc]/task      the bare baseline: one module and boto3 (from the layer)
  stock[-pyc]/task       the stock baseline in one directory, as `sam build` ships a function with requirements.txt:
                         the layer's packages (no bytecode) + Connexion AsyncApp + Mangum + the same spec

Lambda puts /var/task first on sys.path, then /opt/python: the `path` of each variant is in that order.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINES = Path(__file__).resolve().parent / "baselines"
# Distributions the python3.13 Lambda runtime already provides (boto3 and what it needs), out of the size target.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}


def host_architecture() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[machine]


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")


def _strip_bytecode(tree: Path) -> None:
    for d in sorted(tree.rglob("__pycache__"), reverse=True):
        shutil.rmtree(d)


def _linked_copy(src: Path, dst: Path) -> None:
    """A copy sharing the files' storage (hard links): the variants cost no disk."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    _run(["cp", "-al", str(src), str(dst)], ROOT)


def _compile(tree: Path, python: str) -> None:
    _run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(tree)], ROOT)


def stock_spec(text: str) -> str:
    """openapi.yaml with its operationIds and key check pointing at the stock baseline's module: the same spec."""
    text = re.sub(r"(operationId:\s*)tasktracker\.api\.\w+\.(\w+)", r"\1stock_ops.\2", text)
    return re.sub(r"(x-apikeyInfoFunc:\s*)tasktracker\.security\.api_key_info", r"\1stock_ops.api_key_info", text)


def build(out: Path, functions: list[str], python: str, source: Path = ROOT) -> dict[str, Path]:
    """Build every package under `out`; returns the directories by role. `source`: the checkout whose
    layer/Makefile and src/ are built as "ours" (another revision, to measure a change against it)."""
    arch = host_architecture()
    if out.exists():
        shutil.rmtree(out)
    layer = out / "ours" / "opt"
    # The layer Makefile's own targets and recipes; only where it keeps its requirements file and wheel cache
    # differ, so a `make build` running meanwhile cannot race this one.
    make = [
        "make",
        "-s",
        "-f",
        str(source / "layer" / "Makefile"),
        f"ARCHITECTURE={arch}",
        f"BUILD={out.parent / 'layer-requirements'}",
        f"CACHE={ROOT / '.local' / 'bench-layer-cache'}",
        f"UV={ROOT / '.local' / 'uv' / 'bin' / 'uv'}",
        f"HOST_PYTHON={ROOT / '.venv' / 'bin' / 'python'}",
    ]
    _run([*make, "build-DependencyLayer", f"ARTIFACTS_DIR={layer}"], source)
    for fn in functions:
        _run([*make, f"build-{fn}", f"ARTIFACTS_DIR={out / 'ours' / 'task' / fn}"], source / "src")
    missing = [
        m for m in ("boto3", "connexion", "mangum", "aws_lambda_powertools") if not (layer / "python" / m).is_dir()
    ]
    if missing:
        raise RuntimeError(f"the layer build lacks {missing}: {layer / 'python'}")

    nopyc = out / "nopyc" / "python"
    _linked_copy(layer / "python", nopyc)
    _strip_bytecode(nopyc)

    for name, bytecode in (("bare", True), ("bare-nopyc", False)):
        task = out / name / "task"
        task.mkdir(parents=True)
        for f in ("bare_handler.py", "ddb_calls.py"):
            shutil.copy(BASELINES / f, task / f)
        if bytecode:
            _compile(task, python)

    spec = stock_spec((ROOT / "openapi.yaml").read_text())
    for name, deps, bytecode in (("stock", nopyc, False), ("stock-pyc", layer / "python", True)):
        task = out / name / "task"
        _linked_copy(deps, task)
        for f in ("stock_app.py", "stock_ops.py", "ddb_calls.py"):
            shutil.copy(BASELINES / f, task / f)
        (task / "openapi.yaml").write_text(spec)
        if bytecode:
            for f in ("stock_app.py", "stock_ops.py", "ddb_calls.py"):
                _compile(task / f, python)
    return {"layer": layer / "python", "functions": out / "ours" / "task", "nopyc": nopyc, "root": out}


def _tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _owners(site: Path) -> dict[str, str]:
    """Top-level name in site -> the distribution whose RECORD lists it."""
    owner: dict[str, str] = {}
    for record in site.glob("*.dist-info/RECORD"):
        dist = record.parent.name.removesuffix(".dist-info").rsplit("-", 1)[0].lower().replace("_", "-")
        for line in record.read_text().splitlines():
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top and top != "..":
                owner.setdefault(top, dist)
    return owner


def unused_distributions(site: Path, imported_files: set[str]) -> dict[str, int]:
    """Distributions in the layer none of whose files any function imported, with their size."""
    owner = _owners(site)
    used = set()
    root = str(site.resolve()) + "/"
    for f in imported_files:
        f = str(Path(f).resolve())
        if f.startswith(root):
            top = f[len(root) :].split("/", 1)[0]
            used.add(owner.get(top) or owner.get(top.split(".", 1)[0] + ".py") or top)
    sizes = distribution_sizes(site)
    return {d: n for d, n in sizes.items() if d not in used and d != "(other)"}


def distribution_sizes(site: Path) -> dict[str, int]:
    """Bytes on disk per distribution (its files from RECORD, plus the bytecode compiled next to them)."""
    owner = _owners(site)
    sizes: dict[str, int] = {}
    for entry in site.iterdir():
        name = entry.name
        if name == "__pycache__":
            continue
        dist = owner.get(name) or owner.get(name.split(".", 1)[0] + ".py") or "(other)"
        sizes[dist] = sizes.get(dist, 0) + _tree_size(entry)
    # Top-level modules' bytecode (six.py, typing_extensions.py, ...) lives in the shared __pycache__.
    for pyc in (site / "__pycache__").glob("*.pyc") if (site / "__pycache__").is_dir() else []:
        dist = owner.get(pyc.name.split(".", 1)[0] + ".py", "(other)")
        sizes[dist] = sizes.get(dist, 0) + pyc.stat().st_size
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


def package_sizes(dirs: dict[str, Path], functions: list[str]) -> dict[str, object]:
    dists = distribution_sizes(dirs["layer"])
    layer_total = _tree_size(dirs["layer"])
    provided = sum(v for k, v in dists.items() if k in RUNTIME_PROVIDED)
    function = max(_tree_size(dirs["functions"] / fn) for fn in functions)
    return {
        "layer_bytes": layer_total,
        "layer_bytes_excluding_runtime_provided": layer_total - provided,
        "function_bytes": function,
        "total_bytes_excluding_runtime_provided": layer_total - provided + function,
        "runtime_provided": sorted(RUNTIME_PROVIDED),
        "distributions": dists,
    }
