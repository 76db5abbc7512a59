//! Every place confsum runs, with the real client: Helm 3 post-renderer,
//! Helm 4 plugin manifest, pre-commit, the GitHub Action's step, Argo CD's
//! Config Management Plugin and the kustomize recipe. In CI the clients are
//! installed by `.ci/run` and these tests never skip; elsewhere a missing
//! client skips the test with a note.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_confsum"))
}

/// A client from `$var`, else on PATH. None (skip) only outside CI.
pub fn client(var: &str, name: &str) -> Option<PathBuf> {
    let found = std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is required in CI: .ci/run installs it and sets {var}"
        );
        eprintln!("skipping: {name} not installed (set {var}; .ci/run installs it)");
    }
    found
}

fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let mut all: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    all.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(all).unwrap()
}

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

#[test]
fn helm3_post_renderer_wrapper_end_to_end() {
    let Some(helm) = client("CONFSUM_TEST_HELM", "helm") else {
        return;
    };
    let chart = fixture("charts/demo");
    let wrapper = root().join("scripts/confsum-post-render");
    let out = run(Command::new(&helm)
        .args(["template", "demo"])
        .arg(&chart)
        .args(["--namespace", "prod", "--post-renderer"])
        .arg(&wrapper)
        .env("CONFSUM", bin()));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.matches("confsum.dev/config-checksum").count(),
        3,
        "{text}"
    );
    assert_eq!(text.matches("confsum.dev/secret-checksum").count(), 1);
    // What Helm installs equals `helm template | confsum inject`.
    let plain = run(Command::new(&helm)
        .args(["template", "demo"])
        .arg(&chart)
        .args(["--namespace", "prod"]));
    let injected = confsum()
        .arg("inject")
        .env("HELM_NAMESPACE", "prod")
        .write_stdin(plain.stdout)
        .output()
        .unwrap();
    let normalize = |s: &str| -> Vec<String> {
        let mut docs: Vec<String> = s
            .split("\n---")
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect();
        docs.sort();
        docs
    };
    assert_eq!(normalize(&text), normalize(&stdout(&injected)));
}

#[test]
fn helm3_post_renderer_args_as_the_readme_says() {
    // Helm 3.10+: `--post-renderer confsum --post-renderer-args post-render`,
    // with confsum found on PATH.
    let Some(helm) = client("CONFSUM_TEST_HELM310", "helm") else {
        return;
    };
    let tools = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(bin(), tools.path().join("confsum")).unwrap();
    let out = run(Command::new(&helm)
        .args(["template", "demo"])
        .arg(fixture("charts/demo"))
        .args([
            "--namespace",
            "prod",
            "--post-renderer",
            "confsum",
            "--post-renderer-args",
            "post-render",
        ])
        .env("PATH", path_with(&[tools.path()])));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("confsum.dev/config-checksum").count(),
        3
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("--post-renderer confsum --post-renderer-args post-render"));
}

#[test]
fn helm3_fails_when_the_post_renderer_fails() {
    let Some(helm) = client("CONFSUM_TEST_HELM", "helm") else {
        return;
    };
    let chart = fixture("charts/demo");
    let wrapper = root().join("scripts/confsum-post-render");
    // A Secret value that is not base64 makes confsum refuse the stream.
    let out = run(Command::new(&helm)
        .args(["template", "demo"])
        .arg(&chart)
        .arg("-f")
        .arg(fixture("charts/demo-bad-secret-values.yaml"))
        .arg("--post-renderer")
        .arg(&wrapper)
        .env("CONFSUM", bin()));
    assert!(!out.status.success(), "helm must fail: {}", stdout(&out));
    assert!(
        out.stdout.is_empty() || !stdout(&out).contains("kind: Deployment"),
        "nothing installed"
    );
    assert!(stderr(&out).contains("invalid base64"), "{}", stderr(&out));
}

#[test]
fn helm4_plugin_manifest_follows_the_v1_format() {
    let path = root().join("helm-plugin/plugin.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let src = confsum::source::Source::new("plugin.yaml", None, text);
    let docs = confsum::yaml::parse_stream(&src.text).unwrap();
    let doc = &docs[0];
    let root_node = doc.root.unwrap();
    let s = |k: &str| {
        doc.str_at(root_node, &[k])
            .unwrap_or_else(|| panic!("{k} missing"))
            .to_string()
    };
    assert_eq!(s("apiVersion"), "v1");
    assert_eq!(s("type"), "postrenderer/v1");
    assert_eq!(s("runtime"), "subprocess");
    assert!(
        regex::Regex::new(r"^[A-Za-z0-9_-]+$")
            .unwrap()
            .is_match(&s("name"))
    );
    assert!(
        regex::Regex::new(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
            .unwrap()
            .is_match(&s("version"))
    );
    let cmds = doc
        .path(root_node, &["runtimeConfig", "platformCommand"])
        .expect("runtimeConfig.platformCommand");
    let mut n = 0;
    for c in doc.items(cmds) {
        // Helm's PlatformCommand: os, arch, command, args.
        for &(k, _) in doc.entries(c) {
            let key = doc.scalar(k).unwrap();
            assert!(
                ["os", "arch", "command", "args"].contains(&key),
                "unknown platformCommand field {key}"
            );
        }
        let command = doc.str_at(c, &["command"]).unwrap();
        let rel = command
            .strip_prefix("${HELM_PLUGIN_DIR}/")
            .expect("command inside the plugin folder");
        let script = root().join("helm-plugin").join(rel);
        assert!(script.is_file(), "{}", script.display());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert!(
                script.metadata().unwrap().permissions().mode() & 0o111 != 0,
                "executable"
            );
        }
        // Run it as Helm 4 does: manifests on stdin, plugin dir in the environment.
        let out = Command::new(&script)
            .env("HELM_PLUGIN_DIR", root().join("helm-plugin"))
            .env("CONFSUM", bin())
            .stdin(std::fs::File::open(fixture("example/app.yaml")).unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("confsum.dev/config-checksum"));
        n += 1;
    }
    assert!(n >= 1);
    // Only the fields Helm's MetadataV1 knows.
    for &(k, _) in doc.entries(root_node) {
        let key = doc.scalar(k).unwrap();
        assert!(
            [
                "apiVersion",
                "name",
                "type",
                "runtime",
                "version",
                "sourceURL",
                "config",
                "runtimeConfig"
            ]
            .contains(&key),
            "unknown field {key}"
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = run(Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com"));
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

#[test]
fn pre_commit_hooks_pass_and_fail_for_real() {
    let Some(pre_commit) = client("CONFSUM_TEST_PRE_COMMIT", "pre-commit") else {
        return;
    };
    let head = run(Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root()));
    if !head.status.success() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs on a git checkout"
        );
        return;
    }
    let rev = stdout(&head).trim().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("k8s")).unwrap();
    std::fs::copy(fixture("inject/list.yaml"), repo.join("k8s/app.yaml")).unwrap();
    // Bring the file up to date first, so the passing run has nothing to do.
    let w = confsum()
        .args(["inject", "--write"])
        .arg(repo.join("k8s/app.yaml"))
        .output()
        .unwrap();
    assert!(w.status.success());
    git(repo, &["add", "."]);
    let home = root().join("target/pre-commit-home");
    let try_repo = |hook: &str| {
        run(Command::new(&pre_commit)
            .args([
                "try-repo",
                root().to_str().unwrap(),
                hook,
                "--all-files",
                "--ref",
                &rev,
            ])
            .current_dir(repo)
            .env("PRE_COMMIT_HOME", &home)
            .env("CARGO_TARGET_DIR", root().join("target/pre-commit-build"))
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_LTO", "false"))
    };
    let ok_lint = try_repo("confsum-lint");
    assert!(
        ok_lint.status.success(),
        "{}{}",
        stdout(&ok_lint),
        stderr(&ok_lint)
    );
    let ok_inject = try_repo("confsum-inject");
    assert!(
        ok_inject.status.success(),
        "{}{}",
        stdout(&ok_inject),
        stderr(&ok_inject)
    );

    std::fs::copy(
        fixture("rules/missing-key/fail.yaml"),
        repo.join("k8s/broken.yaml"),
    )
    .unwrap();
    git(repo, &["add", "."]);
    let bad_lint = try_repo("confsum-lint");
    assert!(!bad_lint.status.success());
    assert!(
        stdout(&bad_lint).contains("missing-key"),
        "{}",
        stdout(&bad_lint)
    );
    let bad_inject = try_repo("confsum-inject");
    assert!(!bad_inject.status.success());
    assert!(
        stdout(&bad_inject).contains("would change: k8s/broken.yaml"),
        "{}",
        stdout(&bad_inject)
    );
    // The chart hook renders with helm: a chart whose ci values bring a
    // missing key fails; without that values file it passes.
    let Some(helm) = client("CONFSUM_TEST_HELM", "helm") else {
        return;
    };
    std::fs::remove_file(repo.join("k8s/broken.yaml")).unwrap();
    copy_dir(&fixture("charts/demo"), &repo.join("charts/demo"));
    git(repo, &["add", "-A"]);
    let with_helm = |hook: &str| {
        let mut c = Command::new(&pre_commit);
        c.args([
            "try-repo",
            root().to_str().unwrap(),
            hook,
            "--all-files",
            "--ref",
            &rev,
        ])
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", &home)
        .env("CONFSUM_HELM", &helm)
        .env("CARGO_TARGET_DIR", root().join("target/pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_LTO", "false");
        run(&mut c)
    };
    let bad_chart = with_helm("confsum-lint-chart");
    assert!(!bad_chart.status.success());
    assert!(
        stdout(&bad_chart).contains("missing-key")
            && stdout(&bad_chart).contains("ci/missing-key-values.yaml"),
        "{}",
        stdout(&bad_chart)
    );
    std::fs::remove_dir_all(repo.join("charts/demo/ci")).unwrap();
    git(repo, &["add", "-A"]);
    let ok_chart = with_helm("confsum-lint-chart");
    assert!(
        ok_chart.status.success(),
        "{}{}",
        stdout(&ok_chart),
        stderr(&ok_chart)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn github_action_step_writes_annotations_sarif_and_summary() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    for needle in [
        "using: composite",
        "cargo install --locked --path \"$GITHUB_ACTION_PATH\"",
        "scripts/action.sh",
        "sarif-file:",
        "fail-on:",
        "paths:",
        "config:",
    ] {
        assert!(action.contains(needle), "action.yml lacks {needle}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    let output = tmp.path().join("output");
    let sarif = tmp.path().join("out.sarif");
    let step = |fail_on: &str| {
        run(Command::new("bash")
            .arg(root().join("scripts/action.sh"))
            .current_dir(root())
            .env("CONFSUM", bin())
            .env(
                "INPUT_PATHS",
                "fixtures/rules/missing-key/fail.yaml\nfixtures/example",
            )
            .env("INPUT_FAIL_ON", fail_on)
            .env("INPUT_SARIF_FILE", &sarif)
            .env("INPUT_ARGS", "--ignore unused-config")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output))
    };
    let failing = step("error");
    assert_eq!(failing.status.code(), Some(1), "{}", stderr(&failing));
    let annotations = stdout(&failing);
    assert!(
        annotations
            .lines()
            .any(|l| l.starts_with("::error file=fixtures/rules/missing-key/fail.yaml,line=25,")),
        "{annotations}"
    );
    assert!(
        annotations
            .lines()
            .any(|l| l.starts_with("::warning file=fixtures/example/app.yaml,")),
        "{annotations}"
    );
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["runs"][0]["results"].as_array().unwrap().len() >= 4);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("## confsum lint") && md.contains("| `missing-key` | error | 2 |"),
        "{md}"
    );
    assert!(
        std::fs::read_to_string(&output)
            .unwrap()
            .contains(&format!("sarif-file={}", sarif.display()))
    );
    let passing = step("never");
    assert_eq!(passing.status.code(), Some(0));
}

#[test]
fn argocd_cmp_generate_command_runs() {
    let Some(helm) = client("CONFSUM_TEST_HELM", "helm") else {
        return;
    };
    let text = std::fs::read_to_string(root().join("integrations/argocd/cmp-plugin.yaml")).unwrap();
    let docs = confsum::yaml::parse_stream(&text).unwrap();
    let doc = &docs[0];
    let r = doc.root.unwrap();
    assert_eq!(doc.str_at(r, &["kind"]), Some("ConfigManagementPlugin"));
    let generate = doc.path(r, &["spec", "generate"]).unwrap();
    let command: Vec<String> = doc
        .items(doc.get(generate, "command").unwrap())
        .map(|i| doc.scalar(i).unwrap().to_string())
        .collect();
    let args: Vec<String> = doc
        .items(doc.get(generate, "args").unwrap())
        .map(|i| doc.scalar(i).unwrap().to_string())
        .collect();
    let tools = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&helm, tools.path().join("helm")).unwrap();
    std::os::unix::fs::symlink(bin(), tools.path().join("confsum")).unwrap();
    let out = run(Command::new(&command[0])
        .args(&command[1..])
        .args(&args)
        .current_dir(fixture("charts/demo"))
        .env("PATH", path_with(&[tools.path()]))
        .env("ARGOCD_APP_NAME", "demo")
        .env("ARGOCD_APP_NAMESPACE", "prod"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("confsum.dev/config-checksum").count(),
        3
    );
    let failing = run(Command::new(&command[0])
        .args(&command[1..])
        .args(&args)
        .current_dir(fixture("charts/broken"))
        .env("PATH", path_with(&[tools.path()]))
        .env("ARGOCD_APP_NAME", "x")
        .env("ARGOCD_APP_NAMESPACE", "prod"));
    assert!(
        !failing.status.success(),
        "a helm failure fails the generate command"
    );
}

#[test]
fn kustomize_recipe_runs() {
    let Some(kustomize) = client("CONFSUM_TEST_KUSTOMIZE", "kustomize") else {
        return;
    };
    let tools = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&kustomize, tools.path().join("kustomize")).unwrap();
    let out = run(Command::new(root().join("integrations/kustomize.sh"))
        .arg(fixture("kustomize/overlay"))
        .env("PATH", path_with(&[tools.path()]))
        .env("CONFSUM", bin()));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("confsum.dev/config-checksum"), "{text}");
    assert!(
        text.contains("name: prod-app-config"),
        "kustomize ran: {text}"
    );
}
