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

/// A client from `$var`, else on PATH. Tests that call this are ignored by
/// `cfg(has_..)` when build.rs found no such client (never in CI).
pub fn client(var: &str, name: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            which::which(name)
                .ok()
                .filter(|_| var != "CONFSUM_TEST_HELM310")
        })
        .unwrap_or_else(|| panic!("{name} is required: set {var} (.ci/run installs it)"))
}

fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let mut all: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    all.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(all).unwrap()
}

pub fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn helm3_post_renderer_wrapper_end_to_end() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
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
#[cfg_attr(
    not(has_helm310),
    ignore = "needs helm 3.10+: set CONFSUM_TEST_HELM310 (.ci/run installs it)"
)]
fn helm3_post_renderer_args_as_the_readme_says() {
    // Helm 3.10+: `--post-renderer confsum --post-renderer-args post-render`,
    // with confsum found on PATH.
    let helm = client("CONFSUM_TEST_HELM310", "helm");
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
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn helm3_fails_when_the_post_renderer_fails() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
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
    let root_node = doc.root().unwrap();
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

/// A `.pre-commit-config.yaml` in `repo` that uses this repository's hooks
/// at its HEAD commit, as a user's repository does (pre-commit builds it
/// once, then reuses the environment). False outside a git checkout,
/// which only a user's unpacked copy is (CI runs on a checkout).
pub fn use_these_hooks(repo: &Path) -> bool {
    let head = run(Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root()));
    if !head.status.success() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs on a git checkout"
        );
        return false;
    }
    let rev = stdout(&head).trim().to_string();
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n- repo: {}\n  rev: {rev}\n  hooks:\n  - id: confsum-lint\n  - id: confsum-inject\n  - id: confsum-inject-write\n  - id: confsum-lint-chart\n",
            root().display()
        ),
    )
    .unwrap();
    true
}

/// `pre-commit run ARGS` in `repo`, sharing one pre-commit home and one
/// build of the hooks between tests.
pub fn pre_commit(repo: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(client("CONFSUM_TEST_PRE_COMMIT", "pre-commit"));
    c.arg("run")
        .args(args)
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", root().join("target/pre-commit-home"))
        .env("CARGO_TARGET_DIR", root().join("target/pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_LTO", "false");
    c
}

pub fn git(dir: &Path, args: &[&str]) {
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
#[cfg_attr(
    not(all(has_helm, has_pre_commit)),
    ignore = "needs helm and pre-commit: set CONFSUM_TEST_HELM and CONFSUM_TEST_PRE_COMMIT or put them on PATH (.ci/run installs them)"
)]
fn pre_commit_hooks_pass_and_fail_for_real() {
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
    if !use_these_hooks(repo) {
        return;
    }
    git(repo, &["add", "."]);
    let hook_run = |hook: &str, helm: Option<&Path>| {
        let mut c = pre_commit(repo, &[hook, "--all-files"]);
        if let Some(h) = helm {
            c.env("CONFSUM_HELM", h);
        }
        run(&mut c)
    };
    let try_repo = |hook: &str| hook_run(hook, None);
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

    // YAML that is not Kubernetes manifests, next to them: skipped.
    std::fs::write(
        repo.join("playbook.yml"),
        "- hosts: all\n  tasks:\n    - name: ping\n      ping: {}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("docker-compose.yaml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .unwrap();
    std::fs::create_dir_all(repo.join(".github/workflows")).unwrap();
    std::fs::write(
        repo.join(".github/workflows/ci.yml"),
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: echo}]\n",
    )
    .unwrap();
    git(repo, &["add", "."]);
    for hook in ["confsum-lint", "confsum-inject", "confsum-inject-write"] {
        let out = try_repo(hook);
        assert!(
            out.status.success(),
            "{hook} with a playbook and a compose file: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    // A Go template and another tool's broken YAML are not manifests:
    // skipped. A manifest that does not parse still fails, naming the file.
    std::fs::write(
        repo.join("krew.yaml"),
        "apiVersion: krew.googlecontainertools.github.com/v1alpha2\nkind: Plugin\nspec:\n  platforms:\n  - {{addURIAndSha \"https://x/{{ .TagName }}.tar.gz\" .TagName }}\n",
    )
    .unwrap();
    std::fs::write(repo.join("tool.yml"), "a: [\n").unwrap();
    git(repo, &["add", "."]);
    for hook in ["confsum-lint", "confsum-inject"] {
        let out = try_repo(hook);
        assert!(
            out.status.success(),
            "{hook} with a template: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    std::fs::write(
        repo.join("broken.yml"),
        "apiVersion: v1\nkind: ConfigMap\ndata: [\n",
    )
    .unwrap();
    git(repo, &["add", "."]);
    let out = try_repo("confsum-lint");
    assert!(!out.status.success());
    assert!(stdout(&out).contains("broken.yml:3:7"), "{}", stdout(&out));
    for f in ["broken.yml", "krew.yaml", "tool.yml"] {
        std::fs::remove_file(repo.join(f)).unwrap();
    }
    git(repo, &["add", "-A"]);

    // The rewrite hook writes the checksums (pre-commit then reports the
    // files it changed and fails once, as for any formatter), then passes.
    std::fs::copy(fixture("example/app.yaml"), repo.join("k8s/fresh.yaml")).unwrap();
    git(repo, &["add", "."]);
    let wrote = try_repo("confsum-inject-write");
    assert!(!wrote.status.success());
    assert!(
        stdout(&wrote).contains("files were modified by this hook"),
        "{}",
        stdout(&wrote)
    );
    assert!(
        std::fs::read_to_string(repo.join("k8s/fresh.yaml"))
            .unwrap()
            .contains("confsum.dev/config-checksum")
    );
    git(repo, &["add", "."]);
    let again = try_repo("confsum-inject-write");
    assert!(
        again.status.success(),
        "{}{}",
        stdout(&again),
        stderr(&again)
    );
    std::fs::remove_file(repo.join("k8s/fresh.yaml")).unwrap();
    git(repo, &["add", "-A"]);

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
    let helm = client("CONFSUM_TEST_HELM", "helm");
    std::fs::remove_file(repo.join("k8s/broken.yaml")).unwrap();
    copy_dir(&fixture("charts/demo"), &repo.join("charts/demo"));
    git(repo, &["add", "-A"]);
    let with_helm = |hook: &str| hook_run(hook, Some(&helm));
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

/// The Action as GitHub runs it: action.yml read with a YAML parser, its
/// inputs' defaults applied, each `run:` step run by bash with the
/// environment the step declares (`${{ inputs.x }}` and
/// `${{ steps.id.outputs.x }}` substituted), GITHUB_OUTPUT and
/// GITHUB_STEP_SUMMARY files, and the step outputs passed on. `uses:` steps
/// are the cache: a hit, so the install step is skipped and confsum comes
/// from PATH. Returns the lint step's exit code, stdout, the outputs and
/// the summary.
pub struct ActionRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub outputs: std::collections::HashMap<String, String>,
    pub summary: String,
    /// The plan step's exit code and stdout, when it ran.
    pub plan: Option<(Option<i32>, String)>,
}

fn run_action(workspace: &Path, inputs: &[(&str, &str)]) -> ActionRun {
    run_action_with(workspace, inputs, &[])
}

/// `if:` as the action writes it: `&&` of `!cancelled()` and comparisons
/// (`==`, `!=`) of substituted values with quoted strings.
fn condition_holds(cond: &str, substitute: &dyn Fn(&str) -> String) -> bool {
    let cond = cond.trim().trim_start_matches("${{").trim_end_matches("}}");
    cond.split("&&").all(|term| {
        let term = term.trim();
        if term == "!cancelled()" {
            return true;
        }
        let (lhs, rhs, equal) = match (term.split_once("=="), term.split_once("!=")) {
            (Some((l, r)), _) => (l, r, true),
            (_, Some((l, r))) => (l, r, false),
            _ => panic!("an `if:` this test cannot read: {term}"),
        };
        let lhs = substitute(&format!("${{{{ {} }}}}", lhs.trim()));
        let rhs = rhs.trim().trim_matches('\'');
        (lhs == rhs) == equal
    })
}

pub fn run_action_with(
    workspace: &Path,
    inputs: &[(&str, &str)],
    env: &[(&str, &Path)],
) -> ActionRun {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let docs = confsum::yaml::parse_stream(&text).expect("action.yml is valid YAML");
    let doc = &docs[0];
    let r = doc.root().unwrap();
    assert_eq!(doc.str_at(r, &["runs", "using"]), Some("composite"));
    let mut values: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for &(k, v) in doc.entries(doc.get(r, "inputs").unwrap()) {
        let name = doc.scalar(k).unwrap().to_string();
        let default = doc.str_at(v, &["default"]).unwrap_or("").to_string();
        assert!(
            doc.str_at(v, &["description"]).is_some(),
            "input {name} is described"
        );
        values.insert(name, default);
    }
    for (k, v) in inputs {
        assert!(values.contains_key(*k), "action.yml has an input `{k}`");
        values.insert(k.to_string(), v.to_string());
    }
    let mut step_outputs: std::collections::HashMap<String, String> = Default::default();
    let expr = regex::Regex::new(
        r"\$\{\{\s*(inputs|steps)\.([A-Za-z0-9_-]+)(?:\.outputs\.([A-Za-z0-9_-]+))?\s*\}\}",
    )
    .unwrap();
    let summary = workspace.join("summary.md");
    let _ = std::fs::remove_file(&summary);
    let mut last = None;
    let mut plan = None;
    for step in doc.items(doc.path(r, &["runs", "steps"]).unwrap()) {
        let id = doc.str_at(step, &["id"]).unwrap_or("").to_string();
        if doc.get(step, "uses").is_some() {
            // The cache step: a hit.
            step_outputs.insert(format!("{id}.cache-hit"), "true".into());
            continue;
        }
        let substitute = |s: &str| {
            expr.replace_all(s, |c: &regex::Captures| match &c[1] {
                "inputs" => values[&c[2]].clone(),
                _ => step_outputs
                    .get(&format!("{}.{}", &c[2], &c[3]))
                    .cloned()
                    .unwrap_or_default(),
            })
            .into_owned()
        };
        if let Some(cond) = doc.str_at(step, &["if"])
            && !condition_holds(cond, &substitute)
        {
            continue;
        }
        assert_eq!(doc.str_at(step, &["shell"]), Some("bash"));
        let output = workspace.join(format!("output-{id}"));
        std::fs::write(&output, "").unwrap();
        let mut cmd = Command::new("bash");
        cmd.arg("-e")
            .arg("-c")
            .arg(substitute(doc.str_at(step, &["run"]).unwrap()))
            .current_dir(workspace)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("PATH", path_with(&[bin().parent().unwrap()]))
            .env_remove("CONFSUM_HMAC_KEY")
            .env_remove("GITHUB_EVENT_NAME")
            .env_remove("GITHUB_EVENT_PATH");
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(env) = doc.get(step, "env") {
            for &(k, v) in doc.entries(env) {
                cmd.env(doc.scalar(k).unwrap(), substitute(doc.scalar(v).unwrap()));
            }
        }
        let out = run(&mut cmd);
        for line in std::fs::read_to_string(&output).unwrap().lines() {
            let (k, v) = line.split_once('=').expect("name=value");
            step_outputs.insert(format!("{id}.{k}"), v.to_string());
        }
        match id.as_str() {
            "lint" => last = Some(out),
            "plan" => plan = Some((out.status.code(), stdout(&out) + &stderr(&out))),
            _ if !out.status.success() => panic!("step {id} failed: {}", stderr(&out)),
            _ => {}
        }
    }
    let out = last.expect("the lint step ran");
    ActionRun {
        code: out.status.code(),
        stdout: stdout(&out),
        stderr: stderr(&out),
        outputs: step_outputs,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        plan,
    }
}

#[test]
fn github_action_runs_as_github_loads_it() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    std::fs::create_dir(ws.join("deploy")).unwrap();
    std::fs::copy(
        root().join("fixtures/rules/missing-key/fail.yaml"),
        ws.join("deploy/bad.yaml"),
    )
    .unwrap();
    std::fs::copy(
        root().join("fixtures/example/app.yaml"),
        ws.join("deploy/app.yaml"),
    )
    .unwrap();
    std::fs::write(ws.join("deploy/notes.txt"), "not yaml").unwrap();

    // Findings: annotations, SARIF, summary, outputs, exit 1; a glob in paths.
    let r = run_action(
        ws,
        &[
            ("paths", "deploy/*.yaml"),
            ("args", "--ignore unused-config"),
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("::error file=deploy/bad.yaml,line=25,")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("::warning file=deploy/app.yaml,"))
    );
    assert_eq!(r.outputs["lint.sarif-file"], "confsum.sarif");
    assert_eq!(r.outputs["version.fingerprint"].len(), 32);
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("confsum.sarif")).unwrap()).unwrap();
    assert!(log["runs"][0]["results"].as_array().unwrap().len() >= 4);
    assert!(
        r.summary.contains("| `missing-key` | error | 2 |"),
        "{}",
        r.summary
    );

    // Clean at this threshold: exit 0.
    let r = run_action(ws, &[("paths", "deploy/app.yaml"), ("fail-on", "never")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);

    // A manifest that does not parse is a finding, located; lint goes on.
    std::fs::write(
        ws.join("deploy/broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata: [\n",
    )
    .unwrap();
    let r = run_action(ws, &[("paths", "deploy/broken.yaml")]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("::error file=deploy/broken.yaml,line=3,")
                && l.contains("invalid-object")),
        "{}",
        r.stdout
    );
    // Input confsum cannot read: exit 2, and still a SARIF file to upload.
    std::fs::write(
        ws.join("deploy/broken.yaml"),
        b"apiVersion: v1\nkind: \xff\n",
    )
    .unwrap();
    std::fs::remove_file(ws.join("confsum.sarif")).unwrap();
    let r = run_action(ws, &[("paths", "deploy/broken.yaml")]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("deploy/broken.yaml:2:7"), "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("error:").count(),
        1,
        "the error once: {}",
        r.stderr
    );
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("confsum.sarif")).unwrap()).unwrap();
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );

    // A glob that matches nothing is named in the error, as written.
    let r = run_action(ws, &[("paths", "nowhere/*.yaml")]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("nowhere/*.yaml"), "{}", r.stderr);
}

/// The fingerprint (the cache key) follows the action's source.
#[test]
fn github_action_cache_key_changes_with_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("action");
    std::fs::create_dir_all(&copy).unwrap();
    for dir in ["src", "scripts"] {
        let status = Command::new("cp")
            .arg("-r")
            .arg(root().join(dir))
            .arg(copy.join(dir))
            .status();
        assert!(status.unwrap().success());
    }
    for f in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        std::fs::copy(root().join(f), copy.join(f)).unwrap();
    }
    let fingerprint = || {
        let out_file = tmp.path().join("out");
        std::fs::write(&out_file, "").unwrap();
        let out = run(Command::new("bash")
            .arg(copy.join("scripts/action-fingerprint.sh"))
            .env("GITHUB_ACTION_PATH", &copy)
            .env("GITHUB_OUTPUT", &out_file));
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::read_to_string(&out_file).unwrap()
    };
    let before = fingerprint();
    assert_eq!(before, fingerprint(), "stable");
    std::fs::write(copy.join("src/lib.rs"), "// a new version\n").unwrap();
    assert_ne!(before, fingerprint(), "a new version gets a new key");
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn argocd_cmp_generate_command_runs() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let text = std::fs::read_to_string(root().join("integrations/argocd/cmp-plugin.yaml")).unwrap();
    let docs = confsum::yaml::parse_stream(&text).unwrap();
    let doc = &docs[0];
    let r = doc.root().unwrap();
    assert_eq!(doc.str_at(r, &["kind"]), Some("ConfigManagementPlugin"));
    // Argo CD names a versioned plugin `<name>-<version>`; the comment
    // tells users that name.
    let name = format!(
        "{}-{}",
        doc.str_at(r, &["metadata", "name"]).unwrap(),
        doc.str_at(r, &["spec", "version"]).unwrap()
    );
    assert!(
        text.contains(&format!("plugin: {{name: {name}}}")),
        "{name}"
    );
    let command = |step: &str| -> Vec<String> {
        let node = doc.path(r, &["spec", step]).unwrap();
        let mut all: Vec<String> = doc
            .items(doc.get(node, "command").unwrap())
            .map(|i| doc.scalar(i).unwrap().to_string())
            .collect();
        all.extend(
            doc.items(doc.get(node, "args").unwrap())
                .map(|i| doc.scalar(i).unwrap().to_string()),
        );
        all
    };
    let tools = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&helm, tools.path().join("helm")).unwrap();
    std::os::unix::fs::symlink(bin(), tools.path().join("confsum")).unwrap();
    // As Argo CD runs a step: in the app's folder, with its variables.
    let step = |step: &str, dir: &Path, extra: &[(&str, &str)]| {
        let c = command(step);
        let mut cmd = Command::new(&c[0]);
        cmd.args(&c[1..])
            .current_dir(dir)
            .env("PATH", path_with(&[tools.path()]))
            .env("ARGOCD_APP_NAME", "demo")
            .env("ARGOCD_APP_NAMESPACE", "prod")
            .env_remove("CONFSUM_HMAC_KEY");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        run(&mut cmd)
    };
    let out = step("generate", &fixture("charts/demo"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("confsum.dev/config-checksum").count(),
        3
    );

    // The cluster's version and APIs reach helm.
    let caps = [
        ("KUBE_VERSION", "1.29.0"),
        ("KUBE_API_VERSIONS", "v1,apps/v1,monitoring.coreos.com/v1"),
    ];
    let out = step("generate", &fixture("charts/capabilities"), &caps);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("kube: \"v1.29.0\""),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("monitoring: \"prometheus-operator\""),
        "{}",
        stdout(&out)
    );
    let without = step("generate", &fixture("charts/capabilities"), &[]);
    assert!(!stdout(&without).contains("prometheus-operator"));

    // No failed step is hidden: helm failing fails generate, and a chart
    // whose dependency cannot be built fails init.
    let failing = step("generate", &fixture("charts/broken"), &[]);
    assert!(
        !failing.status.success(),
        "a helm failure fails the generate command"
    );
    let ok_init = step("init", &fixture("charts/demo"), &[]);
    assert!(ok_init.status.success(), "{}", stderr(&ok_init));
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("charts/demo"), tmp.path());
    let mut chart = std::fs::read_to_string(tmp.path().join("Chart.yaml")).unwrap();
    chart.push_str("dependencies:\n- name: gone\n  version: 1.0.0\n  repository: file://../gone\n");
    std::fs::write(tmp.path().join("Chart.yaml"), chart).unwrap();
    let bad_init = step("init", tmp.path(), &[]);
    assert!(
        !bad_init.status.success(),
        "init fails on a missing dependency"
    );
    assert!(!stderr(&bad_init).is_empty(), "helm's words are shown");
}

#[test]
#[cfg_attr(
    not(has_kustomize),
    ignore = "needs kustomize: set CONFSUM_TEST_KUSTOMIZE or put it on PATH (.ci/run installs it)"
)]
fn kustomize_recipe_runs() {
    let kustomize = client("CONFSUM_TEST_KUSTOMIZE", "kustomize");
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

/// The KRM function with the real kustomize (exec function): a passing build
/// gets checksums, a failing one fails kustomize with confsum's finding.
#[test]
#[cfg_attr(
    not(has_kustomize),
    ignore = "needs kustomize: set CONFSUM_TEST_KUSTOMIZE or put it on PATH (.ci/run installs it)"
)]
fn kustomize_krm_function_runs_in_kustomize() {
    let kustomize = client("CONFSUM_TEST_KUSTOMIZE", "kustomize");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("krm");
    copy_dir(&root().join("integrations/kustomize-krm"), &dir);
    let build = |dir: &Path| {
        run(Command::new(&kustomize)
            .args(["build", "--enable-alpha-plugins", "--enable-exec"])
            .arg(dir)
            .env("CONFSUM", bin()))
    };
    let out = build(&dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("confsum.dev/config-checksum: "), "{text}");
    assert!(
        !text.contains("config.kubernetes.io/index"),
        "kustomize mapped the items back: {text}"
    );
    // The same checksum as confsum inject on the plain manifests.
    let graph = confsum()
        .args(["graph", "--format", "json"])
        .arg(dir.join("app.yaml"))
        .output()
        .unwrap();
    let g: serde_json::Value = serde_json::from_slice(&graph.stdout).unwrap();
    let sum = g["workloads"][0]["checksums"]["config"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains(&sum), "{text}");

    let mut app = std::fs::read_to_string(dir.join("app.yaml")).unwrap();
    app.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: typo\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: busybox\n        env:\n        - name: LEVEL\n          valueFrom:\n            configMapKeyRef: {name: app-config, key: LOG_LEVL}\n");
    std::fs::write(dir.join("app.yaml"), app).unwrap();
    let out = build(&dir);
    assert!(!out.status.success(), "the build fails");
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("error[missing-key]: Deployment/typo"),
        "{}",
        stderr(&out)
    );
}

#[test]
#[cfg_attr(
    not(has_kustomize),
    ignore = "needs kustomize: set CONFSUM_TEST_KUSTOMIZE or put it on PATH (.ci/run installs it)"
)]
fn kustomize_recipe_fails_when_the_build_fails() {
    let kustomize = client("CONFSUM_TEST_KUSTOMIZE", "kustomize");
    let tools = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&kustomize, tools.path().join("kustomize")).unwrap();
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(
        broken.path().join("kustomization.yaml"),
        "resources:\n- missing.yaml\n",
    )
    .unwrap();
    let out = run(Command::new(root().join("integrations/kustomize.sh"))
        .arg(broken.path())
        .env("PATH", path_with(&[tools.path()]))
        .env("CONFSUM", bin()));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
}

#[test]
fn inject_takes_an_empty_release_from_a_pipe() {
    let out = confsum()
        .args(["inject", "--verbose"])
        .write_stdin("")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("the input is empty"),
        "{}",
        stderr(&out)
    );
}

/// A repository with a base commit (the example manifests and the demo
/// chart) and a head commit that changes a consumed key of each, and the
/// event file of a pull request between them.
pub fn pull_request_repo() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    git(ws, &["init", "-q"]);
    std::fs::create_dir(ws.join("deploy")).unwrap();
    std::fs::copy(fixture("example/app.yaml"), ws.join("deploy/app.yaml")).unwrap();
    let status = Command::new("cp")
        .arg("-r")
        .arg(fixture("charts/demo"))
        .arg(ws.join("chart"))
        .status()
        .unwrap();
    assert!(status.success());
    git(ws, &["add", "."]);
    git(ws, &["commit", "-qm", "base"]);
    let base = stdout(&run(Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(ws)))
    .trim()
    .to_string();
    let app = std::fs::read_to_string(ws.join("deploy/app.yaml")).unwrap();
    std::fs::write(
        ws.join("deploy/app.yaml"),
        app.replace("LOG_LEVEL: info", "LOG_LEVEL: debug"),
    )
    .unwrap();
    let values = std::fs::read_to_string(ws.join("chart/values.yaml")).unwrap();
    std::fs::write(ws.join("chart/values.yaml"), values.replace("info", "warn")).unwrap();
    git(ws, &["commit", "-qam", "head"]);
    let event = ws.join("event.json");
    std::fs::write(
        &event,
        format!("{{\"pull_request\": {{\"base\": {{\"sha\": \"{base}\"}}}}}}"),
    )
    .unwrap();
    (tmp, event)
}

/// The environment of a `pull_request` event, with helm for the charts.
pub fn pull_request_env<'p>(event: &'p Path, helm: &'p Path) -> [(&'static str, &'p Path); 3] {
    [
        ("GITHUB_EVENT_NAME", Path::new("pull_request")),
        ("GITHUB_EVENT_PATH", event),
        ("CONFSUM_HELM", helm),
    ]
}

/// The Action's plan on a pull request, end to end: a repository with a
/// base and a head commit, the environment a `pull_request` event sets, and
/// the real helm for the chart.
#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn github_action_plans_a_pull_request() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let (tmp, event) = pull_request_repo();
    let ws = tmp.path();
    let pr = pull_request_env(&event, &helm);
    let inputs = [
        ("paths", "deploy/*.yaml chart"),
        ("plan", "true"),
        ("fail-on", "never"),
    ];
    let r = run_action_with(ws, &inputs, &pr);
    let (code, log) = r.plan.clone().expect("the plan step ran");
    assert_eq!(code, Some(0), "{log}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join(&r.outputs["plan.plan-json"])).unwrap())
            .unwrap();
    let rolled: Vec<&str> = json["rolls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(r.outputs["plan.rolls"], rolled.len().to_string(), "{log}");
    // The manifests' Deployment, and the chart's workloads that read the
    // changed key (rendered with helm at both commits).
    assert!(rolled.contains(&"demo-api"), "{json}");
    assert!(rolled.contains(&"demo-env"), "{json}");
    assert!(r.summary.contains("### confsum plan"), "{}", r.summary);
    assert!(r.summary.contains("```mermaid"), "{}", r.summary);
    assert!(r.summary.contains("LOG_LEVEL"), "keys are named");
    // An explicit approval: the step fails when anything rolls.
    let strict = [
        ("paths", "deploy"),
        ("plan", "true"),
        ("fail-on-roll", "true"),
        ("fail-on", "never"),
    ];
    let r = run_action_with(ws, &strict, &pr);
    assert_eq!(r.plan.expect("the plan step ran").0, Some(1));
    // Not a pull request: nothing to plan; without `plan`, no step at all.
    let push = [("GITHUB_EVENT_NAME", Path::new("push"))];
    let r = run_action_with(ws, &inputs, &push);
    let (code, log) = r.plan.expect("the plan step ran");
    assert_eq!(code, Some(0));
    assert!(log.contains("nothing to plan"), "{log}");
    let r = run_action_with(ws, &[("paths", "deploy"), ("fail-on", "never")], &pr);
    assert!(r.plan.is_none());
}
