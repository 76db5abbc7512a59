//! The rule harness: every rule has `fixtures/rules/<id>/fail.yaml` whose
//! lines marked `# expect: <id>` are exactly the lines it reports, and a
//! `pass.yaml` it reports nothing on. Plus the registry's meta-tests.

use std::collections::BTreeSet;
use std::path::PathBuf;

use confsum::lint::{self, LintConfig, rules};
use confsum::source::Source;

fn only(id: &str) -> LintConfig {
    let mut c = LintConfig::default();
    for r in rules::ALL {
        if r.id != id {
            c.disable(r.id).unwrap();
        }
    }
    c
}

fn fixture(id: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rules")
        .join(id)
        .join(name)
}

/// (lines reported, human output)
fn lint_file(id: &str, name: &str) -> (BTreeSet<usize>, String) {
    let path = fixture(id, name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let sources = vec![Source::new(
        format!("fixtures/rules/{id}/{name}"),
        Some(path),
        text,
    )];
    let mut analysis = confsum::analyze_lenient(&sources, "default", &Default::default()).unwrap();
    let sums = confsum::digest::checksums_lenient(&analysis.model, &analysis.graph, None);
    // A rule that compares two renders of a chart reads the second from
    // `<name>.rerender.yaml`.
    let second = fixture(id, &name.replace(".yaml", ".rerender.yaml"));
    let second_sources: Vec<Source> = std::fs::read_to_string(&second)
        .map(|t| vec![Source::new("rerender", Some(second.clone()), t)])
        .unwrap_or_default();
    let rerender =
        (!second_sources.is_empty()).then(|| confsum::analyze(&second_sources, "default").unwrap());
    let findings = lint::run_with_rerender(&analysis, &sums, &only(id), rerender.as_ref());
    assert!(findings.iter().all(|f| f.rule() == id));
    let lines = findings
        .iter()
        .map(|f| sources[0].line_col(f.span().start).0)
        .collect();
    let human = confsum::report::lint::human(
        &confsum::report::lint::items(&mut analysis, findings, &Default::default()),
        false,
        true,
    );
    (lines, human)
}

fn expected_lines(id: &str) -> BTreeSet<usize> {
    let text = std::fs::read_to_string(fixture(id, "fail.yaml")).unwrap();
    let marker = format!("# expect: {id}");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&marker))
        .map(|(i, _)| i + 1)
        .collect()
}

/// One rule's fixtures: `fail.yaml` reports exactly its marked lines,
/// `pass.yaml` nothing; the human output is a reviewed snapshot.
fn check_rule_fixtures(id: &str) {
    let expected = expected_lines(id);
    assert!(!expected.is_empty(), "{id}: fail.yaml marks no line");
    let (got, human) = lint_file(id, "fail.yaml");
    assert_eq!(
        got, expected,
        "{id}: reported lines differ from the marked ones\n{human}"
    );
    let (clean, clean_human) = lint_file(id, "pass.yaml");
    assert!(
        clean.is_empty(),
        "{id}: pass.yaml has findings\n{clean_human}"
    );
    insta::assert_snapshot!(format!("rule_{id}"), human);
}

/// One test per rule, so that the first failure hides no other.
macro_rules! rule_fixture_tests {
    ($($test:ident => $id:literal),+ $(,)?) => {
        $(
            #[test]
            fn $test() {
                check_rule_fixtures($id);
            }
        )+

        /// Every rule of the registry has its test above.
        #[test]
        fn every_rule_has_a_fixture_test() {
            let tested = [$($id),+];
            let all: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
            assert_eq!(tested.to_vec(), all);
        }
    };
}

rule_fixture_tests! {
    fixtures_annotation_collision => "annotation-collision",
    fixtures_checksum_not_injectable => "checksum-not-injectable",
    fixtures_config_change_no_rollout => "config-change-no-rollout",
    fixtures_duplicate_data_key => "duplicate-data-key",
    fixtures_duplicate_key => "duplicate-key",
    fixtures_duplicate_object => "duplicate-object",
    fixtures_guessable_secret_checksum => "guessable-secret-checksum",
    fixtures_immutable_config_reused => "immutable-config-reused",
    fixtures_invalid_base64 => "invalid-base64",
    fixtures_invalid_configmap_value => "invalid-configmap-value",
    fixtures_invalid_data_key => "invalid-data-key",
    fixtures_invalid_env_name_from => "invalid-env-name-from",
    fixtures_invalid_object => "invalid-object",
    fixtures_missing_key => "missing-key",
    fixtures_missing_object => "missing-object",
    fixtures_nondeterministic_config => "nondeterministic-config",
    fixtures_object_near_size_limit => "object-near-size-limit",
    fixtures_object_too_large => "object-too-large",
    fixtures_object_too_large_for_client_apply => "object-too-large-for-client-apply",
    fixtures_secret_in_env => "secret-in-env",
    fixtures_secret_like_in_configmap => "secret-like-in-configmap",
    fixtures_secret_literal_in_env => "secret-literal-in-env",
    fixtures_secret_type_missing_keys => "secret-type-missing-keys",
    fixtures_subpath_no_refresh => "subpath-no-refresh",
    fixtures_unknown_rule_in_ignore => "unknown-rule-in-ignore",
    fixtures_unused_config => "unused-config",
}

#[test]
fn every_rule_is_documented() {
    for rule in rules::ALL {
        let doc = rule.documentation();
        for section in ["## What it does", "## Why is this bad?", "## Example"] {
            assert!(doc.contains(section), "{} lacks {section}", rule.id);
        }
        assert!(!rule.summary().is_empty());
        assert!(
            !rule.remediation().is_empty(),
            "{} has no `Use instead:`",
            rule.id
        );
        let docs = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"),
        )
        .unwrap();
        let anchor = rule.docs_url();
        let anchor = anchor.rsplit_once('#').unwrap().1;
        assert!(
            docs.contains(&format!("\n## {anchor}\n")),
            "{} has a section in docs/rules.md",
            rule.id
        );
        for file in ["fail.yaml", "pass.yaml"] {
            assert!(fixture(rule.id, file).is_file(), "{} has {file}", rule.id);
        }
        assert!(
            rule.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{} is kebab-case",
            rule.id
        );
        assert!(!rule.id.starts_with("no-") && !rule.id.starts_with("disallow-"));
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("src/lint/rules")
            .join(format!("{}.rs", rule.id.replace('-', "_")));
        assert!(file.is_file(), "{} lives in {}", rule.id, file.display());
    }
}

#[test]
fn docs_rules_md_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let want = confsum::report::rules_markdown();
    if std::env::var_os("CONFSUM_BLESS").is_some() {
        // Through a rename: the test that reads the file runs alongside.
        let tmp = path.with_extension("md.tmp");
        std::fs::write(&tmp, &want).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `CONFSUM_BLESS=1 cargo test --test rules docs_rules_md_is_current`"
    );
}

#[test]
fn inline_suppression_on_object_and_pod_template() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {p: x}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    metadata:\n      annotations: {confsum.dev/ignore: \"secret-in-env, missing-object\"}\n    spec:\n      containers: [{name: a, image: a, envFrom: [{secretRef: {name: db}}, {configMapRef: {name: gone}}]}]\n";
    let sources = vec![Source::new("x.yaml", None, text)];
    let analysis = confsum::analyze(&sources, "default").unwrap();
    let sums = confsum::digest::checksums_lenient(&analysis.model, &analysis.graph, None);
    let findings = lint::run(&analysis, &sums, &LintConfig::default());
    let ids: Vec<&str> = findings.iter().map(|f| f.rule()).collect();
    assert!(
        !ids.contains(&"secret-in-env") && !ids.contains(&"missing-object"),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"config-change-no-rollout"),
        "other rules still run: {ids:?}"
    );
}

/// Cases from peer linters' own test suites (checkov, kube-linter, Polaris,
/// trivy, kubeval), rewritten in `fixtures/peers/`: confsum gives the
/// peer's verdict on each (`deny`: the named rules report; `allow`: they
/// do not).
#[test]
fn peer_fixtures_get_the_peers_verdict() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/peers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the peer cases are there");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let header = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                .unwrap_or_else(|| panic!("{}: no `# {key}:` line", path.display()))
                .to_string()
        };
        let deny = match header("verdict").as_str() {
            "deny" => true,
            "allow" => false,
            v => panic!("{}: verdict `{v}`", path.display()),
        };
        let rules: Vec<String> = header("rule").split(", ").map(str::to_string).collect();
        let sources = vec![Source::new(path.display().to_string(), None, text.clone())];
        let analysis = confsum::analyze_lenient(&sources, "default", &Default::default()).unwrap();
        let sums = confsum::digest::checksums_lenient(&analysis.model, &analysis.graph, None);
        let findings = lint::run(&analysis, &sums, &LintConfig::default());
        for rule in &rules {
            let found = findings.iter().any(|f| f.rule() == rule);
            assert_eq!(
                found,
                deny,
                "{} ({}): `{rule}` {}",
                path.display(),
                header("peer"),
                if deny { "did not report" } else { "reported" }
            );
        }
    }
}
