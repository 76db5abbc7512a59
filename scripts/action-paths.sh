#!/usr/bin/env bash
# Sourced by the Action's steps: INPUT_PATHS as a user writes them (words on
# one or several lines), with globs expanded as a shell would (`**` crosses
# folders), into the array `paths`. A glob that matches nothing stays as
# written, so that confsum names it in its error.
read -r -a words <<<"$(printf '%s' "${INPUT_PATHS:-.}" | tr '\n' ' ')"
shopt -s globstar nullglob
paths=()
for word in "${words[@]}"; do
  matches=()
  if [[ $word == *[*?[]* ]]; then
    # shellcheck disable=SC2206 # the expansion is the point
    matches=($word)
  fi
  if [ ${#matches[@]} -gt 0 ]; then
    paths+=("${matches[@]}")
  else
    paths+=("$word")
  fi
done
shopt -u nullglob
