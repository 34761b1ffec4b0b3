"""One Lambda execution environment, stood in for by a fresh interpreter (stdlib only: it runs with Python 3.13).

    python3.13 -I bench/child.py MODE RESULT_FD CONFIG_JSON

CONFIG_JSON: {"path": [dirs, like /var/task then /opt/python], "handler": "module.function"}.
Events arrive as JSON lines on stdin; answers go to RESULT_FD as JSON lines (stdout belongs to the handler's logs,
as it does in Lambda).

  profile  cold, under cProfile (stats written to CONFIG["profile_out"]); with -X importtime from bench/profile.py
  cold   import the handler, answer the one event, report times: the cold start, as Lambda's init + first invoke
  warm   import, then per command {"event": ..., "n": N} answer the event N times and report each duration
  count  register a botocore event hook on boto3's default session *before* the handler creates its client
         (botocore copies session handlers into every client it makes), then per event report the DynamoDB calls
"""

from __future__ import annotations

import json
import os
import sys
import time

MODE, RESULT_FD, CONFIG = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
out = os.fdopen(RESULT_FD, "w", buffering=1)


class Context:
    """The LambdaContext attributes Powertools and Mangum read."""

    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "bench")
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = f"/aws/lambda/{function_name}"
    log_stream_name = "2026/11/27/[$LATEST]bench"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def load_handler():
    sys.path[:0] = CONFIG["path"]
    import importlib

    module, _, name = CONFIG["handler"].rpartition(".")
    return getattr(importlib.import_module(module), name)


def summary(response: dict) -> dict:
    body = response.get("body") or ""
    return {"status": response.get("statusCode"), "body": body[:300]}


def main() -> None:
    if MODE == "profile":
        # cProfile of import + first event (the cold start) into CONFIG["profile_out"].
        import cProfile

        event = json.loads(sys.stdin.readline())
        profiler = cProfile.Profile()
        profiler.enable()
        response = load_handler()(event, Context())
        profiler.disable()
        profiler.dump_stats(CONFIG["profile_out"])
        out.write(json.dumps(summary(response)) + "\n")
        return
    if MODE == "cold":
        event = json.loads(sys.stdin.readline())
        t0 = time.perf_counter()
        handler = load_handler()
        t1 = time.perf_counter()
        response = handler(event, Context())
        t2 = time.perf_counter()
        # process_time counts from the process's creation: interpreter start-up included, other processes not.
        out.write(
            json.dumps(
                {
                    "init_ms": (t1 - t0) * 1e3,
                    "invoke_ms": (t2 - t1) * 1e3,
                    "cpu_ms": time.process_time() * 1e3,
                    "modules": len(sys.modules),
                    **summary(response),
                }
            )
            + "\n"
        )
        return

    calls: list[str] = []
    if MODE == "count":
        sys.path[:0] = CONFIG["path"]
        import boto3

        boto3.setup_default_session()
        boto3.DEFAULT_SESSION.events.register(
            "before-call.dynamodb", lambda model, **_: calls.append(model.name), unique_id="bench-count"
        )
        # Retries and pages are separate sends of one call: counted apart.
        boto3.DEFAULT_SESSION.events.register(
            "before-send.dynamodb", lambda **_: calls.append("(send)"), unique_id="bench-send"
        )
    handler = load_handler()
    ctx = Context()
    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("modules"):
            # Where every imported module came from: which parts of the package the function really uses.
            files = sorted({f for m in list(sys.modules.values()) if (f := getattr(m, "__file__", None))})
            out.write(json.dumps({"files": files}) + "\n")
            continue
        event = command["event"]
        if MODE == "count":
            calls.clear()
            response = handler(event, ctx)
            ops = [c for c in calls if c != "(send)"]
            out.write(json.dumps({"calls": ops, "sends": len(calls) - len(ops), **summary(response)}) + "\n")
            continue
        durations, cpu = [], []
        response: dict = {}
        profiler = None
        if command.get("profile"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for _ in range(command["n"]):
            # Mangum and Connexion may mutate the event; each request gets its own copy, outside the timing.
            e = json.loads(json.dumps(event))
            c0, t0 = time.process_time_ns(), time.perf_counter_ns()
            response = handler(e, ctx)
            durations.append(time.perf_counter_ns() - t0)
            cpu.append(time.process_time_ns() - c0)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(command["profile"])
        out.write(json.dumps({"ns": durations, "cpu_ns": cpu, **summary(response)}) + "\n")


if __name__ == "__main__":
    main()
