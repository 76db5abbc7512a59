//! The pipeline up to the graph, as one value: sources parsed, modelled
//! and their references resolved. Every command starts from an [`Analysis`].

use crate::error::Result;
use crate::{graph, model, source};

/// Everything known about an input after the graph stage.
pub struct Analysis<'a> {
    pub model: model::Model<'a>,
    pub graph: graph::Graph,
}

impl Analysis<'_> {
    /// The chart template files behind the documents rendered from chart
    /// folders (`# Source:`), each read once.
    pub fn template_files(&self) -> source::TemplateFiles {
        source::TemplateFiles::read(self.model.files.iter().flat_map(|f| {
            f.docs
                .iter()
                .filter_map(|d| Some((f.source, d.template()?)))
        }))
    }
}

/// Parse, model and graph the sources: every object, for lint.
pub fn analyze<'a>(sources: &'a [source::Source], namespace: &str) -> Result<Analysis<'a>> {
    analyze_with(sources, namespace, &graph::Policy::default())
}

/// [`analyze`] with a checksum policy (`--rollout-on`, opt-outs).
pub fn analyze_with<'a>(
    sources: &'a [source::Source],
    namespace: &str,
    policy: &graph::Policy,
) -> Result<Analysis<'a>> {
    build(model::parse(sources, namespace)?, policy)
}

/// [`analyze_with`] for lint: a document that does not parse, or is no
/// valid object, is kept in `model.broken` for lint to report, and the
/// rest of its file is read on.
pub fn analyze_lenient<'a>(
    sources: &'a [source::Source],
    namespace: &str,
    policy: &graph::Policy,
) -> Result<Analysis<'a>> {
    let release = model::Release::Inert(crate::lint::inert);
    let model = model::Model::build_lenient(model::parse_lenient(sources, namespace, release)?)?;
    let graph = graph::Graph::build_with(&model, policy);
    Ok(Analysis { model, graph })
}

/// As [`analyze`], for the graph alone (inject, graph, plan): every document
/// is parsed and checked, but only workloads and lists keep their trees,
/// and ConfigMaps and Secrets keep theirs only once a checksum reads them
/// ([`model::parse_for_graph`]). The references and checksums are the
/// same; the graph keeps no use of a workload ([`graph::Workload::uses`]
/// is empty: only lint reads them). Memory is less.
pub fn analyze_for_graph<'a>(
    sources: &'a [source::Source],
    namespace: &str,
) -> Result<Analysis<'a>> {
    analyze_for_graph_with(sources, namespace, &graph::Policy::default())
}

/// [`analyze_for_graph`] with a checksum policy.
pub fn analyze_for_graph_with<'a>(
    sources: &'a [source::Source],
    namespace: &str,
    policy: &graph::Policy,
) -> Result<Analysis<'a>> {
    let model = model::Model::build(model::parse_for_graph(sources, namespace)?)?;
    let graph = graph::Graph::build_refs(&model, policy);
    Ok(Analysis { model, graph })
}

fn build<'a>(files: Vec<model::ParsedSource<'a>>, policy: &graph::Policy) -> Result<Analysis<'a>> {
    let model = model::Model::build(files)?;
    let graph = graph::Graph::build_with(&model, policy);
    Ok(Analysis { model, graph })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest;

    const INPUT: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: used}
data: {k: v}
---
apiVersion: v1
kind: Secret
metadata: {name: unused}
stringData: {password: hunter2}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: c
        image: registry.example.com/team/the-image-of-this-workload-is-written-in-full:v1.2.3
        args: [--a-long-argument-that-makes-the-text-outweigh-its-tree]
        envFrom:
        - configMapRef:
            name: used
";

    /// Which documents of the first file hold their trees now.
    fn held(a: &Analysis<'_>) -> Vec<bool> {
        a.model.files[0]
            .docs
            .iter()
            .map(|d| d.holds_tree())
            .collect()
    }

    /// Graph mode keeps no config's tree: it reads the data of the config
    /// that is referenced, and its checksums are those of the full parse.
    #[test]
    fn graph_mode_keeps_no_config_tree() {
        let sources = [source::Source::new("-", None, INPUT)];
        let full = analyze(&sources, "default").unwrap();
        let lean = analyze_for_graph(&sources, "default").unwrap();
        assert_eq!(held(&full), [true, true, true]);
        assert_eq!(held(&lean), [false, false, true], "config trees let go");
        let sums = |a: &Analysis<'_>| -> Vec<(Option<String>, Option<String>)> {
            digest::checksums(&a.model, &a.graph, None)
                .unwrap()
                .into_iter()
                .map(|c| (c.config, c.secret))
                .collect()
        };
        let lean_sums = sums(&lean);
        assert!(lean_sums[0].0.is_some(), "the ConfigMap is covered");
        assert_eq!(lean_sums, sums(&full));
        assert_eq!(held(&lean), [false, false, true], "and not kept after");
        let data_read: Vec<(&str, bool)> = lean
            .model
            .objects
            .iter()
            .filter(|o| matches!(o.kind, model::Kind::Config(_)))
            .map(|o| (o.name.as_str(), o.data_read().is_some()))
            .collect();
        // The one workload that consumes it read its data once, for its
        // checksum: nothing holds it after.
        assert_eq!(data_read, [("used", false), ("unused", false)]);
    }

    /// Lint lets go of the data of an inert ConfigMap with no labels: a
    /// consumed one has its data read again for its checksum (and not
    /// kept, for its one consumer), which is the full parse's; an
    /// unconsumed one holds none, and unused-config still points at its
    /// name; one with labels keeps them for discovery.
    #[test]
    fn lint_holds_no_data_of_an_unconsumed_configmap_without_labels() {
        let input = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: used}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unused}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboard
  labels: {grafana_dashboard: '1'}
data: {k: v}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers: [{name: c, image: x, envFrom: [{configMapRef: {name: used}}]}]
";
        let sources = [source::Source::new("-", None, input)];
        let full = analyze(&sources, "default").unwrap();
        let lint = analyze_lenient(&sources, "default", &graph::Policy::default()).unwrap();
        let configs = |a: &Analysis<'_>| -> Vec<(bool, bool)> {
            a.model.objects[..3]
                .iter()
                .map(|o| (o.inert, o.data_read().is_some()))
                .collect()
        };
        // The labelled one holds its labels; the graph reads no data.
        assert_eq!(configs(&lint), [(true, false), (true, false), (true, true)]);
        let sums = |a: &Analysis<'_>| digest::checksums(&a.model, &a.graph, None).unwrap();
        let lint_sums = sums(&lint);
        assert!(lint_sums[0].config.is_some());
        assert_eq!(lint_sums, sums(&full));
        // Its one consumer's checksum read it once and let it go.
        assert_eq!(configs(&lint)[0], (true, false));
        let findings = crate::lint::run(&lint, &lint_sums, &crate::lint::LintConfig::default());
        let unused: Vec<&str> = findings
            .iter()
            .filter(|f| f.rule() == "unused-config")
            .map(|f| &input[f.span()])
            .collect();
        assert_eq!(unused, ["unused"], "the labelled one is discovered");
        assert_eq!(configs(&lint)[1], (true, false), "and holds no data after");
    }

    /// Lint holds no data of a config that one workload consumes: its
    /// checksum reads it once, and so does that workload's pass of the
    /// rules, once for all its uses (three missing keys here); a config
    /// two workloads consume is read once and kept. The findings are those
    /// of the full parse.
    #[test]
    fn lint_reads_a_config_one_workload_consumes_in_its_pass_alone() {
        let input = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: mine}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: shared}
data: {k: v}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  template:
    spec:
      containers:
      - name: c
        image: x
        envFrom: [{configMapRef: {name: shared}}]
        env:
        - {name: A, valueFrom: {configMapKeyRef: {name: mine, key: a}}}
        - {name: B, valueFrom: {configMapKeyRef: {name: mine, key: b}}}
        - {name: K, valueFrom: {configMapKeyRef: {name: mine, key: k}}}
        - {name: C, valueFrom: {configMapKeyRef: {name: mine, key: c}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec:
  template:
    spec:
      containers: [{name: c, image: x, envFrom: [{configMapRef: {name: shared}}]}]
";
        let sources = [source::Source::new("-", None, input)];
        let full = analyze(&sources, "default").unwrap();
        let lint = analyze_lenient(&sources, "default", &graph::Policy::default()).unwrap();
        let findings = |a: &Analysis<'_>| {
            let sums = digest::checksums_lenient(&a.model, &a.graph, None);
            crate::lint::run(a, &sums, &crate::lint::LintConfig::default())
        };
        let found = findings(&lint);
        assert_eq!(found, findings(&full));
        let missing: Vec<&str> = found
            .iter()
            .filter(|f| f.rule() == "missing-key")
            .map(|f| &input[f.span()])
            .collect();
        assert_eq!(missing, ["a", "b", "c"]);
        let held: Vec<(bool, bool)> = lint.model.objects[..2]
            .iter()
            .map(|o| (o.inert, o.data_read().is_some()))
            .collect();
        assert_eq!(held, [(true, false), (true, true)]);
    }

    /// A workload whose tree outweighs twice its text (flow style) is let
    /// go in graph mode and parsed again where the graph and inject read
    /// it: its checksums and edits are those of the full parse, and it is
    /// not held after either.
    #[test]
    fn graph_mode_parses_a_dense_workload_again_and_lets_it_go() {
        let input = format!(
            "{INPUT}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: dense}}\n\
             spec: {{template: {{spec: {{containers: [{{name: c, image: x, \
             envFrom: [{{configMapRef: {{name: used}}}}]}}]}}}}}}\n"
        );
        let sources = [source::Source::new("-", None, &input)];
        let full = analyze(&sources, "default").unwrap();
        let lean = analyze_for_graph(&sources, "default").unwrap();
        assert_eq!(held(&lean), [false, false, true, false]);
        let sums = |a: &Analysis<'_>| digest::checksums(&a.model, &a.graph, None).unwrap();
        let (full_sums, lean_sums) = (sums(&full), sums(&lean));
        assert_eq!(full_sums, lean_sums);
        assert_eq!(full_sums[0], full_sums[1], "both read `used`");
        let options = crate::inject::Options::default();
        let full_plan = crate::inject::plan(&full.model, &full.graph, &full_sums, &options);
        let lean_plan = crate::inject::plan(&lean.model, &lean.graph, &lean_sums, &options);
        assert_eq!(full_plan.edits, lean_plan.edits);
        assert_eq!(full_plan.notices, lean_plan.notices);
        assert_eq!(lean_plan.edits[0].len(), 2, "both workloads edited");
        assert_eq!(
            held(&lean),
            [false, false, true, false],
            "and not kept after"
        );
    }
}
