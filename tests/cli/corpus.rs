//! The corpus of real charts: checksums agree with an independent
//! implementation, inject keeps every other byte and is idempotent.

use crate::common::*;

fn graph_rows(json: &str) -> Vec<serde_json::Value> {
    let g: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut rows: Vec<serde_json::Value> = g["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let mut row = serde_json::json!({"kind": w["kind"], "namespace": w["namespace"], "name": w["name"]});
            for k in ["config", "secret"] {
                if let Some(v) = w["checksums"].get(k) {
                    row[k] = v.clone();
                }
            }
            row
        })
        .collect();
    rows.sort_by_key(|r| {
        (
            r["kind"].to_string(),
            r["namespace"].to_string(),
            r["name"].to_string(),
        )
    });
    rows
}

fn check_against_python(hmac: Option<&str>) {
    let mut total = 0;
    for file in corpus_files() {
        let mut cmd = confsum();
        cmd.args(["graph", "--format", "json", "--namespace", "release-ns"])
            .arg(&file);
        if let Some(k) = hmac {
            cmd.env("CONFSUM_HMAC_KEY", k);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}: {}", file.display(), stderr(&out));
        let ours = graph_rows(&stdout(&out));
        let mut args = vec!["release-ns"];
        args.extend(hmac);
        let py = python("spec_v1.py", &args, Some(&file));
        assert!(py.status.success(), "python: {}", stderr(&py));
        let theirs: Vec<serde_json::Value> = serde_json::from_slice(&py.stdout).unwrap();
        assert_eq!(ours, theirs, "{}", file.display());
        total += ours
            .iter()
            .filter(|r| r.get("config").is_some() || r.get("secret").is_some())
            .count();
    }
    assert!(
        total > 20,
        "the comparison covered workloads with checksums ({total})"
    );
}

#[test]
#[cfg_attr(
    not(all(has_corpus, has_pyyaml)),
    ignore = "needs ../shared/corpus (real helm template output) and PyYAML (the independent checksum implementation)"
)]
fn checksums_agree_with_an_independent_python_implementation() {
    check_against_python(None);
}

#[test]
#[cfg_attr(
    not(all(has_corpus, has_pyyaml)),
    ignore = "needs ../shared/corpus (real helm template output) and PyYAML (the independent checksum implementation)"
)]
fn hmac_checksums_agree_with_an_independent_python_implementation() {
    check_against_python(Some("s3cr3t-key"));
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn inject_changes_only_annotations_and_matches_graph() {
    // The PyYAML cross-check needs python3 with PyYAML; the rest does not.
    let pyyaml = python_has("yaml");
    let tmp = tempfile::tempdir().unwrap();
    for file in corpus_files() {
        let input = std::fs::read_to_string(&file).unwrap();
        let once = confsum().arg("inject").arg(&file).output().unwrap();
        assert!(
            once.status.success(),
            "{}: {}",
            file.display(),
            stderr(&once)
        );
        let output = stdout(&once);
        assert_only_annotation_lines(&input, &output);

        let out_path = tmp.path().join("out.yaml");
        std::fs::write(&out_path, &output).unwrap();
        let graph_path = tmp.path().join("graph.json");
        let g = confsum()
            .args(["graph", "--format", "json"])
            .arg(&file)
            .output()
            .unwrap();
        std::fs::write(&graph_path, &g.stdout).unwrap();
        if pyyaml {
            let check = python(
                "inject_check.py",
                &[
                    file.to_str().unwrap(),
                    out_path.to_str().unwrap(),
                    graph_path.to_str().unwrap(),
                ],
                None,
            );
            assert!(
                check.status.success(),
                "{}: {}{}",
                file.display(),
                stdout(&check),
                stderr(&check)
            );
        }

        let twice = confsum().arg("inject").arg(&out_path).output().unwrap();
        assert_eq!(
            stdout(&twice),
            output,
            "inject is idempotent on {}",
            file.display()
        );
    }
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn corpus_injects_into_the_workloads_that_consume_config() {
    // Every corpus workload whose graph has checksums and is injectable gets
    // them: counted over the whole corpus so that a silent skip shows.
    let mut written = 0;
    let mut expected = 0;
    for file in corpus_files() {
        let g = confsum()
            .args(["graph", "--format", "json"])
            .arg(&file)
            .output()
            .unwrap();
        let g: serde_json::Value = serde_json::from_slice(&g.stdout).unwrap();
        for w in g["workloads"].as_array().unwrap() {
            if w["injectable"].as_bool().unwrap() {
                expected += w["checksums"].as_object().unwrap().len();
            }
        }
        let out = confsum().arg("inject").arg(&file).output().unwrap();
        written += stdout(&out).matches("confsum.dev/").count();
    }
    assert_eq!(written, expected);
    assert!(expected >= 30, "{expected}");
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn parallel_output_equals_single_threaded_output() {
    // All corpus files as one stream, through every command, on 1 and 2 threads.
    let files = corpus_files();
    for args in [
        vec!["inject"],
        vec!["graph", "--format", "json"],
        vec!["lint", "--format", "json", "--fail-on", "never"],
    ] {
        let run = |threads: &str| {
            confsum()
                .args(&args)
                .args(&files)
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap()
        };
        let (one, two) = (run("1"), run("2"));
        assert!(one.status.success() && two.status.success(), "{args:?}");
        assert!(!one.stdout.is_empty());
        assert!(one.stdout == two.stdout, "{args:?}: 1 and 2 threads differ");
    }
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn graph_mode_drops_no_result() {
    // inject and graph keep trees only for documents that can matter; lint
    // keeps all. The graph built each way must be the same.
    for file in corpus_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let sources = [confsum::source::Source::new("f", None, text)];
        let full = confsum::analyze(&sources, "ns").unwrap();
        let lean = confsum::analyze_for_graph(&sources, "ns").unwrap();
        let a = confsum::digest::checksums(&full.model, &full.graph, None).unwrap();
        let b = confsum::digest::checksums(&lean.model, &lean.graph, None).unwrap();
        assert_eq!(a, b, "{}", file.display());
        assert_eq!(
            confsum::report::graph::json(&full, &a),
            confsum::report::graph::json(&lean, &b),
            "{}",
            file.display()
        );
    }
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn large_inputs_read_in_parts_equal_streamed_input() {
    // Over 8 MiB: a file (path or `< file`) is read in parts on all cores,
    // split in blocks on all cores; a pipe is read as a stream. The same
    // bytes, so the same output, on any number of threads.
    let tmp = tempfile::tempdir().unwrap();
    let stream = tmp.path().join("stream.yaml");
    let mut text = String::new();
    while text.len() < 9 << 20 {
        for file in corpus_files() {
            text.push_str(&std::fs::read_to_string(file).unwrap());
        }
    }
    std::fs::write(&stream, &text).unwrap();
    let by_path = confsum().arg("inject").arg(&stream).output().unwrap();
    let redirected = std::process::Command::new(env!("CARGO_BIN_EXE_confsum"))
        .arg("inject")
        .stdin(std::fs::File::open(&stream).unwrap())
        .output()
        .unwrap();
    let piped = confsum()
        .arg("inject")
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert!(by_path.status.success(), "{}", stderr(&by_path));
    assert!(by_path.stdout.len() > text.len());
    assert!(by_path.stdout == redirected.stdout, "`< file` differs");
    assert!(by_path.stdout == piped.stdout, "a pipe differs");
    let one_thread = confsum()
        .arg("inject")
        .arg(&stream)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert!(by_path.stdout == one_thread.stdout, "1 thread differs");
}
