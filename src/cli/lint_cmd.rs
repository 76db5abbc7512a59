use std::path::PathBuf;

use confsum::lint::{self, LintConfig, Severity};
use confsum::report::lint::{self as report, Item};
use confsum::source::chart;
use confsum::source::{Input, Source, TemplateFiles};
use confsum::{Error, digest};

use super::Status;
use super::args::{ExplainArgs, FailOn, LintArgs, LintFormat};
use super::config::{RunConfig, helm_options, lint_config, stdout_color};

/// Parse, graph and run the rules on one stream (with a second render of
/// the same chart, for the rules that compare renders): the analysis, the
/// findings, and the chart template files they were located in.
pub(super) fn lint_findings<'s>(
    sources: &'s [Source],
    run: &RunConfig,
    config: &LintConfig,
    rerender: Option<&[Source]>,
) -> Result<(confsum::Analysis<'s>, Vec<lint::Finding>, TemplateFiles), Error> {
    let analysis = confsum::analyze_lenient(sources, &run.namespace, &run.policy)?;
    let second = rerender
        .map(|s| confsum::analyze_with(s, &run.namespace, &run.policy))
        .transpose()?;
    super::give_back_freed_memory();
    let sums = digest::checksums_lenient(&analysis.model, &analysis.graph, run.hmac_key.as_deref());
    let templates = analysis.template_files();
    let findings = lint::run_with(&analysis, &sums, config, second.as_ref(), Some(&templates));
    Ok((analysis, findings, templates))
}

/// A report written to stdout as it is made.
#[derive(Clone, Copy)]
pub(crate) enum Streamed {
    Json,
    Human { color: bool, summary: bool },
}

/// One stream linted: what its report items are made from.
pub(crate) struct Linted<'s> {
    analysis: confsum::Analysis<'s>,
    findings: Vec<lint::Finding>,
    templates: TemplateFiles,
    /// The template edit of each fixable finding, by the finding's index,
    /// in order.
    fixes: Vec<(usize, confsum::fix::FileEdit)>,
}

/// Lint one stream: parse, graph, run the rules.
fn lint_sources<'s>(
    sources: &'s [Source],
    run: &RunConfig,
    config: &LintConfig,
    verbose: Option<&mut Vec<u8>>,
    rerender: Option<&[Source]>,
) -> Result<Linted<'s>, Error> {
    super::announce(sources);
    let (analysis, findings, templates) = lint_findings(sources, run, config, rerender)?;
    if let Some(notes) = verbose {
        super::skipped_notes(&analysis.model, notes);
    }
    let fixes = fix_edits(&analysis, &findings);
    Ok(Linted {
        analysis,
        findings,
        templates,
        fixes,
    })
}

impl Linted<'_> {
    fn any_at_least(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }

    /// The report items, a batch at a time, with their fixes.
    fn write_batches<T>(
        mut self,
        write: impl FnOnce([usize; 3], &mut dyn Iterator<Item = Vec<Item>>) -> T,
    ) -> T {
        let counts = report::severity_counts(self.findings.iter().map(|f| f.severity));
        let items = report::Items::new(&mut self.analysis, &self.templates);
        let mut fixes = self.fixes.into_iter().peekable();
        let mut first = 0;
        let mut batches = items.batches(self.findings).map(|mut batch| {
            while let Some((at, fix)) = fixes.next_if(|(at, _)| *at < first + batch.len()) {
                batch[at - first].fix = Some(Box::new(fix));
            }
            first += batch.len();
            batch
        });
        write(counts, &mut batches)
    }

    fn items(self) -> Vec<Item> {
        self.write_batches(|_, batches| batches.flatten().collect())
    }

    /// The report on stdout, written as its items are made.
    pub(super) fn write(
        mut self,
        format: Streamed,
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        match format {
            Streamed::Json => {
                self.write_batches(|counts, batches| report::json_batches(counts, batches, w))
            }
            Streamed::Human { color, summary } => {
                // Fixes are not shown: the findings are reordered by scope.
                self.fixes.clear();
                let grouped = report::group_by_scope(&self.analysis.model, &mut self.findings);
                self.write_batches(|counts, batches| {
                    report::human_batches(batches, color, summary.then_some(counts), grouped, w)
                })
            }
        }
    }
}

/// The template edit of each fixable finding of a chart folder's render,
/// by the finding's index, for the reports that carry fixes (JSON, SARIF).
fn fix_edits(
    analysis: &confsum::Analysis<'_>,
    findings: &[lint::Finding],
) -> Vec<(usize, confsum::fix::FileEdit)> {
    let mut files: std::collections::HashMap<PathBuf, confsum::fix::ChartFiles> =
        Default::default();
    let mut edits = Vec::new();
    for (at, finding) in findings.iter().enumerate() {
        let Some(request) = finding.fix() else {
            continue;
        };
        let o = &analysis.model.objects[request.workload];
        let Some(origin) = analysis.model.files[o.file()]
            .source
            .origin
            .as_ref()
            .filter(|o| o.path.is_dir())
        else {
            continue;
        };
        let Ok(wanted) = confsum::fix::wanted(&analysis.model, request, origin) else {
            continue;
        };
        let chart = files
            .entry(origin.path.clone())
            .or_insert_with(|| confsum::fix::ChartFiles::read(&origin.path));
        if let Some(edit) = confsum::fix::FileEdit::of(&wanted, chart) {
            edits.push((at, edit));
        }
    }
    edits
}

pub fn run(
    mut args: LintArgs,
    out: &mut Vec<u8>,
    err: &mut Vec<u8>,
    deferred: &mut Option<super::Deferred>,
) -> Result<Status, Error> {
    let run = RunConfig::resolve_with_file(
        args.input.namespace.as_deref(),
        &args.digest,
        Some(&args.annotations),
        args.config.as_deref(),
    )?;
    let config = lint_config(&args.ignore, &run)?;
    let (manifests, charts) = inputs(&args, &config, err)?;
    if args.fix {
        // What --fix proves over every values set is linted over them too.
        args.all_values = true;
        super::fix_cmd::run(&args, (&manifests, &charts), &run, &config, out, err)?;
        if args.diff {
            return Ok(Status::findings_if(!out.is_empty()));
        }
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let notes = args.verbose.then_some(&mut *err);
    let streamed = match args.format {
        LintFormat::Json => Some(Streamed::Json),
        LintFormat::Human => Some(Streamed::Human {
            color: stdout_color(),
            summary: !args.quiet,
        }),
        _ => None,
    };
    if let Some(format) = streamed.filter(|_| args.output.is_none() && charts.is_empty()) {
        // Written to stdout once the run has succeeded, each item as it is
        // made from the analysis. The sources live until the process ends,
        // so that the analysis that borrows them outlives this call.
        let sources: &'static [Source] = Vec::leak(manifests);
        let linted = lint_sources(sources, &run, &config, notes, None)?;
        let failing = threshold.is_some_and(|t| linted.any_at_least(t));
        *deferred = Some(super::Deferred::Report(Box::new(move |w| {
            linted.write(format, w)
        })));
        return Ok(Status::findings_if(failing));
    }
    let mut items = Vec::new();
    if !manifests.is_empty() {
        items.extend(lint_sources(&manifests, &run, &config, notes, None)?.items());
    }
    if !charts.is_empty() {
        items.extend(lint_charts(&args, &charts, &run, &config, err)?);
    }
    let failing = threshold.is_some_and(|t| report::any_at_least(&items, t));
    let text = match args.format {
        LintFormat::Human => report::human(&items, stdout_color(), !args.quiet),
        LintFormat::Json => report::json(&items),
        LintFormat::Sarif => report::sarif(&items),
        LintFormat::Github => report::github(&items),
        LintFormat::Markdown => report::markdown(&items),
        LintFormat::Gitlab => report::gitlab(&items),
        LintFormat::Junit => report::junit(&items),
    };
    if let Some(path) = &args.output {
        std::fs::write(path, &text)
            .map_err(|e| Error::io(format!("cannot write `{}`: {e}", path.display()), e))?;
    }
    super::emit(out, text);
    Ok(Status::findings_if(failing))
}

/// The manifests and the charts to lint.
fn inputs(
    args: &LintArgs,
    config: &LintConfig,
    err: &mut Vec<u8>,
) -> Result<(Vec<Source>, Vec<PathBuf>), Error> {
    let paths = if args.owning_charts {
        super::input::owning_charts(&args.input.paths)
    } else {
        args.input.paths.clone()
    };
    // With --owning-charts, no chart among the paths means nothing to lint
    // (not standard input).
    let inputs = if args.owning_charts && paths.is_empty() {
        Vec::new()
    } else {
        super::input::discover(&paths, &args.input, config, err)?
    };
    let mut manifests = Vec::new();
    let mut charts = Vec::new();
    for input in inputs {
        match input {
            Input::Manifests(s) => manifests.push(s),
            Input::Chart(c) => charts.push(c),
        }
    }
    Ok((manifests, charts))
}

/// Each chart rendered with its defaults (and, with `--all-values`, each
/// `ci/*-values.yaml`), linted, the findings of its renders merged.
pub(super) fn lint_charts(
    args: &LintArgs,
    charts: &[PathBuf],
    run: &RunConfig,
    config: &LintConfig,
    notes: &mut Vec<u8>,
) -> Result<Vec<Item>, Error> {
    let opts = helm_options(&args.chart, args.input.namespace.as_deref());
    // A chart named on the command line needs helm; charts found in a
    // folder walk are skipped with a note when there is none, as inject
    // skips them.
    let named = charts
        .iter()
        .any(|c| args.input.paths.contains(c) || args.owning_charts);
    let helm = match chart::find_helm(opts.helm.as_deref()) {
        Ok(h) => h,
        Err(e) if named => return Err(e),
        Err(_) => {
            use std::io::Write as _;
            for c in charts {
                let _ = writeln!(
                    notes,
                    "note: skipped the Helm chart `{}`: helm is not installed (--helm, $CONFSUM_HELM or PATH)",
                    c.display()
                );
            }
            return Ok(Vec::new());
        }
    };
    let mut items = Vec::new();
    for c in charts {
        let mut variants: Vec<Option<PathBuf>> = vec![None];
        if args.all_values {
            variants.extend(chart::ci_values_files(c).into_iter().map(Some));
        }
        let mut chart_items = Vec::new();
        for v in variants {
            // Twice: what differs between two renders of the same values
            // is generated on every render (nondeterministic-config).
            let source = chart::render(&helm, c, &opts, v.as_deref())?;
            let again = chart::render(&helm, c, &opts, v.as_deref())?;
            chart_items.extend(
                lint_sources(
                    std::slice::from_ref(&source),
                    run,
                    config,
                    None,
                    Some(std::slice::from_ref(&again)),
                )?
                .items(),
            );
        }
        items.extend(report::merge(chart_items));
    }
    Ok(items)
}

pub fn explain(args: ExplainArgs, out: &mut Vec<u8>) -> Result<Status, Error> {
    let rule = lint::rules::find(&args.rule).ok_or_else(|| {
        Error::usage(format!("unknown rule `{}`", args.rule))
            .with_help("`confsum rules` lists every rule id")
    })?;
    out.extend_from_slice(
        format!(
            "# {} (default: {})\n\n{}\n",
            rule.id,
            rule.default.as_str(),
            rule.documentation()
        )
        .as_bytes(),
    );
    Ok(Status::Clean)
}

pub fn list(out: &mut Vec<u8>) -> Result<Status, Error> {
    let width = lint::rules::ALL
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(0);
    for r in lint::rules::ALL {
        out.extend_from_slice(
            format!(
                "{:width$}  {:7}  {}\n",
                r.id,
                r.default.as_str(),
                r.summary()
            )
            .as_bytes(),
        );
    }
    Ok(Status::Clean)
}
