use super::{all_configs, config_name_span};
use crate::lint::{Context, Fixed, Reporter};
use crate::model::ConfigKind;

rule! {
    /// ## What it does
    /// Reports ConfigMaps and Secrets of the input that nothing in the input
    /// consumes. Before it reports, it checks every way config is consumed that
    /// the input shows:
    ///
    /// - env, envFrom, volumes and projected volumes of every container, and
    ///   imagePullSecrets;
    /// - reads through the Kubernetes API: RBAC of the input grants a workload's
    ///   ServiceAccount `get`, `list` or `watch` on it (Role or ClusterRole,
    ///   through RoleBinding or ClusterRoleBinding; `resourceNames` honoured);
    /// - its name in a container's `command`, `args` or env values
    ///   (`--configmap=$(POD_NAMESPACE)/name`, with `$(VAR)` resolved);
    /// - discovery by label by a sidecar (k8s-sidecar's `LABEL`), or a label
    ///   such sidecars watch (`grafana_dashboard`, `grafana_datasource`);
    /// - references from other objects: Ingress `tls`, ServiceAccount `secrets`,
    ///   a custom resource's `secretName` or `configMapRef`, an RBAC rule's
    ///   `resourceNames`;
    /// - ServiceAccount token Secrets.
    ///
    /// ## Why is this bad?
    /// It may be configuration left behind, or a name that drifted from the
    /// reference that should use it. A consumer outside the input (another
    /// release, an operator) is just as possible, which is why this is only
    /// information.
    ///
    /// ## Example
    /// `ConfigMap/app-config-v1` left behind after the Deployment moved to
    /// `app-config-v2`.
    /// Use instead: point the consumer at it, or, when something outside the input
    /// reads it, say so with the annotation `confsum.dev/ignore: unused-config`.
    UnusedConfig, "unused-config", Info, check, Rendered, Some(&UNUSED)
}

/// The texts of every finding: 250k unused ConfigMaps hold none.
static UNUSED: Fixed = Fixed {
    message: "nothing in the input consumes {object}: no container reads or mounts it, no workload's ServiceAccount may read it, no container names it, and no other object refers to it",
    help: "if something outside this input reads it, mark it `confsum.dev/ignore: unused-config`; if nothing does, it is left over",
};

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, kind) in all_configs(ctx) {
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
        if ctx.usage().other_use(obj, kind).is_some() {
            continue;
        }
        r.report_fixed(ctx, obj, config_name_span(ctx, obj));
    }
}
