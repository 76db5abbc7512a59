#!/usr/bin/env bash
# The GitHub Action's lint step (action.yml). Reads INPUT_* variables, prints
# findings as workflow commands (pull-request annotations), writes SARIF on
# every run, appends a markdown summary to $GITHUB_STEP_SUMMARY, sets the
# `sarif-file` output, and fails on findings at or above INPUT_FAIL_ON.
# Exit codes: 0 clean, 1 findings, 2 confsum could not read the input.
set -uo pipefail

bin=${CONFSUM:-confsum}
sarif=${INPUT_SARIF_FILE:-confsum.sarif}
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif-file=$sarif" >>"$GITHUB_OUTPUT"
fi

# shellcheck source=action-paths.sh
source "$(dirname "$0")/action-paths.sh"

args=()
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_NAMESPACE:-}" ] && args+=(--namespace "$INPUT_NAMESPACE")
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<<"$INPUT_ARGS"
  args+=("${extra[@]}")
fi

# A SARIF file the upload step can take even when confsum could not run:
# no results, and the run marked as failed.
failed_sarif() {
  cat >"$sarif" <<'JSON'
{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {"driver": {"name": "confsum", "informationUri": "https://github.com/confsum/confsum"}},
      "invocations": [
        {
          "executionSuccessful": false,
          "toolExecutionNotifications": [
            {"level": "error", "message": {"text": "confsum could not read the input; the step log says what and where"}}
          ]
        }
      ],
      "results": []
    }
  ]
}
JSON
}

if ! "$bin" lint --format sarif --fail-on never --output "$sarif" "${args[@]}" "${paths[@]}" >/dev/null; then
  failed_sarif
  exit 2
fi
"$bin" lint --format github --fail-on "${INPUT_FAIL_ON:-error}" "${args[@]}" "${paths[@]}"
status=$?
[ "$status" -ge 2 ] && exit "$status"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$bin" lint --format markdown --fail-on never "${args[@]}" "${paths[@]}" >>"$GITHUB_STEP_SUMMARY" || exit 2
fi
exit "$status"
