//! `confsum inject` and `post-render` on synthetic input covering every
//! form a pod template comes in.

use std::path::Path;

use crate::common::*;

const FIXTURES: [&str; 8] = [
    "annotations-forms",
    "crlf",
    "bom",
    "flow",
    "jobs",
    "list",
    "aliases",
    "annotations-forms",
];

fn inject(path: &Path) -> (String, String) {
    let out = confsum().arg("inject").arg(path).output().unwrap();
    assert!(out.status.success(), "{}: {}", path.display(), stderr(&out));
    (stdout(&out), stderr(&out))
}

#[test]
fn synthetic_fixtures_inject_minimal_idempotent_edits() {
    // The PyYAML cross-check needs python3 with PyYAML; the rest does not.
    let pyyaml = python_has("yaml");
    let tmp = tempfile::tempdir().unwrap();
    for name in FIXTURES {
        let path = fixture(&format!("inject/{name}.yaml"));
        let input = std::fs::read_to_string(&path).unwrap();
        let (output, _) = inject(&path);
        assert_only_annotation_lines(&input, &output);
        let again = tmp.path().join(format!("{name}.yaml"));
        std::fs::write(&again, &output).unwrap();
        assert_eq!(inject(&again).0, output, "idempotent: {name}");
        let graph = tmp.path().join("g.json");
        std::fs::write(
            &graph,
            confsum()
                .args(["graph", "--format", "json"])
                .arg(&path)
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        if pyyaml {
            let check = python(
                "inject_check.py",
                &[
                    path.to_str().unwrap(),
                    again.to_str().unwrap(),
                    graph.to_str().unwrap(),
                ],
                None,
            );
            if name != "aliases" {
                assert!(
                    check.status.success(),
                    "{name}: {}{}",
                    stdout(&check),
                    stderr(&check)
                );
            }
        }

        let diff = confsum()
            .args(["inject", "--diff"])
            .arg(&path)
            .output()
            .unwrap();
        insta::assert_snapshot!(
            format!("inject_diff_{name}"),
            stdout(&diff).replace(&*root().to_string_lossy(), "ROOT")
        );
    }
}

#[test]
fn crlf_stays_crlf_and_bom_stays() {
    let (out, _) = inject(&fixture("inject/crlf.yaml"));
    assert!(out.contains("confsum.dev/config-checksum"));
    assert_eq!(
        out.matches('\n').count(),
        out.matches("\r\n").count(),
        "every line ends in CRLF"
    );
    let (out, _) = inject(&fixture("inject/bom.yaml"));
    assert!(out.starts_with('\u{feff}'));
    assert!(out.contains("naïve ☃"));
    let bom_lines = out.matches("confsum.dev/config-checksum").count();
    let (plain, _) = inject(&fixture("inject/annotations-forms.yaml"));
    assert_eq!(
        bom_lines,
        plain.matches("confsum.dev/config-checksum").count()
    );
}

#[test]
fn plain_jobs_and_bare_pods_are_left_alone_with_one_note() {
    let (out, err) = inject(&fixture("inject/jobs.yaml"));
    assert_eq!(
        out.matches("confsum.dev/config-checksum").count(),
        2,
        "hook Job and CronJob"
    );
    assert_eq!(err.matches("note:").count(), 1, "{err}");
    assert!(
        err.contains("Job/default/plain-job") && err.contains("Pod/default/bare-pod"),
        "{err}"
    );
}

#[test]
fn aliases_and_anchors_are_reported_not_edited() {
    let path = fixture("inject/aliases.yaml");
    let (out, err) = inject(&path);
    assert_eq!(out, std::fs::read_to_string(&path).unwrap());
    assert!(
        err.contains("aliases.yaml:17:5") && err.contains("anchored untouched"),
        "{err}"
    );
    assert!(err.contains("merged untouched"), "{err}");
}

#[test]
fn custom_keys_and_collision_warning() {
    let path = fixture("inject/annotations-forms.yaml");
    let out = confsum()
        .args([
            "inject",
            "--config-annotation",
            "checksum/config",
            "--secret-annotation",
            "checksum/secret",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        !text.contains("0123abcd"),
        "the chart's value is overwritten"
    );
    assert!(text.contains("checksum/config: \""));
    assert!(
        stderr(&out)
            .contains("overwrote annotation `checksum/config` of Rollout/default/with-comments"),
        "{}",
        stderr(&out)
    );
    let bad = confsum()
        .args(["inject", "--config-annotation", "not a key"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
}

#[test]
fn hmac_key_file_changes_the_values() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key");
    std::fs::write(&key, "k3y\n").unwrap();
    let path = fixture("inject/list.yaml");
    let plain = stdout(&confsum().arg("inject").arg(&path).output().unwrap());
    let keyed = stdout(
        &confsum()
            .arg("inject")
            .arg("--hmac-key-file")
            .arg(&key)
            .arg(&path)
            .output()
            .unwrap(),
    );
    let env = stdout(
        &confsum()
            .arg("inject")
            .env("CONFSUM_HMAC_KEY", "k3y")
            .arg(&path)
            .output()
            .unwrap(),
    );
    assert_ne!(plain, keyed);
    assert_eq!(
        keyed, env,
        "the file's trailing newline is not part of the key"
    );
}

fn copy_fixtures(dir: &Path, names: &[&str]) -> Vec<std::path::PathBuf> {
    names
        .iter()
        .map(|n| {
            let to = dir.join(format!("{n}.yaml"));
            std::fs::copy(fixture(&format!("inject/{n}.yaml")), &to).unwrap();
            to
        })
        .collect()
}

#[test]
fn check_diff_and_write_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let files = copy_fixtures(tmp.path(), &["list", "aliases"]);
    let check = confsum()
        .args(["inject", "--check"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("would change:") && stdout(&check).contains("list.yaml"));
    assert!(!stdout(&check).contains("aliases.yaml"));

    let diff = confsum()
        .args(["inject", "--diff"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(1));
    assert!(stdout(&diff).contains("+        annotations:"));

    let before_mtime = std::fs::metadata(&files[1]).unwrap().modified().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&files[0], std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    let write = confsum()
        .args(["inject", "--write"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(write.status.success(), "{}", stderr(&write));
    assert!(write.stdout.is_empty());
    assert_eq!(
        std::fs::metadata(&files[1]).unwrap().modified().unwrap(),
        before_mtime,
        "an unchanged file is not rewritten"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
            0o640,
            "permissions kept"
        );
    }
    assert!(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .contains("confsum.dev/config-checksum")
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".confsum-")
        })
        .collect();
    assert!(leftovers.is_empty());
    let recheck = confsum()
        .args(["inject", "--check"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(recheck.status.code(), Some(0), "{}", stdout(&recheck));
}

#[test]
fn write_touches_nothing_when_one_input_is_malformed() {
    let tmp = tempfile::tempdir().unwrap();
    let files = copy_fixtures(tmp.path(), &["list", "jobs"]);
    let bad = tmp.path().join("zz-bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n",
    )
    .unwrap();
    let before: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let out = confsum()
        .args(["inject", "--write"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("zz-bad.yaml:"), "{}", stderr(&out));
    for (f, b) in files.iter().zip(before) {
        assert_eq!(std::fs::read_to_string(f).unwrap(), b);
    }
}

#[test]
fn post_render_reads_stdin_and_uses_helm_namespace() {
    let input = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: prod}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: a, envFrom: [{configMapRef: {name: c}}]}]\n";
    // The ConfigMap has no namespace: it lands in the release namespace, so
    // the reference resolves only when that is `prod`.
    let other = confsum()
        .arg("post-render")
        .env("HELM_NAMESPACE", "staging")
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(other.status.success());
    assert!(!stdout(&other).contains("confsum.dev/"));
    let prod = confsum()
        .arg("post-render")
        .env("HELM_NAMESPACE", "prod")
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(prod.status.success());
    assert!(stdout(&prod).contains("confsum.dev/config-checksum"));
    let flag = confsum()
        .args(["post-render", "--namespace", "prod"])
        .env("HELM_NAMESPACE", "staging")
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(stdout(&flag), stdout(&prod));
}

#[test]
fn post_render_failure_prints_nothing_on_stdout() {
    let out = confsum()
        .arg("post-render")
        .write_stdin("a: [1, 2\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("-:1:4"), "{}", stderr(&out));
}

#[test]
fn comment_only_and_empty_documents_come_back_unchanged() {
    let input = "---\n# Source: x/templates/pdb.yaml\n# nothing here\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n...\n";
    let out = confsum().arg("inject").write_stdin(input).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), input);
}
