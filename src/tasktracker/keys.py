"""`tasktracker keys create|list|revoke`: per-user API keys on a deployed stack (API Gateway, boto3).

Deployed, a caller's user id is the id of their API key (requestContext.identity.apiKeyId), so one key = one user.
A key works only once attached to the stack's usage plan (rate, burst, daily quota). The stack is found by name
(its UsagePlanId output) or the plan given directly with --usage-plan-id.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

STACK_TAG = "tasktracker:stack"
USER_TAG = "tasktracker:user"


def _session(args: argparse.Namespace) -> Any:
    import boto3

    return boto3.session.Session(profile_name=args.profile, region_name=args.region)


def usage_plan_id(args: argparse.Namespace, session: Any) -> str:
    if args.usage_plan_id:
        return args.usage_plan_id
    stacks = session.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if "UsagePlanId" not in outputs:
        raise ValueError(f"stack {args.stack} has no UsagePlanId output: is it a TaskTracker stack?")
    return outputs["UsagePlanId"]


def create(args: argparse.Namespace, session: Any) -> dict[str, Any]:
    apigw = session.client("apigateway")
    plan = usage_plan_id(args, session)
    tags = {STACK_TAG: args.stack or plan, USER_TAG: args.name}
    key = apigw.create_api_key(
        name=f"{args.stack or plan}-{args.name}",
        description=args.description or f"TaskTracker user {args.name}",
        enabled=True,
        tags=tags,
    )
    try:
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    except Exception:
        apigw.delete_api_key(apiKey=key["id"])  # a key outside the plan would be useless: leave nothing behind
        raise
    return {"id": key["id"], "name": key["name"], "value": key["value"], "usagePlanId": plan, "userId": key["id"]}


def list_keys(args: argparse.Namespace, session: Any) -> list[dict[str, Any]]:
    apigw = session.client("apigateway")
    plan = usage_plan_id(args, session)
    out = []
    for page in apigw.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan):
        for item in page.get("items", []):
            key = apigw.get_api_key(apiKey=item["id"], includeValue=False)
            out.append(
                {
                    "id": key["id"],
                    "name": key.get("name"),
                    "enabled": key.get("enabled"),
                    "createdDate": str(key.get("createdDate", "")),
                    "userId": key["id"],
                }
            )
    return sorted(out, key=lambda k: k["createdDate"])


def revoke(args: argparse.Namespace, session: Any) -> list[str]:
    apigw = session.client("apigateway")
    plan = usage_plan_id(args, session)
    attached = {k["id"] for k in list_keys(args, session)}
    if args.all:
        targets = sorted(attached)
    else:
        targets = args.key_ids
        unknown = [k for k in targets if k not in attached]
        if unknown:
            raise ValueError(f"not keys of usage plan {plan}: {', '.join(unknown)}")
    for key_id in targets:
        apigw.delete_usage_plan_key(usagePlanId=plan, keyId=key_id)
        apigw.delete_api_key(apiKey=key_id)
    return targets


def run(args: argparse.Namespace) -> int:
    if not args.stack and not args.usage_plan_id:
        print("tasktracker keys: give --stack NAME or --usage-plan-id ID", file=sys.stderr)
        return 2
    session = _session(args)
    try:
        if args.keys_command == "create":
            result: Any = create(args, session)
            if not args.json:
                print(f"created key {result['id']} for {args.name} (user id {result['userId']})", file=sys.stderr)
                print(result["value"])
                return 0
        elif args.keys_command == "list":
            result = list_keys(args, session)
            if not args.json:
                for k in result:
                    print(f"{k['id']}\t{k['name']}\t{'enabled' if k['enabled'] else 'disabled'}\t{k['createdDate']}")
                return 0
        else:
            if not args.all and not args.key_ids:
                print("tasktracker keys revoke: name the KEY_IDs to revoke, or --all --yes", file=sys.stderr)
                return 2
            if args.all and not args.yes:
                print("tasktracker keys revoke --all deletes every key of the plan: add --yes", file=sys.stderr)
                return 2
            result = {"revoked": revoke(args, session)}
            if not args.json:
                for key_id in result["revoked"]:
                    print(f"revoked {key_id}")
                return 0
    except ValueError as e:
        print(f"tasktracker keys: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # botocore errors: no credentials, no such stack, access denied
        print(f"tasktracker keys: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0


def add_parser(subparsers: Any) -> None:
    """Registers `tasktracker keys ...` on the CLI's subparsers."""
    keys = subparsers.add_parser(
        "keys",
        help="manage per-user API keys of a deployed stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_mutually_exclusive_group()
    where.add_argument("--stack", help="CloudFormation stack name (e.g. tasktracker-dev)")
    where.add_argument("--usage-plan-id", help="the stack's usage plan id, instead of --stack")
    common.add_argument("--region", help="AWS region (default: your AWS configuration)")
    common.add_argument("--profile", help="AWS profile")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    sub = keys.add_subparsers(dest="keys_command", required=True)
    p = sub.add_parser("create", parents=[common], help="a new key for one user, attached to the usage plan")
    p.add_argument("name", help="who the key is for (a label; the user id is the key's id)")
    p.add_argument("--description")
    sub.add_parser("list", parents=[common], help="the keys of the usage plan")
    p = sub.add_parser("revoke", parents=[common], help="detach and delete keys (their users lose access)")
    p.add_argument("key_ids", nargs="*", metavar="KEY_ID")
    p.add_argument("--all", action="store_true", help="every key of the plan (destroy does this)")
    p.add_argument("--yes", action="store_true", help="confirm --all")
    keys.set_defaults(func=run)
