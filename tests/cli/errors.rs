//! Bad input: every case exits 2 with a located message and empty stdout,
//! for every command, and leaves files untouched.

use std::path::Path;

use crate::common::*;

/// (fixture, text the message must contain, file:line:col prefix or "" when the error has no position)
const CASES: &[(&str, &str, &str)] = &[
    (
        "invalid-syntax.yaml",
        "invalid YAML",
        "invalid-syntax.yaml:6:6",
    ),
    ("tab-indent.yaml", "invalid YAML", "tab-indent.yaml:4:2"),
    ("invalid-utf8.yaml", "invalid UTF-8", "invalid-utf8.yaml:6:"),
    (
        "truncated-scalar.yaml",
        "invalid YAML",
        "truncated-scalar.yaml:6:6",
    ),
    (
        "truncated-flow.yaml",
        "invalid YAML",
        "truncated-flow.yaml:3:29",
    ),
    ("alias-bomb.yaml", "excessive aliasing", "alias-bomb.yaml:"),
    ("deep-nesting.yaml", "invalid YAML", "deep-nesting.yaml:4:"),
    (
        "scalar-document.yaml",
        "a document is a scalar",
        "scalar-document.yaml:5:1",
    ),
    (
        "sequence-document.yaml",
        "a document is a sequence",
        "sequence-document.yaml:5:",
    ),
    (
        "list-non-mapping.yaml",
        "an item of a List is a scalar",
        "list-non-mapping.yaml:4:3",
    ),
    (
        "scalar-for-mapping.yaml",
        "`spec.template` is a scalar",
        "scalar-for-mapping.yaml:5:13",
    ),
    (
        "invalid-base64.yaml",
        "invalid base64 in `data.password`",
        "invalid-base64.yaml:6:13",
    ),
    (
        "secret-nested-value.yaml",
        "invalid base64 in `data.k`",
        "secret-nested-value.yaml:7:6",
    ),
];

fn commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["graph"],
        vec!["graph", "--format", "json"],
        vec!["inject"],
        vec!["inject", "--write"],
        vec!["inject", "--check"],
        vec!["lint"],
        vec!["lint", "--format", "sarif"],
    ]
}

fn assert_fails_located(args: &[&str], path: &Path, expect: &str, at: &str) {
    let started = std::time::Instant::now();
    let out = confsum().args(args).arg(path).output().unwrap();
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} {}: {err}",
        path.display()
    );
    assert!(
        out.stdout.is_empty(),
        "{args:?} {}: stdout not empty",
        path.display()
    );
    assert!(err.contains(expect), "{args:?} {}: {err}", path.display());
    assert!(
        err.contains(at),
        "{args:?} {}: wanted {at} in {err}",
        path.display()
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(started.elapsed().as_secs() < 20, "no hang");
}

#[test]
fn bad_input_matrix() {
    for (name, expect, at) in CASES {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(name);
        std::fs::copy(fixture(&format!("bad/{name}")), &path).unwrap();
        let before = std::fs::read(&path).unwrap();
        for args in commands() {
            if matches!(*name, "invalid-base64.yaml" | "secret-nested-value.yaml")
                && args[0] == "lint"
            {
                // Not an error for lint: the value is a finding (invalid-base64),
                // and lint goes on; graph and inject cannot compute a checksum.
                let out = confsum().args(&args).arg(&path).output().unwrap();
                assert_eq!(out.status.code(), Some(1), "{args:?}");
                assert!(stdout(&out).contains("invalid-base64"));
                continue;
            }
            if args[0] == "lint" && !matches!(*name, "invalid-utf8.yaml") {
                // lint reports a document it cannot read (invalid-object),
                // located, and goes on with the rest.
                let out = confsum().args(&args).arg(&path).output().unwrap();
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{args:?} {name}: {}",
                    stderr(&out)
                );
                let text = stdout(&out);
                assert!(text.contains("invalid-object"), "{args:?} {name}: {text}");
                if args.len() == 1 {
                    assert!(text.contains(expect), "{name}: {text}");
                    assert!(text.contains(at), "{name}: wanted {at} in {text}");
                }
                continue;
            }
            assert_fails_located(&args, &path, expect, at);
        }
        assert_eq!(std::fs::read(&path).unwrap(), before, "{name} untouched");
        let out = confsum()
            .arg("post-render")
            .write_stdin(before.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "post-render {name}");
        assert!(out.stdout.is_empty());
        assert!(
            stderr(&out).contains(expect),
            "post-render {name}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn invalid_base64_error_never_shows_the_value() {
    let out = confsum()
        .arg("graph")
        .arg(fixture("bad/invalid-base64.yaml"))
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("not base64!!"), "{}", stderr(&out));
}

#[test]
fn unreadable_file_and_missing_file() {
    let out = confsum()
        .arg("graph")
        .arg("/nonexistent/x.yaml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read `/nonexistent/x.yaml`"),
        "{}",
        stderr(&out)
    );
    // A file that no one can read, root included.
    let out = confsum()
        .arg("graph")
        .arg("/proc/self/mem")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("cannot read `/proc/self/mem`"),
        "{}",
        stderr(&out)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("locked.yaml");
        std::fs::write(&p, "a: 1\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&p).is_err() {
            // root reads anything; the check only means something for users.
            let out = confsum().arg("graph").arg(&p).output().unwrap();
            assert_eq!(out.status.code(), Some(2));
            assert!(
                stderr(&out).contains("permission denied"),
                "{}",
                stderr(&out)
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_a_folder() {
    // Links are not followed in a walk: a loop is one link into the tree,
    // whose files are read once, where they are.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), tmp.path().join("sub/loop")).unwrap();
    std::fs::write(
        tmp.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    let out = confsum()
        .args(["graph", "--format", "json"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("\"name\": \"a\"").count(),
        1,
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_50_mb_single_line_is_handled() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("long.yaml");
    let mut s =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata: {a: \"");
    s.push_str(&"x".repeat(50 * 1024 * 1024));
    s.push_str("\"}\n");
    std::fs::write(&p, &s).unwrap();
    let out = confsum()
        .args(["graph", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a long valid line is fine: {}",
        stderr(&out)
    );
    // cut before the closing quote: an error, reported without dumping the line
    std::fs::write(&p, &s[..s.len() - 10]).unwrap();
    let out = confsum().arg("graph").arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).len() < 10_000,
        "the message does not print the whole line"
    );
}
