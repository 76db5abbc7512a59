use std::io::IsTerminal;
use std::path::PathBuf;

use confsum::lint::{self, LintConfig, Severity};
use confsum::report::lint::{self as report, Item};
use confsum::source::chart::{self, HelmOptions};
use confsum::source::{Input, Source};
use confsum::{Error, digest};

use super::Status;
use super::args::{ChartArgs, ExplainArgs, FailOn, LintArgs, LintFormat};
use super::graph_cmd::hmac_key;

pub fn resolve_config(args: &LintArgs) -> Result<LintConfig, Error> {
    let mut config = match &args.config {
        Some(path) => LintConfig::from_file(path)?,
        None => match std::env::current_dir()
            .ok()
            .and_then(|d| LintConfig::find_upward(&d))
        {
            Some(path) => LintConfig::from_file(&path)?,
            None => LintConfig::default(),
        },
    };
    for id in &args.ignore {
        config.disable(id)?;
    }
    config.checksum_keys = [
        args.annotations.config_annotation.clone(),
        args.annotations.secret_annotation.clone(),
    ];
    Ok(config)
}

pub fn helm_options(chart: &ChartArgs, namespace: Option<&str>) -> HelmOptions {
    HelmOptions {
        helm: chart.helm.clone(),
        values: chart.values.clone(),
        set: chart.set.clone(),
        set_string: chart.set_string.clone(),
        release_name: chart.release_name.clone(),
        namespace: namespace.map(str::to_string),
        kube_version: chart.kube_version.clone(),
        api_versions: chart.api_versions.clone(),
        timeout: chart.helm_timeout,
    }
}

/// Lint one stream: parse, graph, run the rules, make report items.
fn lint_sources(
    sources: &[Source],
    namespace: &str,
    key: Option<&[u8]>,
    config: &LintConfig,
) -> Result<Vec<Item>, Error> {
    super::announce(sources);
    let analysis = confsum::analyze(sources, namespace)?;
    let sums = digest::checksums_lenient(&analysis.model, &analysis.graph, key);
    let findings = lint::run(&analysis, &sums, config);
    let templates = confsum::source::TemplateFiles::read(
        analysis
            .model
            .files
            .iter()
            .flat_map(|f| f.docs.iter().filter_map(|d| Some((f.source, d.template?)))),
    );
    Ok(report::items(&analysis, &findings, &templates))
}

pub fn run(args: LintArgs, out: &mut Vec<u8>, err: &mut Vec<u8>) -> Result<Status, Error> {
    let mut config = resolve_config(&args)?;
    let key = hmac_key(&args.digest)?;
    config.checksums_keyed = key.is_some();
    let namespace = confsum::release_namespace(args.input.namespace.as_deref());
    let mut manifests = Vec::new();
    let mut charts: Vec<PathBuf> = Vec::new();
    let paths = if args.owning_charts {
        owning_charts(&args.input.paths)
    } else {
        args.input.paths.clone()
    };
    // With --owning-charts, no chart among the paths means nothing to lint
    // (not standard input).
    let inputs = if args.owning_charts && paths.is_empty() {
        Vec::new()
    } else {
        super::discover(&paths, err)?
    };
    for input in inputs {
        match input {
            Input::Manifests(s) => manifests.push(s),
            Input::Chart(c) => charts.push(c),
        }
    }
    let mut items = Vec::new();
    if !manifests.is_empty() {
        items.extend(lint_sources(
            &manifests,
            &namespace,
            key.as_deref(),
            &config,
        )?);
    }
    if !charts.is_empty() {
        let opts = helm_options(&args.chart, args.input.namespace.as_deref());
        let helm = chart::find_helm(opts.helm.as_deref())?;
        for c in &charts {
            let mut variants: Vec<Option<PathBuf>> = vec![None];
            if args.all_values {
                variants.extend(chart::ci_values_files(c).into_iter().map(Some));
            }
            let mut chart_items = Vec::new();
            for v in variants {
                let source = chart::render(&helm, c, &opts, v.as_deref())?;
                chart_items.extend(lint_sources(
                    std::slice::from_ref(&source),
                    &namespace,
                    key.as_deref(),
                    &config,
                )?);
            }
            items.extend(report::merge(chart_items));
        }
    }
    let text = match args.format {
        LintFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let text = report::human(&items, color);
            if args.quiet {
                text.lines()
                    .filter(|l| !l.starts_with("found ") && *l != "no findings")
                    .map(|l| format!("{l}\n"))
                    .collect()
            } else {
                text
            }
        }
        LintFormat::Json => report::json(&items),
        LintFormat::Sarif => report::sarif(&items),
        LintFormat::Github => report::github(&items),
        LintFormat::Markdown => report::markdown(&items),
    };
    if let Some(path) = &args.output {
        std::fs::write(path, &text)
            .map_err(|e| Error::new(format!("cannot write `{}`: {e}", path.display())))?;
    }
    out.extend_from_slice(text.as_bytes());
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| report::any_at_least(&items, t));
    Ok(if failing {
        Status::Findings
    } else {
        Status::Clean
    })
}

pub fn explain(args: ExplainArgs, out: &mut Vec<u8>) -> Result<Status, Error> {
    let rule = lint::rules::find(&args.rule).ok_or_else(|| {
        Error::new(format!("unknown rule `{}`", args.rule))
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

/// The charts holding `paths`: for each, the nearest folder at or above it
/// with a Chart.yaml. Each chart once, in order; a chart's `charts/`
/// subcharts count as part of their parent.
fn owning_charts(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut charts: Vec<PathBuf> = Vec::new();
    for p in paths {
        let start = if p.is_dir() {
            p.as_path()
        } else {
            p.parent().unwrap_or(p)
        };
        let start = if start.as_os_str().is_empty() {
            std::path::Path::new(".")
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
