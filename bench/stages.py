"""Where a cold start's CPU time goes, stage by stage (stdlib only; runs under Python 3.13 like child.py).

    python3.13 -I -B bench/stages.py RESULT_FD CONFIG_JSON    (an event on stdin; bench/profile.py runs it)

Each stage imports or does one more thing than the stages before it, in the order the handler needs them, so its
time is what that thing adds on top (modules already imported by an earlier stage cost nothing again). The first
stages are what the bare handler pays too.
"""

from __future__ import annotations

import json
import os
import sys
import time

RESULT_FD, CONFIG = int(sys.argv[1]), json.loads(sys.argv[2])
out = os.fdopen(RESULT_FD, "w", buffering=1)
sys.path[:0] = CONFIG["path"]
event = json.loads(sys.stdin.readline())
marks: list[tuple[str, float]] = [("interpreter start-up (python -I, site, json)", time.process_time())]


def stage(name: str) -> None:
    marks.append((name, time.process_time()))


import boto3  # noqa: E402, F401

stage("import boto3")
from tasktracker.store.client import dynamodb_client  # noqa: E402

client = dynamodb_client()
stage("boto3 DynamoDB client created")
import asyncio  # noqa: E402, F401

stage("import asyncio")
import mangum  # noqa: E402, F401

stage("import mangum")
import starlette.applications  # noqa: E402
import starlette.middleware.cors  # noqa: E402, F401

stage("import starlette")
import connexion  # noqa: E402, F401

stage("import connexion")
import aws_lambda_powertools  # noqa: E402, F401

stage("import aws_lambda_powertools (Logger, Tracer, metrics)")
import tasktracker.observability  # noqa: E402

stage("tasktracker.observability: Logger, Tracer (X-Ray SDK, patching botocore)")
import tasktracker.app  # noqa: E402

stage("import tasktracker.app (own modules, the rest)")
import tasktracker.handler  # noqa: E402

stage("import tasktracker.handler (create_app: spec load + validation, Mangum)")


class Context:
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "bench")
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


response = tasktracker.handler.handler(event, Context())
stage("first request (routes, validators, services, DynamoDB call, logs, trace)")
stages = [(marks[0][0], marks[0][1] * 1e3)] + [
    (name, (t - marks[i - 1][1]) * 1e3) for i, (name, t) in enumerate(marks) if i
]
out.write(json.dumps({"status": response["statusCode"], "stages": stages}) + "\n")
