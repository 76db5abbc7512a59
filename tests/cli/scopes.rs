//! A repository is many releases: each folder (or kustomization root, or
//! `scopes:` folder) resolves its own references, and a partial run reads
//! the rest of its scope so that it gives a full run's verdict.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::{confsum, stderr, stdout};
use crate::integrations::git;

const CONFIG: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {mode: MODE}\n";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: nginx
        envFrom: [{configMapRef: {name: app}}]
";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

fn in_dir(dir: &Path, args: &[&str]) -> Output {
    confsum().current_dir(dir).args(args).output().unwrap()
}

/// The rules of the findings of a `lint --format json` run.
fn rules_of(out: &Output) -> Vec<String> {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn checksum_line(text: &str) -> String {
    text.lines()
        .find(|l| l.contains("confsum.dev/config-checksum"))
        .unwrap_or_else(|| panic!("no checksum in\n{text}"))
        .trim()
        .to_string()
}

/// Two variant folders with the same names.
fn variants(root: &Path) {
    for v in ["staging", "prod"] {
        write(
            root,
            &format!("{v}/app.yaml"),
            &format!("{}---\n{DEPLOYMENT}", CONFIG.replace("MODE", v)),
        );
    }
}

#[test]
fn variant_folders_keep_their_own_checksums() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    variants(root);
    // Each folder alone: the checksum it must carry.
    let alone: Vec<String> = ["staging", "prod"]
        .iter()
        .map(|v| {
            checksum_line(&stdout(&in_dir(
                root,
                &["inject", &format!("{v}/app.yaml")],
            )))
        })
        .collect();
    assert_ne!(alone[0], alone[1], "the folders' configs differ");
    // Together, in either order: the same checksums.
    for order in [["staging", "prod"], ["prod", "staging"]] {
        let out = in_dir(
            root,
            &[
                "inject",
                &format!("{}/app.yaml", order[0]),
                &format!("{}/app.yaml", order[1]),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Before the checksums are written, both folders have a finding: the
    // human report groups them by scope.
    let human = stdout(&in_dir(root, &["lint", "--fail-on", "never", "."]));
    assert!(
        human.contains("== scope prod ==") && human.contains("== scope staging =="),
        "{human}"
    );
    let w = in_dir(root, &["inject", "--write", "."]);
    assert!(w.status.success(), "{}", stderr(&w));
    assert_eq!(checksum_line(&read(root, "staging/app.yaml")), alone[0]);
    assert_eq!(checksum_line(&read(root, "prod/app.yaml")), alone[1]);
    assert!(in_dir(root, &["inject", "--check", "."]).status.success());

    // No duplicate or unused finding across the folders; each finding and
    // object names its scope, and the human report groups by scope.
    let lint = in_dir(root, &["lint", "--format", "json", "."]);
    assert!(lint.status.success(), "{}", stdout(&lint));
    let v: Value = serde_json::from_slice(&lint.stdout).unwrap();
    for f in v["findings"].as_array().unwrap() {
        assert!(
            !["duplicate-object", "unused-config"].contains(&f["rule"].as_str().unwrap()),
            "{f}"
        );
    }
    let graph: Value =
        serde_json::from_slice(&in_dir(root, &["graph", "--format", "json", "."]).stdout).unwrap();
    let scopes: Vec<&str> = graph["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, ["prod", "staging"]);
    // The same name twice within one scope is still a finding: a warning
    // when the scope is only a folder (the files may be alternatives).
    write(root, "prod/copy.yaml", &CONFIG.replace("MODE", "x"));
    let dup = in_dir(root, &["lint", "--format", "json", "."]);
    assert_eq!(dup.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&dup.stdout).unwrap();
    let dups: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "duplicate-object")
        .collect();
    assert_eq!(dups.len(), 1, "{v}");
    assert_eq!(dups[0]["scope"], "prod");
    assert_eq!(dups[0]["severity"], "warning");
    assert!(
        dups[0]["message"]
            .as_str()
            .unwrap()
            .contains("if they are alternative installs"),
        "{}",
        dups[0]
    );
}

/// A ConfigMap and its consumer in two files of one folder, committed with
/// current checksums.
fn split_repo(root: &Path) {
    git(root, &["init", "-q"]);
    write(root, "app/cm.yaml", &CONFIG.replace("MODE", "one"));
    write(root, "app/deploy.yaml", DEPLOYMENT);
    let w = in_dir(root, &["inject", "--write", "app"]);
    assert!(w.status.success(), "{}", stderr(&w));
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "init"]);
}

#[test]
fn a_partial_check_reads_the_rest_of_the_scope() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    split_repo(root);
    write(root, "app/cm.yaml", &CONFIG.replace("MODE", "two"));
    git(root, &["add", "app/cm.yaml"]);
    let staged = stdout(
        &std::process::Command::new("git")
            .args(["diff", "--cached", "--name-only"])
            .current_dir(root)
            .output()
            .unwrap(),
    );
    assert_eq!(staged.trim(), "app/cm.yaml");
    // pre-commit passes only the staged file: the stale consumer is found
    // and named, though it was not given.
    let partial = in_dir(root, &["inject", "--check", "--whole-scope", "app/cm.yaml"]);
    assert_eq!(partial.status.code(), Some(1), "{}", stderr(&partial));
    assert!(
        stdout(&partial).contains("would change: app/deploy.yaml (not given"),
        "{}",
        stdout(&partial)
    );
    // A write changes only the given file, and fails on the stale one.
    let before = read(root, "app/deploy.yaml");
    let w = in_dir(root, &["inject", "--write", "--whole-scope", "app/cm.yaml"]);
    assert_eq!(w.status.code(), Some(1));
    assert!(stderr(&w).contains("app/deploy.yaml carries stale checksums"));
    assert_eq!(
        read(root, "app/deploy.yaml"),
        before,
        "not given, not written"
    );

    // Every subset of the folder's files gives the full run's verdict.
    let verdict = |files: &[&str]| {
        let mut args = vec!["inject", "--check", "--whole-scope"];
        args.extend_from_slice(files);
        in_dir(root, &args).status.code()
    };
    for stale in [true, false] {
        if !stale {
            let w = in_dir(root, &["inject", "--write", "app"]);
            assert!(w.status.success());
        }
        let full = in_dir(root, &["inject", "--check", "app"]).status.code();
        assert_eq!(full, Some(if stale { 1 } else { 0 }));
        for subset in [
            &["app/cm.yaml"][..],
            &["app/deploy.yaml"],
            &["app/cm.yaml", "app/deploy.yaml"],
        ] {
            assert_eq!(verdict(subset), full, "{subset:?}, stale: {stale}");
        }
        // lint agrees on the subsets too: the ConfigMap is consumed.
        let lint = in_dir(
            root,
            &["lint", "--format", "json", "--whole-scope", "app/cm.yaml"],
        );
        assert!(!rules_of(&lint).iter().any(|r| r == "unused-config"));
    }
}

#[test]
fn a_checksum_that_cannot_be_verified_is_kept_and_fails_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    split_repo(root);
    // The consumer alone: its ConfigMap is in no scope that was read.
    let out = in_dir(root, &["inject", "--check", "app/deploy.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("kept the checksum of Deployment/default/web, which could not be verified: ConfigMap `app`"),
        "{}",
        stderr(&out)
    );
    let printed = stdout(&in_dir(root, &["inject", "app/deploy.yaml"]));
    assert_eq!(printed, read(root, "app/deploy.yaml"), "kept as it was");
    // Declared to exist elsewhere: nothing to verify.
    let assumed = in_dir(
        root,
        &[
            "inject",
            "--check",
            "--assume-exists",
            "ConfigMap/app",
            "app/deploy.yaml",
        ],
    );
    assert!(assumed.status.success(), "{}", stderr(&assumed));
    write(root, ".confsum.yaml", "external:\n  - ConfigMap/*/app\n");
    let declared = in_dir(root, &["inject", "--check", "app/deploy.yaml"]);
    assert!(declared.status.success(), "{}", stderr(&declared));
    let lint = in_dir(root, &["lint", "--format", "json", "app/deploy.yaml"]);
    assert!(
        !rules_of(&lint).iter().any(|r| r == "missing-object"),
        "external objects are not missing"
    );
}

#[test]
fn kustomize_base_and_overlays_are_separate_scopes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    git(root, &["init", "-q"]);
    write(
        root,
        "base/kustomization.yaml",
        "resources: [cm.yaml, deploy.yaml]\n",
    );
    write(root, "base/cm.yaml", &CONFIG.replace("MODE", "base"));
    write(root, "base/deploy.yaml", DEPLOYMENT);
    write(
        root,
        "overlays/prod/kustomization.yaml",
        "resources: [../../base]\npatches:\n- path: replicas.yaml\n  target: {kind: Deployment, name: web}\n- path: cm.yaml\n",
    );
    // A JSON6902 patch (a top-level list) and a strategic-merge patch of
    // the base's ConfigMap, with the same name.
    write(
        root,
        "overlays/prod/replicas.yaml",
        "- op: replace\n  path: /spec/replicas\n  value: 3\n",
    );
    write(
        root,
        "overlays/prod/cm.yaml",
        &CONFIG.replace("MODE", "prod"),
    );
    let lint = in_dir(root, &["lint", "--format", "json", "--verbose", "."]);
    assert!(lint.status.success(), "{}{}", stdout(&lint), stderr(&lint));
    assert!(
        stderr(&lint).contains("overlays/prod/replicas.yaml"),
        "the patch is skipped with a note: {}",
        stderr(&lint)
    );
    assert!(!rules_of(&lint).iter().any(|r| r == "duplicate-object"));
    // The base's Deployment gets the base's checksum, never the overlay's.
    let base_only = checksum_line(&stdout(&in_dir(
        root,
        &["inject", "base/cm.yaml", "base/deploy.yaml"],
    )));
    let w = in_dir(root, &["inject", "--write", "."]);
    assert!(w.status.success(), "{}", stderr(&w));
    assert_eq!(checksum_line(&read(root, "base/deploy.yaml")), base_only);
    // Within a kustomization root, a name defined twice is an error.
    write(root, "base/again.yaml", &CONFIG.replace("MODE", "again"));
    let dup = in_dir(root, &["lint", "--format", "json", "base"]);
    assert_eq!(dup.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&dup.stdout).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "duplicate-object" && f["severity"] == "error"),
        "{v}"
    );
    std::fs::remove_file(root.join("base/again.yaml")).unwrap();
    // A ConfigMap that the kustomization generates exists once built (with
    // a content-hash name that rolls its consumers): not missing.
    write(
        root,
        "gen/kustomization.yaml",
        "resources: [deploy.yaml]\nconfigMapGenerator:\n- name: app\n  literals: [mode=x]\n",
    );
    write(root, "gen/deploy.yaml", DEPLOYMENT);
    let lint = in_dir(root, &["lint", "--format", "json", "gen"]);
    let v: Value = serde_json::from_slice(&lint.stdout).unwrap();
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "missing-object" || f["rule"] == "config-change-no-rollout"),
        "{v}"
    );
    // A scope file nested below a kustomization root belongs to it.
    write(
        root,
        "base/extra/more.yaml",
        &CONFIG
            .replace("MODE", "x")
            .replace("name: app", "name: more"),
    );
    let g: Value =
        serde_json::from_slice(&in_dir(root, &["graph", "--format", "json", "."]).stdout).unwrap();
    let more = g["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "more")
        .unwrap();
    assert_eq!(more["scope"], "base");
}

#[test]
fn scopes_in_the_configuration_join_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "apps/web/config/cm.yaml",
        &CONFIG.replace("MODE", "x"),
    );
    write(root, "apps/web/deploy/deploy.yaml", DEPLOYMENT);
    // Without the setting: two folders, two scopes, the reference missing.
    let apart = in_dir(root, &["lint", "--format", "json", "apps"]);
    assert!(rules_of(&apart).iter().any(|r| r == "missing-object"));
    write(root, ".confsum.yaml", "scopes:\n  - apps/*/\n");
    let joined = in_dir(root, &["lint", "--format", "json", "apps"]);
    let v: Value = serde_json::from_slice(&joined.stdout).unwrap();
    for f in v["findings"].as_array().unwrap() {
        assert!(
            !["missing-object", "unused-config"].contains(&f["rule"].as_str().unwrap()),
            "{f}"
        );
        assert_eq!(f["scope"], "apps/web");
    }
    // `.` makes the whole tree one scope.
    write(root, ".confsum.yaml", "scopes: [.]\n");
    let g: Value =
        serde_json::from_slice(&in_dir(root, &["graph", "--format", "json", "apps"]).stdout)
            .unwrap();
    assert_eq!(g["objects"][0]["scope"], ".");
}

/// The real pre-commit, on staged files only (as on a commit): variant
/// folders pass, and a staged ConfigMap whose unstaged consumer goes stale
/// fails, naming the consumer.
#[test]
#[cfg_attr(
    not(has_pre_commit),
    ignore = "needs pre-commit: set CONFSUM_TEST_PRE_COMMIT or put it on PATH (.ci/run installs it)"
)]
fn pre_commit_hooks_on_a_repository_of_releases() {
    use crate::integrations::{pre_commit, run, use_these_hooks};
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    split_repo(root);
    variants(root);
    let w = in_dir(root, &["inject", "--write", "."]);
    assert!(w.status.success(), "{}", stderr(&w));
    if !use_these_hooks(root) {
        return;
    }
    git(root, &["add", "."]);
    for hook in ["confsum-lint", "confsum-inject"] {
        let out = run(&mut pre_commit(root, &[hook]));
        assert!(
            out.status.success(),
            "{hook}, variant folders: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    git(root, &["commit", "-qm", "variants"]);
    write(root, "app/cm.yaml", &CONFIG.replace("MODE", "changed"));
    git(root, &["add", "app/cm.yaml"]);
    let out = run(&mut pre_commit(root, &["confsum-inject"]));
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("would change: app/deploy.yaml (not given"),
        "{}",
        stdout(&out)
    );
    // The rewrite hook fixes what was given and names what it may not touch.
    let out = run(&mut pre_commit(root, &["confsum-inject-write"]));
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("app/deploy.yaml carries stale checksums"),
        "{}",
        stdout(&out)
    );
    // Staging the consumer as well: the rewrite hook brings it up to date,
    // then every hook passes.
    git(root, &["add", "app/deploy.yaml"]);
    let _ = run(&mut pre_commit(
        root,
        &["confsum-inject-write", "--files", "app/deploy.yaml"],
    ));
    git(root, &["add", "."]);
    for hook in ["confsum-lint", "confsum-inject"] {
        let out = run(&mut pre_commit(root, &[hook]));
        assert!(
            out.status.success(),
            "{hook} after the rewrite: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
}

/// An `ignore:` entry that names a missing object silences the references
/// to it, as it silences findings on objects it names.
#[test]
fn ignoring_a_missing_object_silences_its_references() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "app/deploy.yaml", DEPLOYMENT);
    let lint = |root: &Path| {
        let out = in_dir(root, &["lint", "--format", "json", "app"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "missing-object")
            .count()
    };
    assert_eq!(lint(root), 1);
    write(root, ".confsum.yaml", "ignore:\n  - ConfigMap/*/app\n");
    assert_eq!(lint(root), 0);
}
