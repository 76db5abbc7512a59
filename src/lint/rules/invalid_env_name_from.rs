use crate::graph::Via;
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for `envFrom` of a ConfigMap or Secret (in the input) that has keys
    /// which, with the envFrom `prefix`, are not valid environment variable names
    /// (`[A-Za-z_][A-Za-z0-9_]*`).
    ///
    /// ## Why is this bad?
    /// Before Kubernetes 1.32 (where `RelaxedEnvironmentVariableValidation` became
    /// the default) the kubelet skips those keys silently (an
    /// `InvalidEnvironmentVariableNames` event at most): the container starts
    /// without the settings. Where they do get through, shells and most
    /// libraries still cannot read a variable named `log.level` or `log-format`.
    ///
    /// ## Example
    /// ```yaml
    /// data:
    ///   log.level: debug       # skipped by envFrom
    /// ```
    /// Use instead: `LOG_LEVEL`, or mount the object as a volume.
    InvalidEnvNameFrom, "invalid-env-name-from", Warning, check, Rendered, None, PerWorkload
}

fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (w, _) in ctx.workloads() {
        let uses = w.uses.iter().filter(|u| u.via == Via::EnvFrom);
        super::by_target(ctx, w, uses, |_, data, uses| {
            if data.bad_base64().is_some() {
                return;
            }
            for u in uses {
                let prefix = u.item(ctx.doc(w.object));
                let prefix = prefix.as_deref().unwrap_or("");
                let bad: Vec<&str> = data
                    .effective()
                    .keys()
                    .filter(|k| !is_env_name(&format!("{prefix}{k}")))
                    .collect();
                if bad.is_empty() {
                    continue;
                }
                let shown = bad
                    .iter()
                    .take(5)
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let more = if bad.len() > 5 {
                    format!(" and {} more", bad.len() - 5)
                } else {
                    String::new()
                };
                r.report(
                ctx,
                w.object,
                u.node,
                format!(
                    "envFrom {} `{}` skips keys that are not valid env var names: {shown}{more}",
                    u.kind.as_str(),
                    u.name
                ),
                "rename the keys to letters, digits and `_`, or mount the object as a volume",
            );
            }
        });
    }
}
