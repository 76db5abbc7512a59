use crate::lint::{Context, Reporter};
use crate::secrets::redact::literal_credential_env;

rule! {
    /// ## What it does
    /// Checks for containers whose `env` sets a credential as a literal `value`:
    /// a variable named like a password, token, API key or private key
    /// (`DB_PASSWORD: hunter22`), or any value in a well-known token format
    /// (`AKIA...` access key ids, GitHub, GitLab and Slack tokens, PEM private
    /// keys). Names are matched by whole words, as secret-like-in-configmap does;
    /// references (`$(VAR)`, `{{ }}`), file paths and empty values are not
    /// literals. The finding never shows the value.
    ///
    /// ## Why is this bad?
    /// The credential is in the manifest itself: in git, in the chart's values, in
    /// `kubectl get -o yaml` of the workload, readable by anyone who can read
    /// Deployments. It cannot be rotated without a new release.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: DB_PASSWORD
    ///   value: hunter22
    /// ```
    /// Use instead: a Secret, read through `valueFrom.secretKeyRef` or, better,
    /// mounted as a file.
    SecretLiteralInEnv, "secret-literal-in-env", Warning, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    // Each workload in a pass of its own, on all cores.
    let found = ctx.workloads().filter_map(|(w, _)| {
        let spec = ctx.pod_spec(w.object)?;
        Some((w.object, literal_credential_env(ctx.doc(w.object), spec)))
    });
    for (obj, literals) in found {
        let doc = ctx.doc(obj);
        for (entry, value) in literals {
            let name = doc.str_at(entry, &["name"]).unwrap_or("");
            let why = crate::secrets::known_token(doc.scalar(value).unwrap_or(""))
                .unwrap_or("is named like a credential and has a literal value");
            r.report(
                ctx,
                obj,
                value,
                format!("env var `{name}` of {} {why}", ctx.name(obj)),
                "put the value in a Secret and read it with `valueFrom.secretKeyRef`, or mount it as a file",
            );
        }
    }
}
