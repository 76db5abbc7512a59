//! The KRM function mode (kustomize's exec and container functions, kpt):
//! a `ResourceList` in, the same `ResourceList` out with checksums injected
//! into its `items` and lint findings in its `results`, following the KRM
//! Functions Specification. Items are edited as inject edits any stream:
//! byte for byte, so the `config.kubernetes.io/*` and
//! `internal.config.kubernetes.io/*` annotations kustomize uses to map the
//! output back stay as they came.

use crate::error::{Error, ErrorKind, Result};
use crate::lint::{self, LintConfig, Severity};
use crate::source::Source;
use crate::yaml::{CollectionStyle, Document, NodeId, NodeKind};
use crate::{analysis, digest, inject};

/// Options of a run, from the `functionConfig` (see [`Options::read`]).
#[derive(Debug, Clone)]
pub struct Options {
    pub inject: inject::Options,
    /// Whether to lint and report findings in `results`.
    pub lint: bool,
    /// The severity at and above which the function fails (exit 1).
    pub fail_on: Option<Severity>,
    pub namespace: String,
    /// Rule ids turned off.
    pub ignore: Vec<String>,
    /// What checksums cover (`rolloutOn`, and the caller's opt-outs).
    pub policy: crate::graph::Policy,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            inject: inject::Options::default(),
            lint: true,
            fail_on: Some(Severity::Error),
            namespace: "default".into(),
            ignore: Vec::new(),
            policy: crate::graph::Policy::default(),
        }
    }
}

/// The result of a run: the output `ResourceList`, and whether a result
/// reaches `fail_on`.
#[derive(Debug)]
pub struct Output {
    pub text: String,
    pub results: Vec<KrmResult>,
    pub failed: bool,
}

/// One entry of `results`.
#[derive(Debug, Clone)]
pub struct KrmResult {
    pub message: String,
    pub severity: Severity,
    pub rule: &'static str,
    /// apiVersion, kind, name, namespace of the object.
    pub resource: [String; 4],
    /// The item's file (`internal.config.kubernetes.io/path`), if given.
    pub file: Option<String>,
}

impl Options {
    /// Read the `functionConfig` of a ResourceList: a ConfigMap's `data`
    /// (strings), or any object's `spec`. Keys: `lint` (true/false),
    /// `failOn` (error, warning, info, never), `namespace`,
    /// `configAnnotation`, `secretAnnotation`, `ignore` (rule ids, a list or
    /// comma-separated).
    pub fn read(
        doc: &Document<'_>,
        root: NodeId,
        source: &Source,
        policy: &crate::graph::Policy,
    ) -> Result<Options> {
        let mut o = Options {
            policy: policy.clone(),
            ..Options::default()
        };
        let Some(config) = doc.get(root, "functionConfig") else {
            return Ok(o);
        };
        let settings = doc.get(config, "data").or_else(|| doc.get(config, "spec"));
        let Some(settings) = settings else {
            return Ok(o);
        };
        let bad = |node: NodeId, what: String| {
            source.error_at(ErrorKind::Config, what, doc.node(node).span.start, None)
        };
        for &(k, v) in doc.entries(settings) {
            let value = || doc.scalar(v).unwrap_or("").to_string();
            match doc.scalar(k).unwrap_or("") {
                "lint" => o.lint = value() != "false",
                "failOn" => {
                    o.fail_on = match value().as_str() {
                        "never" => None,
                        s => Some(Severity::parse(s).ok_or_else(|| {
                            bad(
                                v,
                                format!("failOn `{s}`: use error, warning, info or never"),
                            )
                        })?),
                    }
                }
                "namespace" => o.namespace = value(),
                "rolloutOn" => {
                    o.policy.frozen_only = match value().as_str() {
                        "all" => false,
                        "frozen" => true,
                        s => return Err(bad(v, format!("rolloutOn `{s}`: use all or frozen"))),
                    }
                }
                "configAnnotation" => o.inject.config_annotation = value(),
                "secretAnnotation" => o.inject.secret_annotation = value(),
                "ignore" => {
                    o.ignore = match doc.scalar(v) {
                        Some(s) => s.split(',').map(|s| s.trim().to_string()).collect(),
                        None => doc
                            .items(v)
                            .filter_map(|i| doc.scalar(i).map(str::to_string))
                            .collect(),
                    };
                    o.ignore.retain(|s| !s.is_empty());
                }
                other => {
                    return Err(bad(
                        k,
                        format!(
                            "unknown functionConfig setting `{other}`: expected lint, failOn, namespace, rolloutOn, configAnnotation, secretAnnotation or ignore"
                        ),
                    ));
                }
            }
        }
        Ok(o)
    }
}

/// Run the function over a `ResourceList`. Options come from its
/// `functionConfig` unless given.
/// Opt-outs come from `policy` (the caller's `.confsum.yaml`); `rolloutOn`
/// and the rest from the `functionConfig`.
pub fn run(
    source: &Source,
    given: Option<Options>,
    policy: &crate::graph::Policy,
    hmac_key: Option<&[u8]>,
) -> Result<Output> {
    let text = source.text.as_str();
    let docs = crate::yaml::parse_stream(text).map_err(|e| {
        source.error_at(
            ErrorKind::Yaml,
            format!("invalid YAML: {}", e.message),
            e.offset,
            None,
        )
    })?;
    let mut roots = docs.iter().filter(|d| d.root().is_some());
    let (Some(doc), None) = (roots.next(), roots.next()) else {
        return Err(Error::input(
            "a KRM function reads one ResourceList on standard input",
        ));
    };
    let root = doc.root().expect("filtered");
    if doc.str_at(root, &["kind"]) != Some("ResourceList") {
        return Err(source
            .error_at(ErrorKind::Shape, "the input is not a ResourceList", doc.node(root).span.start, None)
            .with_help("run confsum as a kustomize transformer (exec function), or use `confsum inject` on manifests"));
    }
    let options = match given {
        Some(o) => o,
        None => Options::read(doc, root, source, policy)?,
    };

    let sources = [Source::new(source.name.clone(), None, text)];
    let analysis = analysis::analyze_with(&sources, &options.namespace, &options.policy)?;
    let sums = digest::checksums(&analysis.model, &analysis.graph, hmac_key)?;
    let plan = inject::plan(&analysis.model, &analysis.graph, &sums, &options.inject);
    let mut results = Vec::new();
    if options.lint {
        let mut config = LintConfig::default();
        for id in &options.ignore {
            config.disable(id)?;
        }
        config.checksum_keys = [
            options.inject.config_annotation.clone(),
            options.inject.secret_annotation.clone(),
        ];
        config.checksums_keyed = hmac_key.is_some();
        // The checksums confsum writes here roll every workload it edits.
        let lint_sums = digest::checksums_lenient(&analysis.model, &analysis.graph, hmac_key);
        for f in lint::run(&analysis, &lint_sums, &config) {
            if f.rule() == "config-change-no-rollout"
                && f.object().is_some_and(|o| injected(&plan, &analysis, o))
            {
                continue;
            }
            results.push(result_of(&analysis, &f));
        }
    }
    let failed = options
        .fail_on
        .is_some_and(|t| results.iter().any(|r| r.severity >= t));
    let mut edits = plan.edits.into_iter().next().unwrap_or_default();
    if !results.is_empty() {
        edits.push(results_edit(doc, root, text, &results)?);
    }
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    Ok(Output {
        text: inject::apply(text, &edits),
        results,
        failed,
    })
}

/// Whether this run writes checksums into the workload `obj`.
fn injected(plan: &inject::Plan, a: &analysis::Analysis<'_>, obj: usize) -> bool {
    let name = a.model.display_name(&a.model.objects[obj]);
    plan.notices
        .iter()
        .any(|n| matches!(n, inject::Notice::Injected { workload, .. } if *workload == name))
}

fn result_of(a: &analysis::Analysis<'_>, f: &lint::Finding) -> KrmResult {
    let Some(o) = f.object().map(|o| &a.model.objects[o]) else {
        return KrmResult {
            message: format!("{} ({})", f.message(&a.model), f.help()),
            severity: f.severity,
            rule: f.rule(),
            resource: Default::default(),
            file: None,
        };
    };
    let doc = a.model.doc(o);
    let annotation = |key: &str| {
        doc.str_at(o.node, &["metadata", "annotations", key])
            .map(str::to_string)
    };
    KrmResult {
        message: format!("{} ({})", f.message(&a.model), f.help()),
        severity: f.severity,
        rule: f.rule(),
        resource: [
            o.api_version().to_string(),
            o.kind_name().to_string(),
            o.name.to_string(),
            if o.namespace_defaulted() {
                String::new()
            } else {
                o.namespace.to_string()
            },
        ],
        file: annotation("internal.config.kubernetes.io/path")
            .or_else(|| annotation("config.kubernetes.io/path")),
    }
}

/// The edit that adds `results` to the ResourceList: a new top-level key at
/// its end, or new items after the last of an existing block sequence.
fn results_edit(
    doc: &Document<'_>,
    root: NodeId,
    text: &str,
    results: &[KrmResult],
) -> Result<inject::Edit> {
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let items: String = results.iter().map(|r| render_result(r, nl)).collect();
    let existing = doc.get_direct_entry(root, "results");
    let root_node = doc.node(root);
    let NodeKind::Mapping { style, .. } = &root_node.kind else {
        return Err(Error::input("the ResourceList is not a mapping"));
    };
    if *style != CollectionStyle::Block {
        return Err(Error::input(
            "a flow-style ResourceList cannot take results; write it in block style",
        ));
    }
    let at_end = |node: NodeId| {
        let end = doc.node(node).span.end;
        // After the line that holds the end of the node.
        text[end..].find('\n').map_or(text.len(), |i| end + i + 1)
    };
    match existing {
        None => {
            let end = at_end(root);
            let lead = if end > 0 && !text[..end].ends_with('\n') {
                nl
            } else {
                ""
            };
            Ok(inject::Edit {
                range: end..end,
                text: format!("{lead}results:{nl}{items}"),
            })
        }
        Some((_, v)) => match &doc.node(v).kind {
            NodeKind::Sequence {
                style: CollectionStyle::Block,
                ..
            } => {
                let end = at_end(v);
                Ok(inject::Edit {
                    range: end..end,
                    text: items,
                })
            }
            _ => Err(Error::input(
                "the ResourceList's `results` is not a block sequence; confsum cannot add to it",
            )),
        },
    }
}

/// One result as block YAML at the top level, every string JSON-quoted.
fn render_result(r: &KrmResult, nl: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("a str serializes");
    let [api, kind, name, ns] = &r.resource;
    let mut out = format!("- message: {}{nl}", q(&r.message));
    out.push_str(&format!("  severity: {}{nl}", r.severity.as_str()));
    out.push_str(&format!(
        "  resourceRef: {{apiVersion: {}, kind: {}, name: {}",
        q(api),
        q(kind),
        q(name)
    ));
    if !ns.is_empty() {
        out.push_str(&format!(", namespace: {}", q(ns)));
    }
    out.push_str(&format!("}}{nl}"));
    if let Some(f) = &r.file {
        out.push_str(&format!("  file: {{path: {}}}{nl}", q(f)));
    }
    out.push_str(&format!(
        "  tags: {{\"confsum.dev/rule\": {}}}{nl}",
        q(r.rule)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cfg\n    annotations:\n      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: 'app.yaml'\n  data: {level: info}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n    annotations:\n      config.kubernetes.io/index: '1'\n      internal.config.kubernetes.io/path: 'app.yaml'\n  spec:\n    template:\n      spec:\n        containers:\n        - name: c\n          image: i\n          env:\n          - name: L\n            valueFrom: {configMapKeyRef: {name: cfg, key: levle}}\n          envFrom:\n          - configMapRef: {name: cfg}\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: fc}\n  data: {failOn: warning}\n";

    fn run_str(text: &str) -> Output {
        run(
            &Source::new("-", None, text),
            None,
            &Default::default(),
            None,
        )
        .unwrap()
    }

    #[test]
    fn items_get_checksums_and_findings_become_results() {
        let out = run_str(LIST);
        let docs = crate::yaml::parse_stream(&out.text).expect("the output is YAML");
        let d = &docs[0];
        let r = d.root().unwrap();
        let items: Vec<_> = d.items(d.get(r, "items").unwrap()).collect();
        let annotations = d
            .path(items[1], &["spec", "template", "metadata", "annotations"])
            .unwrap();
        assert!(d.get(annotations, "confsum.dev/config-checksum").is_some());
        // kustomize's own annotations are kept, byte for byte.
        assert!(
            out.text
                .contains("      internal.config.kubernetes.io/path: 'app.yaml'\n")
        );
        let results: Vec<_> = d.items(d.get(r, "results").unwrap()).collect();
        let missing = results
            .iter()
            .find(|&&x| d.str_at(x, &["tags", "confsum.dev/rule"]) == Some("missing-key"))
            .expect("a missing-key result");
        assert_eq!(d.str_at(*missing, &["severity"]), Some("error"));
        assert_eq!(d.str_at(*missing, &["resourceRef", "name"]), Some("web"));
        assert_eq!(d.str_at(*missing, &["file", "path"]), Some("app.yaml"));
        // A workload this run injects is rolled: no config-change-no-rollout.
        assert!(results.iter().all(
            |&x| d.str_at(x, &["tags", "confsum.dev/rule"]) != Some("config-change-no-rollout")
        ));
        assert!(out.failed, "failOn: warning");
    }

    #[test]
    fn the_function_config_sets_the_options() {
        let quiet = LIST.replace("data: {failOn: warning}", "data: {lint: \"false\"}");
        let out = run_str(&quiet);
        assert!(out.results.is_empty() && !out.failed);
        assert!(!out.text.contains("results:"));
        let never = LIST.replace(
            "data: {failOn: warning}",
            "data: {failOn: never, ignore: \"missing-key\"}",
        );
        let out = run_str(&never);
        assert!(!out.failed);
        assert!(out.results.iter().all(|r| r.rule != "missing-key"));
        let bad = LIST.replace("data: {failOn: warning}", "data: {colour: red}");
        let e = run(
            &Source::new("-", None, bad),
            None,
            &Default::default(),
            None,
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
    }

    #[test]
    fn results_extend_an_existing_block_sequence() {
        let with = LIST.replace(
            "functionConfig:",
            "results:\n- message: from an earlier function\n  severity: info\nfunctionConfig:",
        );
        let out = run_str(&with);
        let docs = crate::yaml::parse_stream(&out.text).unwrap();
        let d = &docs[0];
        let n = d
            .items(d.get(d.root().unwrap(), "results").unwrap())
            .count();
        assert_eq!(n, 1 + out.results.len());
    }

    #[test]
    fn anything_but_a_resource_list_is_refused() {
        let e = run(
            &Source::new(
                "-",
                None,
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
            ),
            None,
            &Default::default(),
            None,
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Shape);
    }
}
