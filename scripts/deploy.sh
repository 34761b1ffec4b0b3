#!/usr/bin/env bash
# Build and deploy the TaskTracker stack of one stage, then print the endpoint and how to get a key.
#   scripts/deploy.sh dev|prod [--arch arm64|x86_64] [--alarm-email ADDRESS] [--region REGION] [--dry-run]
# Uses your AWS credentials (environment, profile or SSO). --dry-run prints the steps and touches nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; }
stage="" arch="${ARCH:-arm64}" email="${ALARM_EMAIL:-}" region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}" dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --arch) arch="${2:?--arch needs a value}"; shift 2 ;;
    --alarm-email) email="${2:?--alarm-email needs a value}"; shift 2 ;;
    --region) region="${2:?--region needs a value}"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    dev|prod) stage="$1"; shift ;;
    *) echo "deploy.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$stage" ] || { echo "deploy.sh: give the stage: dev or prod" >&2; usage >&2; exit 2; }
case "$arch" in arm64|x86_64) ;; *) echo "deploy.sh: --arch is arm64 or x86_64, not $arch" >&2; exit 2 ;; esac

stack="tasktracker-$stage"
overrides=$(.venv/bin/python -c 'import sys, tomllib; print(tomllib.load(open("samconfig.toml", "rb"))[sys.argv[1]]["deploy"]["parameters"]["parameter_overrides"])' "$stage")
overrides="$overrides Architecture=$arch"
[ -n "$email" ] && overrides="$overrides AlarmEmail=$email"
region_args=()
[ -n "$region" ] && region_args=(--region "$region")

run() { if [ "$dry" = 1 ]; then printf 'would run:'; printf ' %q' "$@"; echo; else "$@"; fi; }

if [ "$dry" = 0 ]; then
  .venv/bin/python -c 'import boto3; i = boto3.client("sts").get_caller_identity(); print(f"deploying to account {i[\"Account\"]} as {i[\"Arn\"]}")' \
    || { echo "deploy.sh: no usable AWS credentials (aws configure / aws sso login / AWS_PROFILE)" >&2; exit 1; }
fi
run make --no-print-directory build ARCH="$arch"
run .local/sam/bin/sam deploy --config-env "$stage" --template-file .aws-sam/build/template.yaml \
  --parameter-overrides "$overrides" "${region_args[@]}"
[ "$dry" = 1 ] && exit 0

outputs=$(.local/sam/bin/sam list stack-outputs --stack-name "$stack" "${region_args[@]}" --output json)
value() { .venv/bin/python -c 'import json, sys; print(next(o["OutputValue"] for o in json.load(sys.stdin) if o["OutputKey"] == sys.argv[1]))' "$1" <<<"$outputs"; }
cat <<MSG

TaskTracker $stage is up.
  endpoint:    $(value ApiUrl)
  dashboard:   $(value DashboardUrl)
  first key:   aws apigateway get-api-key --include-value --api-key $(value InitialApiKeyId) --query value --output text ${region:+--region $region}
  user keys:   .venv/bin/tasktracker keys create NAME --stack $stack ${region:+--region $region}
  smoke test:  scripts/smoke.sh $(value ApiUrl) KEY
MSG
