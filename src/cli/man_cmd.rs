//! `confsum man`: the manual pages. One for `confsum` and, with `--dir`, one
//! per subcommand (`confsum-inject(1)`, ...), each with EXIT STATUS.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use confsum::Error;

use super::Status;
use super::args::{Cli, ManArgs};

const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success: nothing to report, or the output was written.
.TP
\fB1\fR
Findings at or above \fB\-\-fail\-on\fR (lint, krm), files that would change (inject \fB\-\-check\fR or \fB\-\-diff\fR), or rollouts (plan \fB\-\-exit\-code\fR).
.TP
\fB2\fR
A usage error, or input that cannot be read: standard output is then empty and no file is written.
"#;

/// A page: clap's sections, EXIT STATUS before VERSION.
fn page(man: &clap_mangen::Man, cmd: &clap::Command, w: &mut dyn Write) -> std::io::Result<()> {
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(w)?;
    }
    if cmd.get_after_help().is_some() || cmd.get_after_long_help().is_some() {
        man.render_extra_section(w)?;
    }
    w.write_all(EXIT_STATUS.as_bytes())?;
    if cmd.get_version().is_some() {
        man.render_version_section(w)?;
    }
    Ok(())
}

pub fn run(args: ManArgs, out: &mut Vec<u8>, err: &mut Vec<u8>) -> Result<Status, Error> {
    let mut top = Cli::command();
    top.build();
    let fail = |e: std::io::Error| Error::io(format!("cannot write the man pages: {e}"), e);
    let Some(dir) = args.dir else {
        page(&clap_mangen::Man::new(top.clone()), &top, out).map_err(fail)?;
        return Ok(Status::Clean);
    };
    let mut pages = vec![("confsum".to_string(), top.clone())];
    for sub in top.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("confsum-{}", sub.get_name());
        let version = top.get_version().unwrap_or("").to_string();
        pages.push((name.clone(), sub.clone().name(name).version(version)));
    }
    std::fs::create_dir_all(&dir).map_err(fail)?;
    for (name, cmd) in pages {
        let mut text = Vec::new();
        page(&clap_mangen::Man::new(cmd.clone()), &cmd, &mut text).map_err(fail)?;
        write_page(&dir, &name, &text).map_err(fail)?;
        let _ = writeln!(err, "wrote {}", dir.join(format!("{name}.1")).display());
    }
    Ok(Status::Clean)
}

fn write_page(dir: &Path, name: &str, text: &[u8]) -> std::io::Result<()> {
    std::fs::write(dir.join(format!("{name}.1")), text)
}
