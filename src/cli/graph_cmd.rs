use confsum::{Error, digest, report};

use super::Status;
use super::args::{GraphArgs, GraphFormat};
use super::config::{RunConfig, helm_options};

pub fn run(args: GraphArgs, out: &mut Vec<u8>, err: &mut Vec<u8>) -> Result<Status, Error> {
    let config = RunConfig::resolve(args.input.namespace.as_deref(), &args.digest, None)?;
    let (namespace, key) = (&config.namespace, &config.hmac_key);
    let mut sources = Vec::new();
    let mut helm = None;
    for input in super::input::discover(&args.input.paths, &args.input, &config.file, err)? {
        match input {
            confsum::source::Input::Manifests(s) => sources.push(s),
            confsum::source::Input::Chart(c) => {
                let opts = helm_options(&args.chart, args.input.namespace.as_deref());
                if helm.is_none() {
                    helm = Some(confsum::source::chart::find_helm(opts.helm.as_deref())?);
                }
                sources.push(confsum::source::chart::render(
                    helm.as_ref().expect("found above"),
                    &c,
                    &opts,
                    None,
                )?);
            }
        }
    }
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
    out.extend_from_slice(text.as_bytes());
    Ok(Status::Clean)
}
