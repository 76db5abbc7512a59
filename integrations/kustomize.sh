#!/usr/bin/env bash
# kustomize recipe: build an overlay and inject checksums.
#   integrations/kustomize.sh overlays/prod | kubectl apply -f -
# kustomize's own configMapGenerator hashes names; confsum covers everything
# else (plain ConfigMaps, Secrets from other tools, Helm charts inflated by
# kustomize). A failed build fails the recipe: nothing is printed.
# (Or run confsum inside kustomize: integrations/kustomize-krm.)
set -euo pipefail
overlay=${1:-.}
if command -v kustomize >/dev/null 2>&1; then
  rendered=$(kustomize build "$overlay")
else
  rendered=$(kubectl kustomize "$overlay")
fi
printf '%s\n' "$rendered" | "${CONFSUM:-confsum}" inject
