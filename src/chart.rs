//! Helm charts as input (part of the load stage): renders a chart folder or
//! package with the real `helm template` and hands its output on as a
//! [`Source`]. confsum never reimplements Go templates.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::load::Source;

/// Options passed through to `helm template`, spelled as Helm spells them.
#[derive(Debug, Clone, Default)]
pub struct HelmOptions {
    /// `--helm PATH`; else `$CONFSUM_HELM`; else `helm` on PATH.
    pub helm: Option<PathBuf>,
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
}

/// Where a rendered source came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartOrigin {
    /// The chart as given (a folder or a `.tgz`).
    pub path: PathBuf,
    /// The chart's name, as the first part of every `# Source:` path.
    pub name: String,
    /// The extra values file of this rendering (`ci/x-values.yaml`), if any.
    pub values: Option<String>,
}

impl ChartOrigin {
    /// The template file in the repository for a `# Source:` path, when the
    /// chart is a folder and the file is there.
    pub fn template_file(&self, source_comment: &str) -> Option<PathBuf> {
        let rel = source_comment.strip_prefix(&self.name)?.strip_prefix('/')?;
        let file = self.path.join(rel);
        (self.path.is_dir() && file.is_file()).then_some(file)
    }

    /// A label for the rendering: `defaults` or the values file.
    pub fn values_label(&self) -> String {
        self.values
            .clone()
            .unwrap_or_else(|| "defaults".to_string())
    }
}

const HOW_TO_GET_HELM: &str = "install helm (https://helm.sh/docs/intro/install/) or point --helm / $CONFSUM_HELM at it; or render yourself and pipe: `helm template RELEASE CHART | confsum lint`";

/// The helm binary to run.
pub fn find_helm(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(
                Error::new(format!("helm not found at `{}` (from --helm)", p.display()))
                    .with_help(HOW_TO_GET_HELM),
            )
        };
    }
    if let Some(p) = std::env::var_os("CONFSUM_HELM").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::new(format!(
                "helm not found at `{}` (from $CONFSUM_HELM)",
                p.display()
            ))
            .with_help(HOW_TO_GET_HELM))
        };
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("helm"))
                .find(|p| p.is_file())
        })
        .ok_or_else(|| {
            Error::new("helm not found on PATH: confsum runs `helm template` to lint a chart")
                .with_help(HOW_TO_GET_HELM)
        })
}

/// `ci/*-values.yaml` of a chart folder (chart-testing's convention), sorted.
pub fn ci_values_files(chart: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(chart.join("ci"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("-values.yaml") || n.ends_with("-values.yml"))
        })
        .collect();
    files.sort();
    files
}

/// The chart's name: `name:` of its Chart.yaml (a folder), or `helm show chart` (a package).
fn chart_name(helm: &Path, chart: &Path) -> Result<String> {
    let text = if chart.is_dir() {
        std::fs::read_to_string(chart.join("Chart.yaml")).map_err(|e| {
            Error::new(format!(
                "cannot read `{}`: {e}",
                chart.join("Chart.yaml").display()
            ))
        })?
    } else {
        let out = Command::new(helm)
            .arg("show")
            .arg("chart")
            .arg(chart)
            .output()
            .map_err(|e| Error::new(format!("cannot run `{}`: {e}", helm.display())))?;
        if !out.status.success() {
            return Err(helm_failed(chart, &out.stderr));
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let docs = crate::yaml::parse_stream(&text).map_err(|e| {
        Error::new(format!(
            "invalid Chart.yaml in `{}`: {}",
            chart.display(),
            e.message
        ))
    })?;
    docs.iter()
        .find_map(|d| {
            d.root
                .and_then(|r| d.str_at(r, &["name"]))
                .map(str::to_string)
        })
        .ok_or_else(|| Error::new(format!("Chart.yaml of `{}` has no name", chart.display())))
}

fn helm_failed(chart: &Path, stderr: &[u8]) -> Error {
    let msg = String::from_utf8_lossy(stderr);
    let msg = msg.trim();
    Error::new(format!("helm could not render the chart `{}`:\n{}", chart.display(), if msg.is_empty() { "(helm printed nothing)" } else { msg }))
        .with_help("fix the chart (or its values), run `helm dependency build` if a dependency is missing, or pipe `helm template` output to confsum yourself")
}

/// Render `chart` with `helm template`, plus one extra values file.
pub fn render(
    helm: &Path,
    chart: &Path,
    opts: &HelmOptions,
    extra_values: Option<&Path>,
) -> Result<Source> {
    let name = chart_name(helm, chart)?;
    let release = opts.release_name.clone().unwrap_or_else(|| name.clone());
    let mut cmd = Command::new(helm);
    cmd.arg("template").arg(&release).arg(chart);
    if let Some(ns) = &opts.namespace {
        cmd.arg("--namespace").arg(ns);
    }
    for v in opts.values.iter().map(PathBuf::as_path).chain(extra_values) {
        cmd.arg("--values").arg(v);
    }
    for s in &opts.set {
        cmd.arg("--set").arg(s);
    }
    for s in &opts.set_string {
        cmd.arg("--set-string").arg(s);
    }
    if let Some(k) = &opts.kube_version {
        cmd.arg("--kube-version").arg(k);
    }
    for a in &opts.api_versions {
        cmd.arg("--api-versions").arg(a);
    }
    let out = cmd.output().map_err(|e| {
        Error::new(format!("cannot run `{}`: {e}", helm.display())).with_help(HOW_TO_GET_HELM)
    })?;
    if !out.status.success() {
        return Err(helm_failed(chart, &out.stderr));
    }
    let values = extra_values.map(|v| v.strip_prefix(chart).unwrap_or(v).display().to_string());
    let label = match &values {
        Some(v) => format!("{} (helm template, values {v})", chart.display()),
        None => format!("{} (helm template)", chart.display()),
    };
    let mut source = Source::from_bytes(label, None, out.stdout)?;
    source.origin = Some(ChartOrigin {
        path: chart.to_path_buf(),
        name,
        values,
    });
    Ok(source)
}
