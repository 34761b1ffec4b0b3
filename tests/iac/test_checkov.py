"""Proof 7: checkov (its own venv: it pins an old boto3) finds no failing check that the template does not skip
with a written reason; and every skip is of a check that actually applies (no stale skips)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iac_support import TEMPLATE, run


def test_checkov_has_no_unskipped_failure(checkov_cli: Path, template: dict[str, Any]) -> None:
    out = run([str(checkov_cli), "-f", str(TEMPLATE), "--framework", "cloudformation", "--skip-download",
               "--output", "json", "--compact"])
    assert out.stdout.strip(), f"checkov printed nothing:\n{out.stderr[-3000:]}"
    report = json.loads(out.stdout)
    results = report["results"]
    failed = [(c["check_id"], c["resource"], c["check_name"]) for c in results["failed_checks"]]
    assert not failed, "checkov failures (fix, or skip in the template's Metadata with a reason):\n" + "\n".join(map(str, failed))
    assert out.returncode == 0
    assert report["summary"]["parsing_errors"] == 0
    skipped = {(c["check_id"], c["resource"].split(".", 1)[1]) for c in results.get("skipped_checks", [])}
    declared = set()
    for name, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "").strip()) >= 20, f"{name}: skip {skip['id']} needs a written reason"
            declared.add((skip["id"], name))
    assert declared == skipped, f"stale skips (the check passes or does not apply): {sorted(declared - skipped)}"
