#!/bin/sh
# kustomize recipe: build an overlay and inject checksums.
#   integrations/kustomize.sh overlays/prod | kubectl apply -f -
# kustomize's own configMapGenerator hashes names; confsum covers everything
# else (plain ConfigMaps, Secrets from other tools, Helm charts inflated by kustomize).
set -eu
overlay=${1:-.}
if command -v kustomize >/dev/null 2>&1; then
  kustomize build "$overlay" | "${CONFSUM:-confsum}" inject
else
  kubectl kustomize "$overlay" | "${CONFSUM:-confsum}" inject
fi
