use super::{configs, name_node};
use crate::lint::{Context, Reporter};
use crate::model::ConfigKind;

rule! {
    /// ## What it does
    /// Checks typed Secrets for the keys their type requires:
    /// `kubernetes.io/tls` (`tls.crt`, `tls.key`), `kubernetes.io/dockerconfigjson`
    /// (`.dockerconfigjson`), `kubernetes.io/dockercfg` (`.dockercfg`),
    /// `kubernetes.io/basic-auth` (`username` or `password`) and
    /// `kubernetes.io/ssh-auth` (`ssh-privatekey`), in `data` or `stringData`.
    ///
    /// ## Why is this bad?
    /// The API server rejects the Secret, and the release fails at deploy time.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Secret
    /// type: kubernetes.io/tls
    /// data: {tls.crt: ..., key.pem: ...}
    /// ```
    /// Use instead: the key names the type defines (`tls.key`).
    SecretTypeMissingKeys, "secret-type-missing-keys", Error, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, kind) in configs(ctx) {
        if kind != ConfigKind::Secret {
            continue;
        }
        let doc = ctx.doc(obj);
        let node = ctx.object(obj).node;
        let Some(ty) = doc.str_at(node, &["type"]) else {
            continue;
        };
        let data = ctx.analysis.model.config_data(obj);
        let has = |k: &str| data.effective().contains_key(k);
        let missing: Vec<&str> = match ty {
            "kubernetes.io/tls" => ["tls.crt", "tls.key"]
                .into_iter()
                .filter(|k| !has(k))
                .collect(),
            "kubernetes.io/dockerconfigjson" => [".dockerconfigjson"]
                .into_iter()
                .filter(|k| !has(k))
                .collect(),
            "kubernetes.io/dockercfg" => [".dockercfg"].into_iter().filter(|k| !has(k)).collect(),
            "kubernetes.io/ssh-auth" => {
                ["ssh-privatekey"].into_iter().filter(|k| !has(k)).collect()
            }
            "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
                vec!["username or password"]
            }
            _ => continue,
        };
        if missing.is_empty() {
            continue;
        }
        let at = doc.get(node, "type").unwrap_or_else(|| name_node(ctx, obj));
        r.report(
            ctx,
            obj,
            at,
            format!(
                "Secret `{}` of type `{ty}` lacks {}",
                ctx.object(obj).name,
                missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("add the keys that `{ty}` requires, or use `type: Opaque`"),
        );
    }
}
