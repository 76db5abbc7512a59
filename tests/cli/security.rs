//! The threat model of SECURITY.md, one regression test per case: a chart
//! cannot run commands, no error shows a Secret value, inject never writes
//! what does not parse, resources stay bounded, `--write` treats files as
//! careful tools do, and no input can hijack a terminal or a CI log.

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::integrations::client;

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  k: v\n";
const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: i\n        envFrom:\n        - configMapRef:\n            name: app\n";

/// The binary as a std Command, for a stdin that is a file or device
/// handed over as it is (never read into memory first).
fn plain_confsum() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_confsum"));
    c.env_remove("CONFSUM_HMAC_KEY")
        .env_remove("HELM_NAMESPACE")
        .env("NO_COLOR", "1");
    c
}

fn manifests() -> String {
    format!("{CM}---\n{DEPLOY}")
}

// ---------------------------------------------------------------- helm

/// A chart named so that helm would read it as `--post-renderer=sh`: helm
/// would pipe the render into sh, which runs `$(touch MARKER)`.
fn hostile_chart(dir: &Path, marker: &Path) -> PathBuf {
    let chart = dir.join("evil");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: --post-renderer=sh\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"$(touch {})\"\n",
            marker.display()
        ),
    )
    .unwrap();
    chart
}

fn assert_refused_and_nothing_ran(route: &str, out: &std::process::Output, marker: &Path) {
    assert_eq!(out.status.code(), Some(2), "{route}: {}", stderr(out));
    assert!(out.stdout.is_empty(), "{route}");
    assert!(
        stderr(out).contains("not a valid Helm release name"),
        "{route}: {}",
        stderr(out)
    );
    assert!(!marker.exists(), "{route}: the chart ran a command");
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn a_chart_name_is_never_a_helm_option_on_any_route() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("pwned");
    let chart = hostile_chart(tmp.path(), &marker);
    let lint = || {
        let mut c = confsum();
        c.arg("lint").arg("--helm").arg(&helm);
        c
    };

    let out = lint().arg(&chart).output().unwrap();
    assert_refused_and_nothing_ran("chart folder", &out, &marker);

    let out = lint().arg(tmp.path()).output().unwrap();
    assert_refused_and_nothing_ran("folder walk", &out, &marker);

    let out = confsum()
        .arg("graph")
        .arg("--helm")
        .arg(&helm)
        .arg(&chart)
        .output()
        .unwrap();
    assert_refused_and_nothing_ran("graph", &out, &marker);

    let tgz = tmp.path().join("evil-0.1.0.tgz");
    let tar = std::process::Command::new("tar")
        .arg("czf")
        .arg(&tgz)
        .arg("-C")
        .arg(tmp.path())
        .arg("evil")
        .status()
        .unwrap();
    assert!(tar.success());
    let out = lint().arg(&tgz).output().unwrap();
    assert_refused_and_nothing_ran("packaged chart", &out, &marker);

    let out = lint()
        .args(["--all-values", "--owning-charts"])
        .arg(chart.join("templates/cm.yaml"))
        .output()
        .unwrap();
    assert_refused_and_nothing_ran("pre-commit (--owning-charts)", &out, &marker);

    // A release name given by the user is held to the same rule.
    let out = lint()
        .arg("--release-name=--post-renderer=sh")
        .arg(root().join("fixtures/charts/demo"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a valid Helm release name"));
}

#[test]
#[cfg_attr(
    not(has_helm),
    ignore = "needs helm: set CONFSUM_TEST_HELM or put helm on PATH (.ci/run installs it)"
)]
fn a_chart_path_that_looks_like_an_option_is_passed_as_a_path() {
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let tmp = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(root().join("fixtures/charts/demo"))
        .arg(tmp.path().join("--help"))
        .status()
        .unwrap();
    assert!(status.success());
    let out = confsum()
        .current_dir(tmp.path())
        .args(["lint", "--format", "json", "--fail-on", "never", "--helm"])
        .arg(&helm)
        .args(["--", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !v["findings"].as_array().unwrap().is_empty(),
        "the chart was rendered, not helm's usage"
    );
}

/// A stand-in helm: records its arguments, then runs `body`.
fn fake_helm(dir: &Path, body: &str) -> PathBuf {
    let helm = dir.join("helm");
    std::fs::write(
        &helm,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> {}\n{body}\n",
            dir.join("args").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    helm
}

#[test]
fn every_helm_argument_is_an_option_value_or_after_double_dash() {
    let tmp = tempfile::tempdir().unwrap();
    let helm = fake_helm(tmp.path(), &format!("cat <<'EOF'\n{CM}EOF"));
    let out = confsum()
        .args(["lint", "--fail-on", "never", "--helm"])
        .arg(&helm)
        .args([
            "--values=-weird-values.yaml",
            "--set=-x=1",
            "--namespace",
            "ns",
        ])
        .arg(root().join("fixtures/charts/demo"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let args = std::fs::read_to_string(tmp.path().join("args")).unwrap();
    // The first call (lint renders a chart twice, alike).
    let all: Vec<&str> = args.lines().collect();
    let second = all
        .iter()
        .skip(1)
        .position(|a| *a == "template")
        .map_or(all.len(), |i| i + 1);
    let args = &all[..second];
    assert_eq!(all[second..], all[..all.len() - second], "both calls alike");
    let dashes = args.iter().position(|a| *a == "--").expect("a `--`");
    assert_eq!(args[0], "template");
    for a in &args[1..dashes] {
        assert!(
            a.starts_with("--") && a.contains('='),
            "option {a:?} is one argument"
        );
    }
    assert_eq!(args[dashes + 1], "demo", "the release name");
    assert_eq!(args.len(), dashes + 3);
    assert!(args.contains(&"--values=-weird-values.yaml"));
    assert!(args.contains(&"--set=-x=1"));
}

#[test]
fn a_hanging_helm_is_stopped_and_its_stderr_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let helm = fake_helm(tmp.path(), "sleep 60");
    let started = Instant::now();
    let out = confsum()
        .args(["lint", "--helm-timeout", "1s", "--helm"])
        .arg(&helm)
        .arg(root().join("fixtures/charts/demo"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did not finish"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(30));

    let tmp = tempfile::tempdir().unwrap();
    let helm = fake_helm(
        tmp.path(),
        "echo 'Error: template: x.yaml:3: bad' >&2\necho '::error file=a.yaml::injected' >&2\nexit 1",
    );
    let out = confsum()
        .args(["lint", "--helm"])
        .arg(&helm)
        .arg(root().join("fixtures/charts/demo"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("helm: Error: template: x.yaml:3: bad"),
        "{err}"
    );
    assert!(
        err.lines().all(|l| !l.trim_start().starts_with("::")),
        "a chart's text started a workflow command: {err}"
    );
}

// ---------------------------------------------------------------- leaks

const SECRET_VALUE: &str = "HUNTER2-LEAK-5a1f";

fn secret_then(next: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {SECRET_VALUE}\n{next}"
    )
}

/// Every command, every format: the value appears on no stream (stdout is
/// allowed to carry it only where the manifests themselves are the output).
fn assert_never_shown(case: &str, text: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("m.yaml");
    std::fs::write(&file, text).unwrap();
    let mut runs: Vec<Vec<&str>> = vec![
        vec!["inject"],
        vec!["inject", "--diff"],
        vec!["inject", "--check"],
        vec!["inject", "--write"],
        vec!["graph"],
        vec!["graph", "--format", "mermaid"],
    ];
    for f in ["human", "json", "sarif", "github", "markdown"] {
        runs.push(vec!["lint", "--fail-on", "never", "--format", f]);
    }
    for args in &runs {
        let out = confsum().args(args).arg(&file).output().unwrap();
        let shown = format!("{}{}", stderr(&out), String::from_utf8_lossy(&out.stdout));
        let stdout_is_manifests = args == &vec!["inject"] && out.status.success();
        if !stdout_is_manifests {
            assert!(
                !shown.contains(SECRET_VALUE),
                "{case}: {args:?} shows the value:\n{shown}"
            );
        } else {
            assert!(!stderr(&out).contains(SECRET_VALUE), "{case}: {args:?}");
        }
    }
    let out = plain_confsum()
        .arg("post-render")
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap();
    if !out.status.success() {
        assert!(out.stdout.is_empty());
    }
    assert!(!stderr(&out).contains(SECRET_VALUE), "{case}: post-render");
}

#[test]
fn no_error_snippet_shows_a_neighbouring_secret() {
    for (case, text) in [
        ("--- x", secret_then("--- x\n")),
        ("--- [", secret_then("--- [\n")),
        ("--- !!str x", secret_then("--- !!str x\n")),
        (
            "a broken ConfigMap after it",
            secret_then(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: [\n",
            ),
        ),
        (
            "a Deployment error before a flow Secret",
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template: [\n--- {{kind: Secret, apiVersion: v1, metadata: {{name: s}}, stringData: {{password: {SECRET_VALUE}}}}}\n"
            ),
        ),
        (
            "an escaped kind",
            format!(
                "apiVersion: v1\nkind: \"Secr\\u0065t\"\nmetadata:\n  name: s\n  labels: [\nstringData:\n  password: {SECRET_VALUE}\n"
            ),
        ),
        (
            "an escaped kind that parses",
            format!(
                "apiVersion: v1\nkind: \"Secr\\u0065t\"\nmetadata:\n  name: s\nstringData: [{SECRET_VALUE}]\n"
            ),
        ),
    ] {
        assert_never_shown(case, &text);
    }
}

#[test]
fn masking_follows_anchors_and_merge_keys_into_secret_data() {
    for (case, text) in [
        (
            "an anchor in the labels",
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  labels:\n    x: &p {SECRET_VALUE}\nstringData:\n  password: *p\n---\n{DEPLOY}"
            ),
        ),
        (
            "a merge key",
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  labels: &base\n    password: {SECRET_VALUE}\nstringData:\n  <<: *base\n"
            ),
        ),
    ] {
        assert_never_shown(case, &text);
    }
}

// ---------------------------------------------------------------- writes

#[test]
fn bare_cr_line_breaks_are_kept_and_the_output_parses() {
    let text = manifests().replace('\n', "\r");
    let out = confsum()
        .arg("inject")
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let injected = stdout(&out);
    assert!(!injected.contains('\n'), "only CR line breaks");
    assert!(injected.contains("confsum.dev/config-checksum"));
    // The output reads back with the same checksum, and a second run is a no-op.
    let graph = confsum()
        .args(["graph", "--format", "json"])
        .write_stdin(injected.clone())
        .output()
        .unwrap();
    assert!(graph.status.success(), "{}", stderr(&graph));
    let again = confsum()
        .arg("inject")
        .write_stdin(injected.clone())
        .output()
        .unwrap();
    assert_eq!(stdout(&again), injected);
}

#[test]
fn a_tag_or_anchor_on_the_first_key_of_a_pod_template_is_left_alone() {
    for first in ["!!str spec:", "&a spec:"] {
        let text = format!(
            "{CM}---\n{}",
            DEPLOY.replace("    spec:", &format!("    {first}"))
        );
        let out = confsum()
            .arg("inject")
            .write_stdin(text.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{first}: {}", stderr(&out));
        assert_eq!(stdout(&out), text, "{first}: untouched");
        assert!(
            stderr(&out).contains("left Deployment/default/web untouched"),
            "{}",
            stderr(&out)
        );
    }
}

fn write_files(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let p = dir.join(format!("m{i:04}.yaml"));
            std::fs::write(
                &p,
                manifests()
                    .replace("name: app", &format!("name: app{i}"))
                    .replace("name: web", &format!("name: web{i}")),
            )
            .unwrap();
            p
        })
        .collect()
}

#[test]
fn write_keeps_few_files_open_however_many_change() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(tmp.path(), 300);
    let bin = env!("CARGO_BIN_EXE_confsum");
    // 64 descriptors for 300 changed files.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 64 && exec {bin} inject --write --quiet {}",
            tmp.path().display()
        ))
        .env_remove("CONFSUM_HMAC_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sample = std::fs::read_to_string(tmp.path().join("m0299.yaml")).unwrap();
    assert!(sample.contains("confsum.dev/config-checksum"));
}

#[test]
fn write_edits_a_symlink_target_and_keeps_the_link_owner_and_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real.yaml");
    std::fs::write(&real, manifests()).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let is_root = std::fs::metadata(tmp.path()).unwrap().uid() == 0;
    if is_root {
        std::os::unix::fs::chown(&real, Some(4321), Some(4321)).unwrap();
    }
    let link = tmp.path().join("link.yaml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = confsum()
        .args(["inject", "--write"])
        .arg(&link)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let meta = std::fs::metadata(&real).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o640);
    if is_root {
        assert_eq!((meta.uid(), meta.gid()), (4321, 4321));
    }
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("config-checksum")
    );
}

#[test]
fn write_refuses_read_only_files_and_hard_links_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let ok = tmp.path().join("a-ok.yaml");
    std::fs::write(&ok, manifests()).unwrap();
    let ro = tmp.path().join("b-readonly.yaml");
    std::fs::write(
        &ro,
        manifests()
            .replace("name: web", "name: web2")
            .replace("name: app", "name: app2"),
    )
    .unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = confsum()
        .args(["inject", "--write"])
        .arg(&ok)
        .arg(&ro)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&ok).unwrap(),
        manifests(),
        "all or nothing"
    );

    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o644)).unwrap();
    let hard = tmp.path().join("c-hard.yaml");
    std::fs::hard_link(&ro, &hard).unwrap();
    let out = confsum()
        .args(["inject", "--write"])
        .arg(&ok)
        .arg(&hard)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("hard links"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&ok).unwrap(), manifests());
    assert_eq!(std::fs::metadata(&hard).unwrap().nlink(), 2);
}

// ---------------------------------------------------------------- reading

#[test]
fn devices_and_endless_streams_fail_at_once() {
    for args in [
        vec!["inject", "/dev/zero"],
        vec!["lint", "/dev/zero"],
        vec!["graph", "/dev/urandom"],
    ] {
        let started = Instant::now();
        let out = confsum().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("not a regular file"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    let out = confsum()
        .args(["inject", "--hmac-key-file", "/dev/zero"])
        .write_stdin(manifests())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("over 4096 bytes"), "{}", stderr(&out));
    // Random bytes fail on whichever comes first: a NUL (about 1 run in 256) or
    // a byte that is not UTF-8.
    for (device, says) in [
        ("/dev/urandom", &["invalid UTF-8", "NUL byte"][..]),
        ("/dev/zero", &["NUL byte"][..]),
    ] {
        let started = Instant::now();
        let out = plain_confsum()
            .arg("inject")
            .stdin(std::fs::File::open(device).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{device}");
        assert!(
            says.iter().any(|says| stderr(&out).contains(says)),
            "{device}: {}",
            stderr(&out)
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{device}: stopped at once"
        );
    }
}

#[test]
fn a_pipe_still_reads_as_a_file() {
    // `confsum lint <(helm template ...)` names a pipe.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{} graph <(printf '%s' \"$M\")",
            env!("CARGO_BIN_EXE_confsum")
        ))
        .env("M", manifests())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Deployment"));
}

#[test]
fn a_folder_walk_stays_inside_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(
        outside.join("passwd.yaml"),
        "root:x:0:0:SECRET-ROOT-LINE:/root:/bin/bash\n",
    )
    .unwrap();
    let tree = tmp.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("app.yaml"), manifests()).unwrap();
    std::os::unix::fs::symlink(outside.join("passwd.yaml"), tree.join("p.yaml")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("gone.yaml"), tree.join("dangling.yaml")).unwrap();
    std::os::unix::fs::symlink(tree.join("app.yaml"), tree.join("inside.yaml")).unwrap();
    for cmd in ["graph", "lint", "inject"] {
        let out = confsum().arg(cmd).arg(&tree).output().unwrap();
        let all = format!("{}{}", stderr(&out), stdout(&out));
        assert_ne!(out.status.code(), Some(2), "{cmd}: {all}");
        assert!(!all.contains("SECRET-ROOT-LINE"), "{cmd}: {all}");
        assert!(
            stderr(&out).contains("p.yaml`: a symbolic link that leaves"),
            "{cmd}: {all}"
        );
        assert!(
            stderr(&out).contains("dangling.yaml`: a symbolic link to nothing"),
            "{cmd}: {all}"
        );
    }
}

// ---------------------------------------------------------------- output

#[test]
fn control_characters_in_names_never_reach_a_terminal_or_a_log() {
    let evil = "web\u{1b}[2J\u{1b}]0;owned\u{7}\n::error file=x::injected";
    let text = format!(
        "{CM}---\n{}",
        DEPLOY.replace(
            "name: web",
            &format!("name: {}", serde_json::to_string(evil).unwrap())
        )
    );
    let mut runs: Vec<Vec<&str>> = vec![
        vec!["graph"],
        vec!["graph", "--format", "mermaid"],
        vec!["graph", "--format", "dot"],
        vec!["inject", "--verbose"],
    ];
    for f in ["human", "markdown"] {
        runs.push(vec!["lint", "--fail-on", "never", "--format", f]);
    }
    for args in runs {
        let out = confsum()
            .args(&args)
            .write_stdin(text.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let shown = if args[0] == "inject" {
            stderr(&out)
        } else {
            format!("{}{}", stdout(&out), stderr(&out))
        };
        assert!(!shown.contains('\u{1b}'), "{args:?}: raw ESC");
        assert!(!shown.contains('\u{7}'), "{args:?}: raw BEL");
        assert!(
            shown
                .lines()
                .all(|l| !l.trim_start().starts_with("::error")),
            "{args:?}: a name started a line:\n{shown}"
        );
        assert!(
            shown.contains("\\u{1b}"),
            "{args:?}: shown as text:\n{shown}"
        );
    }
}

#[test]
fn an_error_message_cannot_start_a_workflow_command() {
    // An error whose message quotes a name written with a newline.
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"a\\n::error file=x.yaml::owned\"\ndata: just a scalar\n";
    let out = confsum().arg("graph").write_stdin(text).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.lines().all(|l| !l.trim_start().starts_with("::")),
        "{err}"
    );
}

// ---------------------------------------------------------------- checksums

#[test]
fn guessable_secret_checksums_are_named_and_empty_keys_refused() {
    let text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pin\nstringData:\n  pin: \"4821\"\n---\n{}",
        DEPLOY
            .replace("configMapRef", "secretRef")
            .replace("name: app", "name: pin")
    );
    let out = confsum()
        .arg("inject")
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("guessable-secret-checksum"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("4821"));
    // lint reports what the input carries: nothing before inject, the
    // guessable checksum once it is written.
    let lint = |text: &[u8]| {
        confsum()
            .args(["lint", "--format", "json", "--fail-on", "never"])
            .write_stdin(text.to_vec())
            .output()
            .unwrap()
    };
    assert!(!stdout(&lint(text.as_bytes())).contains("\"guessable-secret-checksum\""));
    let injected = lint(&out.stdout);
    assert!(stdout(&injected).contains("\"guessable-secret-checksum\""));
    assert!(!stdout(&injected).contains("4821"));
    // With a key, the checksum reveals nothing: no note, no finding.
    let keyed = confsum()
        .env("CONFSUM_HMAC_KEY", "k3y-from-a-ci-secret")
        .arg("inject")
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert!(keyed.status.success());
    assert!(!stderr(&keyed).contains("guessable"));
    let keyed = confsum()
        .env("CONFSUM_HMAC_KEY", "k3y-from-a-ci-secret")
        .args(["lint", "--format", "json", "--fail-on", "never"])
        .write_stdin(keyed.stdout.clone())
        .output()
        .unwrap();
    assert!(!stdout(&keyed).contains("\"guessable-secret-checksum\""));
    // An empty key never falls back to plain SHA-256 without a word.
    let out = confsum()
        .env("CONFSUM_HMAC_KEY", "")
        .arg("inject")
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("CONFSUM_HMAC_KEY is set but empty"));
    assert!(out.stdout.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key");
    let mut f = std::fs::File::create(&key).unwrap();
    f.write_all(b"\n").unwrap();
    let out = confsum()
        .arg("inject")
        .arg("--hmac-key-file")
        .arg(&key)
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is empty"));
}
