//! `confsum krm`: the KRM function. The ResourceList goes to stdout also
//! when a finding fails the run (exit 1), as the KRM Functions
//! Specification asks; on an error (exit 2) stdout stays empty.

use std::io::Write as _;

use confsum::Error;

use super::Status;
use super::args::KrmArgs;
use super::config::RunConfig;

pub fn run(args: KrmArgs, out: &mut Vec<u8>, err: &mut Vec<u8>) -> Result<Status, Error> {
    let config = RunConfig::resolve(None, &args.digest, None)?;
    let source = confsum::source::read_stdin()?;
    let output = confsum::krm::run(&source, None, &config.policy, config.hmac_key.as_deref())?;
    for r in &output.results {
        let [_, kind, name, _] = &r.resource;
        let _ = writeln!(
            err,
            "{}[{}]: {kind}/{name}{}: {}",
            r.severity.as_str(),
            r.rule,
            r.file
                .as_deref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default(),
            confsum::display::escape_control(&r.message)
        );
    }
    out.extend_from_slice(output.text.as_bytes());
    Ok(Status::findings_if(output.failed))
}
