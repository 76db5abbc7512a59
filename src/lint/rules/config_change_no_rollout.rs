use crate::graph::Via;
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for workloads that consume a ConfigMap or Secret of the input through
    /// `env`, `envFrom`, or a volume mounted with `subPath` (none of which a
    /// running container ever sees change), while the pod template carries no
    /// annotation that changes with that config: none of confsum's checksum
    /// annotations and no annotation whose key contains `checksum` (the
    /// `checksum/config` convention). Volumes mounted without `subPath` are not
    /// flagged: the kubelet refreshes their files.
    ///
    /// ## Why is this bad?
    /// A config change leaves the running pods on the old values until something
    /// else restarts them, so a release "succeeds" without taking effect.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - envFrom: [{configMapRef: {name: app-config}}]
    /// ```
    /// Use instead: run confsum as the Helm post-renderer or in the pipeline
    /// (`confsum inject`), or add
    /// `checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}`
    /// to the pod template's annotations.
    ConfigChangeNoRollout, "config-change-no-rollout", Warning, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    let model = &ctx.analysis.model;
    for w in &ctx.analysis.graph.workloads {
        let o = ctx.object(w.object);
        if !model.is_injectable(o) {
            continue;
        }
        // Stakater Reloader or Wave rolls it on every config change.
        if matches!(
            w.left_alone,
            Some(crate::graph::LeftAlone::RolledByController(_))
        ) {
            continue;
        }
        // One pass over the uses, not one per reference.
        let frozen_uses: std::collections::HashSet<(crate::model::ConfigKind, &str)> = w
            .uses
            .iter()
            .filter(|u| u.is_frozen_at_start())
            .map(|u| (u.kind, u.name.as_str()))
            .collect();
        let frozen: Vec<String> = w
            .refs
            .iter()
            .filter(|rf| rf.target.is_some() && rf.via.iter().any(|v| *v != Via::ImagePullSecrets))
            .filter(|rf| frozen_uses.contains(&(rf.kind, rf.name.as_str())))
            .map(|rf| format!("{} `{}`", rf.kind.as_str(), rf.name))
            .collect();
        if frozen.is_empty() {
            continue;
        }
        let doc = ctx.doc(w.object);
        let template = model.pod_template(o);
        let has_checksum = template
            .and_then(|t| doc.path(t, &["metadata", "annotations"]))
            .is_some_and(|ann| {
                doc.entries(ann).iter().any(|&(k, _)| {
                    let key = doc.scalar(k).unwrap_or("");
                    key.to_ascii_lowercase().contains("checksum")
                        || ctx.config.checksum_keys.iter().any(|c| c == key)
                })
            });
        if has_checksum {
            continue;
        }
        r.report(
            ctx,
            w.object,
            super::name_node(ctx, w.object),
            format!("{} `{}` reads {} at container start, and no checksum annotation rolls its pods when they change", o.kind_name, o.name, frozen.join(", ")),
            "run confsum as the Helm post-renderer or `confsum inject` in the pipeline, or add a `checksum/config` annotation to the pod template",
        );
    }
}
