"""An independent implementation of confsum's checksum spec v1, written from
shared/DESIGN.md with PyYAML, to cross-check the Rust implementation.

Usage: spec_v1.py NAMESPACE [HMAC_KEY] < manifests.yaml
Prints JSON: [{"kind", "namespace", "name", "config", "secret"}] sorted.
"""
import base64
import binascii
import hashlib
import hmac
import json
import sys

import yaml

try:
    Loader = yaml.CBaseLoader
except AttributeError:  # pragma: no cover
    Loader = yaml.BaseLoader

WORKLOADS = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "Rollout": ("spec", "template"),
    "DeploymentConfig": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
TRUE = {"true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"}


def dig(obj, *path):
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return obj


def b64decode(value):
    value = value.replace("\r", "").replace("\n", "")
    return base64.b64decode(value, validate=True)


def effective(obj):
    out = {}
    if obj["kind"] == "ConfigMap":
        for k, v in (obj.get("data") or {}).items():
            out[k] = (v or "").encode()
        for k, v in (obj.get("binaryData") or {}).items():
            out[k] = b64decode(v or "")
    else:
        for k, v in (obj.get("data") or {}).items():
            out[k] = b64decode(v or "")
        for k, v in (obj.get("stringData") or {}).items():
            out[k] = (v or "").encode()
    return out


def uses(spec):
    """(kind, name, keys or None for all) for every reference but pull secrets."""
    for lst in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(lst) or []:
            for e in c.get("env") or []:
                vf = e.get("valueFrom") or {}
                if "configMapKeyRef" in vf:
                    r = vf["configMapKeyRef"]
                    yield "ConfigMap", r.get("name", ""), {r.get("key", "")}
                if "secretKeyRef" in vf:
                    r = vf["secretKeyRef"]
                    yield "Secret", r.get("name", ""), {r.get("key", "")}
            for e in c.get("envFrom") or []:
                if "configMapRef" in e:
                    yield "ConfigMap", e["configMapRef"].get("name", ""), None
                if "secretRef" in e:
                    yield "Secret", e["secretRef"].get("name", ""), None

    def items(src):
        if src.get("items"):
            return {i.get("key", "") for i in src["items"]}
        return None

    # Reload in place: a volume mounted whole (no subPath) by a config
    # reloader sidecar is left out (README "Reload in place").
    def is_reloader(c):
        image = (c.get("image") or "").split("@")[0].rsplit("/", 1)[-1]
        name, _, tag = image.partition(":")
        if name in ("configmap-reload", "prometheus-config-reloader", "k8s-sidecar",
                    "config-reloader", "vmconfig-reloader", "grafana-reloader"):
            return True
        if name == "operator" and tag.startswith("config-reloader"):
            return True
        args = [str(a) for a in (c.get("args") or []) + (c.get("command") or [])]
        return name == "thanos" and "sidecar" in args and any(a.startswith("--reloader.") for a in args)

    containers = [c for lst in ("containers", "initContainers", "ephemeralContainers")
                  for c in spec.get(lst) or []]
    reloaded = {m.get("name") for c in containers if is_reloader(c)
                for m in c.get("volumeMounts") or [] if not (m.get("subPath") or m.get("subPathExpr"))}
    sub_path = {m.get("name") for c in containers
                for m in c.get("volumeMounts") or [] if m.get("subPath") or m.get("subPathExpr")}

    for v in spec.get("volumes") or []:
        if v.get("name") in reloaded and v.get("name") not in sub_path:
            continue
        if "configMap" in v:
            yield "ConfigMap", v["configMap"].get("name", ""), items(v["configMap"])
        if "secret" in v:
            yield "Secret", v["secret"].get("secretName", ""), items(v["secret"])
        for s in dig(v, "projected", "sources") or []:
            if "configMap" in s:
                yield "ConfigMap", s["configMap"].get("name", ""), items(s["configMap"])
            if "secret" in s:
                yield "Secret", s["secret"].get("name", ""), items(s["secret"])


def main():
    namespace = sys.argv[1]
    key = sys.argv[2].encode() if len(sys.argv) > 2 else None
    docs = [d for d in yaml.load_all(sys.stdin.read(), Loader=Loader) if isinstance(d, dict)]
    objs = []
    for d in docs:
        if d.get("kind") == "List" and d.get("apiVersion") == "v1":
            objs.extend(i for i in d.get("items") or [] if isinstance(i, dict))
        else:
            objs.append(d)
    configs = {}
    for o in objs:
        if o.get("apiVersion") == "v1" and o.get("kind") in ("ConfigMap", "Secret"):
            ns = dig(o, "metadata", "namespace") or namespace
            configs.setdefault((o["kind"], ns, dig(o, "metadata", "name") or ""), o)
    result = []
    for o in objs:
        kind = o.get("kind")
        if kind not in WORKLOADS or not o.get("apiVersion"):
            continue
        ns = dig(o, "metadata", "namespace") or namespace
        template = dig(o, *WORKLOADS[kind]) if WORKLOADS[kind] else o
        spec = dig(template, "spec") or {}
        consumed = {}
        for k, name, keys in uses(spec):
            cur = consumed.get((k, name), set())
            consumed[(k, name)] = None if cur is None or keys is None else cur | keys
        row = {"kind": kind, "namespace": ns, "name": dig(o, "metadata", "name") or ""}
        for k, field in (("ConfigMap", "config"), ("Secret", "secret")):
            entries = []
            for (kk, name), keys in consumed.items():
                target = configs.get((kk, ns, name))
                if kk != k or target is None:
                    continue
                data = effective(target)
                data = {x: y for x, y in data.items() if keys is None or x in keys}
                entries.append({"name": name, "data": {x: base64.b64encode(y).decode() for x, y in data.items()}})
            if entries:
                entries.sort(key=lambda e: e["name"])
                payload = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
                if key is None:
                    row[field] = hashlib.sha256(payload).hexdigest()
                else:
                    row[field] = hmac.new(key, payload, hashlib.sha256).hexdigest()
        result.append(row)
    result.sort(key=lambda r: (r["kind"], r["namespace"], r["name"]))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
