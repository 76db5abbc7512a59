use std::collections::HashMap;
use std::ops::Range;

use crate::graph::Ref;
use crate::lint::{Context, Reporter};
use crate::model::{ConfigKind, ObjId};
use crate::yaml::NodeId;

rule! {
    /// ## What it does
    /// Checks for non-optional references to a ConfigMap or Secret that is not in
    /// the input (env, envFrom, volumes, projected volumes, imagePullSecrets).
    ///
    /// ## Why is this bad?
    /// Unless the object already exists in the cluster, the pod never starts. It
    /// may well exist (created by hand, by another release or by an operator),
    /// which is why this is a warning; raise it to an error in `.confsum.yaml`
    /// when your releases are self-contained.
    ///
    /// ## Example
    /// ```yaml
    /// envFrom:
    /// - secretRef: {name: db-credentials}   # defined nowhere in the release
    /// ```
    /// Use instead: ship the object with the release, declare it in `external:`
    /// of `.confsum.yaml` (or `--assume-exists Secret/db-credentials`) when it
    /// is created outside the release, or mark the reference `optional: true`.
    ///
    /// One missing object is one finding, at its first reference, listing the
    /// others. An `ignore:` entry that names the object (`Secret/*/db-*`)
    /// silences it.
    ///
    /// An object made at run time is not missing: a Secret that a SealedSecret,
    /// ExternalSecret, cert-manager Certificate or Vault secret of the input
    /// makes, or one that a Job or Helm hook of the input creates (its script
    /// or arguments name it, or its ServiceAccount may create that kind with a
    /// rule that names it).
    MissingObject, "missing-object", Warning, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    // One finding per missing object, at its first reference; the others
    // are listed with it. Each missing object is a group: its first
    // reference and how many there are, the rest in one list by group
    // (12.5k namespaces that each miss one Secret made 12.5k vectors).
    type Key<'a> = (usize, &'a str, ConfigKind, &'a str);
    let mut groups: HashMap<Key<'_>, usize> = HashMap::new();
    // (first reference: workload, use's place, its reference; count),
    // which names the group's kind and name.
    let mut firsts: Vec<(ObjId, Range<usize>, &Ref, usize)> = Vec::new();
    // (group, workload, use's place) of every later reference.
    let mut others: Vec<(usize, ObjId, Range<usize>)> = Vec::new();
    let model = &ctx.analysis.model;
    for (w, _) in ctx.workloads() {
        let o = ctx.object(w.object);
        let scope = model.scope_of(o);
        // (reference, its first use that is not optional), of each missing
        // object: placed in the workload's tree, read once for them all.
        let mut missing: Vec<(&Ref, NodeId)> = Vec::new();
        for rf in &w.refs {
            if rf.target.is_some() || rf.optional || rf.external || rf.name.is_empty() {
                continue;
            }
            if ctx
                .config
                .ignores_name(rf.kind.as_str(), &o.namespace, &rf.name)
                || ctx
                    .usage()
                    .made_at_run_time(scope, o.namespace, rf.kind, &rf.name)
            {
                continue;
            }
            let Some(u) = w
                .uses
                .iter()
                .find(|u| u.kind == rf.kind && u.name == rf.name && !u.optional)
            else {
                continue;
            };
            missing.push((rf, u.node));
        }
        if missing.is_empty() {
            continue;
        }
        let spans: Vec<Range<usize>> = model
            .doc(o)
            .with_tree(|doc| missing.iter().map(|&(_, n)| doc.node(n).span).collect());
        for ((rf, _), span) in missing.into_iter().zip(spans) {
            let key = (scope, o.namespace.as_str(), rf.kind, rf.name.as_str());
            match groups.entry(key) {
                std::collections::hash_map::Entry::Occupied(g) => {
                    firsts[*g.get()].3 += 1;
                    others.push((*g.get(), w.object, span));
                }
                std::collections::hash_map::Entry::Vacant(g) => {
                    g.insert(firsts.len());
                    firsts.push((w.object, span, rf, 1));
                }
            }
        }
    }
    drop(groups);
    // The later references of each group, in order.
    others.sort_by_key(|&(group, ..)| group);
    let mut later = others.into_iter().peekable();
    for (group, (obj, span, rf, count)) in firsts.into_iter().enumerate() {
        let (kind, name) = (rf.kind, &rf.name);
        let via = rf.via_text();
        let others = match count {
            1 => String::new(),
            2 => "; 1 more workload references it".to_string(),
            n => format!("; {} more workloads reference it", n - 1),
        };
        r.report_span(
            ctx,
            obj,
            span,
            format!(
                "{} `{name}` (used via {via} by {}) is not in the input{others}",
                kind.as_str(),
                ctx.name(obj)
            ),
            "make sure it exists before the release (declare it in `external:` of .confsum.yaml or with --assume-exists), ship it with the release, or mark the reference `optional: true`",
        );
        while let Some((_, o, span)) = later.next_if(|(g, ..)| *g == group) {
            r.related_span(ctx, o, span, format!("also referenced by {}", ctx.name(o)));
        }
    }
}
