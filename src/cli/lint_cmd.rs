use std::io::IsTerminal;

use confsum::lint::{self, LintConfig, Severity};
use confsum::report::lint::Rendered;
use confsum::{Error, digest};

use super::Status;
use super::args::{ExplainArgs, FailOn, LintArgs, LintFormat};
use super::graph_cmd::{hmac_key, load};

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

pub fn run(args: LintArgs, out: &mut Vec<u8>) -> Result<Status, Error> {
    let config = resolve_config(&args)?;
    let key = hmac_key(&args.digest)?;
    let namespace = confsum::release_namespace(args.input.namespace.as_deref());
    let sources = load(&args.input)?;
    let analysis = confsum::analyze(&sources, &namespace)?;
    let sums = digest::checksums_lenient(&analysis.model, &analysis.graph, key.as_deref());
    let findings = lint::run(&analysis, &sums, &config);
    let rendered = Rendered::new(&analysis, &findings);
    let text = match args.format {
        LintFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let text = rendered.human(color);
            if args.quiet {
                text.lines()
                    .filter(|l| !l.starts_with("found ") && *l != "no findings")
                    .map(|l| format!("{l}\n"))
                    .collect()
            } else {
                text
            }
        }
        LintFormat::Json => rendered.json(),
        LintFormat::Sarif => rendered.sarif(),
        LintFormat::Github => rendered.github(),
        LintFormat::Markdown => rendered.markdown(),
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
    let failing = threshold.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
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
