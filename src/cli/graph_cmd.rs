use confsum::{Error, digest, report};

use super::Status;
use super::args::{GraphArgs, GraphFormat};
use super::config::RunConfig;

pub fn run(args: GraphArgs, out: &mut Vec<u8>, err: &mut Vec<u8>) -> Result<Status, Error> {
    let config = RunConfig::resolve(args.input.namespace.as_deref(), &args.digest, None)?;
    let (namespace, key) = (&config.namespace, &config.hmac_key);
    let inputs = super::input::discover(&args.input.paths, &args.input, &config.file, err)?;
    let sources = super::input::rendered(inputs, &args.chart, args.input.namespace.as_deref())?;
    super::announce(&sources);
    let analysis = confsum::analyze_for_graph_with(&sources, namespace, &config.policy)?;
    let sums = digest::checksums(&analysis.model, &analysis.graph, key.as_deref())?;
    let text = match args.format {
        GraphFormat::Json => report::graph::json(&analysis, &sums),
        GraphFormat::Text => report::graph::text(&analysis, &sums),
        GraphFormat::Dot => report::graph::dot(&analysis),
        GraphFormat::Mermaid => report::graph::mermaid(&analysis),
        GraphFormat::Svg => report::graph::svg(&analysis),
    };
    super::emit(out, text);
    Ok(Status::Clean)
}
