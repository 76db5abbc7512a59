//! Helm charts as input: rendered with the real helm, findings located in
//! the chart's templates.

use std::process::Command;

use crate::common::*;
use crate::integrations::client;

fn lint_json(args: &[&str]) -> serde_json::Value {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let out = confsum()
        .arg("lint")
        .arg("--helm")
        .arg(&helm)
        .args(["--format", "json", "--fail-on", "never"])
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rules_at(v: &serde_json::Value, rule: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["template_file"].as_str().unwrap_or("-").to_string())
        .collect()
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn config_change_no_rollout_fires_exactly_where_it_should() {
    let v = lint_json(&["fixtures/charts/demo"]);
    let mut fired = rules_at(&v, "config-change-no-rollout");
    fired.sort();
    // env and subPath without a checksum annotation; not envFrom with
    // `checksum/secret`, not a plain volume, not a Secret outside the chart.
    assert_eq!(
        fired,
        [
            "fixtures/charts/demo/templates/env.yaml",
            "fixtures/charts/demo/templates/subpath.yaml"
        ]
    );
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn every_finding_names_its_template_and_a_unique_line() {
    let v = lint_json(&["fixtures/charts/demo"]);
    for f in v["findings"].as_array().unwrap() {
        assert!(
            f["template"]
                .as_str()
                .unwrap()
                .starts_with("demo/templates/"),
            "{f}"
        );
        assert!(
            f["template_file"]
                .as_str()
                .unwrap()
                .starts_with("fixtures/charts/demo/templates/"),
            "{f}"
        );
    }
    let missing: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "missing-object")
        .collect();
    assert_eq!(missing.len(), 1);
    // `name: static-credentials` occurs once, literally, in static.yaml (line 19).
    assert_eq!(missing[0]["template_line"], 19);
    let subpath = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "subpath-no-refresh")
        .unwrap();
    assert_eq!(
        subpath["template_line"],
        serde_json::Value::Null,
        "`- name: config` occurs twice: the file alone"
    );
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn ci_values_bring_a_missing_key() {
    let defaults = lint_json(&["fixtures/charts/demo"]);
    assert!(rules_at(&defaults, "missing-key").is_empty());
    let with_f = lint_json(&[
        "fixtures/charts/demo",
        "-f",
        "fixtures/charts/demo/ci/missing-key-values.yaml",
    ]);
    assert_eq!(
        rules_at(&with_f, "missing-key"),
        ["fixtures/charts/demo/templates/env.yaml"]
    );
    let all = lint_json(&["fixtures/charts/demo", "--all-values"]);
    let mk: Vec<&serde_json::Value> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "missing-key")
        .collect();
    assert_eq!(mk.len(), 1);
    assert_eq!(
        mk[0]["values"],
        serde_json::json!(["ci/missing-key-values.yaml"])
    );
    // A finding under both renderings is reported once, naming both.
    let sub: Vec<&serde_json::Value> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "subpath-no-refresh")
        .collect();
    assert_eq!(sub.len(), 1);
    assert_eq!(
        sub[0]["values"],
        serde_json::json!(["defaults", "ci/missing-key-values.yaml"])
    );
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn sarif_and_github_point_at_the_template_file() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let gh = confsum()
        .arg("lint")
        .arg("--helm")
        .arg(&helm)
        .args(["--format", "github", "fixtures/charts/demo"])
        .current_dir(root())
        .output()
        .unwrap();
    let text = stdout(&gh);
    assert!(text.contains("::warning file=fixtures/charts/demo/templates/static.yaml,line=19,title=missing-object::"), "{text}");
    assert!(
        text.contains(
            "::warning file=fixtures/charts/demo/templates/subpath.yaml,title=subpath-no-refresh::"
        ),
        "{text}"
    );
    let sarif = confsum()
        .arg("lint")
        .arg("--helm")
        .arg(&helm)
        .args(["--format", "sarif", "fixtures/charts/demo"])
        .current_dir(root())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.iter()
            .all(|u| u.starts_with("fixtures/charts/demo/templates/")),
        "{uris:?}"
    );
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn a_chart_helm_cannot_render_is_an_error() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let out = confsum()
        .arg("lint")
        .arg("--helm")
        .arg(&helm)
        .arg("fixtures/charts/broken")
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("helm could not render the chart `fixtures/charts/broken`"),
        "{err}"
    );
    assert!(
        err.contains("values.mustSet is required"),
        "helm's own message: {err}"
    );
}

#[test]
fn no_helm_at_all_is_an_error_that_names_helm() {
    let out = confsum()
        .args(["lint", "fixtures/charts/demo"])
        .current_dir(root())
        .env("PATH", "/nonexistent")
        .env_remove("CONFSUM_HELM")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("helm not found on PATH"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("helm template RELEASE CHART | confsum lint"));
    let out = confsum()
        .args([
            "lint",
            "--helm",
            "/nonexistent/helm",
            "fixtures/charts/demo",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("helm not found at `/nonexistent/helm`"));
}

#[test]
fn inject_and_post_render_refuse_a_chart() {
    let out = confsum()
        .args(["inject", "fixtures/charts/demo"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("--post-renderer"), "{}", stderr(&out));
    let out = confsum()
        .args(["post-render", "fixtures/charts/demo"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a Helm chart"), "{}", stderr(&out));
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn a_folder_of_charts_and_loose_manifests() {
    let v = lint_json(&["fixtures/charts-repo"]);
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "invalid-configmap-value"
                && f["file"] == "fixtures/charts-repo/loose.yaml"),
        "loose file linted as it is"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["template_file"] == "fixtures/charts-repo/other/templates/pod.yaml"),
        "the other chart rendered"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["template_file"] == "fixtures/charts-repo/demo/templates/env.yaml"),
        "the demo chart rendered"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f["file"].as_str().unwrap().contains("/templates/")),
        "templates are never read as manifests"
    );
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn graph_renders_a_chart() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let out = confsum()
        .arg("graph")
        .arg("--helm")
        .arg(&helm)
        .args([
            "--format",
            "json",
            "--release-name",
            "r1",
            "--namespace",
            "prod",
            "fixtures/charts/demo",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"r1-env") && names.iter().all(|n| n.starts_with("r1-")),
        "{names:?}"
    );
    assert!(
        v["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["namespace"] == "prod")
    );
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn owning_charts_maps_changed_files_to_their_chart() {
    let v = lint_json(&[
        "--owning-charts",
        "fixtures/charts/demo/templates/env.yaml",
        "fixtures/charts/demo/values.yaml",
        "README.md",
    ]);
    let files: std::collections::BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 1, "one rendering of one chart: {files:?}");
    let none = lint_json(&["--owning-charts", "README.md"]);
    assert_eq!(none["findings"].as_array().unwrap().len(), 0);
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn readme_chart_section_shows_real_output() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let out = Command::new(env!("CARGO_BIN_EXE_confsum"))
        .args([
            "lint",
            "--all-values",
            "--format",
            "github",
            "fixtures/charts/demo",
        ])
        .env("CONFSUM_HELM", &helm)
        .current_dir(root())
        .output()
        .unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for line in stdout(&out).lines() {
        assert!(
            readme.contains(line),
            "README's chart section is stale; missing:\n{line}"
        );
    }
}

/// A chart deep in a folder walk needs no helm: lint skips it with a note
/// and lints the rest; a chart named on the command line still needs helm.
#[test]
fn a_chart_inside_a_folder_is_skipped_without_helm() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("repo");
    std::fs::create_dir_all(tree.join("samples/deep")).unwrap();
    std::fs::copy(fixture("example/app.yaml"), tree.join("app.yaml")).unwrap();
    let status = Command::new("cp")
        .arg("-r")
        .arg(fixture("charts/demo"))
        .arg(tree.join("samples/deep/chart"))
        .status()
        .unwrap();
    assert!(status.success());
    let no_helm = tmp.path().join("bin");
    std::fs::create_dir(&no_helm).unwrap();
    let out = confsum()
        .env("PATH", &no_helm)
        .env_remove("CONFSUM_HELM")
        .args(["lint", "--format", "json", "--fail-on", "never"])
        .arg(&tree)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped the Helm chart"),
        "{}",
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !v["findings"].as_array().unwrap().is_empty(),
        "the manifests are linted"
    );
    let named = confsum()
        .env("PATH", &no_helm)
        .env_remove("CONFSUM_HELM")
        .arg("lint")
        .arg(tree.join("samples/deep/chart"))
        .output()
        .unwrap();
    assert_eq!(named.status.code(), Some(2));
    assert!(
        stderr(&named).contains("helm not found"),
        "{}",
        stderr(&named)
    );
}

/// A chart's `checksum/*` annotation counts for the templates it hashes,
/// whatever its key says: read from the template file, not guessed.
#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn a_chart_checksum_covers_what_its_template_hashes() {
    let v = lint_json(&["fixtures/charts/checksums"]);
    let found: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "config-change-no-rollout")
        .collect();
    assert_eq!(found.len(), 1, "{v}");
    let f = found[0];
    assert_eq!(f["severity"], "warning", "read from the template: certain");
    assert_eq!(
        f["template_file"],
        "fixtures/charts/checksums/templates/deployment.yaml"
    );
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("reads Secret `checksums-token`")
            && message.contains("hash only `configmap.yaml`"),
        "{message}"
    );
}

/// `--all-values` reports a finding once, naming every values file that
/// produces it, though Helm names the test Pod anew on every render.
#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn all_values_reports_each_finding_once() {
    let v = lint_json(&["fixtures/charts/random-test", "--all-values"]);
    let missing: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "missing-object")
        .collect();
    // One per template: `randAlphaNum 6` and `randAlpha 6 | lower` names
    // differ in every render, and the merge sets them aside.
    assert_eq!(missing.len(), 2, "{v}");
    for m in missing {
        assert_eq!(
            m["values"],
            serde_json::json!(["defaults", "ci/large-values.yaml", "ci/small-values.yaml"]),
            "{m}"
        );
    }
}
