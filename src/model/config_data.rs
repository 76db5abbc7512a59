//! The data of a ConfigMap or Secret, read once: which keys it has, where
//! each value is written, and whether every base64 value decodes. digest
//! hashes it; rules, plan and redaction read it. Nothing else walks `data`,
//! `binaryData` or `stringData`.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::kinds::{ALL_DATA_FIELDS, Kind, data_fields};
use crate::yaml::{Document, NodeId};

/// One key of a data field, as written: 12 bytes (a config's entries are
/// held for the whole run, twice over).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataEntry {
    pub key: NodeId,
    pub value: NodeId,
    /// Index of the field in [`ALL_DATA_FIELDS`] ([`DataEntry::field`]).
    field_at: u8,
    /// Whether the field holds base64 (Secret `data`, ConfigMap `binaryData`).
    pub base64: bool,
}

impl DataEntry {
    /// The data field the key is written in.
    pub fn field(&self) -> &'static str {
        ALL_DATA_FIELDS[self.field_at as usize]
    }
}

/// A value of a data map that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    pub field: &'static str,
    pub key: String,
    pub node: NodeId,
}

/// The data of one ConfigMap or Secret.
#[derive(Debug, Default, Clone)]
pub struct ConfigData {
    /// Every entry of every data field, in document order (overridden ones
    /// included), for checks of what is written.
    pub written: Box<[DataEntry]>,
    /// The effective data: each key once, later fields over earlier (a
    /// Secret's `stringData` over its `data`), as the API server merges them.
    pub effective: Effective,
    /// The first base64 value of a kind's own fields that does not decode
    /// (boxed: rare, and there is one of these per ConfigMap and Secret).
    pub bad_base64: Option<Box<BadValue>>,
    /// Where the object's `metadata.name` value is: a place to point at
    /// once its tree has gone.
    pub name: Option<std::ops::Range<usize>>,
    /// The labels written in the object's `metadata.labels` (not merged
    /// in with `<<`) whose key and value are scalars, in document order:
    /// what discovery by label reads once the tree has gone.
    pub labels: Box<[(Box<str>, Box<str>)]>,
}

impl ConfigData {
    /// The value of label `key`, as `metadata.labels` has it.
    pub fn label(&self, key: &str) -> Option<&str> {
        // A later duplicate key is the one that counts, as in decoding.
        self.labels
            .iter()
            .rev()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v.as_ref())
    }
}

impl ConfigData {
    /// Read the data of the object at `node`, of `kind`.
    pub(super) fn read(doc: &Document<'_>, node: NodeId, kind: Kind, text: &str) -> ConfigData {
        let mut data = ConfigData {
            name: doc
                .path(node, &["metadata", "name"])
                .map(|n| doc.node(n).span),
            labels: doc
                .path(node, &["metadata", "labels"])
                .map(|labels| {
                    doc.entries(doc.resolve(labels))
                        .iter()
                        .filter_map(|&(k, v)| {
                            Some((doc.scalar(k)?.into(), doc.scalar(doc.resolve(v))?.into()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            ..ConfigData::default()
        };
        let mut written = Vec::new();
        let mut effective = Vec::new();
        let own = data_fields(kind);
        for (field_at, field) in ALL_DATA_FIELDS.into_iter().enumerate() {
            let Some(map) = doc.get(node, field) else {
                continue;
            };
            let base64 = own.iter().any(|&(f, b)| b && f == field);
            for &(k, v) in doc.entries(map) {
                let entry = DataEntry {
                    field_at: field_at as u8,
                    base64,
                    key: k,
                    value: v,
                };
                written.push(entry);
                if !own.iter().any(|&(f, _)| f == field) {
                    continue;
                }
                let key = doc.scalar(k).unwrap_or_default();
                if base64
                    && data.bad_base64.is_none()
                    && decode_base64(value_text(doc, v, text)).is_none()
                {
                    data.bad_base64 = Some(Box::new(BadValue {
                        field,
                        key: key.to_string(),
                        node: v,
                    }));
                }
                effective.push((key.into(), entry));
            }
        }
        data.written = written.into_boxed_slice();
        data.effective = Effective::settled(effective);
        data
    }
}

/// The effective keys of a ConfigMap or Secret, in key order: a sorted
/// vector, not a tree, since a ConfigMap is read once and then only looked
/// up (a B-tree leaf is 600 bytes, for one key as for eleven).
#[derive(Debug, Default, Clone)]
pub struct Effective(Box<[(Box<str>, DataEntry)]>);

impl Effective {
    /// Sort entries pushed in document order: for a key written twice, the
    /// later wins, since fields come in the API server's overlay order.
    fn settled(mut entries: Vec<(Box<str>, DataEntry)>) -> Self {
        // Reversed, a stable sort puts the last-written of equal keys
        // first, and `dedup_by` keeps the first of each run.
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| later.0 == kept.0);
        Effective(entries.into_boxed_slice())
    }

    pub fn get(&self, key: &str) -> Option<&DataEntry> {
        self.0
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Keys and entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &DataEntry)> {
        self.0.iter().map(|(k, e)| (k.as_ref(), e))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }
}

/// The text of a data value: a scalar's text, or for anything else (which
/// the API server rejects, and lint reports) its source text, so that it
/// still counts and is never mistaken for an empty value.
pub fn value_text<'t>(doc: &'t Document<'_>, node: NodeId, text: &'t str) -> &'t str {
    let n = doc.node(doc.resolve(node));
    match n.kind {
        crate::yaml::NodeKind::Scalar { value, .. } => value,
        _ => &text[n.span.clone()],
    }
}

/// Base64 as Go's `encoding/base64.StdEncoding` decodes `[]byte` fields:
/// standard alphabet, padding required, trailing bits tolerated.
fn go_std_base64() -> &'static GeneralPurpose {
    static ENGINE: OnceLock<GeneralPurpose> = OnceLock::new();
    ENGINE.get_or_init(|| {
        GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
                .with_decode_allow_trailing_bits(true),
        )
    })
}

/// Decode a base64 data value; CR and LF are ignored, as the API server does.
pub fn decode_base64(value: &str) -> Option<Vec<u8>> {
    if value.contains(['\r', '\n']) {
        let compact: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        go_std_base64().decode(compact).ok()
    } else {
        go_std_base64().decode(value).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config's entries are held for the run, in `written` and again in
    /// `effective`: 12 bytes each, with 16 more for the key in `effective`.
    #[test]
    fn a_data_entry_stays_small() {
        assert_eq!(std::mem::size_of::<DataEntry>(), 12);
        assert!(std::mem::size_of::<ConfigData>() <= 80);
    }

    #[test]
    fn effective_keys_are_sorted_and_the_later_field_wins() {
        let text =
            "kind: Secret\ndata:\n  b: MQ==\n  a: Mg==\nstringData:\n  b: three\n  c: four\n";
        let docs = crate::yaml::parse_stream(text).unwrap();
        let d = &docs[0];
        let data = ConfigData::read(
            d,
            d.root().unwrap(),
            Kind::Config(super::super::kinds::ConfigKind::Secret),
            text,
        );
        assert_eq!(data.effective.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(
            data.effective.get("b").map(|e| e.field()),
            Some("stringData")
        );
        assert_eq!(data.effective.get("a").map(|e| e.field()), Some("data"));
        assert!(!data.effective.contains_key("d"));
        assert_eq!(data.written.len(), 4);
    }
}
