#!/usr/bin/env bash
# The GitHub Action's plan step (action.yml, `plan: true`). On a
# pull_request event: renders the paths (charts through helm) at the pull
# request's base commit and at its head, runs `confsum plan` on the two,
# appends the markdown plan (what rolls and why, with a mermaid diagram) to
# $GITHUB_STEP_SUMMARY, writes the JSON plan, and sets the outputs `rolls`
# (how many workloads roll) and `plan-json` (its path). With
# `fail-on-roll: true` the step fails when anything would roll.
# The base commit must be in the clone: `actions/checkout` with
# `fetch-depth: 0`.
set -uo pipefail

bin=${CONFSUM:-confsum}
plan_json=${INPUT_PLAN_JSON:-confsum-plan.json}

case "${GITHUB_EVENT_NAME:-}" in
  pull_request | pull_request_target) ;;
  *)
    echo "confsum plan: runs on pull_request events (this is ${GITHUB_EVENT_NAME:-not one}); nothing to plan"
    exit 0
    ;;
esac

# The base: the event's pull_request.base.sha, else the merge commit's
# first parent (what actions/checkout checks out for a pull request).
base=""
if [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
  base=$(python3 - "$GITHUB_EVENT_PATH" <<'PY' 2>/dev/null
import json, sys
print(json.load(open(sys.argv[1]))["pull_request"]["base"]["sha"])
PY
  ) || base=""
fi
[ -z "$base" ] && base=$(git rev-parse --verify -q 'HEAD^1' || true)
if [ -z "$base" ] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  echo "::error title=confsum plan::the pull request's base commit ${base:-(unknown)} is not in the clone; check out with fetch-depth: 0"
  exit 2
fi

# shellcheck source=action-paths.sh
source "$(dirname "$0")/action-paths.sh"
args=()
[ -n "${INPUT_NAMESPACE:-}" ] && args+=(--namespace "$INPUT_NAMESPACE")

"$bin" plan --git "$base" --format json "${args[@]}" "${paths[@]}" >"$plan_json" || exit 2
rolls=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rolls"]))' "$plan_json") || exit 2
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "rolls=$rolls"
    echo "plan-json=$plan_json"
  } >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$bin" plan --git "$base" --format markdown "${args[@]}" "${paths[@]}" >>"$GITHUB_STEP_SUMMARY" || exit 2
fi
echo "confsum plan: $rolls workload(s) will roll (base $base)"
if [ "${INPUT_FAIL_ON_ROLL:-false}" = "true" ] && [ "$rolls" -gt 0 ]; then
  echo "::error title=confsum plan::$rolls workload(s) will roll; fail-on-roll is set"
  exit 1
fi
exit 0
