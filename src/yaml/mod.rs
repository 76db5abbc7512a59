//! The YAML stage: splits a source into documents and parses each one into a
//! node tree whose every node carries its byte span in the source.
//!
//! This is the only module that knows which YAML parser confsum uses: a
//! fast path for the subset renderers print (`fast.rs`), and granit-parser
//! for everything else and for every error. Both feed one tree builder.
//! Everything after it sees [`Document`] and [`Node`]: spans
//! are absolute byte offsets into the source text, aliases are kept as
//! pointers (never expanded), and scalars resolve as Kubernetes' decoder
//! (go-yaml v2, YAML 1.1) resolves them.

mod fast;
mod resolve;
mod split;

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle as GScalarStyle, StructureStyle};

pub use resolve::{ScalarType, resolve_plain};
pub use split::split_documents;

/// Index of a node in its document's arena.
pub type NodeId = u32;

/// Deepest nesting accepted, in collections. Kubernetes objects rarely pass 20.
const NESTING_LIMIT: usize = 200;

/// Largest document, in nodes with aliases expanded, that is not an alias bomb.
const MAX_EXPANDED_NODES: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl ScalarStyle {
    pub fn is_quoted(self) -> bool {
        !matches!(self, ScalarStyle::Plain)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionStyle {
    Block,
    Flow,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind<'a> {
    Scalar {
        value: Cow<'a, str>,
        style: ScalarStyle,
    },
    Mapping {
        style: CollectionStyle,
        entries: Vec<(NodeId, NodeId)>,
    },
    Sequence {
        style: CollectionStyle,
        items: Vec<NodeId>,
    },
    /// A `*name` reference to an earlier anchored node, kept unexpanded.
    Alias { target: NodeId },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
    /// Byte range in the source. Block collections span from their first
    /// child to the end of their last; flow collections include brackets.
    pub span: Range<usize>,
    /// The explicit tag as written (`!!str`, `!custom`), if any.
    pub tag: Option<Box<str>>,
    /// Whether an anchor (`&name`) is defined on this node.
    pub anchored: bool,
}

/// A parse failure, located by byte offset in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

/// One YAML document of a stream.
#[derive(Debug)]
pub struct Document<'a> {
    /// The bytes of this document in the source, from its `---` line (if any)
    /// up to the next document's.
    pub span: Range<usize>,
    pub nodes: Vec<Node<'a>>,
    /// `None` for a document that holds only comments, or an explicit null.
    pub root: Option<NodeId>,
    /// The template path from Helm's `# Source: chart/templates/x.yaml`.
    pub template: Option<&'a str>,
    /// Whether the document's lines end in CRLF.
    pub crlf: bool,
}

/// Which documents keep their node tree.
#[derive(Debug, Clone, Copy)]
pub enum Keep {
    /// Every document (lint sees every object).
    All,
    /// Only documents the filter accepts once parsed: the others are parsed
    /// and checked as fully, then their trees are dropped, so that memory
    /// stays near the input size. The caller decides; this layer knows no
    /// document schema.
    Filter(fn(&Document<'_>) -> bool),
}

/// Parse a whole stream: split into documents, parse each one.
/// Documents are independent, so they are parsed in parallel.
pub fn parse_stream(text: &str) -> Result<Vec<Document<'_>>, YamlError> {
    parse_stream_keeping(text, Keep::All)
}

/// [`parse_stream`], keeping only the trees `keep` asks for.
pub fn parse_stream_keeping(text: &str, keep: Keep) -> Result<Vec<Document<'_>>, YamlError> {
    use rayon::prelude::*;
    let chunks = split_documents(text);
    let parsed: Vec<Result<Vec<Document<'_>>, YamlError>> = chunks
        .into_par_iter()
        .map(|range| parse_chunk(text, range, keep))
        .collect();
    let mut docs = Vec::new();
    for p in parsed {
        docs.extend(p?);
    }
    Ok(docs)
}

/// Parse one chunk produced by [`split_documents`]. A chunk normally holds one
/// document, but `...` end markers can put several in one.
fn parse_chunk(
    text: &str,
    range: Range<usize>,
    keep: Keep,
) -> Result<Vec<Document<'_>>, YamlError> {
    let chunk = &text[range.clone()];
    if let Some(builder) = fast::parse(chunk, range.start) {
        let template = find_template_comment(chunk);
        // The fast path takes no carriage return.
        return Ok(vec![finish_document(builder, keep, range, template, false)]);
    }
    parse_chunk_general(text, range, keep)
}

/// [`parse_chunk`] with the general parser, for what the fast path leaves.
fn parse_chunk_general(
    text: &str,
    range: Range<usize>,
    keep: Keep,
) -> Result<Vec<Document<'_>>, YamlError> {
    let base = range.start;
    let chunk = &text[range.clone()];
    let template = find_template_comment(chunk);
    let crlf = chunk.contains("\r\n");
    let options = granit_parser::options! {
        emit_anchor_events: true,
        emit_comments: false,
        block_nesting_limit: NESTING_LIMIT,
        flow_nesting_limit: NESTING_LIMIT,
    };
    let mut builder = Builder::new();
    let mut docs = Vec::new();
    let mut doc_start = base;
    for item in Parser::new_from_str_with_options(chunk, options) {
        let (event, span) = item.map_err(|e| YamlError {
            offset: base + e.marker().byte_offset().unwrap_or(0).min(chunk.len()),
            message: e.info(),
        })?;
        let r = span.byte_range().unwrap_or(0..0);
        let r = base + r.start..base + r.end;
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                builder = Builder::new();
                doc_start = if docs.is_empty() { base } else { r.start };
            }
            Event::DocumentEnd => {
                let b = std::mem::replace(&mut builder, Builder::new());
                docs.push(finish_document(
                    b,
                    keep,
                    doc_start..range.end,
                    template,
                    crlf,
                ));
            }
            other => builder.event(other, r, span.tag_span().and_then(|t| t.slice(chunk)))?,
        }
    }
    // Each document ends where the next one begins.
    for i in 1..docs.len() {
        let next = docs[i].span.start;
        docs[i - 1].span.end = next;
    }
    if docs.is_empty() {
        docs.push(Document {
            span: range,
            nodes: Vec::new(),
            root: None,
            template,
            crlf,
        });
    }
    Ok(docs)
}

/// A parsed document from its builder: a null root is no root, and the tree
/// of a document that the `keep` filter refuses is dropped.
fn finish_document<'a>(
    b: Builder<'a>,
    keep: Keep,
    span: Range<usize>,
    template: Option<&'a str>,
    crlf: bool,
) -> Document<'a> {
    let mut root = b.root;
    if let Some(id) = root {
        let n = &b.nodes[id as usize];
        if let NodeKind::Scalar { value, style } = &n.kind {
            let null = *style == ScalarStyle::Plain
                && n.tag.is_none()
                && (n.span.is_empty() || resolve_plain(value) == ScalarType::Null);
            if null {
                root = None;
            }
        }
    }
    let mut nodes = b.nodes;
    // The arena lives as long as the run: give back its slack.
    nodes.shrink_to_fit();
    let mut doc = Document {
        span,
        nodes,
        root,
        template,
        crlf,
    };
    if let (Keep::Filter(wanted), Some(_)) = (keep, doc.root)
        && !wanted(&doc)
    {
        doc.nodes = Vec::new();
        doc.root = None;
    }
    doc
}

/// Parse one chunk with the general parser alone (for tests and tools that
/// compare it with the fast path).
#[doc(hidden)]
pub fn parse_general(chunk: &str) -> Result<Vec<Document<'_>>, YamlError> {
    parse_chunk_general(chunk, 0..chunk.len(), Keep::All)
}

/// Whether the fast path reads `chunk` exactly as the general parser does:
/// `Ok(true)` when it took the chunk and built the same tree, `Ok(false)`
/// when it left the chunk to the general parser, `Err` with both trees when
/// they differ (or the general parser refused what the fast path took).
#[doc(hidden)]
pub fn fast_path_agrees(chunk: &str) -> Result<bool, String> {
    let Some(builder) = fast::parse(chunk, 0) else {
        return Ok(false);
    };
    let fast = finish_document(builder, Keep::All, 0..chunk.len(), None, false);
    match parse_general(chunk) {
        Ok(docs) if docs.len() == 1 && docs[0].root == fast.root && docs[0].nodes == fast.nodes => {
            Ok(true)
        }
        Ok(docs) if docs.len() == 1 => {
            let general = &docs[0];
            let at = (0..fast.nodes.len().max(general.nodes.len()))
                .find(|&i| fast.nodes.get(i) != general.nodes.get(i));
            Err(match at {
                Some(i) => format!(
                    "node {i} differs:\n  fast path:      {:?}\n  general parser: {:?}",
                    fast.nodes.get(i),
                    general.nodes.get(i)
                ),
                None => format!("roots differ: {:?} and {:?}", fast.root, general.root),
            })
        }
        Ok(docs) => Err(format!("the general parser found {} documents", docs.len())),
        Err(e) => Err(format!(
            "the fast path took a chunk the general parser refuses: {e:?}"
        )),
    }
}

/// What the alias to anchor `id` at `offset` stands for: the latest
/// definition of that anchor so far.
fn anchored<T: Copy>(anchors: &[(usize, T)], id: usize, offset: usize) -> Result<T, YamlError> {
    anchors
        .iter()
        .rev()
        .find(|(a, _)| *a == id)
        .map(|(_, t)| *t)
        .ok_or_else(|| YamlError {
            offset,
            message: "alias to an unknown anchor".into(),
        })
}

fn find_template_comment(chunk: &str) -> Option<&str> {
    for line in chunk.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix("# Source: ") {
            return Some(rest.trim());
        }
        let t = line.trim_start();
        if !(t.is_empty() || t.starts_with('#') || t.starts_with("---") || t.starts_with('%')) {
            break;
        }
    }
    None
}

/// A collection being built: its node, and where its children start on the
/// builder's stack of children.
struct Open {
    id: NodeId,
    is_map: bool,
    first_child: usize,
    /// Hashes of a large mapping's keys so far, to find duplicates.
    keys: Option<HashSet<u64>>,
}

/// Builds one document's arena from parser events with an explicit stack, so
/// that depth costs heap, not call stack.
struct Builder<'a> {
    nodes: Vec<Node<'a>>,
    stack: Vec<Open>,
    /// Children of the open collections, innermost last (mappings: key,
    /// value, key, ...): each collection gets one exact allocation when it
    /// closes, not a vector grown child by child.
    children: Vec<NodeId>,
    root: Option<NodeId>,
    /// anchor id (parser's) -> node
    anchors: Vec<(usize, NodeId)>,
    /// Size of each finished node with aliases expanded, to refuse alias
    /// bombs as Kubernetes' decoder does ("excessive aliasing"). Left empty
    /// for input without aliases (the fast path's).
    expanded: Vec<u64>,
    track_aliases: bool,
}

impl<'a> Builder<'a> {
    fn new() -> Self {
        Builder {
            nodes: Vec::new(),
            stack: Vec::new(),
            children: Vec::new(),
            root: None,
            anchors: Vec::new(),
            expanded: Vec::new(),
            track_aliases: true,
        }
    }

    /// A builder for input that has no aliases, with room for `nodes`.
    fn without_aliases(nodes: usize) -> Self {
        Builder {
            nodes: Vec::with_capacity(nodes),
            track_aliases: false,
            ..Builder::new()
        }
    }

    fn push(&mut self, node: Node<'a>) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node);
        if self.track_aliases {
            self.expanded.push(0);
        }
        id
    }

    /// Feed one granit event (stream and document events are handled by the caller).
    fn event(
        &mut self,
        event: Event<'a>,
        span: Range<usize>,
        tag_text: Option<&str>,
    ) -> Result<(), YamlError> {
        let tag = |t: bool| -> Option<Box<str>> {
            if t {
                Some(tag_text.unwrap_or("!").into())
            } else {
                None
            }
        };
        let is_map = matches!(event, Event::MappingStart(..));
        match event {
            Event::Scalar(value, style, anchor, t) => {
                let style = match style {
                    GScalarStyle::Plain => ScalarStyle::Plain,
                    GScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    GScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    GScalarStyle::Literal => ScalarStyle::Literal,
                    _ => ScalarStyle::Folded,
                };
                // An empty value comes as `~` with a zero-width span.
                let value = if span.is_empty() && style == ScalarStyle::Plain {
                    Cow::Borrowed("")
                } else {
                    value
                };
                self.scalar(value, style, span, tag(t.is_some()), anchor)
            }
            Event::Alias(anchor) => {
                let target = anchored(&self.anchors, anchor, span.start)?;
                let id = self.push(Node {
                    kind: NodeKind::Alias { target },
                    span,
                    tag: None,
                    anchored: false,
                });
                self.attach(id)
            }
            Event::MappingStart(style, anchor, t) | Event::SequenceStart(style, anchor, t) => {
                let style = match style {
                    StructureStyle::Block => CollectionStyle::Block,
                    StructureStyle::Flow => CollectionStyle::Flow,
                };
                self.start(is_map, style, span, tag(t.is_some()), anchor)
            }
            Event::MappingEnd | Event::SequenceEnd => self.end(span),
            _ => Ok(()),
        }
    }

    fn scalar(
        &mut self,
        value: Cow<'a, str>,
        style: ScalarStyle,
        span: Range<usize>,
        tag: Option<Box<str>>,
        anchor: usize,
    ) -> Result<(), YamlError> {
        let id = self.push(Node {
            kind: NodeKind::Scalar { value, style },
            span,
            tag,
            anchored: anchor != 0,
        });
        if anchor != 0 {
            self.anchors.push((anchor, id));
        }
        self.attach(id)
    }

    /// Open a collection. A block collection's span starts where `span` does
    /// and is closed by [`Builder::end`] at its last child's end.
    fn start(
        &mut self,
        is_map: bool,
        style: CollectionStyle,
        span: Range<usize>,
        tag: Option<Box<str>>,
        anchor: usize,
    ) -> Result<(), YamlError> {
        if self.stack.len() >= NESTING_LIMIT {
            return Err(YamlError {
                offset: span.start,
                message: format!("nesting deeper than {NESTING_LIMIT} levels"),
            });
        }
        let kind = if is_map {
            NodeKind::Mapping {
                style,
                entries: Vec::new(),
            }
        } else {
            NodeKind::Sequence {
                style,
                items: Vec::new(),
            }
        };
        let id = self.push(Node {
            kind,
            span,
            tag,
            anchored: anchor != 0,
        });
        if anchor != 0 {
            self.anchors.push((anchor, id));
        }
        self.stack.push(Open {
            id,
            is_map,
            first_child: self.children.len(),
            keys: None,
        });
        Ok(())
    }

    /// Close the innermost collection; `span` is that of its closing
    /// bracket (flow) and unused for block collections.
    fn end(&mut self, span: Range<usize>) -> Result<(), YamlError> {
        let open = self.stack.pop().expect("parser balances collections");
        let id = open.id;
        let children = &self.children[open.first_child..];
        let end = match &self.nodes[id as usize].kind {
            NodeKind::Mapping {
                style: CollectionStyle::Flow,
                ..
            }
            | NodeKind::Sequence {
                style: CollectionStyle::Flow,
                ..
            } => span.end,
            _ => match children.last() {
                Some(&last) => self.nodes[last as usize].span.end,
                None => self.nodes[id as usize].span.start,
            },
        };
        let node = &mut self.nodes[id as usize];
        match &mut node.kind {
            NodeKind::Mapping { entries, .. } => {
                *entries = children.chunks_exact(2).map(|c| (c[0], c[1])).collect();
            }
            NodeKind::Sequence { items, .. } => *items = children.to_vec(),
            _ => {}
        }
        node.span.end = end.max(node.span.start);
        self.children.truncate(open.first_child);
        self.attach(id)
    }

    /// Hang a finished node on its parent (or make it the root).
    fn attach(&mut self, id: NodeId) -> Result<(), YamlError> {
        if self.track_aliases {
            self.check_expansion(id)?;
        }
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(id);
            return Ok(());
        };
        let is_key = top.is_map && (self.children.len() - top.first_child).is_multiple_of(2);
        if is_key
            && let NodeKind::Scalar { value, .. } = &self.nodes[id as usize].kind
            && value != "<<"
        {
            // A duplicate key is an error for Kubernetes' decoder ("key
            // already set in map"), so it is one here too. Small mappings:
            // compare with the keys so far. Large ones: a set of hashes
            // first, then compare on a hit.
            let keys = &self.children[top.first_child..];
            let count = keys.len() / 2;
            let may_be_duplicate = if count < 16 {
                true
            } else {
                let nodes = &self.nodes;
                let seen = top.keys.get_or_insert_with(|| {
                    keys.iter()
                        .step_by(2)
                        .map(|&k| key_hash(&nodes[k as usize].kind))
                        .collect()
                });
                !seen.insert(key_hash(&self.nodes[id as usize].kind))
            };
            let duplicate = may_be_duplicate
                && keys.iter().step_by(2).any(|&k| {
                    matches!(&self.nodes[k as usize].kind, NodeKind::Scalar { value: other, .. } if other == value)
                });
            if duplicate {
                return Err(YamlError {
                    offset: self.nodes[id as usize].span.start,
                    message: format!("duplicate mapping key `{value}`"),
                });
            }
        }
        self.children.push(id);
        Ok(())
    }

    /// Record a finished node's size with aliases expanded; refuse a bomb.
    fn check_expansion(&mut self, id: NodeId) -> Result<(), YamlError> {
        let size = match &self.nodes[id as usize].kind {
            NodeKind::Scalar { .. } => 1,
            NodeKind::Alias { target } => self.expanded[*target as usize],
            NodeKind::Mapping { entries, .. } => entries.iter().fold(1u64, |n, (k, v)| {
                n.saturating_add(self.expanded[*k as usize])
                    .saturating_add(self.expanded[*v as usize])
            }),
            NodeKind::Sequence { items, .. } => items
                .iter()
                .fold(1u64, |n, i| n.saturating_add(self.expanded[*i as usize])),
        };
        self.expanded[id as usize] = size;
        if size > MAX_EXPANDED_NODES && size > 100 * self.nodes.len() as u64 {
            return Err(YamlError {
                offset: self.nodes[id as usize].span.start,
                message: format!("excessive aliasing: the aliases here expand to {size} nodes"),
            });
        }
        Ok(())
    }
}

/// FNV-1a of a key's text: cheap, and only a filter before comparing.
fn key_hash(kind: &NodeKind<'_>) -> u64 {
    let NodeKind::Scalar { value, .. } = kind else {
        return 0;
    };
    value.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl<'a> Document<'a> {
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    /// Follow an alias to the node it names.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        let mut id = id;
        // Aliases always point backwards, so this ends; the bound is a guard.
        for _ in 0..64 {
            match self.nodes[id as usize].kind {
                NodeKind::Alias { target } => id = target,
                _ => return id,
            }
        }
        id
    }

    /// The value of `key` in mapping `map`, following aliases and `<<` merges.
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_entry(map, key).map(|(_, v)| self.resolve(v))
    }

    /// The (key, value) node pair of `key` in `map`, not following the value's alias.
    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.get_entry_depth(map, key, 0)
    }

    fn get_entry_depth(&self, map: NodeId, key: &str, depth: u32) -> Option<(NodeId, NodeId)> {
        let map = self.resolve(map);
        let NodeKind::Mapping { entries, .. } = &self.nodes[map as usize].kind else {
            return None;
        };
        for &(k, v) in entries {
            if self.scalar(k) == Some(key) {
                return Some((k, v));
            }
        }
        if depth > 8 {
            return None;
        }
        for &(k, v) in entries {
            if self.scalar(k) == Some("<<") {
                let v = self.resolve(v);
                match &self.nodes[v as usize].kind {
                    NodeKind::Mapping { .. } => {
                        if let Some(e) = self.get_entry_depth(v, key, depth + 1) {
                            return Some(e);
                        }
                    }
                    NodeKind::Sequence { items, .. } => {
                        for &i in items {
                            if let Some(e) = self.get_entry_depth(i, key, depth + 1) {
                                return Some(e);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// The (key, value) pair written in `map` itself: no alias on `map`, no
    /// `<<` merge. This is what an editor may touch.
    pub fn get_direct_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let NodeKind::Mapping { entries, .. } = &self.nodes[map as usize].kind else {
            return None;
        };
        entries
            .iter()
            .copied()
            .find(|&(k, _)| match &self.nodes[k as usize].kind {
                NodeKind::Scalar { value, .. } => value == key,
                _ => false,
            })
    }

    /// Walk `path` through directly written entries. `Ok(None)` when a key is
    /// absent; `Err(node)` at the first alias, tag or merge on the way.
    pub fn get_direct_entry_path(
        &self,
        from: NodeId,
        path: &[&str],
    ) -> Result<Option<NodeId>, NodeId> {
        let mut at = from;
        for key in path {
            let n = &self.nodes[at as usize];
            if matches!(n.kind, NodeKind::Alias { .. }) || n.tag.is_some() {
                return Err(at);
            }
            match self.get_direct_entry(at, key) {
                Some((_, v)) => at = v,
                None if self.get_entry(at, key).is_some() => return Err(at),
                None => return Ok(None),
            }
        }
        Ok(Some(at))
    }

    /// Entries of a mapping (aliases resolved on the mapping, not the values).
    pub fn entries(&self, map: NodeId) -> &[(NodeId, NodeId)] {
        match &self.nodes[self.resolve(map) as usize].kind {
            NodeKind::Mapping { entries, .. } => entries,
            _ => &[],
        }
    }

    /// Items of a sequence, each resolved through aliases.
    pub fn items(&self, seq: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let items: &[NodeId] = match &self.nodes[self.resolve(seq) as usize].kind {
            NodeKind::Sequence { items, .. } => items,
            _ => &[],
        };
        items.iter().map(|&i| self.resolve(i))
    }

    /// A scalar's text, after following an alias.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[self.resolve(id) as usize].kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// A scalar's text at `path` of mappings below `from`.
    pub fn str_at(&self, from: NodeId, path: &[&str]) -> Option<&str> {
        self.scalar(self.path(from, path)?)
    }

    pub fn path(&self, from: NodeId, path: &[&str]) -> Option<NodeId> {
        let mut at = from;
        for key in path {
            at = self.get(at, key)?;
        }
        Some(at)
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(
            self.nodes[self.resolve(id) as usize].kind,
            NodeKind::Mapping { .. }
        )
    }

    /// How Kubernetes' decoder types this scalar (None for collections).
    pub fn scalar_type(&self, id: NodeId) -> Option<ScalarType> {
        let n = &self.nodes[self.resolve(id) as usize];
        let NodeKind::Scalar { value, style } = &n.kind else {
            return None;
        };
        if let Some(tag) = &n.tag {
            return Some(match tag.as_ref() {
                "!!str" => ScalarType::Str,
                "!!int" => ScalarType::Int,
                "!!float" => ScalarType::Float,
                "!!bool" => ScalarType::Bool,
                "!!null" => ScalarType::Null,
                "!!binary" => ScalarType::Binary,
                _ if style.is_quoted() => ScalarType::Str,
                _ => resolve_plain(value),
            });
        }
        Some(if style.is_quoted() {
            ScalarType::Str
        } else {
            resolve_plain(value)
        })
    }

    /// A node as a JSON value: scalars as their text (null for YAML null),
    /// aliases followed, within a node budget (past it, null), so that an
    /// alias bomb costs nothing.
    pub fn to_json(&self, id: NodeId, budget: &mut usize) -> serde_json::Value {
        use serde_json::Value;
        if *budget == 0 {
            return Value::Null;
        }
        *budget -= 1;
        let id = self.resolve(id);
        match &self.nodes[id as usize].kind {
            NodeKind::Scalar { .. } if self.scalar_type(id) == Some(ScalarType::Null) => {
                Value::Null
            }
            NodeKind::Scalar { value, .. } => Value::String(value.to_string()),
            NodeKind::Mapping { entries, .. } => Value::Object(
                entries
                    .iter()
                    .map(|&(k, v)| {
                        (
                            self.scalar(k).unwrap_or("").to_string(),
                            self.to_json(v, budget),
                        )
                    })
                    .collect(),
            ),
            NodeKind::Sequence { items, .. } => {
                Value::Array(items.iter().map(|&i| self.to_json(i, budget)).collect())
            }
            NodeKind::Alias { .. } => Value::Null,
        }
    }

    /// A value that Kubernetes reads as `true` (`optional: true`, `yes`, `on`).
    pub fn is_true(&self, id: NodeId) -> bool {
        self.scalar_type(id) == Some(ScalarType::Bool)
            && matches!(
                self.scalar(id),
                Some(
                    "y" | "Y"
                        | "yes"
                        | "Yes"
                        | "YES"
                        | "on"
                        | "On"
                        | "ON"
                        | "true"
                        | "True"
                        | "TRUE"
                )
            )
    }
}

#[cfg(test)]
mod tests;
