//! Helm charts as input (part of the load stage): renders a chart folder or
//! package with the real `helm template` and hands its output on as a
//! [`Source`]. confsum never reimplements Go templates.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use crate::error::{Error, Result};
use crate::source::Source;

/// Options passed through to `helm template`, spelled as Helm spells them.
#[derive(Debug, Clone)]
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
    /// How long one helm call may take before it is stopped.
    pub timeout: Duration,
}

/// Five minutes: a chart that renders slower than that is stuck (a
/// `lookup` waiting on an unreachable cluster, a blocked plugin).
pub const DEFAULT_HELM_TIMEOUT: Duration = Duration::from_secs(300);

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
        let rel = in_chart(&self.name, source_comment)?;
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

/// A `# Source:` path relative to the chart named `chart_name`
/// (`templates/x.yaml`, `charts/sub/templates/y.yaml`).
pub fn in_chart<'s>(chart_name: &str, source: &'s str) -> Option<&'s str> {
    source.strip_prefix(chart_name)?.strip_prefix('/')
}

const HOW_TO_GET_HELM: &str = "install helm (https://helm.sh/docs/intro/install/) or point --helm / $CONFSUM_HELM at it; or render yourself and pipe: `helm template RELEASE CHART | confsum lint`";

/// The helm binary to run: the one given (`--helm`, `$CONFSUM_HELM`), else
/// `helm` on PATH.
pub fn find_helm(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit.filter(|p| !p.as_os_str().is_empty()) {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(Error::helm(format!(
                "helm not found at `{}` (from --helm or $CONFSUM_HELM)",
                p.display()
            ))
            .with_help(HOW_TO_GET_HELM))
        };
    }
    which::which("helm").map_err(|_| {
        Error::helm("helm not found on PATH: confsum runs `helm template` to lint a chart")
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
fn chart_name(helm: &Path, chart: &Path, timeout: Duration) -> Result<String> {
    let text = if chart.is_dir() {
        std::fs::read_to_string(chart.join("Chart.yaml")).map_err(|e| {
            Error::helm(format!(
                "cannot read `{}`: {e}",
                chart.join("Chart.yaml").display()
            ))
        })?
    } else {
        let mut cmd = Command::new(helm);
        cmd.args(["show", "chart", "--"]).arg(as_path_arg(chart));
        let stdout = run_helm(cmd, helm, chart, timeout)?;
        String::from_utf8_lossy(&stdout).into_owned()
    };
    let docs = crate::yaml::parse_stream(&text).map_err(|e| {
        Error::helm(format!(
            "invalid Chart.yaml in `{}`: {}",
            chart.display(),
            e.message
        ))
    })?;
    docs.iter()
        .find_map(|d| {
            d.root()
                .and_then(|r| d.str_at(r, &["name"]))
                .map(str::to_string)
        })
        .ok_or_else(|| Error::helm(format!("Chart.yaml of `{}` has no name", chart.display())))
}

fn helm_failed(chart: &Path, stderr: &[u8]) -> Error {
    let msg = String::from_utf8_lossy(stderr);
    let msg = msg.trim();
    // helm's own words, each line behind a marker: a chart's text in them
    // can start no line of confsum's output (a CI log reads `::` commands).
    let quoted: String = if msg.is_empty() {
        "  helm: (printed nothing)".to_string()
    } else {
        msg.lines()
            .map(|l| format!("  helm: {}", crate::display::escape_control(l)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Error::helm(format!(
        "helm could not render the chart `{}`:\n{quoted}",
        chart.display()
    ))
    .with_help("fix the chart (or its values), run `helm dependency build` if a dependency is missing, or pipe `helm template` output to confsum yourself")
}

/// Helm's rule for release names (`chartutil.ValidateReleaseName`): DNS-1123
/// labels joined by dots, at most 53 characters.
pub fn validate_release_name(name: &str) -> Result<()> {
    static VALID: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
            .expect("a valid pattern")
    });
    if name.len() <= 53 && VALID.is_match(name) {
        return Ok(());
    }
    Err(Error::helm(format!(
        "`{}` is not a valid Helm release name",
        crate::display::escape_control(name)
    ))
    .with_help("a release name is at most 53 characters of lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit; pass one with --release-name"))
}

/// A path as an argument that no program can read as an option.
fn as_path_arg(path: &Path) -> PathBuf {
    if path.as_os_str().as_encoded_bytes().starts_with(b"-") {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// Run helm, with its output read as it comes (no pipe fills up) and a
/// time limit; its stdout on success, its stderr in the error otherwise.
fn run_helm(mut cmd: Command, helm: &Path, chart: &Path, timeout: Duration) -> Result<Vec<u8>> {
    use wait_timeout::ChildExt;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::helm(format!("cannot run `{}`: {e}", helm.display())).with_help(HOW_TO_GET_HELM)
        })?;
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::helm(format!(
                "helm did not finish rendering `{}` within {}",
                chart.display(),
                humantime::format_duration(timeout)
            ))
            .with_help("raise the limit with --helm-timeout, or render the chart yourself and pipe the output to confsum"));
        }
        Err(e) => {
            return Err(Error::helm(format!(
                "cannot wait for `{}`: {e}",
                helm.display()
            )));
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if !status.success() {
        return Err(helm_failed(chart, &stderr));
    }
    Ok(stdout)
}

/// Render `chart` with `helm template`, plus one extra values file.
pub fn render(
    helm: &Path,
    chart: &Path,
    opts: &HelmOptions,
    extra_values: Option<&Path>,
) -> Result<Source> {
    let name = chart_name(helm, chart, opts.timeout)?;
    let release = match &opts.release_name {
        Some(r) => {
            validate_release_name(r)?;
            r.clone()
        }
        None => validate_release_name(&name)
            .map_err(|e| {
                Error::helm(format!(
                    "the chart `{}` is named `{}`, which is not a valid Helm release name",
                    chart.display(),
                    crate::display::escape_control(&name)
                ))
                .with_help(e.help.unwrap_or_default())
            })
            .map(|()| name.clone())?,
    };
    // Every option in its `--flag=value` form and every positional argument
    // after `--`: no name, path or value can be read by helm as an option
    // (a chart named `--post-renderer=sh` would run commands).
    let mut cmd = Command::new(helm);
    cmd.arg("template");
    let mut flag = |name: &str, value: &std::ffi::OsStr| {
        let mut arg = std::ffi::OsString::from(format!("--{name}="));
        arg.push(value);
        cmd.arg(arg);
    };
    if let Some(ns) = &opts.namespace {
        flag("namespace", ns.as_ref());
    }
    for v in opts.values.iter().map(PathBuf::as_path).chain(extra_values) {
        flag("values", v.as_os_str());
    }
    for s in &opts.set {
        flag("set", s.as_ref());
    }
    for s in &opts.set_string {
        flag("set-string", s.as_ref());
    }
    if let Some(k) = &opts.kube_version {
        flag("kube-version", k.as_ref());
    }
    for a in &opts.api_versions {
        flag("api-versions", a.as_ref());
    }
    cmd.arg("--").arg(&release).arg(as_path_arg(chart));
    let stdout = run_helm(cmd, helm, chart, opts.timeout)?;
    let values = extra_values.map(|v| v.strip_prefix(chart).unwrap_or(v).display().to_string());
    let label = match &values {
        Some(v) => format!("{} (helm template, values {v})", chart.display()),
        None => format!("{} (helm template)", chart.display()),
    };
    let mut source = Source::from_bytes(label, None, stdout)?;
    // A chart's render is one scope of its own.
    source.scope = chart.display().to_string();
    source.origin = Some(ChartOrigin {
        path: chart.to_path_buf(),
        name,
        values,
    });
    Ok(source)
}
