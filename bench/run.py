"""make bench: cold start, warm cost and DynamoDB calls of every Lambda function, against two baselines in one run.

    python -m bench.run [--runs 15] [--quick] [--out build/bench/results.json] [--only get_task,...]

Variants (bench/build.py builds them; each is a path list + handler, like /var/task + /opt/python):
  ours        the function as `sam build` builds it with layer/Makefile (bytecode included), the shipped artifact
  bare        a bare handler making the same DynamoDB calls with boto3 (bytecode) - the 1.00x of every ratio
  stock       stock Connexion AsyncApp + Mangum on the same spec, packaged as `sam build` ships it (no bytecode)
  reference rows, get_task only: bare-nopyc, stock-pyc, ours-nopyc

Every cold sample is a fresh `python3.13 -I` process: spawn -> import the handler -> answer one API Gateway event,
with the function's environment from template.yaml and Lambda's own variables. Samples of all variants are
interleaved in random order, so load on the machine hits them alike; ratios are of medians from the same run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml

from bench import build, scenarios

ROOT = Path(__file__).resolve().parents[1]
CHILD = Path(__file__).resolve().parent / "child.py"
STAGES = Path(__file__).resolve().parent / "stages.py"
TRACE_ID = "Root=1-674650a0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
CURSOR_SECRET_VALUE = "bench-cursor-secret-0123456789abcdef"
RESOURCE_VALUES = {
    "TasksTable": "Tasks",
    "CategoriesTable": "Categories",
    "IdempotencyTable": "Idempotency",
    "LogLevel": "INFO",
    "Stage": "dev",
}
WARM_SCENARIOS = ("get_task", "list_tasks", "create_task")
REFERENCE_SCENARIO = "get_task"


# ------------------------------------------------------------------------------------------------ environment
def find_python313() -> str:
    candidates = [
        os.environ.get("BENCH_PYTHON"),
        shutil.which("python3.13"),
        *sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.13.*/bin/python3.13")),
    ]
    for c in candidates:
        if (
            c
            and subprocess.run(
                [c, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 13))"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ).returncode
            == 0
        ):
            return c
    raise SystemExit("bench: no Python 3.13 found (the runtime's version); set BENCH_PYTHON")


class _CfnLoader(yaml.SafeLoader):
    """template.yaml with its short-form intrinsic functions read as plain {"Ref": ...} / {"Fn::X": ...}."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def template_environment(function: str, refs: dict[str, str]) -> dict[str, str]:
    """The function's environment as template.yaml sets it (Globals + its own), with references resolved."""
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)
    globals_ = template.get("Globals", {}).get("Function", {})
    props = template["Resources"][function]["Properties"]
    env: dict[str, str] = {}
    for source in (globals_, props):
        for k, v in ((source.get("Environment") or {}).get("Variables") or {}).items():
            if isinstance(v, dict) and "Ref" in v:
                v = refs.get(v["Ref"], RESOURCE_VALUES.get(v["Ref"], v["Ref"]))
            env[k] = str(v)
    log_level = refs.get("LogLevel", RESOURCE_VALUES["LogLevel"])
    logging_config = props.get("LoggingConfig") or {}
    if logging_config.get("LogFormat") == "JSON":
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        env["AWS_LAMBDA_LOG_LEVEL"] = log_level
    return env


def lambda_environment(
    function: str, task_root: Path, endpoints: dict[str, str], refs: dict[str, str]
) -> dict[str, str]:
    env = template_environment(function, refs)
    env.update(
        {
            # What Lambda itself sets in every execution environment.
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": str(task_root),
            "AWS_LAMBDA_FUNCTION_NAME": function,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_SESSION_TOKEN": "bench",
            "_X_AMZN_TRACE_ID": TRACE_ID,
            "AWS_XRAY_DAEMON_ADDRESS": endpoints["xray"],
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            # Local stand-ins for the AWS endpoints, and no stray ~/.aws files.
            "AWS_ENDPOINT_URL_DYNAMODB": endpoints["dynamodb"],
            "AWS_ENDPOINT_URL_SECRETSMANAGER": endpoints["secretsmanager"],
            "AWS_CONFIG_FILE": "/nonexistent/bench/config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/bench/credentials",
        }
    )
    return env


class Services:
    """DynamoDB Local, a moto server for Secrets Manager (the list functions' cursor key) and an X-Ray UDP sink."""

    def __init__(self, stack: ExitStack) -> None:
        from tasktracker.local import DynamoDBLocal

        self.ddb = stack.enter_context(DynamoDBLocal())
        moto_port = _free_port()
        log = stack.enter_context(tempfile.TemporaryFile())
        self.moto = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-p", str(moto_port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(self._stop_moto)
        self.xray = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        self.xray.bind(("127.0.0.1", 0))
        self.endpoints = {
            "dynamodb": self.ddb.endpoint,
            "secretsmanager": f"http://127.0.0.1:{moto_port}",
            "xray": f"127.0.0.1:{self.xray.getsockname()[1]}",
        }
        os.environ.update(
            {
                "AWS_ENDPOINT_URL_DYNAMODB": self.ddb.endpoint,
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_DEFAULT_REGION": "us-east-1",
            }
        )
        import boto3

        from tasktracker import wiring
        from tasktracker.config import Settings
        from tasktracker.store.tables import ensure_tables

        ensure_tables(self.ddb.client(), "Tasks", "Categories", "Idempotency")
        sm = boto3.client("secretsmanager", endpoint_url=self.endpoints["secretsmanager"])
        deadline = time.monotonic() + 30
        while True:
            try:
                arn = sm.create_secret(Name=f"bench-{os.getpid()}", SecretString=CURSOR_SECRET_VALUE)["ARN"]
                break
            except Exception:
                if time.monotonic() > deadline or self.moto.poll() is not None:
                    raise
                time.sleep(0.2)
        self.refs = {"CursorSecret": arn}
        wiring.configure(Settings(cursor_secret=CURSOR_SECRET_VALUE))
        self.services = wiring.services()

    def _stop_moto(self) -> None:
        if self.moto.poll() is None:
            os.killpg(self.moto.pid, signal.SIGTERM)
            self.moto.wait(10)

    def seed(self, scenario: scenarios.Scenario) -> dict[str, Any]:
        user = scenarios.new_user()
        return scenarios.event(scenario, user, scenario.seed(self.services, user))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------------------------ variants
PRIORITY = int(os.environ.get("BENCH_NICE", "-10"))


def _raise_priority() -> None:
    """Measured processes run ahead of whatever else loads the machine (needs root; else they run as they are)."""
    try:
        os.nice(PRIORITY)
    except OSError:
        pass


class Variants:
    def __init__(self, dirs: dict[str, Path], python: str, services: Services, errors: Path) -> None:
        self.dirs, self.python, self.services, self.errors = dirs, python, services, errors
        root = dirs["root"]
        self.static = {
            "bare": {"path": [str(root / "bare" / "task"), str(dirs["layer"])], "handler": "bare_handler.handler"},
            "bare-nopyc": {
                "path": [str(root / "bare-nopyc" / "task"), str(dirs["nopyc"])],
                "handler": "bare_handler.handler",
            },
            "stock": {"path": [str(root / "stock" / "task")], "handler": "stock_app.handler"},
            "stock-pyc": {"path": [str(root / "stock-pyc" / "task")], "handler": "stock_app.handler"},
        }

    def config(self, variant: str, scenario: scenarios.Scenario) -> dict[str, Any]:
        if variant == "ours":
            return {
                "path": [str(self.dirs["functions"] / scenario.function), str(self.dirs["layer"])],
                "handler": "tasktracker.handler.handler",
            }
        if variant == "ours-nopyc":
            return {
                "path": [str(self.dirs["root"] / "ours-nopyc" / scenario.function), str(self.dirs["nopyc"])],
                "handler": "tasktracker.handler.handler",
            }
        return self.static[variant]

    def env(self, variant: str, scenario: scenarios.Scenario) -> dict[str, str]:
        cfg = self.config(variant, scenario)
        return lambda_environment(scenario.function, Path(cfg["path"][0]), self.services.endpoints, self.services.refs)

    def spawn(self, mode: str, variant: str, scenario: scenarios.Scenario, stdout: Any = subprocess.DEVNULL):
        read_fd, write_fd = os.pipe()
        err = open(self.errors, "ab")
        try:
            proc = subprocess.Popen(
                [self.python, "-I", "-B", str(CHILD), mode, str(write_fd), json.dumps(self.config(variant, scenario))],
                stdin=subprocess.PIPE,
                stdout=stdout,
                stderr=err,
                env=self.env(variant, scenario),
                pass_fds=(write_fd,),
                text=True,
                preexec_fn=_raise_priority,
            )
        finally:
            os.close(write_fd)
            err.close()
        return proc, os.fdopen(read_fd)


def _check(answer: dict[str, Any], expected: int, what: str, errors: Path) -> None:
    if answer.get("status") != expected:
        tail = errors.read_text(errors="replace")[-3000:] if errors.exists() else ""
        raise SystemExit(f"bench: {what} answered {answer.get('status')}, not {expected}: {answer.get('body')}\n{tail}")


def cold_sample(v: Variants, variant: str, scenario: scenarios.Scenario, event: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc, results = v.spawn("cold", variant, scenario)
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(event) + "\n")
    proc.stdin.close()
    line = results.readline()
    wall = (time.perf_counter() - t0) * 1e3
    results.close()
    proc.wait()
    if not line:
        raise SystemExit(f"bench: {variant} {scenario.name} died (exit {proc.returncode}); see {v.errors}")
    answer = json.loads(line)
    _check(answer, scenario.status, f"{variant} {scenario.name} (cold)", v.errors)
    return {
        "wall_ms": wall,
        "init_ms": answer["init_ms"],
        "invoke_ms": answer["invoke_ms"],
        "cpu_ms": answer["cpu_ms"],
        "modules": answer["modules"],
    }


class Worker:
    """A warm execution environment: one process, many invocations."""

    def __init__(self, v: Variants, mode: str, variant: str, scenario: scenarios.Scenario) -> None:
        self.proc, self.results = v.spawn(mode, variant, scenario)
        self.errors = v.errors
        ready = self.results.readline()
        if not ready:
            raise SystemExit(f"bench: {variant} worker died; see {v.errors}")

    def send(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        line = self.results.readline()
        if not line:
            raise SystemExit(f"bench: worker died; see {self.errors}")
        return json.loads(line)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)
        self.results.close()


# ------------------------------------------------------------------------------------------------ statistics
def stats(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    q = statistics.quantiles(values, n=4) if len(values) >= 2 else [values[0]] * 3
    return {
        "median": statistics.median(values),
        "p25": q[0],
        "p75": q[2],
        "min": values[0],
        "max": values[-1],
        "n": len(values),
    }


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


# ------------------------------------------------------------------------------------------------ phases
def run_cold(
    v: Variants, services: Services, plan: list[tuple[str, scenarios.Scenario]], runs: int, log: Any
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
    rng = random.Random(8)
    for r in range(runs + 1):  # round 0 warms the page cache and DynamoDB Local's JIT, and is dropped
        order = plan[:]
        rng.shuffle(order)
        for variant, scenario in order:
            event = services.seed(scenario)
            sample = cold_sample(v, variant, scenario, event)
            if r:
                samples.setdefault(scenario.name, {}).setdefault(variant, []).append(sample)
        print(f"  cold: round {r}/{runs} done" + (" (warm-up, dropped)" if not r else ""), file=log, flush=True)
    return samples


def run_warm(
    v: Variants, services: Services, names: list[str], variants: list[str], rounds: int, per_round: int, log: Any
) -> dict[str, dict[str, dict[str, list[float]]]]:
    out: dict[str, dict[str, dict[str, list[float]]]] = {}
    for name in names:
        scenario = scenarios.BY_NAME[name]
        workers = {variant: Worker(v, "warm", variant, scenario) for variant in variants}
        events = {variant: services.seed(scenario) for variant in variants}
        try:
            for variant, w in workers.items():  # first requests build routes and connections: not measured
                _check(
                    w.send({"event": events[variant], "n": 20}), scenario.status, f"{variant} {name} (warm)", v.errors
                )
            rng = random.Random(9)
            for _ in range(rounds):
                order = list(workers)
                rng.shuffle(order)
                for variant in order:
                    answer = workers[variant].send({"event": events[variant], "n": per_round})
                    _check(answer, scenario.status, f"{variant} {name} (warm)", v.errors)
                    samples = out.setdefault(name, {}).setdefault(variant, {"wall_us": [], "cpu_us": []})
                    samples["wall_us"].extend(ns / 1e3 for ns in answer["ns"])
                    samples["cpu_us"].extend(ns / 1e3 for ns in answer["cpu_ns"])
        finally:
            for w in workers.values():
                w.close()
        print(f"  warm: {name} done", file=log, flush=True)
    return out


COUNT_EXTRAS = {
    # name: (scenario, extra seeding) - requests the targets name, beyond the sample events.
    "create_task (in a category)": ("create_task", "category"),
    "update_task (If-Match)": ("update_task", "if_match"),
    "create_task (Idempotency-Key)": ("create_task", "idempotency_key"),
}


def _extra_event(services: Services, scenario: scenarios.Scenario, how: str) -> dict[str, Any]:
    user = scenarios.new_user()
    changes = scenario.seed(services.services, user)
    e = scenarios.event(scenario, user, changes)
    if how == "category":
        category = services.services.categories.create(user, {"name": "c", "color": "#112233"})
        e["body"] = json.dumps({**json.loads(e["body"]), "categoryId": category["categoryId"]})
    elif how == "if_match":
        e["headers"]["If-Match"] = '"1"'
        e["multiValueHeaders"]["If-Match"] = ['"1"']
    elif how == "idempotency_key":
        key = "bench-" + scenarios.new_user()
        e["headers"]["Idempotency-Key"] = key
        e["multiValueHeaders"]["Idempotency-Key"] = [key]
    return e


def run_count(
    v: Variants, services: Services, names: list[str], variants: list[str], imported: set[str]
) -> dict[str, dict[str, Any]]:
    """DynamoDB calls per request, each function in its own (warm) process, as Lambda runs it. Fills `imported`
    with the files the functions imported (ours), to find what the package carries that no function uses."""
    out: dict[str, dict[str, Any]] = {}
    cases: list[tuple[str, scenarios.Scenario, str | None]] = [(n, scenarios.BY_NAME[n], None) for n in names]
    cases += [(label, scenarios.BY_NAME[s], how) for label, (s, how) in COUNT_EXTRAS.items() if s in names]
    for variant in variants:
        workers: dict[str, Worker] = {}
        try:
            for label, scenario, how in cases:
                if how is not None and variant != "ours":
                    continue
                key = json.dumps(v.config(variant, scenario))
                if key not in workers:
                    workers[key] = Worker(v, "count", variant, scenario)
                event = services.seed(scenario) if how is None else _extra_event(services, scenario, how)
                answer = workers[key].send({"event": event})
                _check(answer, scenario.status, f"{variant} {label} (count)", v.errors)
                out.setdefault(label, {})[variant] = {"calls": answer["calls"], "sends": answer["sends"]}
            if variant == "ours":
                for w in workers.values():
                    imported.update(w.send({"modules": True})["files"])
        finally:
            for w in workers.values():
                w.close()
    return out


# ------------------------------------------------------------------------------------------------ report
def summarize(cold: dict, warm: dict, counts: dict, sizes: dict, meta: dict) -> dict[str, Any]:
    functions = []
    for name, by_variant in cold.items():
        st = {
            variant: {k: stats([s[k] for s in ss]) for k in ("wall_ms", "cpu_ms", "init_ms", "invoke_ms")}
            for variant, ss in by_variant.items()
        }
        row: dict[str, Any] = {"scenario": name, "function": scenarios.BY_NAME[name].function, "cold": st}
        med = {variant: s["wall_ms"]["median"] for variant, s in st.items()}
        cpu = {variant: s["cpu_ms"]["median"] for variant, s in st.items()}
        row["ratios"] = {
            "ours/bare": ratio(med["ours"], med["bare"]),
            "stock/bare": ratio(med["stock"], med["bare"]),
            "ours/stock": ratio(med["ours"], med["stock"]),
            "cpu ours/bare": ratio(cpu["ours"], cpu["bare"]),
            "cpu stock/bare": ratio(cpu["stock"], cpu["bare"]),
        }
        if "bare-nopyc" in med:
            row["ratios"]["stock/bare-nopyc"] = ratio(med["stock"], med["bare-nopyc"])
        if "stock-pyc" in med:
            row["ratios"]["stock-pyc/bare"] = ratio(med["stock-pyc"], med["bare"])
        if "ours-nopyc" in med:
            row["ratios"]["ours-nopyc/bare-nopyc"] = ratio(med["ours-nopyc"], med.get("bare-nopyc", float("nan")))
        row["dynamodb"] = counts.get(name, {})
        functions.append(row)
    warm_out = {}
    for name, by_variant in warm.items():
        warm_out[name] = {}
        for key in ("wall_us", "cpu_us"):
            st = {variant: stats(samples[key]) for variant, samples in by_variant.items()}
            warm_out[name][key] = st
            warm_out[name][f"overhead_{key}"] = {
                variant: round(s["median"] - st["bare"]["median"], 1) for variant, s in st.items() if variant != "bare"
            }
    return {
        "meta": meta,
        "functions": functions,
        "warm": warm_out,
        "dynamodb_extras": {k: v for k, v in counts.items() if k not in cold},
        "sizes": sizes,
    }


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def table(result: dict[str, Any]) -> str:
    m = result["meta"]
    lines = [
        f"Cold start (fresh process -> import -> first API Gateway event answered), median of {m['runs']} runs"
        f" (p25-p75); {m['python']}",
        f"{m['machine']}; load average {m['load_before']} -> {m['load_after']}; {m['date']}; git {m['git']}",
        "wall = elapsed ms; CPU = the process's CPU ms (user + system), which other load on the machine barely moves",
        "",
        "| function | ours wall | bare wall | stock wall | ours/bare | stock/bare | ours CPU | bare CPU | stock CPU"
        " | **ours/bare CPU** | stock/bare CPU | DynamoDB calls |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]

    def cell(row: dict[str, Any], variant: str, key: str) -> str:
        s = row["cold"][variant][key]
        return f"{s['median']:.0f} ({s['p25']:.0f}-{s['p75']:.0f})"

    for row in result["functions"]:
        r = row["ratios"]
        calls = row["dynamodb"].get("ours", {}).get("calls")
        lines.append(
            f"| {row['scenario']} | {cell(row, 'ours', 'wall_ms')} | {cell(row, 'bare', 'wall_ms')}"
            f" | {cell(row, 'stock', 'wall_ms')} | {r['ours/bare']:.2f}x | {r['stock/bare']:.2f}x"
            f" | {cell(row, 'ours', 'cpu_ms')} | {cell(row, 'bare', 'cpu_ms')} | {cell(row, 'stock', 'cpu_ms')}"
            f" | **{r['cpu ours/bare']:.2f}x** | {r['cpu stock/bare']:.2f}x | {', '.join(calls) if calls else '-'} |"
        )
    ref = next((row for row in result["functions"] if "bare-nopyc" in row["cold"]), None)
    if ref:
        c = ref["cold"]

        def med(variant: str, key: str) -> float:
            return c[variant][key]["median"]

        lines += ["", f"Reference cells ({ref['scenario']}), wall ms / CPU ms:"]
        for variant, label, base in (
            ("bare-nopyc", "bare handler without bytecode", None),
            ("stock", "stock Connexion as `sam build` ships it (no bytecode)", "bare-nopyc"),
            ("stock-pyc", "stock Connexion with bytecode", "bare"),
            ("ours-nopyc", "ours without bytecode", "bare-nopyc"),
            ("ours", "ours as built (bytecode)", "bare"),
        ):
            text = f"  {label}: {med(variant, 'wall_ms'):.0f} / {med(variant, 'cpu_ms'):.0f}"
            if base:
                text += (
                    f" = {med(variant, 'wall_ms') / med(base, 'wall_ms'):.2f}x / "
                    f"{med(variant, 'cpu_ms') / med(base, 'cpu_ms'):.2f}x {base}"
                )
            lines.append(text)
    if result["warm"]:
        lines += [
            "",
            f"Warm requests: us per request in a warm process, median (p25-p75) of {m['warm_rounds']} rounds x"
            f" {m['warm_per_round']}; overhead = median - bare's median (CPU: without DynamoDB Local's time)",
            "| request | ours CPU | bare CPU | stock CPU | **ours overhead CPU** | stock overhead CPU"
            " | ours wall | bare wall | stock wall | ours overhead wall |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, w in result["warm"].items():

            def c(key: str, variant: str, w: dict[str, Any] = w) -> str:
                s = w[key][variant]
                return f"{s['median']:.0f} ({s['p25']:.0f}-{s['p75']:.0f})"

            lines.append(
                f"| {name} | {c('cpu_us', 'ours')} | {c('cpu_us', 'bare')} | {c('cpu_us', 'stock')}"
                f" | **+{w['overhead_cpu_us']['ours']:.0f}** | +{w['overhead_cpu_us']['stock']:.0f}"
                f" | {c('wall_us', 'ours')} | {c('wall_us', 'bare')} | {c('wall_us', 'stock')}"
                f" | +{w['overhead_wall_us']['ours']:.0f} |"
            )
    extras = result["dynamodb_extras"]
    if extras:
        lines += [
            "",
            "DynamoDB calls of other requests: "
            + "; ".join(f"{k}: {', '.join(v['ours']['calls'])}" for k, v in extras.items() if "ours" in v),
        ]
    s = result["sizes"]
    lines += [
        "",
        f"Sizes, unzipped: layer {_mb(s['layer_bytes'])} ({_mb(s['layer_bytes_excluding_runtime_provided'])} without"
        f" what the runtime provides: {', '.join(s['runtime_provided'])}); function {_mb(s['function_bytes'])};"
        f" layer + function without what the runtime provides: {_mb(s['total_bytes_excluding_runtime_provided'])}",
        "  largest: " + ", ".join(f"{k} {_mb(v)}" for k, v in list(s["distributions"].items())[:12]),
    ]
    unused = s.get("unused_distributions")
    if unused is not None:
        lines.append(
            "  distributions no function imported: " + (", ".join(f"{k} {_mb(v)}" for k, v in unused.items()) or "none")
        )
    return "\n".join(lines)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _git() -> str:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src", "layer", "openapi.yaml", "template.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return sha + ("+dirty" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 15)))
    p.add_argument("--quick", action="store_true", help="smoke: 2 runs, 2 functions, short warm phase")
    p.add_argument("--only", help="comma-separated scenarios (operationId last parts)")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "results.json")
    p.add_argument("--build-dir", type=Path, default=ROOT / "build" / "bench" / "pkg")
    p.add_argument("--skip-build", action="store_true", help="reuse the packages of the last build")
    p.add_argument("--no-warm", action="store_true")
    p.add_argument("--build-only", action="store_true", help="build the packages and stop")
    p.add_argument(
        "--source",
        type=Path,
        default=ROOT,
        help="a checkout (git worktree, git archive) whose layer/Makefile and src/ are built as ours",
    )
    args = p.parse_args(argv)
    args.build_dir, args.out = args.build_dir.resolve(), args.out.resolve()

    names = [s.name for s in scenarios.SCENARIOS]
    if args.only:
        names = [n for n in args.only.split(",") if n]
        unknown = set(names) - set(scenarios.BY_NAME)
        if unknown:
            raise SystemExit(f"bench: unknown scenarios {sorted(unknown)}")
    runs, rounds, per_round = args.runs, 30, 50
    if args.quick:  # the smoke test in `make test`: every phase runs, on two functions
        runs, rounds, per_round = 2, 2, 10
        names = args.only.split(",") if args.only else ["get_task", "create_task"]
    log = sys.stderr
    python = find_python313()
    py_version = subprocess.run([python, "-VV"], capture_output=True, text=True).stdout.strip()
    functions = sorted({scenarios.BY_NAME[n].function for n in names})

    print(f"bench: building packages ({build.host_architecture()}) into {args.build_dir}", file=log, flush=True)
    t_build = time.monotonic()
    if args.skip_build and (args.build_dir / "ours").is_dir():
        dirs = {
            "layer": args.build_dir / "ours" / "opt" / "python",
            "functions": args.build_dir / "ours" / "task",
            "nopyc": args.build_dir / "nopyc" / "python",
            "root": args.build_dir,
        }
    else:
        dirs = build.build(args.build_dir, functions, python, args.source.resolve())
    ref = REFERENCE_SCENARIO if REFERENCE_SCENARIO in names else names[0]
    ref_fn = scenarios.BY_NAME[ref].function
    nopyc_fn = args.build_dir / "ours-nopyc" / ref_fn
    if not nopyc_fn.exists():
        build._linked_copy(dirs["functions"] / ref_fn, nopyc_fn)
        build._strip_bytecode(nopyc_fn)
    sizes = build.package_sizes(dirs, functions)
    print(f"bench: built in {time.monotonic() - t_build:.0f} s", file=log, flush=True)
    if args.build_only:
        return

    load_before = _load()
    with ExitStack() as stack:
        services = Services(stack)
        errors = args.build_dir / "children.stderr.log"
        errors.unlink(missing_ok=True)
        v = Variants(dirs, python, services, errors)
        plan = [(variant, scenarios.BY_NAME[n]) for n in names for variant in ("ours", "bare", "stock")]
        plan += [(variant, scenarios.BY_NAME[ref]) for variant in ("bare-nopyc", "stock-pyc", "ours-nopyc")]
        print("bench: DynamoDB calls per request", file=log, flush=True)
        imported: set[str] = set()
        counts = run_count(v, services, names, ["ours", "bare", "stock"], imported)
        sizes["unused_distributions"] = build.unused_distributions(dirs["layer"], imported)
        print(f"bench: cold starts, {len(plan)} cells x {runs} runs", file=log, flush=True)
        cold = run_cold(v, services, plan, runs, log)
        warm: dict[str, Any] = {}
        warm_names = [n for n in WARM_SCENARIOS if n in names]
        if not args.no_warm and warm_names:
            print(f"bench: warm requests, {rounds} rounds x {per_round}", file=log, flush=True)
            warm = run_warm(v, services, warm_names, ["ours", "bare", "stock"], rounds, per_round, log)

    meta = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": py_version,
        "interpreter": python,
        "runs": runs,
        "warm_rounds": rounds,
        "warm_per_round": per_round,
        "machine": f"{_cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}",
        "architecture": build.host_architecture(),
        "git": _git(),
        "source": str(args.source.resolve()),
        "load_before": load_before,
        "load_after": _load(),
        "quick": args.quick,
    }
    result = summarize(cold, warm, counts, sizes, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(table(result))
    print(f"\nJSON: {args.out}")


if __name__ == "__main__":
    main()
