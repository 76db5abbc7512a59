use std::collections::HashMap;

use super::name_node;
use crate::lint::{Context, Reporter};
use crate::model::is_cluster_scoped;

rule! {
    /// ## What it does
    /// Checks for two objects with the same API group, kind, namespace and name in
    /// one scope: a stream, a chart's render, or a folder of committed manifests
    /// that deploy together. For cluster-scoped kinds (PersistentVolume,
    /// ClusterRole, ...) the namespace does not count: the API server ignores it.
    /// The same name in two scopes (per-environment folders) is not a finding.
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

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    let mut seen: HashMap<(usize, &str, &str, &str, &str), usize> = HashMap::new();
    for (i, o) in ctx.objects() {
        if o.name.is_empty() {
            continue;
        }
        let cluster_scoped = is_cluster_scoped(&o.group, &o.kind_name);
        let key = (
            o.scope,
            o.group.as_str(),
            o.kind_name.as_str(),
            if cluster_scoped {
                ""
            } else {
                o.namespace.as_str()
            },
            o.name.as_str(),
        );
        if let Some(&first) = seen.get(&key) {
            let f = ctx.object(first);
            let at = ctx
                .analysis
                .model
                .source(f)
                .location(ctx.doc(first).node(f.node).span.start);
            r.report(
                ctx,
                i,
                name_node(ctx, i),
                if cluster_scoped {
                    format!(
                        "{} `{}` is defined twice (first at {at}); it is cluster-scoped, so namespaces do not tell them apart",
                        o.kind_name, o.name
                    )
                } else {
                    format!(
                        "{} `{}` in namespace `{}` is defined twice (first at {at})",
                        o.kind_name, o.name, o.namespace
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
        } else {
            seen.insert(key, i);
        }
    }
}
