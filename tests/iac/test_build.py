"""Proof 6: `sam build` succeeds with no Docker and no local Python 3.13, and the layer holds arm64 / cp313 wheels
only (pure-Python wheels aside); each function ships the tasktracker package with openapi.yaml inside it."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from iac_support import ROOT, SPEC, offline_env, run

BUILD_DIR = ROOT / "build" / "iac" / "sam"
ELF_AARCH64 = 183
LOCAL_ONLY = {"uvicorn", "uvloop", "httptools", "watchfiles", "websockets", "python_dotenv"}


@pytest.fixture(scope="module")
def built(sam_cli: Path) -> Path:
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    started = time.monotonic()
    out = run(
        [str(sam_cli), "build", "--template-file", "template.yaml", "--build-dir", str(BUILD_DIR), "--parallel",
         "--parameter-overrides", "Architecture=arm64"],
        env=offline_env(ARCHITECTURE="arm64"),
    )
    elapsed = time.monotonic() - started
    assert out.returncode == 0, f"sam build failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    (BUILD_DIR / "build-seconds.txt").write_text(f"{elapsed:.1f}\n")
    return BUILD_DIR


def wheel_tags(layer: Path) -> dict[str, list[str]]:
    tags = {}
    for wheel in layer.glob("*.dist-info/WHEEL"):
        tags[wheel.parent.name] = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines()
                                   if line.startswith("Tag:")]
    return tags


def test_layer_is_arm64_cp313_only(built: Path) -> None:
    layer = built / "DependencyLayer" / "python"
    marker = json.loads((layer / ".tasktracker-layer.json").read_text())
    assert marker["architecture"] == "arm64" and marker["python"] == "3.13"
    tags = wheel_tags(layer)
    assert len(tags) > 20, "the layer holds (nearly) nothing"
    bad = {}
    for dist, dist_tags in tags.items():
        for tag in dist_tags:
            interpreter, abi, platform = tag.split("-")
            pure = abi == "none" and platform == "any" and interpreter.startswith("py")
            native = (interpreter == "cp313" and abi == "cp313") or (abi == "abi3" and int(interpreter[3:] or 99) <= 313)
            if not pure and not (native and platform.endswith("_aarch64")):
                bad.setdefault(dist, []).append(tag)
    assert not bad, f"wheels for another platform or Python: {bad}"
    for so in layer.rglob("*.so"):
        header = so.read_bytes()[:20]
        assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == ELF_AARCH64, so
        assert "cpython-" not in so.name or "cpython-313-aarch64" in so.name, so
    names = {d.removesuffix(".dist-info").rsplit("-", 1)[0].lower() for d in tags}
    assert not names & LOCAL_ONLY, f"local-server-only packages in the layer: {names & LOCAL_ONLY}"
    for needed in ("connexion", "mangum", "aws_lambda_powertools", "boto3", "rfc3339_validator"):
        assert needed in names, needed
    pycs = [p for p in layer.rglob("*.pyc")]
    assert all(".cpython-313." in p.name for p in pycs), "bytecode must be the runtime's (3.13) or absent"


def test_layer_matches_the_lock(built: Path) -> None:
    requirements = (ROOT / "build" / "layer" / "requirements.txt").read_text()
    pinned = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", requirements, re.M))
    dists = [d.removesuffix(".dist-info").rsplit("-", 1) for d in wheel_tags(built / "DependencyLayer" / "python")]
    shipped = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in dists}
    assert {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in pinned.items()} == shipped


def test_functions_ship_code_and_spec_only(built: Path, template: dict[str, Any]) -> None:
    functions = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"]
    for name in functions:
        root = built / name
        assert sorted(p.name for p in root.iterdir()) == ["tasktracker"], f"{name}: only the package"
        assert (root / "tasktracker" / "handler.py").is_file()
        assert (root / "tasktracker" / "openapi.yaml").read_text() == SPEC.read_text(), f"{name}: stale spec"


def test_built_template_points_at_the_derived_spec(built: Path) -> None:
    text = (built / "template.yaml").read_text()
    location = re.search(r"Location: (\S+)", text).group(1)
    assert (built / location).resolve() == (ROOT / "build" / "gateway" / "openapi.json").resolve()
    assert (built / location).is_file()


def test_layer_size_is_within_lambda_limits(built: Path) -> None:
    total = sum(p.stat().st_size for p in (built / "DependencyLayer").rglob("*") if p.is_file())
    total += sum(p.stat().st_size for p in (built / "CreateTaskFunction").rglob("*") if p.is_file())
    assert total < 250 * 1024 * 1024, f"{total / 2**20:.0f} MiB unzipped: over Lambda's 250 MB"
    (built / "layer-bytes.txt").write_text(f"{total}\n")
