//! The data of a ConfigMap or Secret, read once: which keys it has, where
//! each value is written, and whether every base64 value decodes. digest
//! hashes it; rules, plan and redaction read it. Nothing else walks `data`,
//! `binaryData` or `stringData`.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::kinds::{ALL_DATA_FIELDS, Kind, data_fields};
use crate::yaml::{Document, NodeId};

/// One key of a data field, as written, with its key's text (inline up
/// to 24 bytes): 48 bytes, the one allocation a small config's entries
/// take (a config's entries are held for the whole run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataEntry {
    pub key: NodeId,
    pub value: NodeId,
    /// The key's text, as the API server reads it.
    key_text: compact_str::CompactString,
    /// Where the value's text is ([`ConfigData::text`]), so that it is read
    /// without the document's tree: from the document's start, or, when
    /// `text_len` is [`OWNED`], the index of a text kept aside (a block or
    /// escaped scalar, whose text is not the source's), or, when it is
    /// [`IN_TREE`], in the tree.
    text_at: u32,
    text_len: u32,
    /// Index of the field in [`ALL_DATA_FIELDS`] ([`DataEntry::field`]).
    field_at: u8,
    /// Whether the field holds base64 (Secret `data`, ConfigMap `binaryData`).
    pub base64: bool,
}

/// [`DataEntry::text_len`] of a value whose text is kept aside.
const OWNED: u32 = u32::MAX;

/// [`DataEntry::text_len`] of a value whose text is the tree's own: the
/// tree is kept, or is let go with its texts and parsed again when read.
const IN_TREE: u32 = u32::MAX - 1;

impl DataEntry {
    /// The key's text.
    pub fn key_text(&self) -> &str {
        &self.key_text
    }

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

/// The data of one ConfigMap or Secret: all that the checksum reads, so
/// that a consumed config's tree is not needed once this is read. 48
/// bytes and its entries: one is held per ConfigMap and Secret.
#[derive(Debug, Default, Clone)]
pub struct ConfigData {
    /// Every entry of every data field, in document order (overridden ones
    /// included), for checks of what is written ([`ConfigData::written`]).
    written: Box<[DataEntry]>,
    /// The effective data: each key once, later fields over earlier (a
    /// Secret's `stringData` over its `data`), as the API server merges them.
    effective: Effective,
    /// Where the object's `metadata.name` value is, from the document's
    /// start (offset, length; [`NO_NAME`] length: none): a place to point
    /// at once its tree has gone ([`ConfigData::name`]).
    name: (u32, u32),
    /// What few configs have, and labels (boxed: there is one of these
    /// per ConfigMap and Secret).
    rare: Option<Box<RareData>>,
}

/// [`ConfigData::name`]'s length when the object has no name.
const NO_NAME: u32 = u32::MAX;

#[derive(Debug, Default, Clone)]
struct RareData {
    /// The first base64 value of a kind's own fields that does not decode.
    bad_base64: Option<BadValue>,
    /// Value texts that are not the source's (block and escaped scalars).
    owned: Vec<Box<str>>,
    /// The labels written in the object's `metadata.labels` (not merged
    /// in with `<<`) whose key and value are scalars, in document order:
    /// what discovery by label reads once the tree has gone.
    labels: Box<[(Box<str>, Box<str>)]>,
}

impl ConfigData {
    /// The value of label `key`, as `metadata.labels` has it.
    pub fn label(&self, key: &str) -> Option<&str> {
        // A later duplicate key is the one that counts, as in decoding.
        let labels = self.rare.as_ref().map_or(&[][..], |r| &r.labels);
        labels
            .iter()
            .rev()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v.as_ref())
    }

    /// Whether some value's text is kept aside here (not the source's).
    #[cfg(test)]
    fn holds_texts(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| !r.owned.is_empty())
    }

    /// The first base64 value of a kind's own fields that does not decode.
    pub fn bad_base64(&self) -> Option<&BadValue> {
        self.rare.as_ref().and_then(|r| r.bad_base64.as_ref())
    }

    /// The effective data: each key once, later fields over earlier.
    pub fn effective(&self) -> EffectiveView<'_> {
        EffectiveView {
            order: self.effective.0.as_deref(),
            written: &self.written,
        }
    }

    /// Every entry of every data field, in document order (overridden ones
    /// included), for checks of what is written.
    pub fn written(&self) -> &[DataEntry] {
        &self.written
    }

    /// Whether the object has labels (written in place).
    pub fn has_labels(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| !r.labels.is_empty())
    }

    /// Where the object's `metadata.name` value is in the source, for a
    /// document that starts at `document_start`.
    pub fn name(&self, document_start: usize) -> Option<std::ops::Range<usize>> {
        let (at, len) = self.name;
        let start = document_start + at as usize;
        (len != NO_NAME).then(|| start..start + len as usize)
    }

    /// The text of `entry`'s value (see [`value_text`]): `document` is the
    /// document's text in the source, from its start. `None`: it is the
    /// tree's (read with [`value_text`]).
    pub fn text<'t>(&'t self, entry: &DataEntry, document: &'t str) -> Option<&'t str> {
        let at = entry.text_at as usize;
        match entry.text_len {
            IN_TREE => None,
            OWNED => {
                let owned = &self.rare.as_ref().expect("an owned text is kept").owned;
                Some(&owned[at])
            }
            len => Some(&document[at..at + len as usize]),
        }
    }
}

impl ConfigData {
    /// Read the data of the object at `node`, of `kind`. `copy_texts`: the
    /// texts that are not the source's (block and escaped scalars) are
    /// copied here, for a tree that is let go; else they are read from the
    /// tree (kept, or parsed again when read).
    pub(super) fn read(
        doc: &Document<'_>,
        node: NodeId,
        kind: Kind,
        text: &str,
        copy_texts: bool,
    ) -> ConfigData {
        // Within one document, which is under 4 GiB.
        let from_start = |at: usize| (at - doc.span().start) as u32;
        let mut data = ConfigData {
            name: doc
                .path(node, &["metadata", "name"])
                .map(|n| doc.node(n).span)
                .map_or((0, NO_NAME), |s| (from_start(s.start), s.len() as u32)),
            ..ConfigData::default()
        };
        let mut rare = RareData {
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
            ..RareData::default()
        };
        let own = data_fields(kind);
        // Exact allocations: a vector grown and then shrunk leaves a
        // small free piece beside each config's data, which a quarter of a
        // million ConfigMaps turned into 24 MB more resident memory.
        let is_own = |field: &str| own.iter().any(|&(f, _)| f == field);
        // (index in ALL_DATA_FIELDS, field, its map) of the fields written.
        let fields = || {
            ALL_DATA_FIELDS
                .into_iter()
                .enumerate()
                .filter_map(|(at, f)| doc.get(node, f).map(|m| (at, f, m)))
        };
        let count = |of_own: bool| -> usize {
            fields()
                .filter(|&(_, f, _)| !of_own || is_own(f))
                .map(|(_, _, m)| doc.entries(m).len())
                .sum()
        };
        let mut written: Vec<DataEntry> = Vec::with_capacity(count(false));
        let mut effective = Vec::with_capacity(count(true));
        let document = &text[doc.span()];
        let in_document = document.as_bytes().as_ptr_range();
        for (field_at, field, map) in fields() {
            let base64 = own.iter().any(|&(f, b)| b && f == field);
            for &(k, v) in doc.entries(map) {
                let value = value_text(doc, v, text);
                let (text_at, text_len) = if value.is_empty() {
                    (0, 0)
                } else if in_document.contains(&value.as_ptr()) {
                    // Within one document, which is under 4 GiB.
                    let at = value.as_ptr() as usize - in_document.start as usize;
                    (at as u32, value.len() as u32)
                } else if copy_texts {
                    rare.owned.push(value.into());
                    ((rare.owned.len() - 1) as u32, OWNED)
                } else {
                    (0, IN_TREE)
                };
                let key = doc.scalar(k).unwrap_or_default();
                written.push(DataEntry {
                    field_at: field_at as u8,
                    base64,
                    key: k,
                    value: v,
                    key_text: key.into(),
                    text_at,
                    text_len,
                });
                if !is_own(field) {
                    continue;
                }
                if base64 && rare.bad_base64.is_none() && decode_base64(value).is_none() {
                    rare.bad_base64 = Some(BadValue {
                        field,
                        key: key.to_string(),
                        node: v,
                    });
                }
                effective.push((written.len() - 1) as u32);
            }
        }
        if rare.bad_base64.is_some() || !rare.owned.is_empty() || !rare.labels.is_empty() {
            rare.owned.shrink_to_fit();
            data.rare = Some(Box::new(rare));
        }
        data.effective = Effective::settled(effective, &written);
        data.written = written.into_boxed_slice();
        data
    }
}

/// The effective keys of a ConfigMap or Secret, in key order, as indices
/// in `written`; none when those are `written` itself, in order (each key
/// once, sorted, of the kind's own fields: what renderers print). A
/// sorted vector, not a tree, since a ConfigMap is read once and then
/// only looked up (a B-tree leaf is 600 bytes, for one key as for eleven).
#[derive(Debug, Default, Clone)]
struct Effective(Option<Box<[u32]>>);

impl Effective {
    /// The effective order of the own entries `own` (indices in `written`,
    /// in document order): for a key written twice, the later wins, since
    /// fields come in the API server's overlay order.
    fn settled(mut own: Vec<u32>, written: &[DataEntry]) -> Self {
        let key = |i: &u32| written[*i as usize].key_text();
        let identity =
            own.len() == written.len() && own.windows(2).all(|w| key(&w[0]) < key(&w[1]));
        if identity {
            return Effective(None);
        }
        // Reversed, a stable sort puts the last-written of equal keys
        // first, and `dedup_by` keeps the first of each run.
        own.reverse();
        own.sort_by(|a, b| key(a).cmp(key(b)));
        own.dedup_by(|later, kept| key(later) == key(kept));
        Effective(Some(own.into_boxed_slice()))
    }
}

/// The effective data of a config ([`ConfigData::effective`]).
#[derive(Clone, Copy)]
pub struct EffectiveView<'d> {
    order: Option<&'d [u32]>,
    written: &'d [DataEntry],
}

impl<'d> EffectiveView<'d> {
    pub fn get(&self, key: &str) -> Option<&'d DataEntry> {
        let written = self.written;
        match self.order {
            Some(order) => order
                .binary_search_by(|&i| written[i as usize].key_text().cmp(key))
                .ok()
                .map(|at| &written[order[at] as usize]),
            None => written
                .binary_search_by(|e| e.key_text().cmp(key))
                .ok()
                .map(|at| &written[at]),
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Keys and entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'d str, &'d DataEntry)> + use<'d> {
        let (written, order) = (self.written, self.order);
        let len = order.map_or(written.len(), <[u32]>::len);
        (0..len).map(move |at| {
            let e = &written[order.map_or(at, |o| o[at] as usize)];
            (e.key_text(), e)
        })
    }

    pub fn keys(&self) -> impl Iterator<Item = &'d str> + use<'d> {
        self.iter().map(|(k, _)| k)
    }
}

/// The text of a data value: a scalar's text, or for anything else (which
/// the API server rejects, and lint reports) its source text, so that it
/// still counts and is never mistaken for an empty value.
pub(super) fn value_text<'t>(doc: &'t Document<'_>, node: NodeId, text: &'t str) -> &'t str {
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

    /// A config's entries are held for the run, in `written`, and its
    /// effective order only where that is not the written order.
    #[test]
    fn a_data_entry_stays_small() {
        assert_eq!(std::mem::size_of::<DataEntry>(), 48);
        assert_eq!(std::mem::size_of::<ConfigData>(), 48);
    }

    /// Each value's text is read from the data alone, as the tree has it:
    /// from the source, or kept aside where the source's text is not the
    /// value's.
    #[test]
    fn value_texts_are_read_without_the_tree() {
        let text = "---\nkind: ConfigMap\ndata:\n  plain: a b\n  quoted: 'it''s'\n  \
                    escaped: \"t\\tx\"\n  block: |\n    one\n    two\n  folded: >-\n    \
                    three\n    four\n  empty:\n  list: [1, 2]\n";
        let docs = crate::yaml::parse_stream(text).unwrap();
        let d = &docs[0];
        let kind = Kind::Config(super::super::kinds::ConfigKind::ConfigMap);
        let document = &text[d.span()];
        let expected = [
            ("block", "one\ntwo\n"),
            ("empty", ""),
            ("escaped", "t\tx"),
            ("folded", "three four"),
            ("list", "[1, 2]"),
            ("plain", "a b"),
            ("quoted", "it's"),
        ];
        let data = ConfigData::read(d, d.root().unwrap(), kind, text, true);
        let texts: Vec<(&str, &str)> = data
            .effective()
            .iter()
            .map(|(k, e)| (k, data.text(e, document).expect("no tree needed")))
            .collect();
        assert_eq!(texts, expected);
        assert!(data.holds_texts());
        // Not copied, the texts that are not the source's are the tree's.
        let lean = ConfigData::read(d, d.root().unwrap(), kind, text, false);
        assert!(!lean.holds_texts());
        let texts: Vec<(&str, &str)> = lean
            .effective()
            .iter()
            .map(|(k, e)| {
                let t = lean.text(e, document);
                (k, t.unwrap_or_else(|| value_text(d, e.value, text)))
            })
            .collect();
        assert_eq!(texts, expected);
        let in_tree: Vec<&str> = lean
            .effective()
            .iter()
            .filter(|(_, e)| lean.text(e, document).is_none())
            .map(|(k, _)| k)
            .collect();
        assert_eq!(in_tree, ["block", "escaped", "folded", "quoted"]);
    }

    /// Sorted keys, each once, as renderers print them: the written
    /// entries are the effective order, and no second order is held.
    #[test]
    fn written_order_serves_when_it_is_the_effective_one() {
        let read = |text: &str| {
            let docs = crate::yaml::parse_stream(text).unwrap();
            let d = &docs[0];
            let kind = Kind::Config(super::super::kinds::ConfigKind::ConfigMap);
            ConfigData::read(d, d.root().unwrap(), kind, text, false)
        };
        let sorted = read("kind: ConfigMap\ndata:\n  a: '1'\n  b: '2'\n  c: '3'\n");
        assert!(sorted.effective.0.is_none());
        let unsorted = read("kind: ConfigMap\ndata:\n  c: '3'\n  a: '1'\n  b: '2'\n");
        assert!(unsorted.effective.0.is_some());
        for data in [&sorted, &unsorted] {
            assert_eq!(data.effective().keys().collect::<Vec<_>>(), ["a", "b", "c"]);
            let b = data.effective().get("b").expect("b is there");
            assert_eq!(b.key_text(), "b");
            assert!(!data.effective().contains_key("d"));
        }
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
            false,
        );
        assert_eq!(data.effective().keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(
            data.effective().get("b").map(|e| e.field()),
            Some("stringData")
        );
        assert_eq!(data.effective().get("a").map(|e| e.field()), Some("data"));
        assert!(!data.effective().contains_key("d"));
        assert_eq!(data.written().len(), 4);
    }
}
