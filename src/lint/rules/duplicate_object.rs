use std::collections::HashMap;

use super::name_node;
use crate::lint::{Context, Reporter, Severity};
use crate::model::is_cluster_scoped;

rule! {
    /// ## What it does
    /// Checks for two objects with the same API group, kind, namespace and name in
    /// one scope: a stream, a chart's render, or a folder of committed manifests
    /// that deploy together. For cluster-scoped kinds (PersistentVolume,
    /// ClusterRole, ...) the namespace does not count: the API server ignores it.
    /// The same name in two scopes (per-environment folders) is not a finding.
    ///
    /// Objects that two files of one scope both define are one finding per pair
    /// of files. When the scope is only a folder (no kustomization, no `scopes:`
    /// entry), the files may be alternative installs rather than one release:
    /// then it is a warning that says so.
    ///
    /// ## Why is this bad?
    /// Helm refuses the release, and `kubectl apply` silently keeps only the last
    /// one; references resolve to whichever the reader takes.
    ///
    /// ## Example
    /// Two templates that both render `ConfigMap/app-config`.
    /// Use instead: give each object its own name.
    DuplicateObject, "duplicate-object", Error, check
}

/// How objects `a` and `b` compare by what tells objects apart in a
/// scope: (scope, group, kind, namespace unless cluster-scoped, name).
/// Ordered by name first, which tells most objects apart at once; the
/// order does not matter beyond putting one identity together.
fn identity_order(ctx: &Context<'_, '_>, a: usize, b: usize) -> std::cmp::Ordering {
    let model = &ctx.analysis.model;
    let (x, y) = (&model.objects[a], &model.objects[b]);
    x.name
        .cmp(&y.name)
        .then_with(|| x.kind_name().cmp(y.kind_name()))
        .then_with(|| x.group().cmp(y.group()))
        .then_with(|| model.scope_of(x).cmp(&model.scope_of(y)))
        .then_with(|| {
            // Same group and kind: both are cluster-scoped, or neither.
            if is_cluster_scoped(x.group(), x.kind_name()) || x.namespace == y.namespace {
                std::cmp::Ordering::Equal
            } else {
                x.namespace.as_str().cmp(y.namespace.as_str())
            }
        })
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    let model = &ctx.analysis.model;
    // Named objects sorted by identity, then object order (a group's
    // first is the first definition), on all cores: a word per object,
    // where a map of identities cost 80 bytes a bucket. It was the one
    // rule left running alone at the end on a 10 MB stream.
    let mut by_identity: Vec<usize> = ctx
        .objects()
        .filter(|(_, o)| !o.name.is_empty())
        .map(|(i, _)| i)
        .collect();
    use rayon::prelude::*;
    by_identity.par_sort_unstable_by(|&a, &b| identity_order(ctx, a, b).then(a.cmp(&b)));
    // (object, its first definition), in object order.
    let mut duplicates: Vec<(usize, usize)> = by_identity
        .chunk_by(|&a, &b| identity_order(ctx, a, b).is_eq())
        .flat_map(|group| group[1..].iter().map(|&i| (i, group[0])))
        .collect();
    drop(by_identity);
    duplicates.sort_unstable();
    // Duplicates between two files of a scope, grouped per pair of files:
    // (later file, earlier file) → (object, first definition) pairs.
    let mut across: HashMap<(usize, usize), Vec<(usize, usize)>> = HashMap::new();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, first) in duplicates {
        let o = ctx.object(i);
        let cluster_scoped = is_cluster_scoped(o.group(), o.kind_name());
        let f = ctx.object(first);
        if f.file() != o.file() {
            let list = across.entry((o.file(), f.file())).or_default();
            if list.is_empty() {
                pairs.push((o.file(), f.file()));
            }
            list.push((i, first));
            continue;
        }
        let at = model
            .source(f)
            .location(ctx.doc(first).node(f.node).span.start);
        r.report(
            ctx,
            i,
            name_node(ctx, i),
            if cluster_scoped {
                format!(
                    "{} `{}` is defined twice (first at {at}); it is cluster-scoped, so namespaces do not tell them apart",
                    o.kind_name(), o.name
                )
            } else {
                format!(
                    "{} `{}` in namespace `{}` is defined twice (first at {at})",
                    o.kind_name(), o.name, o.namespace
                )
            },
            "rename one of them, or remove the duplicate",
        );
        r.related(
            ctx,
            first,
            name_node(ctx, first),
            "first defined here".into(),
        );
    }
    for pair in pairs {
        report_files(ctx, r, &across[&pair]);
    }
}

/// One finding for the objects two files of a scope both define, at the
/// later file's first. In a scope that is only a folder, the files may be
/// alternatives (install variants): a warning that says so.
fn report_files(ctx: &Context<'_, '_>, r: &mut Reporter, dups: &[(usize, usize)]) {
    let model = &ctx.analysis.model;
    let (i, first) = dups[0];
    let (o, f) = (ctx.object(i), ctx.object(first));
    let (later, earlier) = (model.source(o), model.source(f));
    let names: Vec<String> = dups.iter().take(3).map(|&(d, _)| ctx.name(d)).collect();
    let more = match dups.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    let folder = later.scope_is_folder;
    r.report(
        ctx,
        i,
        name_node(ctx, i),
        format!(
            "`{}` and `{}` both define {}{more}, and deploy together as scope `{}`{}",
            later.name,
            earlier.name,
            names.join(", "),
            later.scope,
            if folder {
                " (by folder: if they are alternative installs, they are not duplicates)"
            } else {
                ""
            }
        ),
        if folder {
            "give each file its own scope in `.confsum.yaml` (`scopes:`) if they are alternatives, else remove the duplicates"
        } else {
            "rename one of them, or remove the duplicate"
        },
    );
    r.related(
        ctx,
        first,
        name_node(ctx, first),
        "first defined here".into(),
    );
    if folder {
        r.at_most(Severity::Warning);
    }
}
