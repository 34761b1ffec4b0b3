"""Helpers and fixtures for the IaC proofs (tests/iac): tool venvs, the derived gateway spec, SAM's transform.

Nothing here talks to AWS: credentials are fake, SAM telemetry is off, checkov never downloads.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SPEC = ROOT / "openapi.yaml"
GATEWAY_SPEC = ROOT / "build" / "gateway" / "openapi.json"
SAM_DIR = ROOT / ".local" / "sam"
CHECKOV_DIR = ROOT / ".local" / "checkov"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

sys.path.insert(0, str(ROOT / "scripts"))


def offline_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAM_"))}
    env.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="offline",
        AWS_SECRET_ACCESS_KEY="offline",
        SAM_CLI_TELEMETRY="0",
    )
    env.update(extra)
    return env


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("env", offline_env())
    return subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, **kwargs)


def ensure_tool(target: str, binary: Path) -> Path:
    """The Makefile owns the tool venvs (pinned, hash-checked); tests only ask for them."""
    if not binary.exists():
        out = run(["make", "-s", target])
        assert out.returncode == 0, f"make {target} failed:\n{out.stdout}\n{out.stderr}"
    return binary


@pytest.fixture(scope="session")
def sam_cli() -> Path:
    return ensure_tool("sam-cli", SAM_DIR / "bin" / "sam")


@pytest.fixture(scope="session")
def sam_python(sam_cli: Path) -> Path:
    return SAM_DIR / "bin" / "python"


@pytest.fixture(scope="session")
def checkov_cli() -> Path:
    return ensure_tool("checkov", CHECKOV_DIR / "bin" / "checkov")


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text())


@pytest.fixture(scope="session")
def gateway_doc() -> dict[str, Any]:
    """What API Gateway imports, produced by the build step itself (scripts/gateway_spec.py)."""
    out = run([sys.executable, str(ROOT / "scripts" / "gateway_spec.py")])
    assert out.returncode == 0, out.stderr
    return json.loads(GATEWAY_SPEC.read_text())


class _CfnLoader(yaml.SafeLoader):
    pass


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)


def sam_transform(sam_python: Path, **params: str) -> dict[str, Any]:
    args = [str(sam_python), str(ROOT / "tests" / "iac" / "sam_transform.py"), str(TEMPLATE)]
    out = run(args + [f"{k}={v}" for k, v in params.items()])
    assert out.returncode == 0, f"samtranslator failed:\n{out.stderr[-4000:]}"
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def transformed(sam_python: Path, gateway_doc: dict[str, Any]) -> dict[str, Any]:
    return sam_transform(sam_python, Stage="dev")


@pytest.fixture(scope="session")
def transformed_prod(sam_python: Path, gateway_doc: dict[str, Any]) -> dict[str, Any]:
    return sam_transform(sam_python, Stage="prod", TableBillingMode="PROVISIONED")


def operations(doc: dict[str, Any]):
    """(path, method, operation) for every operation of an OpenAPI document."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


# openapi.yaml names the function (`.Arn`); the derived gateway spec names its alias (`.Alias`, SAM's AutoPublishAlias).
FUNCTION_IN_URI = re.compile(r"\$\{(\w+)\.(?:Arn|Alias)\}")
ALIAS = "live"


def function_name(operation_id: str) -> str:
    """tasktracker.api.tasks.create_task -> CreateTaskFunction (the naming rule of the issue)."""
    return "".join(part.capitalize() for part in operation_id.rsplit(".", 1)[-1].split("_")) + "Function"
