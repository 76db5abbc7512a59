//! Safe on real releases (fixtures/charts/release-safety, rendered by the
//! real helm): never stricter than Helm, never a restart for config that
//! reloads in place, opt-outs honoured, charts that change on every render
//! named, Helm test Pods left out of reports.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;
use crate::integrations::client;

fn chart() -> PathBuf {
    fixture("charts/release-safety")
}

fn render(helm: &PathBuf, set: &[&str]) -> String {
    let mut c = Command::new(helm);
    c.args(["template", "safety"]).arg(chart());
    for s in set {
        c.arg(format!("--set={s}"));
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// The item of a JSON list with this `name`.
fn named<'v>(list: &'v serde_json::Value, name: &str) -> &'v serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

/// The documents of a stream whose text mentions `needle`.
fn doc_with<'t>(stream: &'t str, needle: &str) -> &'t str {
    stream
        .split("\n---\n")
        .find(|d| d.contains(needle))
        .unwrap_or_else(|| panic!("no document with {needle}"))
}

#[test]
#[cfg_attr(
    not(has_helm310),
    ignore = "needs helm 3.10+: set CONFSUM_TEST_HELM310 (.ci/run installs it)"
)]
fn post_render_takes_what_helm_takes_and_leaves_opted_out_workloads_alone() {
    let helm = client("CONFSUM_TEST_HELM310", "helm");
    let plain = render(&helm, &[]);
    let out = Command::new(&helm)
        .args(["template", "safety"])
        .arg(chart())
        .args(["--post-renderer", env!("CARGO_BIN_EXE_confsum")])
        .args(["--post-renderer-args", "post-render"])
        .env_remove("CONFSUM_HMAC_KEY")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a duplicate label does not fail the release: {}",
        stderr(&out)
    );
    let rendered = stdout(&out);
    assert!(doc_with(&rendered, "name: app\n").contains("confsum.dev/config-checksum"));
    // The opted-out workload, byte for byte as helm rendered it.
    let legacy = |s: &str| doc_with(s, "name: legacy").trim_end().to_string();
    assert_eq!(legacy(&rendered), legacy(&plain));
    assert!(!legacy(&rendered).contains("checksum"));
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn config_reloaded_in_place_rolls_nothing() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("old.yaml"), tmp.path().join("new.yaml"));
    std::fs::write(&old, render(&helm, &[])).unwrap();
    std::fs::write(&new, render(&helm, &["scrapeInterval=60s"])).unwrap();
    let plan_json = || -> serde_json::Value {
        let out = confsum()
            .args(["plan", "--format", "json"])
            .arg(&old)
            .arg(&new)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };

    // The sidecar's volume is left out of prom's checksum, env is not.
    let graph = confsum()
        .args(["graph", "--format", "json"])
        .arg(&old)
        .output()
        .unwrap();
    let g: serde_json::Value = serde_json::from_slice(&graph.stdout).unwrap();
    let prom = named(&g["workloads"], "prom");
    let refs = prom["refs"].as_array().unwrap();
    let by_name = |n: &str| refs.iter().find(|r| r["name"] == n).unwrap();
    assert_eq!(
        by_name("prom-config")["left_out"],
        "reloaded in place by config-reloader"
    );
    assert!(by_name("app-config").get("left_out").is_none());
    assert!(prom["checksums"]["config"].is_string());

    let p = plan_json();
    let rolls = p["rolls"].as_array().unwrap();
    let rolled: Vec<&str> = rolls.iter().map(|r| r["name"].as_str().unwrap()).collect();
    // Only the chart's generated Secret rolls its consumer (every render
    // makes a new one), and the plan says so; prom reloads in place.
    assert_eq!(rolled, ["db"], "{p:#}");
    assert!(
        rolls[0]["hint"]
            .as_str()
            .unwrap()
            .contains("looks generated on each render")
    );
    let quiet = p["config_changes_without_rollout"].as_array().unwrap();
    let prom_config = quiet.iter().find(|q| q["name"] == "prom-config").unwrap();
    assert_eq!(
        prom_config["why"],
        "reloaded in place by config-reloader of Deployment/default/prom"
    );
    let human = confsum().arg("plan").arg(&old).arg(&new).output().unwrap();
    assert!(
        stdout(&human).contains("reloaded in place by config-reloader"),
        "{}",
        stdout(&human)
    );

    // `--rollout-on all` keeps the sidecar exception; a changed env key rolls.
    std::fs::write(&new, render(&helm, &["logLevel=debug"])).unwrap();
    let p = plan_json();
    let rolled: Vec<&str> = p["rolls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        rolled.contains(&"prom") && rolled.contains(&"app"),
        "{rolled:?}"
    );
    assert!(!rolled.contains(&"legacy"), "opted out: {rolled:?}");
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn lint_names_duplicates_and_charts_that_change_on_every_render() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let out = confsum()
        .args(["lint", "--format", "json", "--fail-on", "never", "--helm"])
        .arg(&helm)
        .arg(chart())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let of = |rule: &str| {
        findings
            .iter()
            .filter(|f| f["rule"] == rule)
            .collect::<Vec<_>>()
    };
    let dup = of("duplicate-key");
    assert_eq!(dup.len(), 1, "{dup:?}");
    assert!(
        dup[0]["template_file"]
            .as_str()
            .unwrap()
            .ends_with("templates/app.yaml")
    );
    assert!(
        dup[0]["related"][0]["label"]
            .as_str()
            .unwrap()
            .contains("first set here")
    );
    let nd = of("nondeterministic-config");
    assert_eq!(nd.len(), 1, "{nd:?}");
    let msg = nd[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("StatefulSet `db`") && msg.contains("`ca.crt`, `password`"),
        "{msg}"
    );
    assert!(msg.contains("template safety/templates/db.yaml"), "{msg}");
    assert!(
        of("checksum-not-injectable").is_empty(),
        "helm test Pods are not reported"
    );
    // Keys by name, never a value.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("BEGIN CERTIFICATE"));
}

const MANIFESTS: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels: {tier: legacy}\ndata: {a: b}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: skip\n  annotations: {confsum.dev/hash: \"false\"}\nstringData: {token: 9f86d081884c7d659a2feaa0c55ad015}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: w\n        envFrom:\n        - configMapRef: {name: cfg}\n        - secretRef: {name: skip}\n        volumeMounts: [{name: c, mountPath: /c}]\n      volumes:\n      - name: c\n        configMap: {name: cfg}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: reloaded\n  annotations: {reloader.stakater.com/auto: \"true\"}\nspec:\n  template:\n    spec:\n      containers:\n      - name: r\n        image: r\n        envFrom: [{configMapRef: {name: cfg}}]\n";

#[test]
fn opt_outs_and_controllers_are_honoured_everywhere() {
    let out = confsum()
        .args(["inject", "--verbose"])
        .write_stdin(MANIFESTS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let err = stderr(&out);
    // A workload Stakater Reloader rolls is left alone, with a note.
    assert_eq!(
        doc_with(&text, "name: reloaded"),
        doc_with(MANIFESTS, "name: reloaded")
    );
    assert!(
        err.contains("left Deployment/default/reloaded alone: a controller rolls it"),
        "{err}"
    );
    // The opted-out Secret enters no checksum: web gets a config checksum only.
    let web = doc_with(&text, "name: web\n");
    assert!(
        web.contains("confsum.dev/config-checksum") && !web.contains("secret-checksum"),
        "{web}"
    );
    assert!(
        err.contains("Secret `skip` left out of the checksum: opted out"),
        "{err}"
    );

    // .confsum.yaml selectors, read by inject, graph and plan alike.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".confsum.yaml"),
        "opt-out:\n  inject: [\"Deployment/*/web\"]\n  hash: [\"tier=legacy\"]\n",
    )
    .unwrap();
    let file = tmp.path().join("m.yaml");
    std::fs::write(&file, MANIFESTS).unwrap();
    let out = confsum()
        .current_dir(tmp.path())
        .arg("inject")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        MANIFESTS,
        "web opted out by the file; nothing else to write"
    );
    let graph = confsum()
        .current_dir(tmp.path())
        .args(["graph", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let g: serde_json::Value = serde_json::from_slice(&graph.stdout).unwrap();
    let web = named(&g["workloads"], "web");
    assert!(
        web["left_alone"]
            .as_str()
            .unwrap()
            .contains("opt-out.inject `Deployment/*/web`")
    );
    let cfg = named(&web["refs"], "cfg");
    assert!(
        cfg["left_out"]
            .as_str()
            .unwrap()
            .contains("opt-out.hash `tier=legacy`")
    );

    // `--rollout-on frozen`: the whole-volume mount refreshes in place.
    let frozen = confsum()
        .args(["graph", "--format", "json", "--rollout-on", "frozen"])
        .write_stdin(MANIFESTS.replace("        - configMapRef: {name: cfg}\n", ""))
        .output()
        .unwrap();
    let g: serde_json::Value = serde_json::from_slice(&frozen.stdout).unwrap();
    let web = named(&g["workloads"], "web");
    let cfg = named(&web["refs"], "cfg");
    assert!(
        cfg["left_out"]
            .as_str()
            .unwrap()
            .contains("--rollout-on frozen"),
        "{cfg}"
    );
    assert!(web["checksums"].get("config").is_none());
}

/// A pod template whose annotations hold confsum's key twice: the edit goes
/// to the last one, which is the one Kubernetes keeps.
#[test]
fn inject_writes_the_duplicate_key_that_counts() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata:\n      annotations:\n        confsum.dev/config-checksum: \"first\"\n        other: x\n        confsum.dev/config-checksum: \"second\"\n    spec:\n      containers:\n      - name: web\n        image: w\n        envFrom: [{configMapRef: {name: cfg}}]\n";
    let out = confsum().arg("inject").write_stdin(text).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let injected = stdout(&out);
    assert!(
        injected.contains("confsum.dev/config-checksum: \"first\""),
        "the shadowed one is untouched"
    );
    assert!(!injected.contains("\"second\""));
    // Read back as Kubernetes does (last wins): the current checksum.
    let graph = confsum()
        .args(["graph", "--format", "json"])
        .write_stdin(text)
        .output()
        .unwrap();
    let g: serde_json::Value = serde_json::from_slice(&graph.stdout).unwrap();
    let sum = g["workloads"][0]["checksums"]["config"].as_str().unwrap();
    let again = confsum()
        .args(["inject", "--check"])
        .write_stdin(injected.clone())
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "a second run finds it current"
    );
    assert!(injected.contains(&format!("confsum.dev/config-checksum: \"{sum}\"")));
}
