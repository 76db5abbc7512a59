//! How guessable Secret values are: what a plain (un-keyed) checksum over
//! them gives away to everyone who can read the annotation.

use crate::graph::Workload;
use crate::model::{ConfigKind, Model, ObjId};

/// How guessable a workload's plain (un-keyed) Secret checksum is.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretGuessability {
    /// Estimated bits of entropy of every consumed Secret value together.
    pub bits: f64,
    /// The consumed Secrets and keys, by name (never a value).
    pub consumed: Vec<(String, Vec<String>)>,
}

/// Below this, an offline search over the values behind a plain SHA-256
/// checksum is practical; NIST's floor for a symmetric key is 112 bits, and
/// 80 is the common floor for brute-force resistance.
pub const GUESSABLE_BELOW_BITS: f64 = 80.0;

/// Whether two values of one key look like two outputs of a generator, not
/// an edit: both PEM blocks (a certificate or key made per render), or
/// random-looking values of the same length (a password from randAlphaNum).
pub fn looks_generated(a: &[u8], b: &[u8]) -> bool {
    let pem = |v: &[u8]| v.trim_ascii_start().starts_with(b"-----BEGIN ");
    if pem(a) && pem(b) {
        return true;
    }
    // Two draws of a random string of one length differ almost everywhere;
    // an edit changes a few characters.
    let differing = a.iter().zip(b).filter(|(x, y)| x != y).count();
    let mixed = |v: &[u8]| {
        let classes = [
            v.iter().any(u8::is_ascii_lowercase),
            v.iter().any(u8::is_ascii_uppercase),
            v.iter().any(u8::is_ascii_digit),
        ];
        classes.iter().filter(|c| **c).count() >= 2
    };
    a.len() == b.len() && a.len() >= 12 && 2 * differing >= a.len() && mixed(a) && mixed(b)
}

/// Estimated entropy of one value. zxcvbn finds words, dates, keyboard
/// walks and repeats; where it finds nothing but random characters, its
/// brute-force estimate (10 guesses a character) undercounts a random
/// token, so the character classes used count instead (a 32-character hex
/// token is 128 bits, not 106).
fn value_entropy_bits(v: &[u8]) -> f64 {
    let Ok(text) = std::str::from_utf8(v) else {
        return 8.0 * v.len() as f64;
    };
    // zxcvbn reads 100 characters: a longer value counts as its parts, up
    // to the point where the verdict can no longer change.
    let chars: Vec<char> = text.chars().collect();
    // zxcvbn's cost grows with the square of the length, and a value's
    // guesses grow with its length: when its first 16 characters are
    // already enough, that is the (lower) estimate, and the long random
    // tokens charts generate cost a quarter.
    if chars.len() > 20 {
        let prefix = part_entropy_bits(&chars[..16].iter().collect::<String>());
        if prefix >= GUESSABLE_BELOW_BITS {
            return prefix;
        }
    }
    let mut bits = 0.0;
    for part in chars.chunks(100) {
        if bits >= GUESSABLE_BELOW_BITS {
            break;
        }
        bits += part_entropy_bits(&part.iter().collect::<String>());
    }
    bits
}

fn part_entropy_bits(text: &str) -> f64 {
    use zxcvbn::matching::patterns::MatchPattern;
    if text.is_empty() {
        return 0.0;
    }
    let e = zxcvbn::zxcvbn(text, &[]);
    let random = e
        .sequence()
        .iter()
        .all(|m| m.pattern == MatchPattern::BruteForce);
    if !random {
        return (e.guesses_log10() * std::f64::consts::LOG2_10).max(0.0);
    }
    let has = |class: fn(&char) -> bool| text.chars().any(|c| class(&c));
    let mut pool: f64 = 0.0;
    for (class, size) in [
        (char::is_ascii_lowercase as fn(&char) -> bool, 26.0),
        (char::is_ascii_uppercase, 26.0),
        (char::is_ascii_digit, 10.0),
    ] {
        if has(class) {
            pool += size;
        }
    }
    if text.chars().any(|c| !c.is_ascii_alphanumeric()) {
        pool += 33.0;
    }
    text.chars().count() as f64 * pool.log2()
}

/// For a workload whose secret checksum is plain SHA-256: the estimated
/// entropy of the Secret values it covers, when under
/// [`GUESSABLE_BELOW_BITS`]. Each value is scored by zxcvbn (dictionary
/// words, dates, keyboard patterns and repeats count for little), values
/// that are not text count 8 bits a byte, and the values add up, since a
/// guess must find all of them at once.
pub fn guessable_secret_checksum(model: &Model<'_>, w: &Workload) -> Option<SecretGuessability> {
    guessable_secret_checksum_cached(model, w, &ScoreCache::default())
}

/// The scores of Secret values, by object and key, shared by the
/// workloads of a run: a Secret that many workloads consume is scored once.
#[derive(Debug, Default)]
pub struct ScoreCache(std::sync::Mutex<std::collections::HashMap<(ObjId, String), f64>>);

impl ScoreCache {
    fn score(&self, obj: ObjId, key: &str, value: &[u8]) -> f64 {
        let known = self
            .0
            .lock()
            .ok()
            .and_then(|m| m.get(&(obj, key.to_string())).copied());
        known.unwrap_or_else(|| {
            let bits = value_entropy_bits(value);
            if let Ok(mut m) = self.0.lock() {
                m.insert((obj, key.to_string()), bits);
            }
            bits
        })
    }
}

/// [`guessable_secret_checksum`] with scores shared across workloads.
pub fn guessable_secret_checksum_cached(
    model: &Model<'_>,
    w: &Workload,
    cache: &ScoreCache,
) -> Option<SecretGuessability> {
    let mut bits = 0.0;
    let mut bytes = 0;
    let mut consumed = Vec::new();
    for r in w
        .refs
        .iter()
        .filter(|r| r.kind == ConfigKind::Secret && r.enters_checksum())
    {
        let t = r.target.expect("enters_checksum implies a target");
        let Ok(data) = model.effective_data(t) else {
            continue;
        };
        let mut keys = Vec::new();
        for (k, v) in data
            .iter()
            .filter(|(k, _)| r.keys.as_ref().is_none_or(|keys| keys.contains(k)))
        {
            keys.push(k.clone());
            bytes += v.len();
            bits += cache.score(t, k, v);
            // Enough already: no need to score the rest (zxcvbn is the cost).
            if bits >= GUESSABLE_BELOW_BITS {
                return None;
            }
        }
        consumed.push((r.name.to_string(), keys));
    }
    (bytes > 0 && bits < GUESSABLE_BELOW_BITS).then_some(SecretGuessability { bits, consumed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_are_told_from_edits() {
        assert!(looks_generated(
            b"Zr8XqP2mWv9KtL4nBc6Hd1Sy",
            b"Qa3VnT7yLk2PxR8mZc5Jw0Ge"
        ));
        assert!(looks_generated(
            b"-----BEGIN CERTIFICATE-----\nMIIa",
            b"-----BEGIN CERTIFICATE-----\nMIIb"
        ));
        assert!(
            !looks_generated(b"password-one-2023", b"password-one-2024"),
            "an edit"
        );
        assert!(!looks_generated(b"info", b"warn"), "short");
        assert!(
            !looks_generated(b"Zr8XqP2mWv9KtL4nBc6Hd1Sy", b"short"),
            "lengths differ"
        );
    }
}
