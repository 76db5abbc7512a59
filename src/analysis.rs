//! The pipeline up to the graph, as one value: sources parsed, modelled
//! and their references resolved. Every command starts from an [`Analysis`].

use crate::error::Result;
use crate::{graph, model, source, yaml};

/// Everything known about an input after the graph stage.
pub struct Analysis<'a> {
    pub model: model::Model<'a>,
    pub graph: graph::Graph,
}

impl Analysis<'_> {
    /// The chart template files behind the documents rendered from chart
    /// folders (`# Source:`), each read once.
    pub fn template_files(&self) -> source::TemplateFiles {
        source::TemplateFiles::read(
            self.model
                .files
                .iter()
                .flat_map(|f| f.docs.iter().filter_map(|d| Some((f.source, d.template?)))),
        )
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
    build(model::parse(sources)?, namespace, policy)
}

/// [`analyze_with`] for lint: a document that does not parse, or is no
/// valid object, is kept in `model.broken` for lint to report, and the
/// rest of its file is read on.
pub fn analyze_lenient<'a>(
    sources: &'a [source::Source],
    namespace: &str,
    policy: &graph::Policy,
) -> Result<Analysis<'a>> {
    let model = model::Model::build_lenient(model::parse_lenient(sources)?, namespace)?;
    let graph = graph::Graph::build_with(&model, policy);
    Ok(Analysis { model, graph })
}

/// As [`analyze`], for the graph alone (inject, graph, plan): every document
/// is parsed and checked, but only ConfigMaps, Secrets, workloads and lists
/// keep their trees. The graph and checksums are the same; memory is less.
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
    build(
        model::parse_keeping(sources, yaml::Keep::Decide(model::keep_for_graph))?,
        namespace,
        policy,
    )
}

fn build<'a>(
    files: Vec<model::ParsedSource<'a>>,
    namespace: &str,
    policy: &graph::Policy,
) -> Result<Analysis<'a>> {
    let model = model::Model::build(files, namespace)?;
    let graph = graph::Graph::build_with(&model, policy);
    Ok(Analysis { model, graph })
}
