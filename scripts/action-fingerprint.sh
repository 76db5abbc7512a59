#!/usr/bin/env bash
# The GitHub Action's cache key: a hash of the action's own source (the
# files `cargo install` builds from), as the `fingerprint` step output.
set -euo pipefail
cd "${GITHUB_ACTION_PATH:?set by the runner}"
fingerprint=$(find Cargo.toml Cargo.lock build.rs src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)
echo "fingerprint=$fingerprint" >>"${GITHUB_OUTPUT:?set by the runner}"
