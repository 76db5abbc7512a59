//! The module layering, checked on the source: each stage may use only the
//! stages before it, and the parser layer knows nothing of Kubernetes.
//! Comment lines are left out; everything else counts, `use` lines first.

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// (path relative to src/, code lines with their numbers) of every file below `dir`.
fn files(dir: &str) -> Vec<(String, Vec<(usize, String)>)> {
    let root = src();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let code = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with("//"))
            .map(|(n, l)| (n + 1, l.to_string()))
            .collect();
        out.push((rel, code));
    }
    out
}

/// Every line of `dir` (minus `except`) that contains one of `words`.
fn offending(dir: &str, except: &[&str], words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, lines) in files(dir) {
        if except.iter().any(|e| file.starts_with(e)) {
            continue;
        }
        for (n, line) in lines {
            if let Some(w) = words.iter().find(|w| line.contains(*w)) {
                found.push(format!("src/{file}:{n}: `{w}` in: {}", line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_library_never_imports_the_command_line() {
    let found = offending("", &["cli/", "main.rs"], &["crate::cli", "cli::", "clap"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn lint_never_imports_inject() {
    let found = offending("lint", &[], &["crate::inject", "inject::"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn rules_read_the_model_not_the_checksum_stage() {
    let found = offending("lint/rules", &[], &["crate::digest", "digest::"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn report_does_no_io() {
    let found = offending(
        "report",
        &[],
        &[
            "std::fs",
            "File::",
            "std::process",
            "Command::",
            "read_to_string",
            "std::env",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn yaml_never_names_a_kubernetes_field() {
    let words = [
        "\"kind\"",
        "\"metadata\"",
        "\"apiVersion\"",
        "\"spec\"",
        "\"data\"",
        "\"stringData\"",
        "\"Secret\"",
        "\"ConfigMap\"",
        "\"template\"",
        "\"name\"",
    ];
    let found = offending("yaml", &["yaml/tests.rs"], &words);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_the_command_line_reads_the_environment() {
    let found = offending("", &["cli/", "main.rs"], &["std::env::var", "env::var_os"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn errors_do_not_depend_on_sources() {
    let found = offending("error.rs", &[], &["source::Source", "Source::"]);
    assert!(found.is_empty(), "{found:#?}");
    assert!(Path::new(&src().join("error.rs")).is_file());
}

/// The check itself can fail: a line that breaks a rule is found.
#[test]
fn the_checks_find_what_they_look_for() {
    let found = offending("lint", &[], &["crate::model"]);
    assert!(
        !found.is_empty(),
        "lint reads the model, so this finds lines"
    );
}
