use confsum::{Error, plan, report};

use super::Status;
use super::args::{PlanArgs, PlanFormat};
use super::config::{RunConfig, stdout_color};

pub fn run(args: PlanArgs, out: &mut Vec<u8>) -> Result<Status, Error> {
    if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
        return Err(Error::usage(
            "only one side of `confsum plan` can be standard input",
        ));
    }
    let run = RunConfig::resolve(
        args.namespace.as_deref(),
        &args.digest,
        Some(&args.annotations),
    )?;
    let (namespace, key) = (&run.namespace, &run.hmac_key);
    let old_sources = confsum::source::load(std::slice::from_ref(&args.old))?;
    let new_sources = confsum::source::load(std::slice::from_ref(&args.new))?;
    let old = confsum::analyze_for_graph_with(&old_sources, namespace, &run.policy)?;
    let new = confsum::analyze_for_graph_with(&new_sources, namespace, &run.policy)?;
    let keys = [
        run.inject.config_annotation.clone(),
        run.inject.secret_annotation.clone(),
    ];
    let p = plan::plan(&old, &new, key.as_deref(), &keys)?;
    let text = match args.format {
        PlanFormat::Human => report::plan::human(&p, stdout_color()),
        PlanFormat::Json => report::plan::json(&p),
        PlanFormat::Markdown => report::plan::markdown(&p),
    };
    out.extend_from_slice(text.as_bytes());
    Ok(if args.exit_code && p.anything_rolls() {
        Status::Findings
    } else {
        Status::Clean
    })
}
