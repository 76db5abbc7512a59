use super::{configs, name_node};
use crate::lint::{Context, Reporter};
use crate::model::ConfigKind;

rule! {
    /// ## What it does
    /// Reports ConfigMaps and Secrets of the input that no workload of the input
    /// consumes (through env, envFrom, a volume or imagePullSecrets).
    ///
    /// ## Why is this bad?
    /// It may be dead configuration, or a name that drifted from the reference
    /// that should use it. Objects read by controllers or other tools (Ingress TLS
    /// secrets, dashboards picked up by a sidecar) are fine: that is why this is
    /// only information.
    ///
    /// ## Example
    /// `ConfigMap/app-config-v1` left behind after the Deployment moved to
    /// `app-config-v2`.
    /// Use instead: remove it, or suppress the finding with the annotation
    /// `confsum.dev/ignore: unused-config`.
    UnusedConfig, "unused-config", Info, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, kind) in configs(ctx) {
        if !ctx.analysis.graph.consumers_of(obj).is_empty() {
            continue;
        }
        let doc = ctx.doc(obj);
        let o = ctx.object(obj);
        if kind == ConfigKind::Secret
            && doc.str_at(o.node, &["type"]) == Some("kubernetes.io/service-account-token")
        {
            continue;
        }
        r.report(
            ctx,
            obj,
            name_node(ctx, obj),
            format!("no workload in the input consumes {}", ctx.name(obj)),
            "remove it if nothing reads it, or suppress with `confsum.dev/ignore: unused-config`",
        );
    }
}
