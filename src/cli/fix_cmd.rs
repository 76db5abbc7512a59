//! `confsum lint --fix CHART`: the checksum annotations written into a
//! chart's templates, proven by rendering the edited chart with helm, and
//! written all at once (or shown with `--diff`).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use confsum::fix::{self, ChartFiles, Wanted, verify};
use confsum::source::chart;
use confsum::{Error, lint};

use super::args::LintArgs;
use super::config::{RunConfig, helm_options};

/// The outcome for one template file of a chart.
struct FileOutcome {
    template: String,
    /// What was added, per workload.
    fixed: Vec<String>,
    /// Why something is not fixed.
    not_fixed: Vec<String>,
    /// The checks the renders passed.
    proof: Vec<String>,
}

/// A chart's files, the proven new texts by template, and the outcome of
/// each template.
struct ChartFix {
    files: ChartFiles,
    changes: BTreeMap<String, String>,
    outcomes: Vec<FileOutcome>,
}

/// Fix the `charts` (and refuse `manifests`, which have no templates).
pub fn run(
    args: &LintArgs,
    (manifests, charts): (&[confsum::source::Source], &[PathBuf]),
    run: &RunConfig,
    config: &lint::LintConfig,
    out: &mut Vec<u8>,
    err: &mut Vec<u8>,
) -> Result<(), Error> {
    if !manifests.is_empty() || charts.is_empty() {
        return Err(Error::usage(
            "--fix edits a chart's templates: give chart folders",
        )
        .with_help("for rendered manifests, `confsum inject --write FILES` writes the checksums into the files"));
    }
    if let Some(package) = charts.iter().find(|c| !c.is_dir()) {
        return Err(Error::usage(format!(
            "--fix cannot edit the packaged chart `{}`",
            package.display()
        ))
        .with_help("unpack it (`helm pull --untar`) and fix the folder"));
    }
    let opts = helm_options(&args.chart, args.input.namespace.as_deref());
    let helm = chart::find_helm(opts.helm.as_deref())?;
    let mut rewrites: Vec<(PathBuf, String, String, String)> = Vec::new();
    let mut outcomes = Vec::new();
    for c in charts {
        let ChartFix {
            files,
            changes,
            outcomes: chart_outcomes,
        } = fix_chart(&helm, c, &opts, run, config)?;
        for (template, text) in changes {
            let path = c.join(&template);
            let name = path.display().to_string();
            let before = files.files.get(&template).cloned().unwrap_or_default();
            rewrites.push((path, name, before, text));
        }
        outcomes.push((c.clone(), chart_outcomes));
    }
    if args.diff {
        for (_, name, before, after) in &rewrites {
            let diff = similar::TextDiff::from_lines(before.as_str(), after.as_str());
            let _ = write!(
                out,
                "{}",
                diff.unified_diff().context_radius(3).header(
                    &format!("a/{}", name.trim_start_matches('/')),
                    &format!("b/{}", name.trim_start_matches('/'))
                )
            );
        }
    } else {
        let files: Vec<super::write::Rewrite<'_>> = rewrites
            .iter()
            .map(|(path, name, before, after)| super::write::Rewrite {
                path,
                name,
                read: before.as_bytes(),
                new: after,
            })
            .collect();
        super::write::atomically(&files)?;
    }
    report(&outcomes, args.diff, args.quiet, err);
    Ok(())
}

/// Lint every values set of the chart, gather the fixes its findings ask
/// for, edit the templates and prove the edits.
fn fix_chart(
    helm: &Path,
    chart_dir: &Path,
    opts: &chart::HelmOptions,
    run: &RunConfig,
    config: &lint::LintConfig,
) -> Result<ChartFix, Error> {
    let files = ChartFiles::read(chart_dir);
    let mut variants: Vec<Option<PathBuf>> = vec![None];
    variants.extend(chart::ci_values_files(chart_dir).into_iter().map(Some));
    let mut wanted: BTreeMap<(String, String, usize), Wanted> = BTreeMap::new();
    let mut refused: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut chart_name = String::new();
    // Two renders of each variant: one is linted, both show the proof
    // what is generated anew on every render.
    let mut originals: Vec<[confsum::source::Source; 2]> = Vec::new();
    for v in &variants {
        let source = chart::render(helm, chart_dir, opts, v.as_deref())?;
        let again = chart::render(helm, chart_dir, opts, v.as_deref())?;
        let origin = source.origin.clone().expect("a render has its chart");
        chart_name = origin.name.clone();
        let sources = [source];
        let (analysis, findings, _) = super::lint_cmd::lint_findings(&sources, run, config, None)?;
        for request in findings.iter().filter_map(|f| f.fix()) {
            match fix::wanted(&analysis.model, request, &origin) {
                Ok(w) => {
                    for why in &w.refused {
                        push_once(refused.entry(w.template.clone()).or_default(), why.clone());
                    }
                    let key = (w.template.clone(), w.kind.clone(), w.nth);
                    match wanted.get_mut(&key) {
                        Some(have) => {
                            for a in w.annotations {
                                if !have.annotations.iter().any(|h| h.hashes == a.hashes) {
                                    have.annotations.push(a);
                                }
                            }
                        }
                        None => {
                            wanted.insert(key, w);
                        }
                    }
                }
                Err(why) => {
                    let o = &analysis.model.objects[request.workload];
                    let place = analysis
                        .model
                        .doc(o)
                        .template()
                        .map(|t| chart::in_chart(&origin.name, t).unwrap_or(t).to_string())
                        .unwrap_or_else(|| "(no template)".to_string());
                    push_once(refused.entry(place).or_default(), why);
                }
            }
        }
        drop(analysis);
        let [source] = sources;
        originals.push([source, again]);
    }
    // Each workload's edit, on the file as it is; a file's edits combined.
    let mut edits: BTreeMap<String, Vec<(Wanted, fix::Edit)>> = BTreeMap::new();
    for w in wanted.into_values() {
        if w.annotations.is_empty() {
            continue;
        }
        match w.edit(&files) {
            Ok(edit) => edits.entry(w.template.clone()).or_default().push((w, edit)),
            Err(why) => push_once(
                refused.entry(w.template.clone()).or_default(),
                format!("{}: {why}", w.workload),
            ),
        }
    }
    let mut changes: BTreeMap<String, String> = edits
        .iter()
        .map(|(template, e)| {
            let text = files.files.get(template).map(String::as_str).unwrap_or("");
            let all: Vec<&fix::Edit> = e.iter().map(|(_, edit)| edit).collect();
            (template.clone(), fix::edit_file(text, &all))
        })
        .collect();
    // Prove; a file whose proof fails is left out and the rest proven again.
    let renderer = verify::Renderer {
        helm,
        chart: chart_dir,
        options: opts,
        variants: &variants,
        originals: &originals,
    };
    let mut failed: BTreeMap<String, String> = BTreeMap::new();
    let mut proof = verify::Proof::default();
    while !changes.is_empty() {
        let applied: Vec<Wanted> = edits
            .iter()
            .filter(|(t, _)| changes.contains_key(*t))
            .flat_map(|(_, e)| e.iter().map(|(w, _)| w.clone()))
            .collect();
        proof = verify::prove(&renderer, &chart_name, &applied, &changes)?;
        let failing: Vec<String> = changes
            .keys()
            .filter(|t| !proof.passed(t))
            .cloned()
            .collect();
        if failing.is_empty() {
            break;
        }
        for t in failing {
            let why = match proof.files.get(&t) {
                Some(Err(why)) => why.clone(),
                _ => "the renders did not show it".to_string(),
            };
            failed.insert(t.clone(), why);
            changes.remove(&t);
        }
    }
    let mut outcomes: BTreeMap<String, FileOutcome> = BTreeMap::new();
    for (template, e) in &edits {
        let o = outcome(&mut outcomes, template);
        for (w, edit) in e {
            let keys: Vec<String> = w
                .annotations
                .iter()
                .filter(|a| !edit.present.contains(&a.key))
                .map(|a| format!("`{}` (hashes {})", a.key, a.hashes))
                .collect();
            match failed.get(template) {
                Some(why) => o.not_fixed.push(format!(
                    "{}: not written ({}), a check failed: {why}",
                    w.workload,
                    keys.join(", ")
                )),
                None => o.fixed.push(format!(
                    "{}: {}: {}",
                    w.workload,
                    edit.shape.describe(),
                    keys.join(", ")
                )),
            }
        }
        if let Some(Ok(shown)) = proof
            .files
            .get(template)
            .filter(|_| !failed.contains_key(template))
        {
            o.proof = shown.clone();
        }
    }
    for (template, whys) in refused {
        let o = outcome(&mut outcomes, &template);
        for why in whys {
            push_once(&mut o.not_fixed, why);
        }
    }
    Ok(ChartFix {
        files,
        changes,
        outcomes: outcomes.into_values().collect(),
    })
}

/// The outcome of `template`, made empty on first use.
fn outcome<'o>(
    outcomes: &'o mut BTreeMap<String, FileOutcome>,
    template: &str,
) -> &'o mut FileOutcome {
    outcomes
        .entry(template.to_string())
        .or_insert_with(|| FileOutcome {
            template: template.to_string(),
            fixed: Vec::new(),
            not_fixed: Vec::new(),
            proof: Vec::new(),
        })
}

fn push_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// What --fix did and did not do, per template file, on stderr.
fn report(outcomes: &[(PathBuf, Vec<FileOutcome>)], diff: bool, quiet: bool, err: &mut Vec<u8>) {
    let mut fixed = 0;
    let mut not_fixed = 0;
    for (chart, files) in outcomes {
        for f in files {
            let path = chart.join(&f.template);
            let shown = path.display().to_string();
            let shown = confsum::display::escape_control(&shown);
            if !f.fixed.is_empty() {
                fixed += 1;
                if !quiet {
                    let verb = if diff { "would fix" } else { "fixed" };
                    let _ = writeln!(err, "{verb} {shown}:");
                    for line in &f.fixed {
                        let _ = writeln!(err, "  {}", confsum::display::escape_control(line));
                    }
                    if !f.proof.is_empty() {
                        let _ = writeln!(
                            err,
                            "  proven: {}",
                            confsum::display::escape_control(&f.proof.join("; "))
                        );
                    }
                }
            }
            if !f.not_fixed.is_empty() {
                not_fixed += 1;
                let _ = writeln!(err, "not fixed {shown}:");
                for line in &f.not_fixed {
                    let _ = writeln!(err, "  {}", confsum::display::escape_control(line));
                }
            }
        }
    }
    if !quiet {
        let verb = if diff { "would fix" } else { "fixed" };
        let _ = writeln!(
            err,
            "--fix: {verb} {fixed} template file{}, {not_fixed} with something left to do by hand",
            if fixed == 1 { "" } else { "s" }
        );
    }
}
