//! confsum: an offline transformer and linter for rendered Kubernetes
//! manifests.
//!
//! The stages, in the order data flows through them, each handing the next
//! an immutable value:
//!
//! `source` (files, folders, stdin, charts) → `yaml` (documents with spans) → `model` (objects) →
//! `graph` (references) → `digest` (checksum spec v1) → `inject` (edits) /
//! `lint` (findings) → `report` (text for people and machines).
//!
//! The library never prints and never parses command lines; the `confsum`
//! binary does both.

pub mod analysis;
pub mod digest;
pub mod display;
pub mod error;
pub mod fix;
pub mod graph;
pub mod inject;
pub mod krm;
pub mod lint;
pub mod model;
pub mod plan;
pub mod progress;
pub mod report;
pub mod secrets;
pub mod source;
pub mod yaml;

pub use analysis::{
    Analysis, analyze, analyze_for_graph, analyze_for_graph_with, analyze_lenient, analyze_with,
};
pub use error::{Error, ErrorKind, Result};

/// Inject checksums into one stream of manifests: the text out, and the
/// notices of the run. (The CLI does the same over many files.)
pub fn inject_str(
    text: &str,
    namespace: &str,
    hmac_key: Option<&[u8]>,
    options: &inject::Options,
) -> Result<(String, Vec<inject::Notice>)> {
    let sources = [source::Source::new("-", None, text)];
    let analysis = analyze_for_graph(&sources, namespace)?;
    let sums = digest::checksums(&analysis.model, &analysis.graph, hmac_key)?;
    let plan = inject::plan(&analysis.model, &analysis.graph, &sums, options);
    if cfg!(debug_assertions) {
        check_fixed_point(&sources, &plan.edits, namespace, hmac_key, options)?;
    }
    Ok((inject::apply(text, &plan.edits[0]), plan.notices))
}

/// The fixed point that every inject must reach: injecting the output again
/// changes nothing. Checked on every run in debug builds, and by the fuzz
/// target and the property tests. An error here is a confsum bug.
pub fn check_fixed_point(
    sources: &[source::Source],
    edits: &[Vec<inject::Edit>],
    namespace: &str,
    hmac_key: Option<&[u8]>,
    options: &inject::Options,
) -> Result<()> {
    check_fixed_point_with(
        sources,
        edits,
        namespace,
        hmac_key,
        options,
        &graph::Policy::default(),
    )
}

/// [`check_fixed_point`] under a checksum policy.
pub fn check_fixed_point_with(
    sources: &[source::Source],
    edits: &[Vec<inject::Edit>],
    namespace: &str,
    hmac_key: Option<&[u8]>,
    options: &inject::Options,
    policy: &graph::Policy,
) -> Result<()> {
    let outputs: Vec<source::Source> = sources
        .iter()
        .zip(edits)
        .map(|(s, e)| s.with_text(inject::apply(&s.text, e)))
        .collect();
    let analysis = analyze_for_graph_with(&outputs, namespace, policy)
        .map_err(|e| Error::internal(format!("confsum's output does not parse again: {e}")))?;
    let sums = digest::checksums(&analysis.model, &analysis.graph, hmac_key)?;
    let again = inject::plan(&analysis.model, &analysis.graph, &sums, options);
    for (source, edits) in outputs.iter().zip(&again.edits) {
        if let Some(e) = edits
            .iter()
            .find(|e| source.text[e.range.clone()] != *e.text)
        {
            return Err(Error::internal(format!(
                "injecting confsum's own output again would change `{}` at byte {} (a bug in confsum: please report it)",
                source.name, e.range.start
            )));
        }
    }
    Ok(())
}
