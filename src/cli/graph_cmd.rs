use confsum::{Error, digest, report};

use super::Status;
use super::args::{GraphArgs, GraphFormat};
use super::config::RunConfig;

pub fn run(
    args: GraphArgs,
    out: &mut Vec<u8>,
    err: &mut Vec<u8>,
    deferred: &mut Option<super::Deferred>,
) -> Result<Status, Error> {
    let config = RunConfig::resolve(args.input.namespace.as_deref(), &args.digest, None)?;
    let (namespace, key) = (&config.namespace, &config.hmac_key);
    let inputs = super::input::discover(&args.input.paths, &args.input, &config.file, err)?;
    let sources = super::input::rendered(inputs, &args.chart, args.input.namespace.as_deref())?;
    super::announce(&sources);
    // The sources live until the process ends, so that a text or JSON
    // report can be written from the analysis that borrows them once the
    // run has succeeded (no copy of it is built).
    let sources: &'static [confsum::source::Source] = Vec::leak(sources);
    let analysis = confsum::analyze_for_graph_with(sources, namespace, &config.policy)?;
    super::give_back_freed_memory();
    let sums = digest::checksums(&analysis.model, &analysis.graph, key.as_deref())?;
    let text = match args.format {
        GraphFormat::Dot => report::graph::dot(&analysis),
        GraphFormat::Mermaid => report::graph::mermaid(&analysis),
        GraphFormat::Svg => report::graph::svg(&analysis),
        // Text and JSON, the reports a large input asks for, are written
        // as they are made.
        GraphFormat::Json | GraphFormat::Text => {
            let json = matches!(args.format, GraphFormat::Json);
            *deferred = Some(super::Deferred::Report(Box::new(move |w| {
                if json {
                    report::graph::json_to(&analysis, &sums, w)
                } else {
                    report::graph::text_to(&analysis, &sums, w)
                }
            })));
            return Ok(Status::Clean);
        }
    };
    super::emit(out, text);
    Ok(Status::Clean)
}
