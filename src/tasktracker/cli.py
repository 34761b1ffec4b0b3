"""`tasktracker` command line: `serve` runs the API locally."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from contextlib import ExitStack
from pathlib import Path

from tasktracker.config import (
    DEFAULT_CATEGORIES_TABLE,
    DEFAULT_IDEMPOTENCY_TABLE,
    DEFAULT_TASKS_TABLE,
    Settings,
    parse_api_keys,
)


def _persistent_secret(path: Path) -> str:
    """A random value kept in the data dir, so cursors and the dev key survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def _use_local_endpoint(endpoint: str) -> None:
    # DynamoDB Local ignores credentials but botocore insists on some; never reach a real account.
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    os.environ["AWS_ACCESS_KEY_ID"] = "local"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "local"
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def serve(args: argparse.Namespace) -> int:
    import boto3
    import uvicorn

    from tasktracker.app import create_app
    from tasktracker.store.client import DYNAMODB_CONFIG
    from tasktracker.store.tables import ensure_tables

    # Local: no X-Ray daemon to trace to, and EMF metric blobs would drown the access log.
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    data_dir = Path(args.data_dir).resolve()
    keys = parse_api_keys(os.environ.get("TASKTRACKER_API_KEYS"))
    for entry in args.api_key or []:
        keys.update(parse_api_keys(entry))
    dev_key_file = None
    if not keys:
        dev_key_file = data_dir / "dev-api-key"
        keys = {_persistent_secret(dev_key_file): "dev"}
    tasks_table = os.environ.get("TASKS_TABLE", DEFAULT_TASKS_TABLE)
    categories_table = os.environ.get("CATEGORIES_TABLE", DEFAULT_CATEGORIES_TABLE)
    idempotency_table = os.environ.get("IDEMPOTENCY_TABLE", DEFAULT_IDEMPOTENCY_TABLE)

    with ExitStack() as stack:
        if args.store == "memory":
            from moto import mock_aws

            os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
            for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                os.environ[var] = "memory"
            os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
            stack.enter_context(mock_aws())
            where = "in memory (moto; data is lost on exit)"
        elif args.dynamodb_endpoint:
            _use_local_endpoint(args.dynamodb_endpoint)
            where = args.dynamodb_endpoint
        else:
            from tasktracker.local import DynamoDBLocal

            ddb = stack.enter_context(DynamoDBLocal(db_path=data_dir / "dynamodb"))
            _use_local_endpoint(ddb.endpoint)
            where = f"DynamoDB Local at {ddb.endpoint}, data in {data_dir / 'dynamodb'}"
        client = boto3.client("dynamodb", config=DYNAMODB_CONFIG)
        created = ensure_tables(client, tasks_table, categories_table, idempotency_table)
        settings = Settings(
            tasks_table=tasks_table,
            categories_table=categories_table,
            idempotency_table=idempotency_table,
            api_keys=keys,
            cursor_secret=os.environ.get("CURSOR_SECRET") or _persistent_secret(data_dir / "cursor-secret"),
            serve_docs=True,
            # Tests (and anyone debugging) turn on Connexion's response validation here too.
            validate_responses=Settings.from_env().validate_responses,
        )
        app = create_app(settings)
        print(f"storage: {where}" + (f" (created {', '.join(created)})" if created else ""), file=sys.stderr)
        if dev_key_file is not None:
            print(f"API key for user 'dev': {next(iter(keys))}  (kept in {dev_key_file})", file=sys.stderr)
        else:
            # Keys given to us are the caller's secrets: never echo them into logs.
            print(f"API keys: {len(keys)} user(s) from TASKTRACKER_API_KEYS / --api-key (not printed)", file=sys.stderr)
        print(
            f"TaskTracker API on http://{args.host}:{args.port}  (docs: /docs/, spec: /openapi.json, Ctrl-C stops)",
            file=sys.stderr,
        )
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tasktracker", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the API locally")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    p.add_argument("--api-key", action="append", metavar="KEY:USER", help="repeatable; also TASKTRACKER_API_KEYS")
    p.add_argument("--store", choices=["dynamodb-local", "memory"], default="dynamodb-local")
    p.add_argument("--dynamodb-endpoint", metavar="URL", help="use a DynamoDB already running there")
    p.add_argument("--data-dir", default=".local", metavar="DIR")
    p.set_defaults(func=serve)
    __import__("tasktracker.keys", fromlist=["add_parser"]).add_parser(sub)  # `tasktracker keys ...`
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as e:  # bad KEY:USER entries and the like
        print(f"tasktracker: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
