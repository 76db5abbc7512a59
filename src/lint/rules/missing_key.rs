use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for references to a key that the referenced ConfigMap or Secret in
    /// the input lacks: `configMapKeyRef`/`secretKeyRef` keys and the `items[].key`
    /// of volumes and projected volumes, unless the reference is `optional`.
    ///
    /// ## Why is this bad?
    /// The pod never starts: the kubelet reports `CreateContainerConfigError`
    /// (env) or the volume fails to mount.
    ///
    /// ## Example
    /// ```yaml
    /// valueFrom: {configMapKeyRef: {name: app, key: LOG_LEVL}}
    /// ```
    /// Use instead: the key the object defines, or `optional: true`.
    MissingKey, "missing-key", Error, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (w, _) in ctx.workloads() {
        let uses = w.uses.iter().filter(|u| !u.optional && u.keys.is_some());
        super::by_target(ctx, w, uses, |target, data, uses| {
            if data.bad_base64().is_some() {
                return;
            }
            for u in uses {
                for (key, node) in u.keys.iter().flatten().zip(u.key_nodes.iter()) {
                    if !data.effective().contains_key(key) {
                        r.report(
                        ctx,
                        w.object,
                        *node,
                        format!("{} `{}` has no key `{key}`", u.kind.as_str(), u.name),
                        format!("use one of the keys the {} defines, or mark the reference `optional: true`", u.kind.as_str()),
                    );
                        r.related(
                            ctx,
                            target,
                            super::name_node(ctx, target),
                            format!(
                                "{} `{}` is defined here, without `{key}`",
                                u.kind.as_str(),
                                u.name
                            ),
                        );
                    }
                }
            }
        });
    }
}
