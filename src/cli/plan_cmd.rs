use std::path::{Path, PathBuf};

use confsum::source::Source;
use confsum::source::scope::{self, ScopeRules, Scoper};
use confsum::{Error, plan, report};

use super::Status;
use super::args::{PlanArgs, PlanFormat};
use super::config::{RunConfig, stdout_color};

/// The sources of one side: manifests read, charts rendered with helm.
/// With `tree` (the side's copy of a repository: its top, and the scope
/// rules for it), each source gets its scope relative to that top, so that
/// the two sides of `--git` name their scopes alike.
fn load_side(
    paths: &[PathBuf],
    args: &PlanArgs,
    tree: Option<(&Path, ScopeRules)>,
) -> Result<Vec<Source>, Error> {
    let mut sources = super::input::rendered(
        confsum::source::discover(paths)?.inputs,
        &args.chart,
        args.namespace.as_deref(),
    )?;
    if let Some((top, rules)) = tree {
        scope::assign(&mut sources, &mut Scoper::relative_to(rules, top));
        // A chart's render is one scope, named by the chart's folder.
        let top = std::fs::canonicalize(top).unwrap_or_else(|_| top.to_path_buf());
        for s in &mut sources {
            if let Some(origin) = &s.origin {
                let chart = std::fs::canonicalize(&origin.path).unwrap_or(origin.path.clone());
                s.scope = chart
                    .strip_prefix(&top)
                    .map(|r| r.display().to_string())
                    .unwrap_or_else(|_| chart.display().to_string());
            }
        }
    }
    Ok(sources)
}

/// (old, new) sources: OLD and NEW, or PATHS at `--git REV` and now.
fn sides(args: &PlanArgs, scopes: &ScopeRules) -> Result<(Vec<Source>, Vec<Source>), Error> {
    let Some(rev) = &args.git else {
        let [old, new] = args.paths.as_slice() else {
            return Err(Error::usage("`confsum plan` compares two renders: OLD NEW")
                .with_help("or `confsum plan --git REV [PATHS]` to compare a git revision with the work tree"));
        };
        if old.as_os_str() == "-" && new.as_os_str() == "-" {
            return Err(Error::usage(
                "only one side of `confsum plan` can be standard input",
            ));
        }
        return Ok((
            load_side(std::slice::from_ref(old), args, None)?,
            load_side(std::slice::from_ref(new), args, None)?,
        ));
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    if paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(Error::usage("`plan --git` reads paths, not standard input"));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Error::io(format!("cannot read the working folder: {e}"), e))?;
    let base = confsum::source::git::checkout(rev, &cwd)?;
    // A path that did not exist at REV is an empty side: all of it is new.
    let mut old_paths = Vec::new();
    for p in &paths {
        let at_rev = base.path_of(p)?;
        if at_rev.exists() {
            old_paths.push(at_rev);
        }
    }
    let old = if old_paths.is_empty() {
        Vec::new()
    } else {
        let rules = scopes.rebased(&base.top, &base.root());
        load_side(&old_paths, args, Some((&base.root(), rules)))?
    };
    let new = load_side(&paths, args, Some((&base.top, scopes.clone())))?;
    Ok((old, new))
}

pub fn run(args: PlanArgs, out: &mut Vec<u8>) -> Result<Status, Error> {
    let run = RunConfig::resolve(
        args.namespace.as_deref(),
        &args.digest,
        Some(&args.annotations),
    )?;
    let (namespace, key) = (&run.namespace, &run.hmac_key);
    let (old_sources, new_sources) = sides(&args, &run.file.scopes)?;
    let old = confsum::analyze_for_graph_with(&old_sources, namespace, &run.policy)?;
    let new = confsum::analyze_for_graph_with(&new_sources, namespace, &run.policy)?;
    let keys = [
        run.inject.config_annotation.clone(),
        run.inject.secret_annotation.clone(),
    ];
    let p = plan::plan(&old, &new, key.as_deref(), &keys)?;
    let text = match args.format {
        PlanFormat::Human => report::plan::human(&p, stdout_color()),
        PlanFormat::Json => report::plan::json(&p),
        PlanFormat::Markdown => report::plan::markdown(&p),
    };
    super::emit(out, text);
    Ok(Status::findings_if(args.exit_code && p.anything_rolls()))
}
