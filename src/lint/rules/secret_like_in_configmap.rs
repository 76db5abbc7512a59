use std::sync::OnceLock;

use regex::Regex;

use super::configmap_data;
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for ConfigMap entries that look like credentials: a key named like a
    /// password, token, API key or private key with a literal value, or a value
    /// that holds a PEM private key or a well-known token format (AWS access key
    /// ids, GitHub, GitLab and Slack tokens). The finding never shows the value.
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

fn key_pattern() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"(?i)(passw(or)?d|passwd|secret|token|api[-_.]?key|private[-_.]?key|credentials?|client[-_.]?secret|access[-_.]?key)").unwrap())
}

fn harmless_key() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"(?i)(file|path|dir|name|ref|length|policy|pattern|enabled|expiry|expiration|ttl|timeout|duration|url|uri|endpoint|header|type|mode|format|min|max|count|size|secretname|_from|from_|\.(ini|conf|ya?ml|json|toml|properties|sh|xml|txt|cfg|env)$)").unwrap())
}

fn value_pattern() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bglpat-[A-Za-z0-9_-]{20}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}").unwrap()
    })
}

/// Why an entry looks like a credential, if it does.
pub fn looks_like_credential(key: &str, value: &str) -> Option<&'static str> {
    if let Some(m) = value_pattern().find(value) {
        return Some(if m.as_str().starts_with("-----BEGIN") {
            "holds a PEM private key"
        } else {
            "holds a token in a well-known format"
        });
    }
    let v = value.trim();
    let literal = !v.is_empty()
        && !v.contains(['$', '{', '/', ' ', '\n'])
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "changeme" | "<nil>"
        )
        && !v.chars().all(|c| c.is_ascii_digit());
    if literal && key_pattern().is_match(key) && !harmless_key().is_match(key) {
        return Some("is named like a credential and has a literal value");
    }
    None
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, k, v) in configmap_data(ctx) {
        let doc = ctx.doc(obj);
        let key = doc.scalar(k).unwrap_or("");
        if let Some(why) = looks_like_credential(key, doc.scalar(v).unwrap_or("")) {
            r.report(
                ctx,
                obj,
                k,
                format!("ConfigMap `{}` key `{key}` {why}", ctx.object(obj).name),
                "move the value into a Secret and mount it as a volume",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_credential;

    #[test]
    fn flags_credentials_not_settings() {
        assert!(looks_like_credential("DB_PASSWORD", "s3cr3t").is_some());
        assert!(looks_like_credential("api_key", "abc123xyz").is_some());
        assert!(looks_like_credential("notes", "AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(
            looks_like_credential("tls.key", "-----BEGIN RSA PRIVATE KEY-----\nMII...").is_some()
        );
        assert!(looks_like_credential("password_file", "/etc/secret/pw").is_none());
        assert!(looks_like_credential("token.enabled", "true").is_none());
        assert!(looks_like_credential("PASSWORD", "${DB_PASSWORD}").is_none());
        assert!(looks_like_credential("log.level", "debug").is_none());
        assert!(looks_like_credential("secretName", "my-secret").is_none());
    }
}
