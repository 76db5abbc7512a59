use std::io::IsTerminal;

use confsum::{Error, plan, report};

use super::Status;
use super::args::{PlanArgs, PlanFormat};
use super::graph_cmd::hmac_key;

pub fn run(args: PlanArgs, out: &mut Vec<u8>) -> Result<Status, Error> {
    if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
        return Err(Error::new(
            "only one side of `confsum plan` can be standard input",
        ));
    }
    let key = hmac_key(&args.digest)?;
    let namespace = confsum::release_namespace(args.namespace.as_deref());
    let old_sources = confsum::source::load(std::slice::from_ref(&args.old))?;
    let new_sources = confsum::source::load(std::slice::from_ref(&args.new))?;
    let old = confsum::analyze_for_graph(&old_sources, &namespace)?;
    let new = confsum::analyze_for_graph(&new_sources, &namespace)?;
    let keys = [
        args.annotations.config_annotation.clone(),
        args.annotations.secret_annotation.clone(),
    ];
    let p = plan::plan(&old, &new, key.as_deref(), &keys)?;
    let text = match args.format {
        PlanFormat::Human => report::plan::human(
            &p,
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        ),
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
