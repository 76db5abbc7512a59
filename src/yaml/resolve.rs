//! Plain-scalar resolution as go-yaml v2 does it (YAML 1.1), which is what
//! Kubernetes' decoder (sigs.k8s.io/yaml) applies to every manifest.

/// The type a plain scalar resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Binary,
}

/// Resolve a plain (unquoted, untagged) scalar.
pub fn resolve_plain(s: &str) -> ScalarType {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "n" | "N" | "no" | "No" | "NO" | "true" | "True"
        | "TRUE" | "false" | "False" | "FALSE" | "on" | "On" | "ON" | "off" | "Off" | "OFF" => {
            return ScalarType::Bool;
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return ScalarType::Float,
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return ScalarType::Str;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if is_go_int(&plain) {
        return ScalarType::Int;
    }
    if is_yaml_float(&plain) {
        return ScalarType::Float;
    }
    ScalarType::Str
}

/// `strconv.ParseInt(s, 0, 64)` or `ParseUint` syntax (range aside: an
/// overflowing integer still matches the float pattern below).
fn is_go_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let all =
        |digits: &str, radix: u32| !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return all(hex, 16);
    }
    if let Some(bin) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        return all(bin, 2);
    }
    if let Some(oct) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        return all(oct, 8);
    }
    if body.len() > 1 && body.starts_with('0') {
        return all(&body[1..], 8);
    }
    all(body, 10)
}

/// go-yaml v2's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_values_that_are_not_strings() {
        for s in ["on", "Off", "yes", "n", "TRUE", "~", "null", ""] {
            assert_ne!(resolve_plain(s), ScalarType::Str, "{s}");
        }
        for s in [
            "8080", "0755", "0x1F", "-12", "+3", "1_000", "0b101", "0o17",
        ] {
            assert_eq!(resolve_plain(s), ScalarType::Int, "{s}");
        }
        for s in [
            "1.5",
            ".5",
            "1e3",
            "6.8523015e+5",
            "08",
            ".inf",
            "-.Inf",
            ".NaN",
            "1.",
        ] {
            assert_eq!(resolve_plain(s), ScalarType::Float, "{s}");
        }
    }

    #[test]
    fn strings_stay_strings() {
        for s in [
            "hello",
            "1.2.3",
            "v1",
            "2001-12-14",
            "0x",
            "-",
            ".",
            "1e",
            "12:30",
            "onion",
            "nope",
            "True1",
            "0xZZ",
            "+",
            "e3",
        ] {
            assert_eq!(resolve_plain(s), ScalarType::Str, "{s}");
        }
    }
}
