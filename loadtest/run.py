"""`make loadtest`: run loadtest/locustfile.py headless and write build/loadtest/summary.{json,md}.

    python loadtest/run.py --url https://abc.execute-api.../dev --key KEY --users 16 --time 60s
    python loadtest/run.py --users 16 --time 60s          # no URL: a local server on DynamoDB Local, started here

The summary has requests/s, p50/p95/p99 and the error rate, overall and per operation, and describes the
machine and the target. Locust runs in its own process (it monkey-patches the standard library with gevent).
Traffic only ever goes to the URL given or to the local server this script starts on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_server(users: int, log_path: Path) -> Iterator[tuple[str, list[str]]]:
    """`tasktracker serve` on a fresh DynamoDB Local (its own data dir), with one key per simulated user."""
    keys = [f"load-{secrets.token_hex(12)}" for _ in range(max(users, 1))]
    port = _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="tasktracker-loadtest-"))
    env = {**os.environ, "TASKTRACKER_API_KEYS": ",".join(f"{k}:load-user-{i}" for i, k in enumerate(keys))}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tasktracker.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120  # the first run may fetch DynamoDB Local
            while True:
                try:
                    if httpx.get(url + "/tasks", timeout=2).status_code == 401:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the local server did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.2)
            yield url, keys
        finally:
            proc.terminate()  # serve stops its own DynamoDB Local on the way out
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            shutil.rmtree(data_dir, ignore_errors=True)


def _num(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def read_stats(csv_prefix: Path) -> dict[str, Any]:
    rows = list(csv.DictReader(open(f"{csv_prefix}_stats.csv")))

    def figures(row: dict[str, str]) -> dict[str, Any]:
        count, failures = int(_num(row["Request Count"])), int(_num(row["Failure Count"]))
        return {
            "requests": count,
            "failures": failures,
            "errorRate": round(failures / count, 5) if count else 0.0,
            "requestsPerSecond": round(_num(row["Requests/s"]), 2),
            "p50Ms": _num(row["50%"]),
            "p95Ms": _num(row["95%"]),
            "p99Ms": _num(row["99%"]),
            "maxMs": round(_num(row["Max Response Time"]), 1),
        }

    total = next(r for r in rows if r["Name"] == "Aggregated")
    per_op = {r["Name"]: figures(r) for r in rows if r["Name"] != "Aggregated"}
    failures = []
    failures_csv = Path(f"{csv_prefix}_failures.csv")
    if failures_csv.exists():
        failures = [
            {"operation": r["Name"], "error": r["Error"][:300], "occurrences": int(_num(r["Occurrences"]))}
            for r in csv.DictReader(open(failures_csv))
        ]
    return {"total": figures(total), "operations": dict(sorted(per_op.items())), "failures": failures}


def machine() -> dict[str, Any]:
    os_name = platform.platform()
    try:
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        os_name = release.get("PRETTY_NAME", os_name).strip('"')
    except OSError:
        pass
    mem_gib = None
    try:
        mem_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        mem_gib = round(mem_kib / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    java = shutil.which("java")
    java_version = None
    if java:
        out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()
        java_version = out[0] if out else None
    from tasktracker.local import DYNAMODB_LOCAL_VERSION

    return {
        "cpus": os.cpu_count(),
        "memoryGiB": mem_gib,
        "os": os_name,
        "python": platform.python_version(),
        "java": java_version,
        "dynamodbLocal": DYNAMODB_LOCAL_VERSION,
        "locust": version("locust"),
        "server": "tasktracker serve (uvicorn, 1 process) on the same machine as locust and DynamoDB Local",
    }


def markdown(summary: dict[str, Any]) -> str:
    t = summary["total"]
    lines = [
        f"# Load test, {summary['date']}",
        "",
        f"Target: {summary['target']}; {summary['users']} users, {summary['time']}, spawn rate {summary['spawnRate']}/s, "
        f"think time {summary['waitSeconds']} s.",
        "",
        "| | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| **all** | {t['requests']} | {t['requestsPerSecond']} | {t['p50Ms']:g} | {t['p95Ms']:g} | {t['p99Ms']:g} | "
        f"{t['errorRate']:.2%} |",
    ]
    for name, o in summary["operations"].items():
        lines.append(
            f"| {name} | {o['requests']} | {o['requestsPerSecond']} | {o['p50Ms']:g} | {o['p95Ms']:g} | {o['p99Ms']:g} | "
            f"{o['errorRate']:.2%} |"
        )
    m = summary["machine"]
    lines += [
        "",
        f"Machine: {m['cpus']} CPUs, {m['memoryGiB']} GiB, {m['os']}, Python {m['python']}, {m['java']}, "
        f"DynamoDB Local {m['dynamodbLocal']}, locust {m['locust']}; {m['server']}. "
        f"1-minute load average {summary['loadAverage1m']['before']} before, {summary['loadAverage1m']['after']} after.",
    ]
    if summary["failures"]:
        lines += ["", "Failures:", ""] + [
            f"- {f['operation']}: {f['error']} (x{f['occurrences']})" for f in summary["failures"]
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=os.environ.get("LOADTEST_URL") or None, help="base URL; omit for a local server")
    p.add_argument("--key", action="append", help="API key (repeatable; also LOADTEST_KEYS=k1,k2)")
    p.add_argument("--users", type=int, default=16)
    p.add_argument("--time", default="60s", help="locust --run-time, e.g. 60s, 5m")
    p.add_argument("--spawn-rate", type=float, default=None, help="users started per second (default: all in ~2 s)")
    p.add_argument("--wait", type=float, default=float(os.environ.get("LOADTEST_WAIT", "0")), help="think time, s")
    p.add_argument("--out", default=str(ROOT / "build" / "loadtest"))
    args = p.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    keys = args.key or [k for k in os.environ.get("LOADTEST_KEYS", "").split(",") if k]
    spawn_rate = args.spawn_rate or max(1.0, args.users / 2)
    with ExitStack() as stack:
        if args.url:
            if not keys:
                p.error("--url needs --key (or LOADTEST_KEYS)")
            url, target = args.url.rstrip("/"), args.url
        else:
            url, keys = stack.enter_context(local_server(args.users, out / "server.log"))
            target = f"local server {url} (tasktracker serve on DynamoDB Local {machine()['dynamodbLocal']})"
        for f in out.glob("locust_*.csv"):
            f.unlink()
        cmd = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url,
            "--users", str(args.users), "--spawn-rate", str(spawn_rate), "--run-time", args.time,
            "--csv", str(out / "locust"), "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0",
        ]  # fmt: skip
        env = {**os.environ, "LOADTEST_KEYS": ",".join(keys), "LOADTEST_WAIT": str(args.wait)}
        print(f"loadtest: {args.users} users for {args.time} against {target}", file=sys.stderr, flush=True)
        started, load_before = time.monotonic(), os.getloadavg()[0]
        with open(out / "locust.log", "w") as log:
            rc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT).returncode
        if rc != 0 or not (out / "locust_stats.csv").exists():
            print((out / "locust.log").read_text()[-3000:], file=sys.stderr)
            return rc or 1
        summary = {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "target": target,
            "users": args.users,
            "time": args.time,
            "spawnRate": spawn_rate,
            "waitSeconds": args.wait,
            "wallSeconds": round(time.monotonic() - started, 1),
            # Everything shares the machine: a load average well over the CPU count means the figures are low.
            "loadAverage1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
            **read_stats(out / "locust"),
            "machine": machine(),
        }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "summary.md").write_text(markdown(summary))
    t = summary["total"]
    print(
        f"loadtest: {t['requests']} requests, {t['requestsPerSecond']} req/s, p50 {t['p50Ms']:g} ms, p95 {t['p95Ms']:g} ms, "
        f"p99 {t['p99Ms']:g} ms, errors {t['errorRate']:.2%} -> {out / 'summary.md'}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
