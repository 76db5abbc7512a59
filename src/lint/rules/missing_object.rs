use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for non-optional references to a ConfigMap or Secret that is not in
    /// the input (env, envFrom, volumes, projected volumes, imagePullSecrets).
    ///
    /// ## Why is this bad?
    /// Unless the object already exists in the cluster, the pod never starts. It
    /// may well exist (created by hand, by another release or by an operator),
    /// which is why this is a warning; raise it to an error in `.confsum.yaml`
    /// when your releases are self-contained.
    ///
    /// ## Example
    /// ```yaml
    /// envFrom:
    /// - secretRef: {name: db-credentials}   # defined nowhere in the release
    /// ```
    /// Use instead: ship the object with the release, or mark the reference
    /// `optional: true`.
    MissingObject, "missing-object", Warning, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for w in &ctx.analysis.graph.workloads {
        for rf in &w.refs {
            if rf.target.is_some() || rf.optional || rf.name.is_empty() {
                continue;
            }
            let Some(u) = w
                .uses
                .iter()
                .find(|u| u.kind == rf.kind && u.name == rf.name && !u.optional)
            else {
                continue;
            };
            let via = rf
                .via
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            r.report(
                ctx,
                w.object,
                u.node,
                format!("{} `{}` (used via {via}) is not in the input", rf.kind.as_str(), rf.name),
                "make sure it exists in the namespace before the release, ship it with the release, or mark the reference `optional: true`",
            );
        }
    }
}
