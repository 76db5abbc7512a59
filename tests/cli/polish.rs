//! The local command: help with examples, completions, man page, version,
//! quiet and verbose.

use crate::common::*;

#[test]
fn every_subcommand_has_examples_in_its_help() {
    for sub in [
        "graph",
        "inject",
        "post-render",
        "lint",
        "plan",
        "explain",
        "rules",
        "completions",
        "man",
    ] {
        let out = confsum().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}");
        assert!(
            stdout(&out).contains("Example"),
            "{sub} --help has no examples"
        );
    }
}

#[test]
fn completions_man_and_version() {
    for shell in ["bash", "zsh", "fish"] {
        let out = confsum().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        assert!(
            stdout(&out).contains("post-render"),
            "{shell} completes subcommands"
        );
    }
    let man = stdout(&confsum().arg("man").output().unwrap());
    assert!(man.contains(".TH confsum 1"));
    let v = stdout(&confsum().arg("--version").output().unwrap());
    assert_eq!(v.trim(), format!("confsum {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn quiet_and_verbose() {
    let file = fixture("inject/jobs.yaml");
    let normal = confsum().arg("inject").arg(&file).output().unwrap();
    assert!(stderr(&normal).contains("note:"));
    let quiet = confsum()
        .args(["inject", "-q"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(quiet.stderr.is_empty());
    assert_eq!(quiet.stdout, normal.stdout);
    let verbose = confsum()
        .args(["inject", "-v"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        stderr(&verbose).contains("injected Job/default/migrate: confsum.dev/config-checksum="),
        "{}",
        stderr(&verbose)
    );
    assert_eq!(verbose.stdout, normal.stdout);
    let both = confsum()
        .args(["inject", "-q", "-v"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2), "usage error");
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let out = confsum()
        .args(["inject", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = confsum()
        .args(["lint", "--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
