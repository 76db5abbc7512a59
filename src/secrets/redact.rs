//! Which bytes of a source may never be shown: every Secret value, every
//! ConfigMap value that looks like a credential, and every literal env value
//! of a container that does. Snippets are cut from a
//! copy of the source with those bytes masked, offsets unchanged.

use std::ops::Range;
use std::sync::Arc;

use super::looks_like_credential;
use crate::Analysis;
use crate::model::{ConfigKind, Kind};
use crate::yaml::{Document, NodeId, NodeKind};

/// Spans of sensitive values, per source.
pub fn sensitive_spans(a: &Analysis<'_>) -> Vec<Vec<Range<usize>>> {
    use rayon::prelude::*;
    let mut spans = vec![Vec::new(); a.model.files.len()];
    // Each object on its own (credential checks are most of the work), on
    // all cores.
    let per_object: Vec<(usize, Vec<Range<usize>>)> = (0..a.model.objects.len())
        .into_par_iter()
        .map(|i| (a.model.objects[i].file(), object_spans(a, i)))
        .filter(|(_, found)| !found.is_empty())
        .collect();
    for (file, found) in per_object {
        spans[file].extend(found);
    }
    // A document that did not parse may be a Secret: all of it, unless its
    // kind is known to be shown.
    for b in a.model.broken.iter().filter(|b| !b.shown) {
        spans[b.file].push(b.document.clone());
    }
    spans
}

/// The sensitive spans of object `i`.
fn object_spans(a: &Analysis<'_>, i: usize) -> Vec<Range<usize>> {
    let o = &a.model.objects[i];
    match o.kind {
        Kind::Other => Vec::new(),
        // An inert ConfigMap has no value that looks like a credential
        // (`crate::lint::inert`), and its tree has gone.
        Kind::Config(ConfigKind::ConfigMap) if o.inert => Vec::new(),
        // A workload lint let go is parsed for this alone.
        _ => a.model.doc(o).with_tree(|doc| spans_in(a, i, doc)),
    }
}

fn spans_in(a: &Analysis<'_>, i: usize, doc: &Document<'_>) -> Vec<Range<usize>> {
    let o = &a.model.objects[i];
    let mut spans = Vec::new();
    match o.kind {
        Kind::Config(ConfigKind::Secret) => {
            let mut seen = std::collections::HashSet::new();
            for e in a.model.config_data(i).written() {
                push_through_aliases(doc, e.value, &mut spans, &mut seen);
            }
            // Annotations such as last-applied-configuration can hold the data too.
            if let Some(ann) = doc.path(o.node, &["metadata", "annotations"]) {
                for &(_, v) in doc.entries(ann) {
                    spans.push(doc.node(v).span.clone());
                }
            }
        }
        Kind::Config(ConfigKind::ConfigMap) => {
            for e in a.model.config_data(i).written() {
                let (k, v) = (e.key, e.value);
                if looks_like_credential(doc.scalar(k).unwrap_or(""), doc.scalar(v).unwrap_or(""))
                    .is_some()
                {
                    spans.push(doc.node(v).span.clone());
                }
            }
        }
        Kind::Workload(_) => {
            if let Some(spec) = a.model.pod_spec_in(doc, o) {
                for (_, value) in literal_credential_env(doc, spec) {
                    spans.push(doc.node(value).span.clone());
                }
            }
        }
        Kind::Other => {}
    }
    spans
}

/// Literal env values of a pod spec's containers that look like
/// credentials: (env entry, value node). Read by secret-literal-in-env.
pub fn literal_credential_env(doc: &Document<'_>, spec: NodeId) -> Vec<(NodeId, NodeId)> {
    let mut found = Vec::new();
    for field in crate::model::CONTAINER_FIELDS {
        let Some(list) = doc.get(spec, field) else {
            continue;
        };
        for c in doc.items(list) {
            let Some(env) = doc.get(c, "env") else {
                continue;
            };
            for e in doc.items(env) {
                let (Some(name), Some(value)) = (doc.str_at(e, &["name"]), doc.get(e, "value"))
                else {
                    continue;
                };
                if looks_like_credential(name, doc.scalar(value).unwrap_or("")).is_some() {
                    found.push((e, value));
                }
            }
        }
    }
    found
}

/// The span of `node` and, where it or anything inside it is an alias (or a
/// `<<` merge of one), the span of the node it names: a value written as
/// `&p hunter2` outside `data` and used as `*p` inside is masked where it
/// is written.
fn push_through_aliases(
    doc: &Document<'_>,
    node: NodeId,
    spans: &mut Vec<Range<usize>>,
    seen: &mut std::collections::HashSet<NodeId>,
) {
    // Each node once: aliases can share nodes without end (an alias bomb).
    if !seen.insert(node) {
        return;
    }
    spans.push(doc.node(node).span.clone());
    match doc.node(node).kind {
        NodeKind::Alias { target } => push_through_aliases(doc, target, spans, seen),
        NodeKind::Mapping { entries, .. } => {
            for &(k, v) in entries {
                push_through_aliases(doc, k, spans, seen);
                push_through_aliases(doc, v, spans, seen);
            }
        }
        NodeKind::Sequence { items, .. } => {
            for &i in items {
                push_through_aliases(doc, i, spans, seen);
            }
        }
        NodeKind::Scalar { .. } => {}
    }
}

/// A copy of `text` with every span masked: `<redacted>` then spaces, line
/// breaks kept, so that byte offsets and line numbers stay valid.
pub fn mask(text: &str, spans: &[Range<usize>]) -> Arc<str> {
    if spans.is_empty() {
        return Arc::from(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for span in spans {
        let marker = b"<redacted>";
        // The marker goes on the span's first line only, when it fits.
        let first_line = bytes[span.clone()]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(span.len());
        let mut written = 0;
        for b in &mut bytes[span.clone()] {
            if *b == b'\n' || *b == b'\r' {
                written = marker.len();
                continue;
            }
            *b = if written < marker.len() && first_line >= marker.len() {
                marker[written]
            } else {
                b'*'
            };
            written += 1;
        }
    }
    // Multi-byte characters inside a span were overwritten whole, byte by
    // byte, with ASCII, so the result is valid UTF-8.
    Arc::from(String::from_utf8(bytes).expect("masked text stays UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_offsets_and_lines() {
        let text = "a: hunter2-is-long\nb: ok\nc: |\n  x\n  y\n";
        let m = mask(text, &[3..18, 29..34]);
        assert_eq!(m.len(), text.len());
        assert!(!m.contains("hunter2"));
        assert_eq!(m.lines().count(), text.lines().count());
        assert!(m.contains("b: ok"));
    }
}
