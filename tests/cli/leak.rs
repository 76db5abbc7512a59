//! No output format, report, diff or error message ever shows a Secret value
//! or a value that looks like a credential.

use crate::common::*;

const MARKERS: &[&str] = &[
    "MARKER-DATA-9c1e",
    "TUFSS0VSLURBVEEtOWMxZQ",
    "MARKER-STRINGDATA-41aa",
    "MARKER-ANNOTATION-7f3a",
    "MARKER-CMPASS-5e0c",
    "AKIAMARKER0000000000",
    "MARKER-BADB64-2b8d",
    "MARKER-SYNTAX-77ee",
];

fn assert_no_marker(what: &str, out: &std::process::Output, stdout_too: bool) {
    let mut text = stderr(out);
    if stdout_too {
        text.push_str(&stdout(out));
    }
    for m in MARKERS {
        assert!(!text.contains(m), "{what} shows {m}:\n{text}");
    }
}

#[test]
fn no_format_shows_a_secret_value() {
    let file = fixture("leak/markers.yaml");
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for f in ["human", "json", "sarif", "github", "markdown"] {
        runs.push(vec!["lint", "--fail-on", "never", "--format", f]);
    }
    for f in ["text", "json", "dot", "mermaid"] {
        runs.push(vec!["graph", "--format", f]);
    }
    runs.push(vec!["inject", "--diff"]);
    runs.push(vec!["inject", "--check"]);
    for args in runs {
        let out = confsum().args(&args).arg(&file).output().unwrap();
        assert!(out.status.code() != Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            !out.stdout.is_empty() || args.contains(&"--check"),
            "{args:?} printed something to check"
        );
        assert_no_marker(&format!("{args:?}"), &out, true);
    }
    // The lint finding on the bad key of the Secret is there, without its value.
    let out = confsum()
        .args(["lint", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(stdout(&out).contains("secret-like-in-configmap"));
    assert!(stdout(&out).contains("missing-key"));
}

#[test]
fn inject_and_post_render_print_secrets_only_in_the_manifests() {
    let file = fixture("leak/markers.yaml");
    let out = confsum().arg("inject").arg(&file).output().unwrap();
    assert!(out.status.success());
    assert_no_marker("inject stderr", &out, false);
    let out = confsum()
        .arg("post-render")
        .write_stdin(std::fs::read(&file).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_no_marker("post-render stderr", &out, false);
}

#[test]
fn error_messages_show_no_secret_value() {
    for name in ["leak/markers-bad-base64.yaml", "leak/markers-syntax.yaml"] {
        let file = fixture(name);
        for args in [
            vec!["graph"],
            vec!["inject"],
            vec!["inject", "--diff"],
            vec!["lint"],
        ] {
            let out = confsum().args(&args).arg(&file).output().unwrap();
            if args[0] != "lint" {
                assert_eq!(out.status.code(), Some(2), "{name} {args:?}");
            }
            assert_no_marker(&format!("{name} {args:?}"), &out, true);
        }
        let out = confsum()
            .arg("post-render")
            .write_stdin(std::fs::read(&file).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_no_marker(&format!("{name} post-render"), &out, true);
    }
}
