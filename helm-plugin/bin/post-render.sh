#!/bin/sh
# Run by Helm 4 with the rendered manifests on stdin. Uses $CONFSUM, else a
# confsum next to the plugin (bin/confsum), else confsum on PATH. Extra
# arguments come from --post-renderer-args.
here=$(dirname "$0")
if [ -n "${CONFSUM:-}" ]; then
  bin=$CONFSUM
elif [ -x "$here/confsum" ]; then
  bin=$here/confsum
else
  bin=confsum
fi
exec "$bin" post-render "$@"
