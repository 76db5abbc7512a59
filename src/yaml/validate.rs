//! Validate-only parsing for documents whose tree nobody will read (in
//! graph mode: a CustomResourceDefinition, a Service). Every check of the
//! tree builder runs (syntax, nesting, duplicate keys, alias bombs), with
//! the same messages at the same offsets, but no node is stored.

use std::borrow::Cow;
use std::ops::Range;

use granit_parser::{Event, Parser};

use super::{MAX_EXPANDED_NODES, NESTING_LIMIT, ScalarType, YamlError, anchored, resolve_plain};

/// What the validation saw of the document's top level.
pub(super) enum Outcome {
    /// Valid, and its top-level `kind` is one the caller does not want.
    Skippable,
    /// Valid or not, it needs the tree builder (a wanted or missing kind, a
    /// scalar `metadata`, several documents, or a root that is no mapping).
    NeedsTree,
}

struct Open<'a> {
    map: bool,
    start: usize,
    size: u64,
    /// Keys so far (mappings), to find duplicates without a tree.
    keys: Vec<Cow<'a, str>>,
    expect_key: bool,
    /// Where this collection's anchor sits in the anchor list: defined at
    /// its start (an alias inside it sees size 0, as in the tree builder),
    /// sized at its end.
    anchor_slot: Option<usize>,
}

/// A node just finished: its size with aliases expanded, where it starts,
/// its anchor id (scalars), and a scalar's text and whether it is plain.
struct Finished<'a> {
    size: u64,
    offset: usize,
    anchor: usize,
    scalar: Option<(Cow<'a, str>, bool)>,
}

/// The top-level `kind` of a chunk, read from its text: a line that starts
/// with `kind:` at column 0. A guess, which [`validate`] checks.
pub(super) fn guess_kind(chunk: &str) -> Option<&str> {
    let at = if chunk.starts_with("kind:") {
        Some(0)
    } else {
        chunk.find("\nkind:").map(|i| i + 1)
    }?;
    let line = chunk[at + 5..].lines().next()?.trim();
    let line = line.split(" #").next()?.trim();
    Some(line.trim_matches(['"', '\'']))
}

/// Validate one chunk holding one document.
pub(super) fn validate(
    chunk: &str,
    base: usize,
    wanted: fn(&str) -> bool,
) -> Result<Outcome, YamlError> {
    let options = granit_parser::options! {
        emit_anchor_events: true,
        emit_comments: false,
        block_nesting_limit: NESTING_LIMIT,
        flow_nesting_limit: NESTING_LIMIT,
    };
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut anchors: Vec<(usize, u64)> = Vec::new();
    let mut nodes: u64 = 0;
    let mut documents = 0;
    let mut root_is_map = false;
    // The value that follows a top-level `kind` or `metadata` key.
    let mut top_key: Option<&'static str> = None;
    let mut kind_wanted: Option<bool> = None;
    let mut odd_metadata = false;
    for item in Parser::new_from_str_with_options(chunk, options) {
        let (event, span) = item.map_err(|e| YamlError {
            offset: base + e.marker().byte_offset().unwrap_or(0).min(chunk.len()),
            message: e.info(),
        })?;
        let r: Range<usize> = span
            .byte_range()
            .map_or(base..base, |r| base + r.start..base + r.end);
        let finished: Option<Finished<'_>> = match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Ok(Outcome::NeedsTree);
                }
                None
            }
            Event::Scalar(value, style, anchor, tag) => {
                nodes += 1;
                let plain = style == granit_parser::ScalarStyle::Plain && tag.is_none();
                let value = if r.is_empty() && style == granit_parser::ScalarStyle::Plain {
                    Cow::Borrowed("")
                } else {
                    value
                };
                Some(Finished {
                    size: 1,
                    offset: r.start,
                    anchor,
                    scalar: Some((value, plain)),
                })
            }
            Event::Alias(id) => {
                nodes += 1;
                let size = anchored(&anchors, id, r.start)?;
                Some(Finished {
                    size,
                    offset: r.start,
                    anchor: 0,
                    scalar: None,
                })
            }
            Event::MappingStart(_, anchor, _) | Event::SequenceStart(_, anchor, _) => {
                nodes += 1;
                if stack.len() >= NESTING_LIMIT {
                    return Err(YamlError {
                        offset: r.start,
                        message: format!("nesting deeper than {NESTING_LIMIT} levels"),
                    });
                }
                let map = matches!(event, Event::MappingStart(..));
                if stack.is_empty() {
                    root_is_map = map;
                }
                if stack.len() == 1 && top_key == Some("metadata") && !map {
                    odd_metadata = true;
                }
                if stack.len() == 1 && top_key.is_some() {
                    top_key = None;
                }
                let anchor_slot = (anchor != 0).then(|| {
                    anchors.push((anchor, 0));
                    anchors.len() - 1
                });
                stack.push(Open {
                    map,
                    start: r.start,
                    size: 1,
                    keys: Vec::new(),
                    expect_key: true,
                    anchor_slot,
                });
                None
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let open = stack.pop().expect("parser balances collections");
                if let Some(slot) = open.anchor_slot {
                    anchors[slot].1 = open.size;
                }
                Some(Finished {
                    size: open.size,
                    offset: open.start,
                    anchor: 0,
                    scalar: None,
                })
            }
            _ => None,
        };
        let Some(Finished {
            size,
            offset,
            anchor,
            scalar,
        }) = finished
        else {
            continue;
        };
        if size > MAX_EXPANDED_NODES && size > 100 * nodes {
            return Err(YamlError {
                offset,
                message: format!("excessive aliasing: the aliases here expand to {size} nodes"),
            });
        }
        if anchor != 0 {
            anchors.push((anchor, size));
        }
        let depth = stack.len();
        let Some(parent) = stack.last_mut() else {
            continue;
        };
        parent.size = parent.size.saturating_add(size);
        if !parent.map {
            continue;
        }
        if parent.expect_key {
            parent.expect_key = false;
            if let Some((key, _)) = scalar {
                if key != "<<" && parent.keys.contains(&key) {
                    return Err(YamlError {
                        offset,
                        message: format!("duplicate mapping key `{key}`"),
                    });
                }
                if depth == 1 {
                    top_key = match key.as_ref() {
                        "kind" => Some("kind"),
                        "metadata" => Some("metadata"),
                        _ => None,
                    };
                }
                parent.keys.push(key);
            }
        } else {
            parent.expect_key = true;
            if depth == 1 {
                match (top_key.take(), scalar) {
                    (Some("kind"), Some((kind, _))) => kind_wanted = Some(wanted(&kind)),
                    (Some("metadata"), Some((value, plain))) => {
                        odd_metadata |= !(plain && resolve_plain(&value) == ScalarType::Null)
                    }
                    (Some("metadata"), None) => {} // a mapping, or an alias to one
                    _ => {}
                }
            }
        }
    }
    Ok(match kind_wanted {
        Some(false) if root_is_map && !odd_metadata => Outcome::Skippable,
        _ => Outcome::NeedsTree,
    })
}
