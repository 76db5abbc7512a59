use crate::lint::coverage::{Annotations, Cover, runs_afresh};
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for ConfigMap, Secret and projected volumes mounted with `subPath`
    /// (or `subPathExpr`).
    ///
    /// ## Why is this bad?
    /// The kubelet never updates a `subPath` mount: a changed ConfigMap or Secret
    /// does not reach the running container until the pod restarts.
    ///
    /// ## Example
    /// ```yaml
    /// volumeMounts:
    /// - {name: config, mountPath: /etc/app/app.yaml, subPath: app.yaml}
    /// ```
    /// Use instead: mount the whole volume at a folder, or keep the subPath and let
    /// confsum's injected checksum roll the pod when the data changes.
    ///
    /// Silent when a checksum annotation of the pod template covers the object
    /// (confsum's own, or a chart's `checksum/*`, as config-change-no-rollout
    /// judges it): the pod then restarts with the new data. Jobs, CronJobs and
    /// Helm hooks are not checked: each run mounts the current data.
    SubpathNoRefresh, "subpath-no-refresh", Warning, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    let graph = &ctx.analysis.graph;
    for (w, _) in ctx.workloads() {
        if runs_afresh(ctx, w) {
            continue;
        }
        let mut seen = std::collections::HashSet::new();
        let from = ctx.object(w.object);
        let mut annotations = None;
        for u in w.uses.iter().filter(|u| !u.sub_path_mounts().is_empty()) {
            // A checksum that rolls the pod on a change makes the mount
            // current again.
            let annotations = annotations.get_or_insert_with(|| Annotations::of(ctx, w));
            if let Some(t) = graph.find(&ctx.analysis.model, u.kind, from, &u.name)
                && matches!(
                    annotations.cover(ctx, t),
                    Cover::Rolled | Cover::LikelyRolled
                )
            {
                continue;
            }
            for (container, mount) in u.sub_path_mounts() {
                if !seen.insert(*mount) {
                    continue;
                }
                r.report(
                    ctx,
                    w.object,
                    *mount,
                    format!("container `{container}` mounts {} `{}` with subPath: updates never reach the container", u.kind.as_str(), u.name),
                    "mount the volume without subPath, or inject confsum's checksum (`confsum inject`) so a change rolls the pod",
                );
            }
        }
    }
}
