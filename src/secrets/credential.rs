//! What looks like a credential: by its key's name and a literal value, or
//! by a well-known token format in the value. Read by lint's
//! secret-like-in-configmap and by redaction, which masks such values.

use std::sync::OnceLock;

use regex::Regex;

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
