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

const SUBCOMMANDS: [&str; 10] = [
    "graph",
    "inject",
    "post-render",
    "lint",
    "plan",
    "krm",
    "explain",
    "rules",
    "completions",
    "man",
];

/// The example lines of a subcommand's `--help`.
fn examples(sub: &str) -> Vec<String> {
    let help = stdout(&confsum().args([sub, "--help"]).output().unwrap());
    let mut lines = Vec::new();
    let mut inside = false;
    for l in help.lines() {
        if l.starts_with("Example") {
            inside = true;
        } else if inside && l.starts_with("  ") {
            lines.push(l.trim().to_string());
        } else if inside {
            inside = false;
        }
    }
    lines
}

/// Every example of every `--help` runs as written (paths that would land
/// outside the sandbox moved into it), in a folder holding the files the
/// examples name, with the real helm and kustomize. Only the one that needs
/// a cluster (`helm upgrade --install`) is left out.
#[test]
#[cfg_attr(
    not(all(has_helm, has_kustomize)),
    ignore = "needs helm and kustomize: set CONFSUM_TEST_HELM and CONFSUM_TEST_KUSTOMIZE (.ci/run installs them)"
)]
fn every_help_example_runs() {
    use crate::integrations::client;
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let kustomize = client("CONFSUM_TEST_KUSTOMIZE", "kustomize");
    let tmp = tempfile::tempdir().unwrap();
    let sandbox = tmp.path();
    let bin = sandbox.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&helm, bin.join("helm")).unwrap();
    std::os::unix::fs::symlink(&kustomize, bin.join("kustomize")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_confsum"), bin.join("confsum")).unwrap();
    let cp = |from: &str, to: &str| {
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(root().join(from))
            .arg(sandbox.join(to))
            .status()
            .unwrap();
        assert!(status.success());
    };
    cp("fixtures/charts/demo", "chart");
    std::fs::create_dir(sandbox.join("charts")).unwrap();
    cp("fixtures/charts/demo", "charts/api");
    for dir in [
        "manifests",
        "k8s",
        "old",
        "new",
        "rendered",
        "out",
        "overlays",
    ] {
        std::fs::create_dir(sandbox.join(dir)).unwrap();
    }
    for dir in ["manifests", "k8s", "old", "new", "rendered"] {
        cp("fixtures/example/app.yaml", &format!("{dir}/app.yaml"));
    }
    cp("fixtures/example/app.yaml", "deploy.yaml");
    cp("integrations/kustomize-krm", "overlays/prod");
    for f in ["prod-values.yaml", "old-values.yaml"] {
        std::fs::write(sandbox.join(f), "{}\n").unwrap();
    }
    std::fs::write(sandbox.join("new-values.yaml"), "logLevel: debug\n").unwrap();
    std::fs::write(
        sandbox.join("resource-list.yaml"),
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {k: v}\n",
    )
    .unwrap();
    let moved = [
        ("/etc/bash_completion.d/confsum", "out/confsum.bash"),
        ("\"${fpath[1]}/_confsum\"", "out/_confsum"),
        (
            "~/.config/fish/completions/confsum.fish",
            "out/confsum.fish",
        ),
        ("/usr/local/share/man/man1", "out/man1"),
    ];
    let mut ran = 0;
    for sub in SUBCOMMANDS {
        let lines = examples(sub);
        assert!(!lines.is_empty(), "{sub} --help has examples");
        for line in lines {
            if line.contains("helm upgrade") {
                continue; // needs a cluster
            }
            let mut script = line.split("  #").next().unwrap().to_string();
            for (from, to) in moved {
                script = script.replace(from, to);
            }
            if script.contains("/man1/confsum.1") {
                std::fs::create_dir_all(sandbox.join("out/man1")).unwrap();
            }
            let out = std::process::Command::new("bash")
                .args(["-o", "pipefail", "-c", &script])
                .current_dir(sandbox)
                .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                .env_remove("CONFSUM_HMAC_KEY")
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "`{line}` ({sub} --help) exited {:?}: {}",
                out.status.code(),
                stderr(&out)
            );
            assert!(
                !stderr(&out).contains("error:"),
                "`{line}`: {}",
                stderr(&out)
            );
            ran += 1;
        }
    }
    assert!(ran >= 24, "{ran} examples ran");
    assert!(sandbox.join("out/man1/confsum-inject.1").is_file());
    assert!(sandbox.join("confsum.sarif").is_file());
}

#[test]
fn every_option_is_described_and_general_options_sit_apart() {
    for sub in SUBCOMMANDS {
        let help = stdout(&confsum().args([sub, "--help"]).output().unwrap());
        let options: Vec<&str> = help
            .lines()
            .filter(|l| l.trim_start().starts_with('-'))
            .collect();
        for l in options {
            // `  -n, --namespace <NS>  Text`: something after the flag column.
            let described = l
                .trim()
                .split("  ")
                .filter(|p| !p.trim().is_empty())
                .count()
                >= 2;
            assert!(described, "{sub}: `{}` has no description", l.trim());
        }
        if let Some(helm) = help.find("Helm charts:") {
            for general in ["--format", "--fail-on", "--namespace", "--hmac-key-file"] {
                if let Some(at) = help.find(general) {
                    assert!(at < helm, "{sub}: {general} sits under `Helm charts:`");
                }
            }
        }
    }
}

#[test]
fn man_pages_for_every_command_with_exit_status() {
    let tmp = tempfile::tempdir().unwrap();
    let out = confsum()
        .args(["man", "--dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let top = std::fs::read_to_string(tmp.path().join("confsum.1")).unwrap();
    for sub in SUBCOMMANDS {
        let page = tmp.path().join(format!("confsum-{sub}.1"));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("{} written", page.display()));
        assert!(text.contains(".SH \"EXIT STATUS\""), "{sub}");
        assert!(text.contains(&format!(".TH confsum-{sub} 1")), "{sub}");
    }
    // Every page the top page refers to exists.
    for name in regex::Regex::new(r"confsum\\-([a-z\\\\-]+)\(1\)")
        .unwrap()
        .captures_iter(&top)
    {
        let file = format!("confsum-{}.1", name[1].replace("\\-", "-"));
        assert!(
            tmp.path().join(&file).is_file(),
            "{file} is referred to but missing"
        );
    }
    assert!(top.contains(".SH \"EXIT STATUS\""));
}

#[test]
fn each_error_is_printed_once() {
    let out = confsum()
        .arg("graph")
        .arg(fixture("bad/truncated-flow.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.matches("unclosed bracket").count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("here"), "the snippet is still shown: {err}");
}

#[test]
fn color_follows_the_flag_and_the_environment() {
    let file = fixture("example/app.yaml");
    let lint = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = confsum();
        c.env_remove("NO_COLOR").arg("lint").args(args).arg(&file);
        for (k, v) in env {
            c.env(k, v);
        }
        stdout(&c.output().unwrap())
    };
    let esc = |s: &str| s.contains('\u{1b}');
    assert!(!esc(&lint(&[], &[])), "auto: stdout is not a terminal");
    assert!(esc(&lint(&["--color", "always"], &[])));
    assert!(!esc(&lint(&["--color", "never"], &[("FORCE_COLOR", "1")])));
    assert!(esc(&lint(&[], &[("FORCE_COLOR", "1")])));
    assert!(esc(&lint(&[], &[("CLICOLOR_FORCE", "1")])));
    assert!(!esc(&lint(&[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")])));
}

#[test]
fn a_bare_confsum_with_piped_manifests_says_how_to_post_render() {
    let out = confsum()
        .write_stdin(std::fs::read(fixture("example/app.yaml")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.lines().count() <= 5, "{err}");
    assert!(err.contains("--post-renderer-args post-render"), "{err}");
}

/// On a terminal, a run longer than half a second draws a progress bar on
/// stderr (bytes, documents, findings); through pipes, never.
#[test]
fn a_progress_bar_on_a_terminal_only() {
    let Ok(script) = which::which("script") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "`script` (util-linux) gives the test a terminal"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("many.yaml");
    let docs: Vec<String> = (0..20_000)
        .map(|i| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{a: b}}\n")
        })
        .collect();
    std::fs::write(&file, docs.join("---\n")).unwrap();
    let bin = env!("CARGO_BIN_EXE_confsum");
    let on_terminal = std::process::Command::new(script)
        .args(["-qec"])
        .arg(format!(
            "{bin} lint --fail-on never --format json {} > /dev/null",
            file.display()
        ))
        .arg("/dev/null")
        .env_remove("NO_COLOR")
        // A terminal of a known type: with none (`env -i`, some CI), a bar
        // is rightly not drawn, as on a dumb terminal.
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let drawn = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(drawn.contains("documents"), "no bar drawn: {drawn:?}");
    let piped = confsum()
        .args(["lint", "--fail-on", "never", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!stderr(&piped).contains("documents"));
    let v: serde_json::Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert!(v["findings"].is_array());
}
