use super::configmap_data;
use crate::lint::{Context, Reporter};
use crate::model::ObjId;
use crate::secrets::looks_like_credential;
use crate::yaml::NodeId;

rule! {
    /// ## What it does
    /// Checks for ConfigMap entries that look like credentials: a key named like a
    /// password, token, API key or private key with a literal value, or a value
    /// that holds a PEM private key or a well-known token format (AWS access key
    /// ids, GitHub, GitLab, Slack, Stripe and Google API keys). Inside an embedded
    /// config file (ini, properties, `.env`, YAML, JSON, TOML) it checks each
    /// `key = value` line the same way, and any URL with `user:password@`. The
    /// finding never shows the value.
    ///
    /// A key is a credential's name by whole words (`ADMIN_PASSWORD`,
    /// `clientSecret`, `MODEL_API_KEY`, `AZURE_*_KEY`), unless its last word
    /// makes it a setting (`PASSWORD_FILE`, `token.enabled`, `secretName`). A value
    /// is literal unless it is empty or a reference (`${VAR}`, `$(VAR)`,
    /// `{{ }}`, a file path, sops' `ENC[...]`); `changeme` is literal, since it is
    /// what gets deployed.
    ///
    /// ## Why is this bad?
    /// ConfigMaps are not meant for secrets: they are readable by anyone who can
    /// read the namespace's configuration, are not encrypted at rest, and end up
    /// in logs, dumps and `kubectl describe` output.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   DB_PASSWORD: s3cr3t
    /// ```
    /// Use instead: a Secret, mounted as a volume.
    SecretLikeInConfigmap, "secret-like-in-configmap", Warning, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    use rayon::prelude::*;
    // The credential checks on all cores (rules run side by side, and this
    // one is among the longest); the findings in order.
    let entries: Vec<(ObjId, NodeId, NodeId)> = configmap_data(ctx).collect();
    let found: Vec<(ObjId, NodeId, String)> = entries
        .par_iter()
        .filter_map(|&(obj, k, v)| {
            let doc = ctx.doc(obj);
            let why =
                looks_like_credential(doc.scalar(k).unwrap_or(""), doc.scalar(v).unwrap_or(""))?;
            Some((obj, k, why))
        })
        .collect();
    for (obj, k, why) in found {
        let key = ctx.doc(obj).scalar(k).unwrap_or("");
        r.report(
            ctx,
            obj,
            k,
            format!("ConfigMap `{}` key `{key}` {why}", ctx.object(obj).name),
            "move the value into a Secret and mount it as a volume",
        );
    }
}
