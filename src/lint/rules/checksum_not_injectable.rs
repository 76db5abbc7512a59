use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Reports bare Pods and plain (non-hook) Jobs that consume ConfigMaps or
    /// Secrets of the input.
    ///
    /// ## Why is this bad?
    /// No checksum can roll them: a Job's pod template is immutable (writing one
    /// would make the next upgrade fail) and a bare Pod never restarts when its
    /// annotations change. A config change reaches them only when they are
    /// recreated.
    ///
    /// ## Example
    /// A `kind: Job` migration that reads `ConfigMap/db-config` and is not a Helm
    /// hook.
    /// Use instead: make it a Helm hook (`helm.sh/hook: pre-upgrade`) so it is
    /// recreated on every upgrade, or run it from a CronJob or Deployment.
    ChecksumNotInjectable, "checksum-not-injectable", Info, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (w, sums) in ctx.workloads() {
        let o = ctx.object(w.object);
        let Some(why) = ctx.not_injectable(w.object) else {
            continue;
        };
        if ctx.is_helm_test(w.object) {
            continue;
        }
        if sums.config.is_none() && sums.secret.is_none() {
            continue;
        }
        let why = why.reason();
        let mut names = super::Listing::default();
        for r in w.refs.iter().filter(|r| r.enters_checksum()) {
            names.push(|| format!("{} `{}`", r.kind.as_str(), r.name));
        }
        r.report(
            ctx,
            w.object,
            super::name_node(ctx, w.object),
            format!("{} `{}` consumes {} but cannot be rolled by a checksum: {why}", o.kind_name(), o.name, names.text()),
            "make it a Helm hook so it is recreated on upgrade, or run it from a controller (Deployment, CronJob)",
        );
    }
}
