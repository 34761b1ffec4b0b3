#!/usr/bin/env bash
# Delete the TaskTracker stack of one stage: revoke its per-user API keys, then delete the stack.
#   scripts/destroy.sh dev|prod [--region REGION] [--yes] [--dry-run]
# prod keeps its DynamoDB tables (DeletionPolicy Retain, deletion protection on): delete them yourself if meant.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; }
stage="" region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}" yes=0 dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --region) region="${2:?--region needs a value}"; shift 2 ;;
    --yes) yes=1; shift ;;
    --dry-run) dry=1; shift ;;
    dev|prod) stage="$1"; shift ;;
    *) echo "destroy.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$stage" ] || { echo "destroy.sh: give the stage: dev or prod" >&2; usage >&2; exit 2; }
stack="tasktracker-$stage"
region_args=()
[ -n "$region" ] && region_args=(--region "$region")

run() { if [ "$dry" = 1 ]; then printf 'would run:'; printf ' %q' "$@"; echo; else "$@"; fi; }

if [ "$yes" = 0 ] && [ "$dry" = 0 ]; then
  [ -t 0 ] || { echo "destroy.sh: not a terminal: add --yes to delete $stack" >&2; exit 2; }
  read -r -p "Delete stack $stack and all its API keys? Type the stack name: " answer
  [ "$answer" = "$stack" ] || { echo "destroy.sh: not confirmed" >&2; exit 1; }
fi
# Keys made by `tasktracker keys create` are not stack resources: revoke them so none is left orphaned.
run .venv/bin/tasktracker keys revoke --all --yes --stack "$stack" "${region_args[@]}"
run .local/sam/bin/sam delete --stack-name "$stack" --no-prompts "${region_args[@]}"
if [ "$stage" = prod ]; then
  echo "prod tables were retained (DeletionPolicy Retain). To drop them: disable deletion protection, then delete-table."
fi
