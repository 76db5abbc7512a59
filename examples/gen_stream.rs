//! Make a realistic stream of a given size for benchmarks: the corpus of
//! real `helm template` output, repeated, each copy with its namespaces
//! renamed (`monitoring` → `monitoring-c7`), so that every reference still
//! resolves within its copy.
//!
//! Usage: cargo run --release --example gen_stream -- SIZE_MB OUT [CORPUS_DIR]

use std::path::{Path, PathBuf};

pub fn corpus_texts(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Rename every `namespace: X` value in a copy. Objects that name no
/// namespace fall into the release namespace and repeat across copies.
fn renamed(text: &str, copy: usize) -> String {
    let mut out = String::with_capacity(text.len() + 4096);
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("namespace: ")
            && let Some(ns) = rest.split_whitespace().next()
            && ns
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '"')
        {
            let indent = &line[..line.len() - trimmed.len()];
            let ns = ns.trim_matches('"');
            out.push_str(&format!("{indent}namespace: {ns}-c{copy}\n"));
            continue;
        }
        out.push_str(line);
    }
    out
}

pub fn generate(corpus: &[String], bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 2_000_000);
    let mut copy = 0;
    while out.len() < bytes {
        for text in corpus {
            out.push_str(&renamed(text, copy));
            if !out.ends_with('\n') {
                out.push('\n');
            }
            if out.len() >= bytes {
                break;
            }
        }
        copy += 1;
    }
    out
}

#[allow(dead_code)]
fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|s| s.parse().ok()).expect("SIZE_MB");
    let out = args.next().expect("OUT");
    let corpus = args
        .next()
        .unwrap_or_else(|| "../shared/corpus/rendered".into());
    let text = generate(&corpus_texts(Path::new(&corpus)), mb * 1024 * 1024);
    std::fs::write(&out, text).unwrap();
}
