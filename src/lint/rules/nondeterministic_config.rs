use crate::graph::Workload;
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Renders a chart twice with the same values (`confsum lint CHART`) and
    /// checks whether a ConfigMap or Secret that a workload consumes differs
    /// between the two renders: a template that generates certificates or
    /// passwords on every render (`genCA`, `genSelfSignedCert`,
    /// `randAlphaNum` without `lookup`). Keys are named, never values.
    ///
    /// ## Why is this bad?
    /// Every `helm template`-based deploy (Argo CD, Flux with post-renderers,
    /// confsum as a post-renderer) sees new data each time, so every sync or
    /// upgrade restarts the workload, and with a checksum annotation (the
    /// chart's own `checksum/config` or confsum's) it rolls every time even
    /// when nothing changed. Generated passwords also change under running
    /// clients.
    ///
    /// ## Example
    /// ```yaml
    /// stringData:
    ///   password: {{ randAlphaNum 24 | quote }}
    /// ```
    /// Use instead: reuse the existing value with `lookup`, take it from an existing Secret (`existingSecret`), or leave the object out of the checksum with `confsum.dev/hash: "false"`.
    NondeterministicConfig, "nondeterministic-config", Warning, check, Chart, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    let Some(other) = ctx.rerender else {
        return;
    };
    let model = &ctx.analysis.model;
    for (w, _) in ctx.workloads() {
        let o = ctx.object(w.object);
        for (target, keys) in changed_targets(ctx, other, w) {
            let t = &model.objects[target];
            let template = model
                .doc(t)
                .template()
                .map(|tpl| format!(" (template {tpl})"))
                .unwrap_or_default();
            r.report(
                ctx,
                w.object,
                super::name_node(ctx, w.object),
                format!(
                    "{} `{}` consumes {} `{}`, whose {} changed between two renders of the same values{template}: every helm template-based deploy (Argo CD, post-renderers) restarts it",
                    o.kind_name(),
                    o.name,
                    t.kind_name(),
                    t.name,
                    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                ),
                "generate the value once: `lookup` the existing object, use an existing Secret, or annotate the object `confsum.dev/hash: \"false\"`",
            );
        }
    }
}

/// The consumed objects of `w` whose consumed keys differ in `other`, with
/// those keys.
fn changed_targets(
    ctx: &Context<'_, '_>,
    other: &crate::Analysis<'_>,
    w: &Workload,
) -> Vec<(usize, Vec<String>)> {
    let model = &ctx.analysis.model;
    let mut out = Vec::new();
    for rf in w.refs.iter().filter(|rf| rf.enters_checksum()) {
        let target = rf.target.expect("enters_checksum implies a target");
        let t = &model.objects[target];
        let Some(kind) = (match t.kind {
            crate::model::Kind::Config(k) => Some(k),
            _ => None,
        }) else {
            continue;
        };
        let Some(twin) =
            other
                .graph
                .find_in(&other.model, kind, model.scope_of(t), &t.namespace, &t.name)
        else {
            continue;
        };
        let (Ok(a), Ok(b)) = (
            model.effective_data(target),
            other.model.effective_data(twin),
        ) else {
            continue;
        };
        let consumed = |k: &String| rf.keys.as_ref().is_none_or(|keys| keys.contains(k));
        let keys: Vec<String> = a
            .keys()
            .chain(b.keys())
            .filter(|k| consumed(k) && a.get(*k) != b.get(*k))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !keys.is_empty() {
            out.push((target, keys));
        }
    }
    out
}
