//! The command line: parses arguments with clap, calls the library, renders
//! reports, maps results to exit codes (0 clean, 1 findings or changes,
//! 2 usage or input error). Every error leaves stdout empty.

mod args;
mod config;
mod diagnostics;
mod fix_cmd;
mod graph_cmd;
mod inject_cmd;
mod input;
mod krm_cmd;
mod lint_cmd;
mod man_cmd;
mod plan_cmd;
mod progress;
mod write;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use confsum::Error;

/// What a successful run found.
pub enum Status {
    Clean,
    /// Findings at or above the threshold, or files that would change.
    Findings,
}

/// Append a report to the output buffer: moved in, not copied, when it is
/// the whole output (a report can be tens of megabytes).
pub(crate) fn emit(out: &mut Vec<u8>, text: String) {
    if out.is_empty() {
        *out = text.into_bytes();
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

impl Status {
    /// `Findings` when `found`, else `Clean`.
    pub fn findings_if(found: bool) -> Status {
        if found {
            Status::Findings
        } else {
            Status::Clean
        }
    }
}

pub fn main() -> ExitCode {
    map_large_blocks();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    config::set_color(cli.color);
    if let Some(n) = cli.jobs {
        // Once, before any parallel work: the pool every stage shares.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.into())
            .build_global();
    }
    let Some(command) = cli.command else {
        return no_command();
    };
    hint_when_waiting_on_a_terminal(&command);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut deferred = None;
    let progress = progress::Progress::start();
    let result = run(command, &mut out, &mut err, &mut deferred);
    // The bar is cleared before anything else is written.
    drop(progress);
    // stderr notes are written even on failure; stdout only on success.
    let _ = std::io::stderr().write_all(
        confsum::display::guard_workflow_commands(&String::from_utf8_lossy(&err)).as_bytes(),
    );
    match result {
        Ok(status) => {
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let written = stdout.write_all(&out).and_then(|_| match deferred {
                Some(d) => d.write_to(&mut stdout),
                None => Ok(()),
            });
            if let Err(e) = written.and_then(|_| stdout.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                eprintln!("error: cannot write to standard output: {e}");
                return ExitCode::from(2);
            }
            match status {
                Status::Clean => ExitCode::SUCCESS,
                Status::Findings => ExitCode::from(1),
            }
        }
        Err(e) => {
            eprint!(
                "{}",
                confsum::display::guard_workflow_commands(&diagnostics::render_error(&e))
            );
            ExitCode::from(2)
        }
    }
}

/// Run a command. Output is buffered so that an error leaves stdout empty.
fn run(
    command: Command,
    out: &mut Vec<u8>,
    err: &mut Vec<u8>,
    deferred: &mut Option<Deferred>,
) -> Result<Status, Error> {
    match command {
        Command::Graph(a) => graph_cmd::run(a, out, err, deferred),
        Command::Inject(a) => inject_cmd::run(a, out, err, deferred),
        Command::PostRender(a) => inject_cmd::post_render(a, err, deferred),
        Command::Lint(a) => lint_cmd::run(a, out, err, deferred),
        Command::Plan(a) => plan_cmd::run(a, out),
        Command::Krm(a) => krm_cmd::run(a, out, err),
        Command::Explain(a) => lint_cmd::explain(a, out),
        Command::Rules => lint_cmd::list(out),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "confsum", out);
            Ok(Status::Clean)
        }
        Command::Man(a) => man_cmd::run(a, out, err),
    }
}

/// `note:` lines for the files of a run that hold no Kubernetes object.
pub fn skipped_notes(model: &confsum::model::Model<'_>, notes: &mut Vec<u8>) {
    for &(file, why) in &model.skipped {
        let _ = writeln!(
            notes,
            "note: skipped `{}`: {why}",
            confsum::display::escape_control(&model.files[file].source.name)
        );
    }
}

/// Progress for large inputs, on stderr and only on a terminal: piped
/// output and CI logs stay clean.
pub fn announce(sources: &[confsum::source::Source]) {
    use std::io::IsTerminal;
    const LARGE: usize = 32 * 1024 * 1024;
    let total: usize = sources.iter().map(|s| s.text.len()).sum();
    if total >= LARGE && std::io::stderr().is_terminal() {
        eprintln!(
            "confsum: analysing {} MB in {} file(s)…",
            total / (1024 * 1024),
            sources.len()
        );
    }
}

/// Output written once the run has succeeded, straight from what made it:
/// no copy of the whole output is ever built.
pub enum Deferred {
    /// Transformed manifests: the sources and their edits.
    Manifests {
        texts: Vec<std::sync::Arc<String>>,
        edits: Vec<Vec<confsum::inject::Edit>>,
    },
    /// A report (a lint of 250k ConfigMaps has 180 MB of it as JSON), made
    /// as it is written, from what the run kept.
    Report(WriteReport),
}

/// Writes a report to stdout, once.
pub type WriteReport = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()>>;

impl Deferred {
    fn write_to(self, w: &mut impl Write) -> std::io::Result<()> {
        match self {
            Deferred::Manifests { texts, edits } => write_manifests(&texts, &edits, w),
            Deferred::Report(write) => write(w),
        }
    }
}

fn write_manifests(
    texts: &[std::sync::Arc<String>],
    edits: &[Vec<confsum::inject::Edit>],
    w: &mut impl Write,
) -> std::io::Result<()> {
    let mut ends_in_newline = true;
    for (i, (text, edits)) in texts.iter().zip(edits).enumerate() {
        // Several inputs on stdout stay separate documents.
        if i > 0 {
            if !ends_in_newline {
                w.write_all(b"\n")?;
            }
            if !text.trim_start_matches('\u{feff}').starts_with("---") {
                w.write_all(b"---\n")?;
            }
        }
        for piece in confsum::inject::pieces(text, edits) {
            w.write_all(piece.as_bytes())?;
        }
        ends_in_newline = text.is_empty() || text.ends_with('\n');
    }
    Ok(())
}

/// `confsum` alone. With manifests piped in, it is most likely a Helm
/// post-renderer without `--post-renderer-args` (Helm 3.10+ runs the binary
/// bare): say how to set it up, in a few lines Helm shows in its error.
/// On a terminal, the help.
fn no_command() -> ExitCode {
    use clap::CommandFactory;
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let _ = Cli::command().print_help();
        return ExitCode::from(2);
    }
    eprint!(
        "confsum: no command given, and manifests on standard input.\n\
         As a Helm post-renderer, pass the command as an argument:\n  \
         helm upgrade RELEASE CHART --post-renderer confsum --post-renderer-args post-render\n\
         (Helm before 3.10: use scripts/confsum-post-render.) `confsum --help` lists the commands.\n"
    );
    ExitCode::from(2)
}

/// `confsum lint` with no path reads stdin; typed at a terminal, that looks
/// like a hang, so say what is happening.
fn hint_when_waiting_on_a_terminal(command: &Command) {
    use std::io::IsTerminal;
    let reads_stdin = match command {
        Command::Graph(a) => a.input.paths.is_empty(),
        Command::Inject(a) => a.input.paths.is_empty(),
        Command::Lint(a) => a.input.paths.is_empty(),
        Command::PostRender(a) => a.paths.is_empty(),
        _ => false,
    };
    if reads_stdin && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        eprintln!(
            "confsum: reading manifests from standard input (end with Ctrl-D; `--help` for paths)"
        );
    }
}

/// Give every block of 1 MiB or more its own mapping, returned to the
/// system when it is freed. glibc raises that threshold each time it frees
/// a mapped block, up to 32 MiB, after which big blocks come from its heap
/// and leave holes there: lint parses a dense workload's tree for each
/// stage that reads it and lets it go, and one pod of 50k `envFrom`
/// entries (a 5.8 MB input) then peaked at 59 MB, not 41.
fn map_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets a tunable of the allocator before any thread
    // is started; it touches no allocation.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Hand memory freed by a finished stage back to the system: glibc keeps
/// freed blocks in its heaps, and the next stage's peak is counted on top
/// of them. A parse leaves the trees it let go (of every document, for the
/// graph; of the inert ones, for lint); inject drops the graph before its
/// check.
pub(crate) fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's own
    // heaps to the system; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
