//! Finding a command's inputs: the discovery graph, lint, inject and plan
//! share, with the notes of what was passed over.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use confsum::Error;
use confsum::lint::LintConfig;
use confsum::source::scope::{self, Scoper};
use confsum::source::{Input, Source};

use super::args::{ChartArgs, InputArgs};
use super::config::helm_options;

/// Every input of `paths`; what the walk passed over goes to `notes`.
/// Files get their scope; with `--whole-scope`, the rest of each file's
/// scope is read too, as context (never written or reported on).
pub fn discover(
    paths: &[PathBuf],
    input: &InputArgs,
    config: &LintConfig,
    notes: &mut Vec<u8>,
) -> Result<Vec<Input>, Error> {
    let mut found = confsum::source::discover(paths)?;
    let mut scoper = Scoper::new(config.scopes.clone());
    let mut given: Vec<Source> = Vec::new();
    let mut inputs = Vec::new();
    for i in found.inputs {
        match i {
            Input::Manifests(s) => given.push(s),
            chart => inputs.push(chart),
        }
    }
    if input.whole_scope {
        let files: Vec<&Path> = given.iter().filter_map(|s| s.path.as_deref()).collect();
        let context = scope::context_files(&files, &mut scoper)?;
        found.notes.extend(context.notes);
        for path in context.files {
            let mut s = confsum::source::read_file(&path)?;
            s.context = true;
            given.push(s);
        }
    }
    scope::assign(&mut given, &mut scoper);
    for n in &found.notes {
        let _ = writeln!(notes, "note: {}", confsum::display::escape_control(n));
    }
    inputs.extend(given.into_iter().map(Input::Manifests));
    Ok(inputs)
}

/// The sources of `inputs`: manifests as read, each chart rendered with
/// helm (found once, when the first chart needs it).
pub fn rendered(
    inputs: Vec<Input>,
    chart: &ChartArgs,
    namespace: Option<&str>,
) -> Result<Vec<Source>, Error> {
    let mut sources = Vec::new();
    let mut helm = None;
    for input in inputs {
        match input {
            Input::Manifests(s) => sources.push(s),
            Input::Chart(c) => {
                let opts = helm_options(chart, namespace);
                if helm.is_none() {
                    helm = Some(confsum::source::chart::find_helm(opts.helm.as_deref())?);
                }
                let h = helm.as_ref().expect("found above");
                sources.push(confsum::source::chart::render(h, &c, &opts, None)?);
            }
        }
    }
    Ok(sources)
}

/// Manifests to transform: a chart is refused (it is rendered by Helm,
/// which runs confsum as its post-renderer); charts found inside a folder
/// are skipped with a note.
pub fn load_manifests(
    input: &InputArgs,
    config: &LintConfig,
    notes: &mut Vec<u8>,
) -> Result<Vec<Source>, Error> {
    let mut sources = Vec::new();
    for i in discover(&input.paths, input, config, notes)? {
        match i {
            Input::Manifests(s) => sources.push(s),
            Input::Chart(c) if input.paths.contains(&c) => {
                return Err(Error::usage(format!("`{}` is a Helm chart, and inject works on rendered manifests", c.display()))
                    .with_help("run confsum as Helm's post-renderer: `helm template|install|upgrade RELEASE CHART --post-renderer confsum --post-renderer-args post-render` (README: Helm post-renderer)"));
            }
            Input::Chart(c) => {
                use std::io::Write as _;
                let _ = writeln!(
                    notes,
                    "note: skipped the Helm chart `{}` (use confsum as Helm's post-renderer for charts)",
                    c.display()
                );
            }
        }
    }
    Ok(sources)
}

/// The charts holding `paths`: for each, the nearest folder at or above it
/// with a Chart.yaml. Each chart once, in order; a chart's `charts/`
/// subcharts count as part of their parent.
pub fn owning_charts(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut charts: Vec<PathBuf> = Vec::new();
    for p in paths {
        let start = if p.is_dir() {
            p.as_path()
        } else {
            p.parent().unwrap_or(p)
        };
        let start = if start.as_os_str().is_empty() {
            Path::new(".")
        } else {
            start
        };
        let mut found = start
            .ancestors()
            .filter(|d| d.join("Chart.yaml").is_file())
            .collect::<Vec<_>>();
        // The outermost chart below a `charts/` folder chain is the owner.
        while found.len() > 1
            && found[0]
                .parent()
                .and_then(|d| d.file_name())
                .is_some_and(|n| n == "charts")
        {
            found.remove(0);
        }
        if let Some(c) = found.first()
            && !charts.iter().any(|x| x == c)
        {
            charts.push(c.to_path_buf());
        }
    }
    charts
}
