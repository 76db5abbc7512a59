"""Check confsum inject's output against its input with PyYAML, independently
of confsum's own parser.

Usage: inject_check.py INPUT OUTPUT GRAPH_JSON [CONFIG_KEY SECRET_KEY]
Exits non-zero with a message when:
- the output, with the checksum annotations taken out, differs from the input
  (parsed, with the same annotations taken out);
- a written annotation value differs from `confsum graph --format json`;
- an injectable workload with checksums lacks its annotations.
"""
import json
import sys

import yaml

Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
PATHS = {"CronJob": ("spec", "jobTemplate", "spec", "template"), "Pod": ()}


def template_of(doc):
    path = PATHS.get(doc.get("kind"), ("spec", "template"))
    t = doc
    for p in path:
        t = t.get(p) if isinstance(t, dict) else None
    return t


def strip(docs, keys, injectable):
    """Remove our annotations from injectable templates; return what was there."""
    found = {}
    flat = []
    for d in docs:
        if isinstance(d, dict) and d.get("kind") == "List":
            flat.extend(d.get("items") or [])
        else:
            flat.append(d)
    for d in flat:
        if not isinstance(d, dict):
            continue
        meta = d.get("metadata") or {}
        ident = (d.get("kind"), meta.get("namespace"), meta.get("name"))
        if ident[:1] + ident[2:] not in injectable:
            continue
        t = template_of(d)
        if not isinstance(t, dict):
            continue
        m = t.get("metadata")
        if "metadata" in t and m in (None, "", "~", "null"):
            t.pop("metadata")
            continue
        if not isinstance(m, dict):
            continue
        a = m.get("annotations")
        if isinstance(a, dict):
            for k in keys:
                if k in a:
                    found.setdefault(ident[:1] + ident[2:], {})[k] = a.pop(k)
            if not a:
                m.pop("annotations")
        elif "annotations" in m and a in (None, "", "~", "null"):
            m.pop("annotations")
        if not m:
            t.pop("metadata")
    return found


def main():
    inp, out, graph = sys.argv[1:4]
    keys = sys.argv[4:6] or ["confsum.dev/config-checksum", "confsum.dev/secret-checksum"]
    g = json.load(open(graph))
    injectable = {(w["kind"], w["name"]) for w in g["workloads"] if w["injectable"]}
    a = list(yaml.load_all(open(inp, encoding="utf-8-sig").read(), Loader=Loader))
    b = list(yaml.load_all(open(out, encoding="utf-8-sig").read(), Loader=Loader))
    strip(a, keys, injectable)
    written = strip(b, keys, injectable)
    if a != b:
        for x, y in zip(a, b):
            if x != y:
                sys.exit(f"documents differ beyond the annotations:\n{x}\n---\n{y}")
        sys.exit("document count differs")
    for w in g["workloads"]:
        if not w["injectable"]:
            if (w["kind"], w["name"]) in written:
                sys.exit(f"wrote into a workload that is not injectable: {w['name']}")
            continue
        want = {}
        if "config" in w["checksums"]:
            want[keys[0]] = w["checksums"]["config"]
        if "secret" in w["checksums"]:
            want[keys[1]] = w["checksums"]["secret"]
        got = written.get((w["kind"], w["name"]), {})
        if got != want:
            sys.exit(f"{w['kind']}/{w['name']}: wrote {got}, graph says {want}")
    print("ok", sum(len(v) for v in written.values()))


if __name__ == "__main__":
    main()
