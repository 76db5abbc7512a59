use super::{configs, name_node};
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for ConfigMaps and Secrets with `immutable: true` whose name does not
    /// carry a content hash (such as kustomize's `app-config-7b4f9k2m8d`).
    ///
    /// ## Why is this bad?
    /// The API server refuses any change to an immutable object's data, so the
    /// next upgrade that changes the data fails, unless the name changes with the
    /// content.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// metadata: {name: app-config}
    /// immutable: true
    /// ```
    /// Use instead: a name with a content hash (kustomize's configMapGenerator, or
    /// `{{ .Values.config | sha256sum | trunc 10 }}` in Helm), or drop `immutable`.
    ImmutableConfigReused, "immutable-config-reused", Warning, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, _) in configs(ctx) {
        let doc = ctx.doc(obj);
        let Some(flag) = doc.get(ctx.object(obj).node, "immutable") else {
            continue;
        };
        if !doc.is_true(flag) || crate::model::has_content_hash(&ctx.object(obj).name) {
            continue;
        }
        r.report(
            ctx,
            obj,
            name_node(ctx, obj),
            format!("{} is immutable but its name does not change with its content", ctx.name(obj)),
            "add a content hash to the name (kustomize configMapGenerator, or `sha256sum | trunc` in Helm), or drop `immutable: true`",
        );
    }
}
