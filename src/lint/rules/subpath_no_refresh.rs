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
    SubpathNoRefresh, "subpath-no-refresh", Warning, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for w in &ctx.analysis.graph.workloads {
        let mut seen = std::collections::HashSet::new();
        for u in &w.uses {
            for (container, mount) in &u.sub_path_mounts {
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
