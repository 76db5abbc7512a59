use crate::graph::Via;
use crate::lint::{Context, Reporter};
use crate::model::ConfigKind;

rule! {
    /// ## What it does
    /// Checks for containers that read a Secret through an environment variable
    /// (`env[].valueFrom.secretKeyRef` or `envFrom[].secretRef`).
    ///
    /// ## Why is this bad?
    /// Environment variables leak: into `/proc/<pid>/environ`, crash dumps, child
    /// processes and debug logs. They are also frozen at container start, so a
    /// rotated Secret never reaches the process.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: DB_PASSWORD
    ///   valueFrom: {secretKeyRef: {name: db, key: password}}
    /// ```
    /// Use instead: a `secret` volume, read from a file.
    SecretInEnv, "secret-in-env", Warning, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (w, _) in ctx.workloads() {
        for u in &w.uses {
            if u.kind != ConfigKind::Secret || !matches!(u.via, Via::Env | Via::EnvFrom) {
                continue;
            }
            let doc = ctx.doc(w.object);
            let container = u.container(doc);
            let container = container.as_deref().unwrap_or("?");
            let how = match (u.via, u.item(doc)) {
                (Via::Env, Some(var)) => format!("env var `{var}`"),
                _ => "envFrom (every key becomes an env var)".to_string(),
            };
            r.report(
                ctx,
                w.object,
                u.node,
                format!(
                    "container `{container}` reads Secret `{}` through {how}",
                    u.name
                ),
                "mount the Secret as a volume and read it from a file",
            );
        }
    }
}
