use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for a mapping key written twice in the same mapping of an object,
    /// such as a label `app` set by two templates.
    ///
    /// ## Why is this bad?
    /// Helm renders such an object and Kubernetes takes it, keeping the last
    /// value without a word: the first value is silently lost, and which one
    /// wins depends on template order. confsum reads the object as Kubernetes
    /// does (the last value), and points at both keys.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   labels:
    ///     app: api
    ///     app: api-v2
    /// ```
    /// Use instead: one `app` label; drop the duplicate from the template or helper that adds it twice.
    DuplicateKey, "duplicate-key", Warning, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, o) in ctx.objects() {
        let doc = ctx.doc(obj);
        if doc.duplicate_keys().is_empty() {
            continue;
        }
        let within = doc.node(o.node).span.clone();
        for &(first, second) in doc.duplicate_keys() {
            if !within.contains(&doc.node(second).span.start) {
                continue;
            }
            let key = doc.scalar(second).unwrap_or("");
            r.report(
                ctx,
                obj,
                second,
                format!(
                    "{} has the key `{key}` twice in one mapping; the last value wins",
                    ctx.name(obj)
                ),
                "keep one; Kubernetes silently drops the first value",
            );
            r.related(ctx, obj, first, format!("`{key}` is first set here"));
        }
    }
}
