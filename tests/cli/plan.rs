//! `confsum plan OLD NEW` on corpus files with edits.

use std::path::{Path, PathBuf};

use crate::common::*;

fn corpus(name: &str) -> PathBuf {
    root().join("../shared/corpus/rendered").join(name)
}

/// Write `text` with each (from, to) replaced exactly once.
fn edited(dir: &Path, name: &str, text: &str, edits: &[(&str, &str)]) -> PathBuf {
    let mut t = text.to_string();
    for (from, to) in edits {
        assert_eq!(
            t.matches(from).count(),
            1,
            "edit target must be unique: {from}"
        );
        t = t.replacen(from, to, 1);
    }
    let p = dir.join(name);
    std::fs::write(&p, t).unwrap();
    p
}

/// A copy of `old` with the edits, in a temp folder that lives as long as the guard.
fn edit_copy(old: &Path, edits: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(old).unwrap();
    let new = edited(tmp.path(), "new.yaml", &text, edits);
    (tmp, new)
}

fn plan(old: &Path, new: &Path, extra: &[&str]) -> (serde_json::Value, Option<i32>) {
    let out = confsum()
        .args(["plan", "--format", "json"])
        .args(extra)
        .arg(old)
        .arg(new)
        .output()
        .unwrap();
    assert!(out.status.code() != Some(2), "{}", stderr(&out));
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        out.status.code(),
    )
}

fn rolled(v: &serde_json::Value) -> Vec<String> {
    v["rolls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn a_consumed_key_rolls_exactly_its_consumers() {
    let old = corpus("argo-cd.yaml");
    let (_tmp, new) = edit_copy(
        &old,
        &[("  server.log.level: info\n", "  server.log.level: debug\n")],
    );
    let (v, code) = plan(&old, &new, &["--exit-code"]);
    assert_eq!(rolled(&v), ["argocd-server"]);
    assert_eq!(
        v["rolls"][0]["config"],
        serde_json::json!([{"kind": "ConfigMap", "name": "argocd-cmd-params-cm", "keys": ["server.log.level"]}])
    );
    assert_eq!(v["rolls"][0]["template"], serde_json::json!([]));
    assert_eq!(code, Some(1), "--exit-code: something rolls");
    let (_, code) = plan(&old, &new, &[]);
    assert_eq!(code, Some(0));
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn an_unconsumed_key_rolls_nothing_and_is_listed() {
    let old = corpus("argo-cd.yaml");
    let (_tmp, new) = edit_copy(
        &old,
        &[(
            "  commitserver.log.level: info\n",
            "  commitserver.log.level: debug\n",
        )],
    );
    let (v, code) = plan(&old, &new, &["--exit-code"]);
    assert!(rolled(&v).is_empty(), "{v}");
    assert_eq!(code, Some(0));
    let quiet = &v["config_changes_without_rollout"][0];
    assert_eq!(quiet["name"], "argocd-cmd-params-cm");
    assert_eq!(
        quiet["changed_keys"],
        serde_json::json!(["commitserver.log.level"])
    );
    assert_eq!(quiet["why"], "only keys that no workload consumes changed");
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn moving_a_secret_value_to_string_data_rolls_nothing() {
    let old = corpus("grafana.yaml");
    let (_tmp, new) = edit_copy(
        &old,
        &[(
            "data:\n  token: \"Y29ycHVzLXJlbmRlcmVyLXRva2Vu\"\n",
            "stringData:\n  token: corpus-renderer-token\n",
        )],
    );
    let (v, _) = plan(&old, &new, &[]);
    assert!(rolled(&v).is_empty(), "{v}");
    assert!(
        v["config_changes_without_rollout"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // ... while a real change of that value rolls its consumer.
    let (_tmp2, changed) = edit_copy(
        &old,
        &[(
            "data:\n  token: \"Y29ycHVzLXJlbmRlcmVyLXRva2Vu\"\n",
            "stringData:\n  token: another-token\n",
        )],
    );
    let (v, _) = plan(&old, &changed, &[]);
    // Both consumers of the token roll: the renderer and Grafana itself.
    let mut rolls = rolled(&v);
    rolls.sort();
    assert_eq!(rolls, ["grafana", "grafana-image-renderer"]);
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn an_image_change_rolls_for_another_reason() {
    let old = corpus("descheduler.yaml");
    let (_tmp, new) = edit_copy(&old, &[("descheduler:v0.36.0\"", "descheduler:v0.36.1\"")]);
    let (v, _) = plan(&old, &new, &[]);
    assert_eq!(rolled(&v), ["descheduler"]);
    let template = v["rolls"][0]["template"].as_array().unwrap();
    assert_eq!(template.len(), 1);
    assert!(
        template[0].as_str().unwrap().ends_with(".image"),
        "{template:?}"
    );
    assert_eq!(v["rolls"][0]["config"], serde_json::json!([]));
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn injected_checksums_alone_are_not_a_template_change() {
    let tmp = tempfile::tempdir().unwrap();
    let old = corpus("descheduler.yaml");
    let injected = confsum().arg("inject").arg(&old).output().unwrap();
    let new = tmp.path().join("new.yaml");
    std::fs::write(&new, &injected.stdout).unwrap();
    let (v, _) = plan(&old, &new, &[]);
    assert!(rolled(&v).is_empty(), "{v}");
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn added_and_removed_objects_and_workloads() {
    let tmp = tempfile::tempdir().unwrap();
    let old = corpus("tempo.yaml");
    let text = std::fs::read_to_string(&old).unwrap();
    let extra = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: brand-new\n  namespace: tracing\ndata: {a: b}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: newcomer\n  namespace: tracing\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: a}]\n";
    let new = tmp.path().join("new.yaml");
    std::fs::write(&new, format!("{text}{extra}")).unwrap();
    let (v, _) = plan(&old, &new, &[]);
    assert_eq!(
        v["added"]["objects"],
        serde_json::json!([{"kind": "ConfigMap", "namespace": "tracing", "name": "brand-new"}])
    );
    assert_eq!(
        v["added"]["workloads"],
        serde_json::json!([{"kind": "Deployment", "namespace": "tracing", "name": "newcomer"}])
    );
    let (v, _) = plan(&new, &old, &[]);
    assert_eq!(v["removed"]["workloads"][0]["name"], "newcomer");
    assert_eq!(v["removed"]["objects"][0]["name"], "brand-new");
}

#[test]
fn bare_pods_and_plain_jobs_are_listed_as_not_rolled() {
    let old = fixture("inject/jobs.yaml");
    let (_tmp, new) = edit_copy(&old, &[("    echo hi\n", "    echo bye\n")]);
    let (v, _) = plan(&old, &new, &[]);
    let mut rolls = rolled(&v);
    rolls.sort();
    assert_eq!(rolls, ["migrate", "nightly"]);
    let stranded: Vec<&str> = v["not_rolled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(stranded, ["plain-job", "bare-pod"]);
}

#[test]
fn stdin_on_one_side_and_formats_without_secret_values() {
    let old = fixture("leak/markers.yaml");
    let (_tmp, new) = edit_copy(
        &old,
        &[
            ("MARKER-STRINGDATA-41aa", "MARKER-STRINGDATA-99ff"),
            ("MARKER-CMPASS-5e0c", "MARKER-CMPASS-6f1d"),
        ],
    );
    for format in ["human", "json", "markdown"] {
        let out = confsum()
            .args(["plan", "--format", format])
            .arg(&old)
            .arg("-")
            .write_stdin(std::fs::read(&new).unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let all = stdout(&out) + &stderr(&out);
        assert!(all.contains("api"), "the consumer rolls: {all}");
        for m in [
            "MARKER-STRINGDATA",
            "MARKER-CMPASS",
            "MARKER-DATA",
            "TUFSS0VS",
        ] {
            assert!(!all.contains(m), "{format} shows {m}:\n{all}");
        }
    }
    let both = confsum().args(["plan", "-", "-"]).output().unwrap();
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn readme_example_is_real_output() {
    let old = fixture("example/app.yaml");
    let (_tmp, new) = edit_copy(
        &old,
        &[
            ("LOG_LEVEL: info", "LOG_LEVEL: debug"),
            ("api:1.4.2", "api:1.4.3"),
            ("username: ZGVtbw==", "username: ZGVtbzI="),
        ],
    );
    let out = confsum().arg("plan").arg(&old).arg(&new).output().unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&stdout(&out)),
        "README's plan example is stale:\n{}",
        stdout(&out)
    );
}

/// The markdown plan draws what rolls as a mermaid flowchart: changed
/// objects (keys, never values) point at the workloads they roll, a
/// pod-template change at its workload, and a change that rolls nothing
/// stands apart; Secrets are styled apart from ConfigMaps.
#[test]
fn markdown_plan_draws_a_mermaid_flowchart() {
    // The example release, and a Secret that nothing consumes.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("example/app.yaml")).unwrap()
        + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: spare, namespace: demo}\nstringData: {token: one}\n";
    let old = edited(tmp.path(), "old.yaml", &text, &[]);
    let new = edited(
        tmp.path(),
        "new.yaml",
        &text,
        &[
            ("LOG_LEVEL: info", "LOG_LEVEL: debug"),
            ("password: czNjcjN0", "password: bmV3LXBhc3M="),
            ("api:1.4.2", "api:1.4.3"),
            ("token: one", "token: two"),
        ],
    );
    let block = plan_mermaid(&old, &new);
    let block = block.as_str();
    let lines: Vec<&str> = block.lines().collect();
    assert_eq!(lines[0], "flowchart LR");
    let id_of = |label: &str| {
        lines
            .iter()
            .find(|l| l.contains(label))
            .and_then(|l| l.trim().split('[').next())
            .unwrap_or_else(|| panic!("no node `{label}`:\n{block}"))
            .to_string()
    };
    let workload = id_of("Deployment demo/demo-api");
    let config = id_of("ConfigMap demo/demo-config<br/>LOG_LEVEL");
    let secret = id_of("Secret demo/demo-db<br/>password");
    let template = id_of("pod template:");
    for from in [&config, &secret, &template] {
        assert!(
            lines.contains(&format!("  {from} -->|rolls| {workload}").as_str()),
            "{from} rolls {workload}:\n{block}"
        );
    }
    assert!(block.contains(&format!("{secret}[")) && block.contains(":::secret"));
    // `spare` is consumed by nothing: a change that rolls nothing.
    let quiet = block.split("subgraph quiet").nth(1).expect("a quiet group");
    assert!(quiet.contains("Secret demo/spare<br/>token"), "{block}");
    assert!(!block.contains("czNjcjN0") && !block.contains("bmV3LXBhc3M="));
}

/// `plan --git REV [PATHS]`: what the work tree will restart against a
/// revision, for plain manifests and for a chart (rendered on both sides).
#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn plan_git_compares_a_revision_with_the_work_tree() {
    use crate::integrations::{client, git};
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("k8s")).unwrap();
    std::fs::copy(fixture("example/app.yaml"), repo.join("k8s/app.yaml")).unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(fixture("charts/demo"))
        .arg(repo.join("chart"))
        .status()
        .unwrap();
    assert!(status.success());
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "base"]);
    let base_head = stdout(
        &std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(repo)
            .output()
            .unwrap(),
    );
    let plan_git = |args: &[&str]| {
        let out = confsum()
            .current_dir(repo)
            .env("CONFSUM_HELM", client("CONFSUM_TEST_HELM", "helm"))
            .args(["plan", "--format", "json", "--git"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    // Nothing changed yet.
    assert!(rolled(&plan_git(&["HEAD"])).is_empty());
    // A manifest edited in the work tree (not committed).
    let app = std::fs::read_to_string(repo.join("k8s/app.yaml")).unwrap();
    std::fs::write(
        repo.join("k8s/app.yaml"),
        app.replace("LOG_LEVEL: info", "LOG_LEVEL: debug"),
    )
    .unwrap();
    assert_eq!(rolled(&plan_git(&["HEAD", "k8s"])), ["demo-api"]);
    // A chart's values, committed on a branch: rendered at both revisions.
    let values = std::fs::read_to_string(repo.join("chart/values.yaml")).unwrap();
    std::fs::write(
        repo.join("chart/values.yaml"),
        values.replace("info", "warn"),
    )
    .unwrap();
    assert_ne!(
        values,
        std::fs::read_to_string(repo.join("chart/values.yaml")).unwrap(),
        "the chart's values name a log level"
    );
    git(repo, &["commit", "-qam", "change"]);
    let v = plan_git(&[base_head.trim(), "chart"]);
    assert!(!rolled(&v).is_empty(), "{v}");
    // Not a revision: a usage error naming it.
    let out = confsum()
        .current_dir(repo)
        .args(["plan", "--git", "no-such-branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-branch"), "{}", stderr(&out));
}

/// `plan --git` over a repository of releases: objects are matched within
/// their scope, so a change in `staging/` rolls staging's workload only,
/// though `prod/` has the same names.
#[test]
fn plan_git_keeps_scopes_apart() {
    use crate::integrations::git;
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    for env in ["staging", "prod"] {
        std::fs::create_dir(repo.join(env)).unwrap();
        std::fs::copy(fixture("example/app.yaml"), repo.join(env).join("app.yaml")).unwrap();
    }
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "base"]);
    let staging = repo.join("staging/app.yaml");
    let text = std::fs::read_to_string(&staging).unwrap();
    std::fs::write(
        &staging,
        text.replace("LOG_LEVEL: info", "LOG_LEVEL: debug"),
    )
    .unwrap();
    let out = confsum()
        .current_dir(repo)
        .args(["plan", "--format", "json", "--git", "HEAD"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rolls = v["rolls"].as_array().unwrap();
    assert_eq!(rolls.len(), 1, "{v}");
    assert_eq!(rolls[0]["scope"], "staging");
    assert_eq!(rolls[0]["name"], "demo-api");
    assert!(
        v["added"]["workloads"].as_array().unwrap().is_empty(),
        "{v}"
    );
}
