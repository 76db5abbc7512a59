//! What looks like a credential: a key named like one with a literal value,
//! a well-known token format, or either inside an embedded config file
//! (ini, properties, `.env`, YAML, JSON, TOML) or a URL's `user:password@`.
//! Read by lint's secret-like-in-configmap and secret-literal-in-env, and by
//! redaction, which masks such values.

use std::sync::OnceLock;

use regex::Regex;

/// Words that make a key a credential's name, alone.
const CREDENTIAL_WORDS: [&str; 12] = [
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "bearer",
    "apikey",
    "privatekey",
    "accesskey",
];

/// Words that make `<word> key` a credential's name (`API_KEY`,
/// `ACCOUNT_KEY`, `AZURE_STORAGE_KEY` through the vendor rule below).
const KEY_QUALIFIERS: [&str; 9] = [
    "api",
    "private",
    "access",
    "secret",
    "account",
    "storage",
    "master",
    "encryption",
    "signing",
];

/// A last word that makes the key a setting about a credential, not one:
/// `PASSWORD_FILE`, `token.enabled`, `secretName`, `TOKEN_TTL`.
const SETTING_WORDS: [&str; 31] = [
    "file",
    "files",
    "path",
    "dir",
    "name",
    "names",
    "ref",
    "length",
    "policy",
    "pattern",
    "enabled",
    "enable",
    "disabled",
    "expiry",
    "expiration",
    "ttl",
    "timeout",
    "duration",
    "url",
    "uri",
    "endpoint",
    "header",
    "type",
    "mode",
    "format",
    "min",
    "max",
    "count",
    "size",
    "id",
    "location",
];

/// The words of a key: split at non-alphanumerics and camelCase humps,
/// lowercased (`GF_SECURITY_ADMIN_PASSWORD`, `clientSecret`, `api-key`).
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a key (a ConfigMap key, an env var name, a key inside a config
/// file) names a credential.
pub fn is_credential_name(key: &str) -> bool {
    let w = words(key);
    let Some(last) = w.last() else {
        return false;
    };
    if SETTING_WORDS.contains(&last.as_str()) {
        return false;
    }
    let joined: Vec<String> = w.windows(2).map(|p| format!("{}{}", p[0], p[1])).collect();
    w.iter().any(|x| CREDENTIAL_WORDS.contains(&x.as_str()))
        || joined.iter().any(|x| CREDENTIAL_WORDS.contains(&x.as_str()))
        || w.windows(2)
            .any(|p| p[1] == "key" && KEY_QUALIFIERS.contains(&p[0].as_str()))
        // Vendor names: AZURE_*_KEY, OCI_CLI_KEY_CONTENT.
        || (w.first().is_some_and(|f| f == "azure") && last == "key")
        || w.windows(2).any(|p| p[0] == "key" && p[1] == "content")
}

/// Whether a value is a literal that could be the credential itself: not
/// empty, not a reference (`${VAR}`, `$(VAR)`, `{{ }}`, a file path, a
/// URL without credentials), not a boolean or null, not encrypted (sops'
/// `ENC[...]`). `changeme` is a literal: it is what gets deployed.
pub fn is_literal_value(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']).trim();
    if v.is_empty() || v.contains('\n') {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "nil" | "<nil>" | "~"
    ) {
        return false;
    }
    let reference = v.starts_with('$')
        || v.contains("${")
        || v.contains("$(")
        || v.contains("{{")
        || v.contains("%(")
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with("__") && v.ends_with("__"))
        || v.starts_with("ENC[")
        || v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("file:")
        || v.chars().all(|c| c == '*' || c == 'x' || c == 'X');
    if reference {
        return false;
    }
    // A URL is a literal credential only with `user:password@`.
    if let Some((scheme, _)) = v.split_once("://")
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        return url_password(v).is_some();
    }
    true
}

fn value_pattern() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----|\bA(KIA|SIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b|\bglpat-[A-Za-z0-9_-]{20}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bsk_live_[A-Za-z0-9]{20,}\b|\bAIza[0-9A-Za-z_-]{35}\b")
            .expect("a valid pattern")
    })
}

/// A known token format or PEM private key in `value`: why it is one.
pub fn known_token(value: &str) -> Option<&'static str> {
    let m = value_pattern().find(value)?;
    Some(if m.as_str().starts_with("-----BEGIN") {
        "holds a PEM private key"
    } else {
        "holds a token in a well-known format"
    })
}

fn url_credentials() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:([^@\s/]+)@").expect("a valid pattern")
    })
}

/// The password of the first `scheme://user:password@` in `text`, when it
/// is a literal.
fn url_password(text: &str) -> Option<&str> {
    url_credentials().captures_iter(text).find_map(|c| {
        let p = c.get(1)?.as_str();
        (!p.starts_with('$') && !p.contains("{{") && !p.chars().all(|c| c == '*')).then_some(p)
    })
}

/// Why an entry looks like a credential, if it does.
pub fn looks_like_credential(key: &str, value: &str) -> Option<String> {
    if let Some(why) = known_token(value) {
        return Some(why.to_string());
    }
    if url_password(value).is_some() && !value.contains('\n') {
        return Some("holds a URL with a password (`user:password@`)".to_string());
    }
    if is_credential_name(key) && is_literal_value(value) {
        return Some("is named like a credential and has a literal value".to_string());
    }
    if value.contains('\n') {
        return embedded_credential(value);
    }
    None
}

/// A credential inside a config file held as one value: `key = value`,
/// `key: value`, `KEY=value`, `"key": "value"` lines (ini, properties,
/// `.env`, YAML, JSON, TOML), or a URL with a password. Names the inner
/// key and its line, never the value.
fn embedded_credential(text: &str) -> Option<String> {
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';', '[']) || line.starts_with("//") {
            continue;
        }
        if url_password(line).is_some() {
            return Some(format!(
                "holds a config file with a URL password (`user:password@`) on its line {}",
                n + 1
            ));
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let split = [line.split_once('='), line.split_once(": ")]
            .into_iter()
            .flatten()
            .min_by_key(|(k, _)| k.len());
        let Some((key, value)) = split else {
            continue;
        };
        let key = key.trim().trim_matches(['"', '\'', '-', ' ']);
        let value = value.trim().trim_end_matches(',');
        if key.contains(' ') || value.starts_with(['{', '[']) {
            continue;
        }
        if is_credential_name(key) && is_literal_value(value) {
            return Some(format!(
                "holds a config file whose `{key}` (its line {}) is named like a credential and has a literal value",
                n + 1
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_matched_by_whole_words() {
        for key in [
            "DB_PASSWORD",
            "api_key",
            "apiKey",
            "clientSecret",
            "ADMIN_PASSWORD",
            "ADMIN_TOKEN",
            "GF_SECURITY_ADMIN_PASSWORD",
            "SECURITY_SECRET",
            "REFRESH_TOKEN",
            "SERVICE_ACCOUNT_TOKEN",
            "PROFILE_TOKEN",
            "MODEL_API_KEY",
            "TYPESENSE_API_KEY",
            "AZURE_STORAGE_KEY",
            "AZURE_CLIENT_KEY",
            "OCI_CLI_KEY_CONTENT",
            "AUTH_BEARER",
            "aws_secret_access_key",
        ] {
            assert!(is_credential_name(key), "{key}");
        }
        for key in [
            "password_file",
            "token.enabled",
            "secretName",
            "TOKEN_TTL",
            "PASSWORD_MIN_LENGTH",
            "log.level",
            "monkey",
            "keycloak_url",
            "AWS_ACCESS_KEY_ID",
        ] {
            assert!(!is_credential_name(key), "{key}");
        }
    }

    #[test]
    fn literal_values_include_slashes_spaces_and_changeme() {
        for v in [
            "s3cr3t",
            "ab/cd+ef==",
            "correct horse battery staple",
            "changeme",
            "123456",
        ] {
            assert!(is_literal_value(v), "{v}");
        }
        for v in [
            "",
            "${DB_PASSWORD}",
            "$(TOKEN)",
            "{{ .Values.password }}",
            "/etc/secret/pw",
            "true",
            "ENC[AES256_GCM,data:abc]",
            "https://vault.example.com/v1",
            "<your-password>",
            "****",
        ] {
            assert!(!is_literal_value(v), "{v}");
        }
    }

    #[test]
    fn credentials_inside_config_files() {
        let ini = "[server]\nhttp_port = 3000\n[security]\nadmin_password = SuperS3cret\n";
        assert!(looks_like_credential("grafana.ini", ini).is_some());
        let env = "LOG_LEVEL=info\nexport DB_PASSWORD=hunter22\n";
        assert!(looks_like_credential(".env", env).is_some());
        let props = "spring.datasource.password: p4ss\n";
        assert!(looks_like_credential("app.properties", props).is_some());
        let json = "{\n  \"apiKey\": \"abc123\",\n  \"mode\": \"x\"\n}\n";
        assert!(looks_like_credential("c.json", json).is_some());
        let url = "datasource:\n  url: postgres://app:hunter22@db:5432/app\n";
        assert!(looks_like_credential("c.yaml", url).is_some());
        for harmless in [
            "[security]\nadmin_password = ${GF_ADMIN_PASSWORD}\n",
            "password_file = /run/secrets/pw\nlevel = debug\n",
            "token:\n  enabled: true\n",
            "url: postgres://app@db:5432/app\npassword: \"{{ .Values.pw }}\"\n",
        ] {
            assert!(looks_like_credential("f", harmless).is_none(), "{harmless}");
        }
    }

    #[test]
    fn token_formats_anywhere() {
        assert!(looks_like_credential("notes", "AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(
            looks_like_credential("tls.key", "-----BEGIN RSA PRIVATE KEY-----\nMII...").is_some()
        );
        assert!(looks_like_credential("log.level", "debug").is_none());
    }
}
