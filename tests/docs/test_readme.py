"""The README's reference stays true to what it describes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_template_parameter_is_in_the_readme_table():
    template = (ROOT / "template.yaml").read_text()
    block = template.split("\nParameters:\n", 1)[1].split("\nConditions:\n", 1)[0]
    params = re.findall(r"^  ([A-Za-z0-9]+):$", block, re.M)
    assert len(params) > 15
    rows = set(re.findall(r"^\| `([A-Za-z0-9]+)` \| ", README, re.M))
    assert set(params) <= rows, f"not in README's parameter table: {sorted(set(params) - rows)}"


def test_every_environment_setting_the_code_reads_is_in_the_readme():
    """Settings read by the app (config.py, cli.py, ...); AWS_* ones are the SDK's and Lambda's, not ours."""
    pattern = re.compile(r'(?:env|environ)(?:\.get|\.setdefault)?\(\s*"([A-Z_]+)"|(?:env|environ)\["([A-Z_]+)"\]')
    names = set()
    for path in (ROOT / "src" / "tasktracker").rglob("*.py"):
        for a, b in pattern.findall(path.read_text()):
            names.add(a or b)
    ours = {n for n in names if not n.startswith("AWS_") or n == "AWS_ENDPOINT_URL_DYNAMODB"}
    assert {"TASKS_TABLE", "CURSOR_SECRET_ARN", "TASKTRACKER_API_KEYS"} <= ours
    missing = sorted(n for n in ours if f"`{n}`" not in README)
    assert not missing, f"environment settings not documented in README: {missing}"
