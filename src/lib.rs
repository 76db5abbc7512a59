//! confsum: an offline transformer and linter for rendered Kubernetes
//! manifests.
//!
//! The stages, in the order data flows through them, each handing the next
//! an immutable value:
//!
//! `load` (sources) → `yaml` (documents with spans) → `model` (objects) →
//! `graph` (references) → `digest` (checksum spec v1) → `inject` (edits) /
//! `lint` (findings) → `report` (text for people and machines).
//!
//! The library never prints and never parses command lines; the `confsum`
//! binary does both.

pub mod chart;
pub mod digest;
pub mod error;
pub mod graph;
pub mod inject;
pub mod lint;
pub mod load;
pub mod model;
pub mod plan;
pub mod report;
pub mod yaml;

pub use error::{Error, Result};

/// The namespace for objects that name none: the given one, else
/// `$HELM_NAMESPACE`, else `default`.
pub fn release_namespace(given: Option<&str>) -> String {
    given
        .map(str::to_string)
        .or_else(|| {
            std::env::var("HELM_NAMESPACE")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "default".to_string())
}

/// Everything known about an input after the graph stage.
pub struct Analysis<'a> {
    pub model: model::Model<'a>,
    pub graph: graph::Graph,
}

/// Parse, model and graph the sources: every object, for lint.
pub fn analyze<'a>(sources: &'a [load::Source], namespace: &str) -> Result<Analysis<'a>> {
    build(model::parse(sources)?, namespace)
}

/// As [`analyze`], for the graph alone (inject, graph, plan): every document
/// is parsed and checked, but only ConfigMaps, Secrets, workloads and lists
/// keep their trees. The graph and checksums are the same; memory is less.
pub fn analyze_for_graph<'a>(sources: &'a [load::Source], namespace: &str) -> Result<Analysis<'a>> {
    build(
        model::parse_keeping(sources, yaml::Keep::Kinds(model::matters_to_graph))?,
        namespace,
    )
}

fn build<'a>(files: Vec<model::ParsedSource<'a>>, namespace: &str) -> Result<Analysis<'a>> {
    let model = model::Model::build(files, namespace)?;
    let graph = graph::Graph::build(&model);
    Ok(Analysis { model, graph })
}

/// Inject checksums into one stream of manifests: the text out, and the
/// notices of the run. (The CLI does the same over many files.)
pub fn inject_str(
    text: &str,
    namespace: &str,
    hmac_key: Option<&[u8]>,
    options: &inject::Options,
) -> Result<(String, Vec<inject::Notice>)> {
    let sources = [load::Source::new("-", None, text)];
    let analysis = analyze_for_graph(&sources, namespace)?;
    let sums = digest::checksums(&analysis.model, &analysis.graph, hmac_key)?;
    let plan = inject::plan(&analysis.model, &analysis.graph, &sums, options);
    Ok((inject::apply(text, &plan.edits[0]), plan.notices))
}
