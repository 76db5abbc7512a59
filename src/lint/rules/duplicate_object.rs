use std::collections::HashMap;

use super::name_node;
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for two objects with the same API group, kind, namespace and name in
    /// one stream.
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
    let mut seen: HashMap<(&str, &str, &str, &str), usize> = HashMap::new();
    for (i, o) in ctx.objects() {
        if o.name.is_empty() {
            continue;
        }
        let key = (
            o.group.as_str(),
            o.kind_name.as_str(),
            o.namespace.as_str(),
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
                format!(
                    "{} `{}` in namespace `{}` is defined twice (first at {at})",
                    o.kind_name, o.name, o.namespace
                ),
                "rename one of them, or remove the duplicate",
            );
        } else {
            seen.insert(key, i);
        }
    }
}
