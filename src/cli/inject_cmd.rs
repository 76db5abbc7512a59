use std::io::Write as _;

use confsum::inject::{self, Notice};
use confsum::source::Source;
use confsum::{Error, digest};

use super::Status;
use super::args::{InjectArgs, PostRenderArgs};
use super::config::RunConfig;
use super::input::load_manifests;

/// The planned edits of each source.
struct Injected {
    sources: Vec<Source>,
    edits: Vec<Vec<inject::Edit>>,
    notices: Vec<Notice>,
    /// Secret-bearing spans per source, for diffs that show no value (only
    /// computed for `--diff`).
    sensitive: Vec<Vec<std::ops::Range<usize>>>,
}

impl Injected {
    fn changed(&self, i: usize) -> bool {
        let text = &self.sources[i].text;
        self.edits[i]
            .iter()
            .any(|e| text[e.range.clone()] != *e.text)
    }

    fn output(&self, i: usize) -> String {
        inject::apply(&self.sources[i].text, &self.edits[i])
    }

    /// Input and output with Secret values masked. Edits never touch a
    /// value, so applying them to the masked input gives the masked output.
    fn masked(&self, i: usize) -> (String, String) {
        let m = confsum::secrets::redact::mask(&self.sources[i].text, &self.sensitive[i]);
        let out = inject::apply(&m, &self.edits[i]);
        (m.to_string(), out)
    }

    /// Hand the output to the CLI, to be written only once the run
    /// succeeded: the given sources, not those read for their scope.
    fn into_deferred(self) -> super::Deferred {
        let (texts, edits) = self
            .sources
            .into_iter()
            .zip(self.edits)
            .filter(|(s, _)| !s.context)
            .map(|(s, e)| (s.text, e))
            .unzip();
        super::Deferred::Manifests { texts, edits }
    }
}

fn transform(
    sources: Vec<Source>,
    config: &RunConfig,
    for_diff: bool,
    verbose: Option<&mut Vec<u8>>,
) -> Result<Injected, Error> {
    super::announce(&sources);
    let (namespace, key, options) = (
        config.namespace.as_str(),
        config.hmac_key.as_deref(),
        &config.inject,
    );
    let analysis = confsum::analyze_for_graph_with(&sources, namespace, &config.policy)?;
    if let Some(notes) = verbose {
        super::skipped_notes(&analysis.model, notes);
        for w in &analysis.graph.workloads {
            for r in &w.refs {
                if let Some(why) = &r.excluded {
                    let o = &analysis.model.objects[w.object];
                    let _ = writeln!(
                        notes,
                        "note: {}: {} `{}` left out of the checksum: {why}",
                        analysis.model.display_name(o),
                        r.kind.as_str(),
                        r.name
                    );
                }
            }
        }
        if sources.iter().all(|s| s.text.trim().is_empty()) {
            let _ = writeln!(notes, "note: the input is empty: nothing to inject");
        }
    }
    // The parse's transient trees are garbage now.
    super::give_back_freed_memory();
    let sums = digest::checksums(&analysis.model, &analysis.graph, key)?;
    let unchecked = inject::plan_unchecked(&analysis.model, &analysis.graph, &sums, options);
    let guesses = match key {
        None => guessable(&analysis, unchecked.planned()),
        Some(_) => Vec::new(),
    };
    // Only a diff shows source text; finding what to mask scans every value.
    let sensitive = if for_diff {
        confsum::secrets::redact::sensitive_spans(&analysis)
    } else {
        Vec::new()
    };
    // The check of each edited document parses it whole: what only the
    // graph needed goes first (a pod with 50k references).
    let confsum::Analysis { model, graph } = analysis;
    drop((graph, sums));
    super::give_back_freed_memory();
    let mut plan = unchecked.check(&model);
    let injected: std::collections::HashSet<&str> = plan
        .notices
        .iter()
        .filter_map(|n| match n {
            Notice::Injected { workload, .. } => Some(workload.as_str()),
            _ => None,
        })
        .collect();
    let guesses: Vec<Notice> = guesses
        .into_iter()
        .filter(|g| matches!(g, Notice::Guessable { workload, .. } if injected.contains(workload.as_str())))
        .collect();
    plan.notices.extend(guesses);
    if cfg!(debug_assertions) {
        confsum::check_fixed_point_with(
            &sources,
            &plan.edits,
            namespace,
            key,
            options,
            &config.policy,
        )?;
    }
    drop(model);
    Ok(Injected {
        sources,
        edits: plan.edits,
        notices: plan.notices,
        sensitive,
    })
}

/// A note for each of the `planned` workloads (indices in the graph) that
/// would get a plain secret checksum over values that could be guessed
/// from it (lint's guessable-secret-checksum); kept for those injected.
fn guessable(
    analysis: &confsum::Analysis<'_>,
    planned: impl Iterator<Item = usize>,
) -> Vec<Notice> {
    let mut planned: Vec<usize> = planned.collect();
    planned.sort_unstable();
    let cache = confsum::secrets::ScoreCache::default();
    planned
        .into_iter()
        .filter_map(|wi| {
            let w = &analysis.graph.workloads[wi];
            let g = confsum::secrets::guessable_secret_checksum_cached(&analysis.model, w, &cache)?;
            Some(Notice::Guessable {
                workload: analysis
                    .model
                    .display_name(&analysis.model.objects[w.object]),
                bits: g.bits,
            })
        })
        .collect()
}

/// A warning per workload whose kept checksum could not be verified;
/// whether there was any.
fn write_unverified(notices: &[Notice], quiet: bool, err: &mut Vec<u8>) -> bool {
    let mut any = false;
    for n in notices {
        if let Notice::Unverified {
            workload,
            missing,
            location,
        } = n
        {
            any = true;
            if !quiet {
                let _ = writeln!(
                    err,
                    "warning: {location}: kept the checksum of {workload}, which could not be verified: {} {} in no scope that was read (declare {} in `external:` of .confsum.yaml or with --assume-exists if {} outside these files)",
                    missing.join(", "),
                    if missing.len() == 1 { "is" } else { "are" },
                    if missing.len() == 1 { "it" } else { "them" },
                    if missing.len() == 1 {
                        "it exists"
                    } else {
                        "they exist"
                    },
                );
            }
        }
    }
    any
}

fn write_notices(notices: &[Notice], quiet: bool, verbose: bool, err: &mut Vec<u8>) {
    if quiet {
        return;
    }
    let mut skipped = Vec::new();
    let mut guessable = Vec::new();
    for n in notices {
        match n {
            Notice::NotInjectable { workload, .. } => skipped.push(workload.as_str()),
            Notice::Overwritten {
                workload,
                key,
                location,
            } => {
                let _ = writeln!(
                    err,
                    "warning: {location}: overwrote annotation `{key}` of {workload}, which held another value"
                );
            }
            Notice::Injected {
                workload,
                checksums,
            } => {
                if verbose {
                    let sums: Vec<String> = checksums
                        .iter()
                        .map(|(k, v)| format!("{k}={}", &v[..12.min(v.len())]))
                        .collect();
                    let _ = writeln!(err, "injected {workload}: {}", sums.join(" "));
                }
            }
            Notice::LeftAlone {
                workload,
                why,
                by_controller,
            } => {
                if *by_controller || verbose {
                    let _ = writeln!(err, "note: left {workload} alone: {why}");
                }
            }
            // Written by write_unverified.
            Notice::Unverified { .. } => {}
            Notice::Guessable { workload, .. } => guessable.push(workload.as_str()),
            Notice::Unsafe {
                workload,
                reason,
                location,
            } => {
                let _ = writeln!(
                    err,
                    "warning: {location}: left {workload} untouched: {reason}"
                );
            }
        }
    }
    // One note for every guessable checksum: a large stream has hundreds.
    if let [only] = guessable.as_slice()
        && let Some(Notice::Guessable { bits, .. }) = notices
            .iter()
            .find(|n| matches!(n, Notice::Guessable { workload, .. } if workload == only))
    {
        let _ = writeln!(
            err,
            "note: the secret checksum of {only} is plain SHA-256 over about {bits:.0} bits of Secret data, which anyone who can read it could guess; set CONFSUM_HMAC_KEY or --hmac-key-file (confsum explain guessable-secret-checksum)"
        );
    } else if !guessable.is_empty() {
        let _ = writeln!(
            err,
            "note: the secret checksums of {} workloads are plain SHA-256 over Secret data of under 80 bits, which anyone who can read them could guess: {}; set CONFSUM_HMAC_KEY or --hmac-key-file (confsum explain guessable-secret-checksum)",
            guessable.len(),
            shortened(&guessable)
        );
    }
    if !skipped.is_empty() {
        let _ = writeln!(
            err,
            "note: no checksum written into {} (plain Jobs have immutable pod templates and bare Pods never restart on an annotation change): {}",
            if skipped.len() == 1 {
                "1 workload".to_string()
            } else {
                format!("{} workloads", skipped.len())
            },
            shortened(&skipped)
        );
    }
}

pub fn run(
    args: InjectArgs,
    out: &mut Vec<u8>,
    err: &mut Vec<u8>,
    deferred: &mut Option<super::Deferred>,
) -> Result<Status, Error> {
    let config = RunConfig::resolve(
        args.input.namespace.as_deref(),
        &args.digest,
        Some(&args.annotations),
    )?;
    let sources = load_manifests(&args.input, &config.file, err)?;
    if args.write && sources.iter().any(|s| s.path.is_none()) {
        return Err(Error::usage("--write needs files, not standard input"));
    }
    let r = transform(
        sources,
        &config,
        args.diff,
        args.verbose.then_some(&mut *err),
    )?;
    write_notices(&r.notices, args.quiet, args.verbose, err);
    let unverified = write_unverified(&r.notices, args.quiet, err);
    // Files read only for their scope are never written; one that now needs
    // new checksums is named, and fails the run.
    let (changed, stale): (Vec<usize>, Vec<usize>) = (0..r.sources.len())
        .filter(|&i| r.changed(i))
        .partition(|&i| !r.sources[i].context);
    let verdict =
        Status::findings_if(!changed.is_empty() || !stale.is_empty() || (args.check && unverified));
    if args.check {
        for &i in &changed {
            let _ = writeln!(out, "would change: {}", r.sources[i].name);
        }
        for &i in &stale {
            let _ = writeln!(
                out,
                "would change: {} (not given; read as part of its scope, `{}`)",
                r.sources[i].name, r.sources[i].scope
            );
        }
        return Ok(verdict);
    }
    for &i in &stale {
        let _ = writeln!(
            err,
            "warning: {} carries stale checksums (not given, so not changed; read as part of its scope, `{}`): run `confsum inject --write {}`",
            r.sources[i].name, r.sources[i].scope, r.sources[i].name
        );
    }
    if args.diff {
        for &i in &changed {
            let name = &r.sources[i].name;
            let (before, after) = r.masked(i);
            let diff = similar::TextDiff::from_lines(before.as_str(), after.as_str());
            let _ = write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
            );
        }
        return Ok(verdict);
    }
    if args.write {
        write_all_atomically(&r, &changed)?;
        if !args.quiet {
            for &i in &changed {
                let _ = writeln!(err, "rewrote {}", r.sources[i].name);
            }
        }
        return Ok(Status::findings_if(!stale.is_empty()));
    }
    *deferred = Some(r.into_deferred());
    Ok(Status::findings_if(!stale.is_empty()))
}

/// Write every changed file atomically (see [`super::write::atomically`]).
fn write_all_atomically(r: &Injected, changed: &[usize]) -> Result<(), Error> {
    let outputs: Vec<String> = changed.iter().map(|&i| r.output(i)).collect();
    let files: Vec<super::write::Rewrite<'_>> = changed
        .iter()
        .zip(&outputs)
        .map(|(&i, new)| super::write::Rewrite {
            path: r.sources[i].path.as_deref().expect("checked: files only"),
            name: &r.sources[i].name,
            read: r.sources[i].text.as_bytes(),
            new,
        })
        .collect();
    super::write::atomically(&files)
}

pub fn post_render(
    args: PostRenderArgs,
    err: &mut Vec<u8>,
    deferred: &mut Option<super::Deferred>,
) -> Result<Status, Error> {
    if let Some(p) = args.paths.first() {
        let what = if confsum::source::is_chart(p) {
            "is a Helm chart"
        } else {
            "is a path"
        };
        return Err(Error::usage(format!("`{}` {what}: post-render reads rendered manifests from standard input", p.display()))
            .with_help("let Helm run it: `helm template|install|upgrade RELEASE CHART --post-renderer confsum --post-renderer-args post-render`, or use `confsum inject PATH`"));
    }
    let config = RunConfig::resolve(
        args.namespace.as_deref(),
        &args.digest,
        Some(&args.annotations),
    )?;
    let sources = vec![confsum::source::read_stdin()?];
    let r = transform(sources, &config, false, args.verbose.then_some(&mut *err))?;
    write_notices(&r.notices, args.quiet, args.verbose, err);
    write_unverified(&r.notices, args.quiet, err);
    *deferred = Some(r.into_deferred());
    Ok(Status::Clean)
}

/// At most ten names, then a count.
fn shortened(names: &[&str]) -> String {
    if names.len() <= 10 {
        return names.join(", ");
    }
    format!("{}, and {} more", names[..10].join(", "), names.len() - 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_since_it_was_read_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a.yaml"), tmp.path().join("b.yaml"));
        std::fs::write(&a, "a: 1\n").unwrap();
        // Read as `b: 1`, then saved by someone else before the rename.
        std::fs::write(&b, "b: 2\n").unwrap();
        let edit = || {
            vec![inject::Edit {
                range: 0..0,
                text: "x: 0\n".into(),
            }]
        };
        let r = Injected {
            sources: vec![
                Source::new("a.yaml", Some(a.clone()), "a: 1\n"),
                Source::new("b.yaml", Some(b.clone()), "b: 1\n"),
            ],
            edits: vec![edit(), edit()],
            notices: Vec::new(),
            sensitive: Vec::new(),
        };
        let e = write_all_atomically(&r, &[0, 1]).unwrap_err();
        assert!(
            e.message.contains("`b.yaml` changed while"),
            "{}",
            e.message
        );
        assert_eq!(
            std::fs::read_to_string(&a).unwrap(),
            "a: 1\n",
            "nothing written"
        );
        assert_eq!(
            std::fs::read_to_string(&b).unwrap(),
            "b: 2\n",
            "the other edit kept"
        );
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temp file left");
    }
}
