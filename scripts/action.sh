#!/usr/bin/env bash
# The GitHub Action's lint step (action.yml). Reads INPUT_* variables, prints
# findings as workflow commands (pull-request annotations), writes SARIF,
# appends a markdown summary to $GITHUB_STEP_SUMMARY, sets the `sarif-file`
# output, and fails on findings at or above INPUT_FAIL_ON.
set -uo pipefail

bin=${CONFSUM:-confsum}
read -r -a paths <<<"$(echo "${INPUT_PATHS:-.}" | tr '\n' ' ')"
args=()
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_NAMESPACE:-}" ] && args+=(--namespace "$INPUT_NAMESPACE")
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<<"$INPUT_ARGS"
  args+=("${extra[@]}")
fi
sarif=${INPUT_SARIF_FILE:-confsum.sarif}

"$bin" lint --format github --fail-on "${INPUT_FAIL_ON:-error}" "${args[@]}" "${paths[@]}"
status=$?
[ "$status" -ge 2 ] && exit "$status"
"$bin" lint --format sarif --fail-on never --output "$sarif" "${args[@]}" "${paths[@]}" >/dev/null || exit 2
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$bin" lint --format markdown --fail-on never "${args[@]}" "${paths[@]}" >>"$GITHUB_STEP_SUMMARY" || exit 2
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif-file=$sarif" >>"$GITHUB_OUTPUT"
fi
exit "$status"
