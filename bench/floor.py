"""What Connexion's own code costs a Lambda cold start that no setting of ours can avoid (bench/UPSTREAM.md).

    python -m bench.floor [--runs 9]      (after `make bench` or `python -m bench.run --build-only`)

Each line is the median CPU time, in fresh Python 3.13 processes on the built layer, of one import or call made
after everything a Lambda ASGI app on Connexion needs anyway is imported (boto3, asyncio, Mangum, Starlette's
app/routing/requests/responses, jsonschema, PyYAML): so it is what that one thing adds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from pathlib import Path

from bench import run

NEEDED_ANYWAY = (
    "import boto3, asyncio, mangum, jsonschema, yaml, starlette.applications, starlette.routing, "
    "starlette.requests, starlette.responses, starlette.middleware.cors"
)

# label -> (code run before the clock starts, code measured)
ITEMS = {
    "import connexion (all of it, as `from connexion import AsyncApp` does)": ("", "import connexion"),
    "  starlette.testclient (connexion.apps.abstract; only for app.test_client())": (
        "",
        "import starlette.testclient",
    ),
    "  werkzeug package (connexion.lifecycle: `from werkzeug import Request`; its __init__ imports the dev server"
    " and test client)": ("", "import werkzeug"),
    "    werkzeug.wrappers.request alone (what the Request class needs)": ("", "import werkzeug.wrappers.request"),
    "  jinja2 (connexion.spec; only to render a spec file given `arguments`)": ("", "import jinja2"),
    "  requests (connexion.json_schema; only for remote $refs)": ("", "import requests"),
    "  httpx (connexion.security; only for OAuth token introspection; also under the test client)": (
        "",
        "import httpx",
    ),
    "  the three above that a Lambda app never uses, together (testclient+httpx, jinja2, requests)": (
        "",
        "import starlette.testclient, jinja2, requests",
    ),
    "connexion's spec validation, whole spec (every start; no option skips it)": (
        "import json, copy; from connexion.spec import Specification; "
        "spec = json.load(open(SPEC_FULL)); s = copy.deepcopy(spec)",
        "Specification.from_dict(s)",
    ),
    "connexion's spec validation, one function's spec (tasktracker.spec.for_function)": (
        "import json, copy; from connexion.spec import Specification; "
        "spec = json.load(open(SPEC_ONE)); s = copy.deepcopy(spec)",
        "Specification.from_dict(s)",
    ),
}

SCRIPT = """
import sys, time, json
sys.path[:0] = {path!r}
SPEC_FULL, SPEC_ONE = {full!r}, {one!r}
{needed}
{setup}
t = time.process_time()
{measured}
print(json.dumps((time.process_time() - t) * 1e3))
"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--build-dir", type=Path, default=run.ROOT / "build" / "bench" / "pkg")
    args = p.parse_args()
    python = run.find_python313()
    layer = args.build_dir / "ours" / "opt" / "python"
    one = args.build_dir / "ours" / "task" / "GetTaskFunction" / "tasktracker" / "openapi.json"
    if not one.exists():
        raise SystemExit("build the packages first: python -m bench.run --build-only")
    full = args.build_dir / "spec-full.json"
    subprocess.run(
        [str(run.ROOT / ".venv" / "bin" / "python"), "-B", "-m", "tasktracker.spec",
         str(run.ROOT / "openapi.yaml"), str(full)],
        check=True, cwd=run.ROOT / "src",
    )  # fmt: skip
    results = {}
    for label, (setup, measured) in ITEMS.items():
        code = SCRIPT.format(path=[str(layer)], full=str(full), one=str(one), needed=NEEDED_ANYWAY,
                             setup=setup.replace("; ", "\n"), measured=measured)  # fmt: skip
        samples = []
        for _ in range(args.runs):
            out = subprocess.run([python, "-I", "-B", "-c", code], capture_output=True, text=True, check=True)
            samples.append(json.loads(out.stdout))
        results[label] = statistics.median(samples)
        print(f"{results[label]:7.1f} ms  {label}", flush=True)
    (run.ROOT / "build" / "bench" / "floor.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
