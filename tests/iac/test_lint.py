"""Proof 1: cfn-lint is clean and `sam validate --lint` is clean (both offline).

cfn-lint reads template.yaml, not the included spec; the transformed template (spec inlined) is linted too, so a
dangling reference inside the gateway body cannot hide behind the include.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from iac_support import TEMPLATE, run

CFN_LINT = [str(Path(sys.executable).parent / "cfn-lint")]


def test_cfn_lint_template_is_clean() -> None:
    out = run(CFN_LINT + [str(TEMPLATE)])
    assert out.returncode == 0, f"cfn-lint found problems:\n{out.stdout}{out.stderr}"
    assert out.stdout.strip() == ""


def test_cfn_lint_transformed_template_is_clean(transformed: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "transformed.json"
    path.write_text(json.dumps(transformed))
    out = run(CFN_LINT + [str(path)])
    assert out.returncode == 0, f"cfn-lint found problems in the transformed template:\n{out.stdout}{out.stderr}"


def test_sam_validate_lint_is_clean(sam_cli: Path) -> None:
    out = run([str(sam_cli), "validate", "--lint", "--template-file", str(TEMPLATE)])
    assert out.returncode == 0, f"sam validate --lint failed:\n{out.stdout}{out.stderr}"
    assert "is a valid SAM Template" in out.stdout + out.stderr
