//! Checksum spec v1: for each workload, one digest over exactly the
//! ConfigMap data and one over exactly the Secret data it consumes.
//!
//! payload = RFC 8785 JSON of `[{"data": {key: base64(bytes)}, "name": n}]`,
//! objects sorted by name, keys limited to the consumed ones; the value is
//! the hex SHA-256 of payload, or HMAC-SHA256 when a key is configured.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::graph::{Graph, Workload};
use crate::model::{BadValue, ConfigKind, DataEntry, Model, ObjId, decode_base64};

/// A workload's two checksums; `None` where it consumes nothing of the kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checksums {
    pub config: Option<String>,
    pub secret: Option<String>,
}

impl Checksums {
    pub fn get(&self, kind: ConfigKind) -> Option<&str> {
        match kind {
            ConfigKind::ConfigMap => self.config.as_deref(),
            ConfigKind::Secret => self.secret.as_deref(),
        }
    }
}

/// Checksums for every workload of the graph, in graph order. A consumed
/// Secret with invalid base64 is an error: no checksum could be trusted.
pub fn checksums(
    model: &Model<'_>,
    graph: &Graph,
    hmac_key: Option<&[u8]>,
) -> Result<Vec<Checksums>> {
    compute(model, graph, hmac_key, true)
}

/// As [`checksums`], but an object whose data cannot be decoded counts as
/// empty: for lint, which reports the bad value as a finding instead.
/// Lint's rules read a consumed config's data again: it is kept.
pub fn checksums_lenient(
    model: &Model<'_>,
    graph: &Graph,
    hmac_key: Option<&[u8]>,
) -> Vec<Checksums> {
    compute(model, graph, hmac_key, false).expect("lenient never fails")
}

fn compute(
    model: &Model<'_>,
    graph: &Graph,
    hmac_key: Option<&[u8]>,
    strict: bool,
) -> Result<Vec<Checksums>> {
    use rayon::prelude::*;
    // Workloads are independent: hash them on all cores. A consumed object
    // with invalid base64 anywhere is an error (strict): the first, in
    // object order; or it counts as empty (lenient).
    let sums: Vec<(Checksums, Option<ObjId>)> = graph
        .workloads
        .par_iter()
        .map(|w| workload_checksums(model, graph, w, hmac_key))
        .collect();
    if strict && let Some(t) = sums.iter().filter_map(|(_, bad)| *bad).min() {
        let value = model.config_data(t).bad_base64().expect("found bad");
        return Err(invalid_base64_error(model, t, value));
    }
    Ok(sums.into_iter().map(|(sums, _)| sums).collect())
}

/// SHA-256 or HMAC-SHA256, fed piece by piece.
enum Sink {
    Plain(Sha256),
    Keyed(Box<Hmac<Sha256>>),
}

impl Sink {
    fn new(key: Option<&[u8]>) -> Self {
        match key {
            Some(k) => Sink::Keyed(Box::new(
                Hmac::<Sha256>::new_from_slice(k).expect("HMAC takes any key length"),
            )),
            None => Sink::Plain(Sha256::new()),
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        match self {
            Sink::Plain(h) => h.update(bytes),
            Sink::Keyed(m) => m.update(bytes),
        }
    }

    fn json_string(&mut self, s: &str) {
        self.write(
            serde_json::to_string(s)
                .expect("a str always serializes")
                .as_bytes(),
        );
    }

    /// Standard base64 of `bytes`, in chunks: no copy of the whole value.
    fn base64(&mut self, bytes: &[u8]) {
        let mut buf = [0u8; 4096];
        for chunk in bytes.chunks(3 * 1024) {
            let n = STANDARD
                .encode_slice(chunk, &mut buf)
                .expect("4096 holds 3072 bytes encoded");
            self.write(&buf[..n]);
        }
    }

    fn hex(self) -> String {
        match self {
            Sink::Plain(h) => hex::encode(h.finalize()),
            Sink::Keyed(m) => hex::encode(m.finalize().into_bytes()),
        }
    }
}

/// Spec v1 for one workload: the payload is written straight into the
/// hash. With the checksums, the first consumed object whose base64 does
/// not decode, if any.
fn workload_checksums(
    model: &Model<'_>,
    graph: &Graph,
    w: &Workload,
    key: Option<&[u8]>,
) -> (Checksums, Option<ObjId>) {
    let mut sums = Checksums::default();
    let mut bad: Option<ObjId> = None;
    for kind in [ConfigKind::ConfigMap, ConfigKind::Secret] {
        // Refs are sorted by name within a kind, as the spec orders R.
        let refs: Vec<_> = w
            .refs
            .iter()
            .filter(|r| r.kind == kind && r.enters_checksum())
            .collect();
        if refs.is_empty() {
            continue;
        }
        let mut sink = Sink::new(key);
        sink.write(b"[");
        for (i, r) in refs.iter().enumerate() {
            let t = r.target.expect("enters_checksum implies a target");
            if i > 0 {
                sink.write(b",");
            }
            sink.write(b"{\"data\":{");
            // Read once, by this workload alone: not kept. Lint's rules
            // read it again in that workload's pass, once per config.
            let once = graph.consumers_of(t).len() == 1;
            model.with_config_data(t, once, |data| {
                if data.bad_base64().is_some() {
                    bad = Some(bad.map_or(t, |b| b.min(t)));
                    return;
                }
                let mut keys: Vec<(&str, &DataEntry)> = data
                    .effective()
                    .iter()
                    .filter(|(k, _)| r.keys.as_ref().is_none_or(|keys| keys.contains(k)))
                    .collect();
                // RFC 8785 orders keys by UTF-16 code units.
                keys.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
                for (j, (k, entry)) in keys.into_iter().enumerate() {
                    if j > 0 {
                        sink.write(b",");
                    }
                    sink.json_string(k);
                    sink.write(b":\"");
                    let text = model.entry_text_in(t, data, entry);
                    if entry.base64 {
                        sink.base64(&decode_base64(text).expect("checked above"));
                    } else {
                        sink.base64(text.as_bytes());
                    }
                    sink.write(b"\"");
                }
            });
            sink.write(b"},\"name\":");
            sink.json_string(&model.objects[t].name);
            sink.write(b"}");
        }
        sink.write(b"]");
        let value = sink.hex();
        match kind {
            ConfigKind::ConfigMap => sums.config = Some(value),
            ConfigKind::Secret => sums.secret = Some(value),
        }
    }
    (sums, bad)
}

pub fn invalid_base64_error(model: &Model<'_>, obj: ObjId, bad: &BadValue) -> Error {
    let o = &model.objects[obj];
    let node = model.doc(o).node(bad.node);
    model
        .source(o)
        .error_at(
            crate::error::ErrorKind::Shape,
            format!(
                "{} `{}` has invalid base64 in `{}.{}`",
                o.kind_name(),
                o.name,
                bad.field,
                bad.key
            ),
            node.span.start,
            None,
        )
        .with_template(model.doc(o).template())
        .with_help("encode the value with `base64 -w0`, or move it to `stringData`")
}

/// The canonical JSON (RFC 8785) payload of spec v1, built whole: the
/// reference the streaming [`Sink`] is tested against.
#[cfg(test)]
fn payload(entries: &[(&str, std::collections::BTreeMap<&str, &[u8]>)]) -> String {
    let mut out = String::from("[");
    for (i, (name, data)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"data\":{");
        let mut keys: Vec<(&&str, &&[u8])> = data.iter().collect();
        // RFC 8785 orders keys by UTF-16 code units.
        keys.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        for (j, (k, v)) in keys.into_iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_json_string(&mut out, k);
            out.push(':');
            push_json_string(&mut out, &STANDARD.encode(v));
        }
        out.push_str("},\"name\":");
        push_json_string(&mut out, name);
        out.push('}');
    }
    out.push(']');
    out
}

#[cfg(test)]
fn push_json_string(out: &mut String, s: &str) {
    // serde_json escapes exactly as ECMAScript's JSON.stringify does for
    // well-formed strings, which is what RFC 8785 prescribes.
    out.push_str(&serde_json::to_string(s).expect("a str always serializes"));
}

#[cfg(test)]
fn digest_hex(payload: &str, key: Option<&[u8]>) -> String {
    match key {
        Some(key) => {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(payload.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        None => hex::encode(Sha256::digest(payload.as_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn payload_is_canonical_json() {
        let data = BTreeMap::from([("b", b"2".as_slice()), ("a", b"\x00\xff".as_slice())]);
        assert_eq!(
            payload(&[("cm\"x", data)]),
            r#"[{"data":{"a":"AP8=","b":"Mg=="},"name":"cm\"x"}]"#
        );
    }

    #[test]
    fn sha256_and_hmac_differ_and_are_stable() {
        let p = "[]";
        assert_eq!(
            digest_hex(p, None),
            "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
        );
        assert_ne!(digest_hex(p, Some(b"k")), digest_hex(p, None));
        assert_eq!(digest_hex(p, Some(b"k")), digest_hex(p, Some(b"k")));
    }

    #[test]
    fn streaming_sink_equals_the_whole_payload() {
        let big = vec![7u8; 10_000];
        let data = BTreeMap::from([("k", big.as_slice()), ("é", b"x".as_slice())]);
        let whole = digest_hex(&payload(&[("n", data)]), Some(b"key"));
        let mut sink = Sink::new(Some(b"key"));
        sink.write(b"[{\"data\":{");
        sink.json_string("k");
        sink.write(b":\"");
        sink.base64(&big);
        sink.write(b"\",");
        sink.json_string("é");
        sink.write(b":\"");
        sink.base64(b"x");
        sink.write(b"\"},\"name\":");
        sink.json_string("n");
        sink.write(b"}]");
        assert_eq!(sink.hex(), whole);
    }

    #[test]
    fn base64_follows_the_api_server() {
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("aG\r\nk=").unwrap(), b"hi");
        assert!(decode_base64("aGk").is_none(), "padding is required");
        assert!(
            decode_base64("aG-k").is_none(),
            "url alphabet is not standard"
        );
        assert_eq!(decode_base64("").unwrap(), b"");
    }
}
