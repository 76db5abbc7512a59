use crate::lint::{Context, Reporter};
use crate::model::ConfigKind;

rule! {
    /// ## What it does
    /// Checks for pod templates that already carry one of the checksum annotation
    /// keys confsum writes (by default `confsum.dev/config-checksum` and
    /// `confsum.dev/secret-checksum`; `--config-annotation` and
    /// `--secret-annotation` change them) with a value other than the one confsum
    /// computes.
    ///
    /// ## Why is this bad?
    /// `confsum inject` overwrites it. If a chart computes its own value under the
    /// same key, that signal is lost; if the value is stale, the manifests in the
    /// repository are out of date.
    ///
    /// ## Example
    /// A chart that writes `checksum/config` while confsum is run with
    /// `--config-annotation checksum/config`.
    /// Use instead: keep confsum's own keys, or run `confsum inject --write`.
    AnnotationCollision, "annotation-collision", Warning, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (w, sums) in ctx.workloads() {
        let o = ctx.object(w.object);
        if !ctx.is_injectable(w.object) {
            continue;
        }
        let Some(template) = ctx.pod_template(w.object) else {
            continue;
        };
        let doc = ctx.doc(w.object);
        let Some(ann) = doc.path(template, &["metadata", "annotations"]) else {
            continue;
        };
        for (key, kind) in ctx
            .config
            .checksum_keys
            .iter()
            .zip([ConfigKind::ConfigMap, ConfigKind::Secret])
        {
            let Some(node) = doc.get(ann, key) else {
                continue;
            };
            let Some(want) = sums.get(kind) else { continue };
            if doc.scalar(node) == Some(want) {
                continue;
            }
            r.report(
                ctx,
                w.object,
                node,
                format!("pod template of {} `{}` already has annotation `{key}` with another value than confsum computes", o.kind_name(), o.name),
                "run `confsum inject --write` to update it, or choose another key with --config-annotation/--secret-annotation",
            );
        }
    }
}
