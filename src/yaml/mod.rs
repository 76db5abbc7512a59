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

mod document;
mod fast;
mod resolve;
mod split;
mod tree;

use tree::Builder;

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle as GScalarStyle, StructureStyle};

pub use resolve::{ScalarType, resolve_plain};
pub use split::split_documents;

/// Index of a node in its document's arena.
pub type NodeId = u32;

/// No node: a document without a root. Ids are indices of a document's
/// nodes, so none reaches it.
const NO_NODE: NodeId = NodeId::MAX;

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

/// What a node is, as read from its document: borrowed from the arena.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NodeKind<'d> {
    Scalar {
        value: &'d str,
        style: ScalarStyle,
    },
    Mapping {
        style: CollectionStyle,
        entries: &'d [(NodeId, NodeId)],
    },
    Sequence {
        style: CollectionStyle,
        items: &'d [NodeId],
    },
    /// A `*name` reference to an earlier anchored node, kept unexpanded.
    Alias {
        target: NodeId,
    },
}

/// One node of a document, as [`Document::node`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'d> {
    pub kind: NodeKind<'d>,
    /// Byte range in the source. Block collections span from their first
    /// child to the end of their last; flow collections include brackets.
    pub span: Range<usize>,
    /// Whether an anchor (`&name`) is defined on this node.
    pub anchored: bool,
    /// Whether the node has an explicit tag (`!!str`, `!custom`): its text
    /// is in [`Document::tags`], so that the common untagged node costs no
    /// pointer.
    pub tagged: bool,
}

/// How a node is stored: 16 bytes, where a tree of owned values took 56.
/// Offsets count from the document's base in the source; a collection's
/// children sit together in the arena's `pairs` or `items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    start: u32,
    len: u32,
    /// Scalar: offset of its text in the source (or index in `owned`);
    /// collection: its first child's index in `pairs` or `items`; alias:
    /// the target.
    a: u32,
    /// The low [`B_BITS`]: a scalar's text length, a collection's number
    /// of children; above them the shape (4 bits) and the flags (3 bits).
    /// Packed: a slot of five words and two bytes took 20 bytes, and the
    /// slots are most of a tree.
    packed: u32,
}

const B_BITS: u32 = 24;
/// The most a slot's `b` holds: a longer scalar text is kept aside
/// (owned), a larger collection is refused.
const B_MAX: u32 = (1 << B_BITS) - 1;

impl Slot {
    fn new(start: u32, len: u32, a: u32, b: u32, shape: Shape, flags: u8) -> Self {
        debug_assert!(b <= B_MAX && flags < 8);
        Slot {
            start,
            len,
            a,
            packed: b | u32::from(shape.bits()) << B_BITS | u32::from(flags) << (B_BITS + 4),
        }
    }

    #[inline]
    fn b(&self) -> u32 {
        self.packed & B_MAX
    }

    #[inline]
    fn shape(&self) -> Shape {
        Shape::of_bits((self.packed >> B_BITS) as u8 & 0xf)
    }

    #[inline]
    fn flags(&self) -> u8 {
        (self.packed >> (B_BITS + 4)) as u8
    }

    /// A collection's children, once it is closed.
    fn set_children(&mut self, at: u32, count: u32) {
        debug_assert!(count <= B_MAX);
        self.a = at;
        self.packed = (self.packed & !B_MAX) | count;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Scalar(ScalarStyle),
    Mapping(CollectionStyle),
    Sequence(CollectionStyle),
    Alias,
}

impl Shape {
    const ALL: [Shape; 10] = [
        Shape::Scalar(ScalarStyle::Plain),
        Shape::Scalar(ScalarStyle::SingleQuoted),
        Shape::Scalar(ScalarStyle::DoubleQuoted),
        Shape::Scalar(ScalarStyle::Literal),
        Shape::Scalar(ScalarStyle::Folded),
        Shape::Mapping(CollectionStyle::Block),
        Shape::Mapping(CollectionStyle::Flow),
        Shape::Sequence(CollectionStyle::Block),
        Shape::Sequence(CollectionStyle::Flow),
        Shape::Alias,
    ];

    #[inline]
    fn bits(self) -> u8 {
        match self {
            Shape::Scalar(style) => style as u8,
            Shape::Mapping(style) => 5 + style as u8,
            Shape::Sequence(style) => 7 + style as u8,
            Shape::Alias => 9,
        }
    }

    #[inline]
    fn of_bits(bits: u8) -> Shape {
        Shape::ALL[bits as usize]
    }
}

const ANCHORED: u8 = 1;
const TAGGED: u8 = 2;
/// The scalar's text is `owned[a]`, not the source's (escapes, folding).
const OWNED: u8 = 4;

/// A document's nodes: slots, the children of its collections, and the
/// scalar values that are not the source's own text. It holds no borrow of
/// the source (a [`View`] pairs it with the text), so that a document can
/// keep it in a cell and stay covariant in the source's lifetime.
#[derive(Debug, Default, Clone)]
struct Nodes {
    /// Where the document's chunk starts in the source.
    base: usize,
    slots: Vec<Slot>,
    pairs: Vec<(NodeId, NodeId)>,
    items: Vec<NodeId>,
    owned: Vec<Box<str>>,
}

impl Nodes {
    /// The bytes the nodes take (kept aside texts included).
    fn bytes(&self) -> usize {
        use std::mem::size_of;
        self.slots.len() * size_of::<Slot>()
            + self.pairs.len() * size_of::<(NodeId, NodeId)>()
            + self.items.len() * size_of::<NodeId>()
            + self
                .owned
                .iter()
                .map(|t| t.len() + size_of::<Box<str>>())
                .sum::<usize>()
    }

    fn has_slack(&self) -> bool {
        self.slots.capacity() > self.slots.len()
            || self.pairs.capacity() > self.pairs.len()
            || self.items.capacity() > self.items.len()
            || self.owned.capacity() > self.owned.len()
    }

    /// The nodes live as long as the run: give back their slack.
    fn shrink(&mut self) {
        self.slots.shrink_to_fit();
        self.pairs.shrink_to_fit();
        self.items.shrink_to_fit();
        self.owned.shrink_to_fit();
    }
}

/// A document's nodes read with the chunk of source they index.
#[derive(Debug, Clone, Copy)]
struct View<'t> {
    text: &'t str,
    nodes: &'t Nodes,
}

impl<'t> View<'t> {
    /// A scalar's text; `None` for any other node. Lookups compare keys
    /// by this, without the whole view.
    #[inline]
    fn scalar(self, id: NodeId) -> Option<&'t str> {
        let s = &self.nodes.slots[id as usize];
        matches!(s.shape(), Shape::Scalar(_)).then(|| self.text_of(s))
    }

    /// The text of a scalar's slot: the source's, or kept aside.
    #[inline]
    fn text_of(self, s: &Slot) -> &'t str {
        let (a, b) = (s.a as usize, s.b() as usize);
        if s.flags() & OWNED != 0 {
            &self.nodes.owned[a]
        } else {
            &self.text[a..a + b]
        }
    }

    #[inline]
    fn alias_target(self, id: NodeId) -> Option<NodeId> {
        let s = &self.nodes.slots[id as usize];
        (s.shape() == Shape::Alias).then_some(s.a)
    }

    /// A mapping's entries; `None` for any other node.
    #[inline]
    fn entries(self, id: NodeId) -> Option<&'t [(NodeId, NodeId)]> {
        let s = &self.nodes.slots[id as usize];
        let (a, b) = (s.a as usize, s.b() as usize);
        matches!(s.shape(), Shape::Mapping(_)).then(|| &self.nodes.pairs[a..a + b])
    }

    #[inline]
    fn node(self, id: NodeId) -> Node<'t> {
        let s = &self.nodes.slots[id as usize];
        let (a, b) = (s.a as usize, s.b() as usize);
        let kind = match s.shape() {
            Shape::Scalar(style) => NodeKind::Scalar {
                value: self.text_of(s),
                style,
            },
            Shape::Mapping(style) => NodeKind::Mapping {
                style,
                entries: &self.nodes.pairs[a..a + b],
            },
            Shape::Sequence(style) => NodeKind::Sequence {
                style,
                items: &self.nodes.items[a..a + b],
            },
            Shape::Alias => NodeKind::Alias { target: s.a },
        };
        let start = self.nodes.base + s.start as usize;
        Node {
            kind,
            span: start..start + s.len as usize,
            anchored: s.flags() & ANCHORED != 0,
            tagged: s.flags() & TAGGED != 0,
        }
    }

    fn len(self) -> usize {
        self.nodes.slots.len()
    }
}

/// A document's nodes as a builder grows them, with the chunk they index.
#[derive(Debug)]
struct Arena<'a> {
    /// The document's chunk of the source.
    text: &'a str,
    nodes: Nodes,
}

impl<'a> Arena<'a> {
    fn new(text: &'a str, base: usize) -> Self {
        Arena {
            text,
            nodes: Nodes {
                base,
                ..Nodes::default()
            },
        }
    }

    #[inline]
    fn view(&self) -> View<'_> {
        View {
            text: self.text,
            nodes: &self.nodes,
        }
    }

    #[inline]
    fn scalar(&self, id: NodeId) -> Option<&str> {
        self.view().scalar(id)
    }

    #[inline]
    fn node(&self, id: NodeId) -> Node<'_> {
        self.view().node(id)
    }

    fn len(&self) -> usize {
        self.nodes.slots.len()
    }

    /// A new node; its span is absolute, as parsers give it.
    fn push(&mut self, shape: Shape, span: Range<usize>, flags: u8, a: u32, b: u32) -> NodeId {
        let id = self.nodes.slots.len() as NodeId;
        self.nodes.slots.push(Slot::new(
            (span.start - self.nodes.base) as u32,
            span.len() as u32,
            a,
            b,
            shape,
            flags,
        ));
        id
    }

    /// A scalar: its text where it is in the source, else kept aside.
    fn push_scalar(
        &mut self,
        value: Cow<'a, str>,
        style: ScalarStyle,
        span: Range<usize>,
        flags: u8,
    ) -> NodeId {
        let text = self.text.as_bytes().as_ptr_range();
        let (a, b, flags) = match value {
            v if v.is_empty() => (0, 0, flags),
            Cow::Borrowed(v) if text.contains(&v.as_ptr()) && v.len() <= B_MAX as usize => {
                let at = v.as_ptr() as usize - text.start as usize;
                (at as u32, v.len() as u32, flags)
            }
            other => {
                self.nodes.owned.push(other.into_owned().into_boxed_str());
                ((self.nodes.owned.len() - 1) as u32, 0, flags | OWNED)
            }
        };
        self.push(Shape::Scalar(style), span, flags, a, b)
    }
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
    /// Where the document's chunk starts in the source. The document's
    /// bytes ([`Document::span`]) are its chunk's, but in a chunk of
    /// several documents ([`Rare::within`]): an offset, not a range, so
    /// that a document is 56 bytes.
    base: usize,
    /// The nodes. A released document ([`Document::release`]) has none
    /// until it is read again: they are then parsed anew from `text`, and
    /// kept.
    /// A one-word cell: two threads that read a released document at once
    /// both parse it, and one result is kept (they are the same).
    tree: once_cell::race::OnceBox<Nodes>,
    /// The document's chunk of the source.
    text: &'a str,
    /// Whether the tree may be let go and parsed again from `text` alone:
    /// the chunk is this one document, kept whole.
    releasable: bool,
    /// The root node, or [`NO_NODE`] (see [`Document::root`]).
    root: NodeId,
    /// Where the template path from Helm's `# Source: chart/templates/x.yaml`
    /// is in `text` (offset, length; no path: length 0): read by
    /// [`Document::template`], half the size of a borrowed string.
    template: (u32, u32),
    /// Whether the document's lines end in CRLF.
    pub crlf: bool,
    /// Duplicate keys, a pruned tree's JSON length and tags: few
    /// documents have any, so they cost a pointer, not 64 bytes each.
    rare: Option<Box<Rare>>,
}

/// The parts of a [`Document`] that few documents have.
#[derive(Debug, Default, Clone)]
struct Rare {
    /// (earlier key, later key) of each duplicate mapping key: the later
    /// value is the one lookups return, as in Kubernetes' decoding.
    duplicate_keys: Vec<(NodeId, NodeId)>,
    /// For a tree pruned to some top-level keys: the length of the whole
    /// document as compact JSON, measured before pruning.
    pruned_json_len: Option<usize>,
    /// The explicit tags, by node id (ascending): (node, tag as written).
    tags: Vec<(NodeId, Box<str>)>,
    /// For a chunk of several documents: where this one is in it (from,
    /// to), from its `---` line (if any) up to the next document's.
    within: Option<(u32, u32)>,
}

impl Rare {
    fn boxed(self) -> Option<Box<Rare>> {
        (!self.duplicate_keys.is_empty()
            || self.pruned_json_len.is_some()
            || !self.tags.is_empty()
            || self.within.is_some())
        .then(|| Box::new(self))
    }
}

impl<'a> Document<'a> {
    fn new(
        arena: Arena<'a>,
        span: Range<usize>,
        root: Option<NodeId>,
        template: Option<&'a str>,
        crlf: bool,
        rare: Option<Box<Rare>>,
    ) -> Self {
        // The comment is in the chunk, which is under 4 GiB.
        let template = template.map_or((0, 0), |t| {
            let at = t.as_ptr() as usize - arena.text.as_ptr() as usize;
            (at as u32, t.len() as u32)
        });
        let mut doc = Document {
            base: arena.nodes.base,
            text: arena.text,
            tree: once_cell::race::OnceBox::with_value(Box::new(arena.nodes)),
            releasable: false,
            root: root.unwrap_or(NO_NODE),
            template,
            crlf,
            rare,
        };
        doc.set_span(span);
        doc
    }

    /// The bytes of this document in the source, from its `---` line (if
    /// any) up to the next document's.
    #[inline]
    pub fn span(&self) -> Range<usize> {
        match self.rare.as_ref().and_then(|r| r.within) {
            Some((from, to)) => self.base + from as usize..self.base + to as usize,
            None => self.base..self.base + self.text.len(),
        }
    }

    /// Say where in its chunk the document is: in a chunk of several, a
    /// rare part.
    fn set_span(&mut self, span: Range<usize>) {
        let whole = span == (self.base..self.base + self.text.len());
        // A chunk is under 4 GiB.
        let within = (!whole).then(|| {
            (
                (span.start - self.base) as u32,
                (span.end - self.base) as u32,
            )
        });
        if within.is_some() || self.rare.is_some() {
            let mut rare = self.rare.take().map_or_else(Rare::default, |r| *r);
            rare.within = within;
            self.rare = rare.boxed();
        }
    }

    /// The template path from Helm's `# Source: chart/templates/x.yaml`.
    pub fn template(&self) -> Option<&'a str> {
        let (at, len) = self.template;
        (len > 0).then(|| &self.text[at as usize..(at + len) as usize])
    }

    /// The root node; `None` for a document that holds only comments, or
    /// an explicit null.
    #[inline]
    pub fn root(&self) -> Option<NodeId> {
        (self.root != NO_NODE).then_some(self.root)
    }

    /// The nodes, parsed again if the document was released.
    #[inline]
    fn view(&self) -> View<'_> {
        // Every node read comes here: the held tree is one load and a
        // branch, the parse kept out of line.
        let nodes = match self.tree.get() {
            Some(nodes) => nodes,
            None => self.parse_again(),
        };
        View {
            text: self.text,
            nodes,
        }
    }

    #[cold]
    #[inline(never)]
    fn parse_again(&self) -> &Nodes {
        self.tree.get_or_init(|| {
            let mut nodes = self.nodes_again();
            nodes.shrink();
            Box::new(nodes)
        })
    }

    /// The nodes, parsed anew from the document's text.
    fn nodes_again(&self) -> Nodes {
        reparse(self.text, self.base).expect("a document that parsed once parses again alike")
    }

    /// `f` of this document with its nodes, without keeping them: a
    /// released document is parsed for `f` alone, then let go again. For
    /// what is read once of many documents (a consumed config's data),
    /// which would otherwise hold every tree at once.
    pub fn with_tree<R>(&self, f: impl FnOnce(&Document<'a>) -> R) -> R {
        if self.holds_tree() {
            return f(self);
        }
        let held = Document {
            base: self.base,
            tree: once_cell::race::OnceBox::with_value(Box::new(self.nodes_again())),
            text: self.text,
            releasable: self.releasable,
            root: self.root,
            template: self.template,
            crlf: self.crlf,
            rare: self.rare.clone(),
        };
        f(&held)
    }

    /// Let go of the nodes, which a later read parses again from the
    /// source: for a document that is seldom read after the model is
    /// built (a ConfigMap no workload consumes), so that memory holds its
    /// object, not its tree. A document that is not its own chunk whole
    /// keeps its tree.
    pub fn release(&mut self) {
        if self.releasable {
            self.tree = once_cell::race::OnceBox::new();
        }
    }

    /// Whether the tree takes over `times` the bytes of the document's
    /// text: dense flow-style YAML, about four bytes a node, where a
    /// renderer's block style is about twelve.
    pub fn tree_outweighs(&self, times: usize) -> bool {
        self.tree
            .get()
            .is_some_and(|n| n.bytes() > times * self.span().len())
    }

    /// Whether the nodes are held now (not released, or read since).
    pub fn holds_tree(&self) -> bool {
        self.tree.get().is_some()
    }
}

/// The nodes of a chunk that is one document, parsed as the first parse
/// did: the fast path if it takes the chunk, else the general parser.
fn reparse(chunk: &str, base: usize) -> Option<Nodes> {
    if let Some(builder) = fast::parse(chunk, base) {
        return Some(builder.arena.nodes);
    }
    let mut docs = parse_chunk_general(chunk, base).ok()?;
    if docs.len() != 1 {
        return None;
    }
    // Rare (what the fast path does not take), so a copy is cheap enough.
    let doc = docs.pop()?;
    doc.tree.get().cloned()
}

impl Document<'_> {
    /// (earlier key, later key) of each duplicate mapping key: the later
    /// value is the one lookups return, as in Kubernetes' decoding.
    pub fn duplicate_keys(&self) -> &[(NodeId, NodeId)] {
        self.rare.as_ref().map_or(&[], |r| &r.duplicate_keys)
    }

    /// For a tree pruned to some top-level keys: the length of the whole
    /// document as compact JSON, measured before pruning.
    pub fn pruned_json_len(&self) -> Option<usize> {
        self.rare.as_ref().and_then(|r| r.pruned_json_len)
    }

    /// The explicit tags, by node id (ascending): (node, tag as written).
    pub fn tags(&self) -> &[(NodeId, Box<str>)] {
        self.rare.as_ref().map_or(&[], |r| &r.tags)
    }
}

/// Which documents a parse keeps, and how much of each.
#[derive(Debug, Clone, Copy)]
pub enum Keep {
    /// Every document, whole.
    All,
    /// What the function says of each document once parsed (and checked as
    /// fully as any other). The caller decides; this layer knows no
    /// document schema.
    Decide(fn(&Document<'_>) -> Keeping),
}

/// What a parse keeps of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeping {
    Whole,
    /// Only these top-level keys' subtrees (a schema's bulk is not kept):
    /// the JSON length is measured first ([`Document::pruned_json_len`]).
    /// A document with a duplicate key is kept whole.
    Prune(&'static [&'static str]),
    /// Nothing: the document is only counted, in [`Stream::dropped`] at
    /// this index (below [`TALLIES`]), so that memory stays near the input
    /// size however many documents a stream has.
    Drop {
        tally: usize,
    },
}

/// How many counts of dropped documents a [`Stream`] keeps.
pub const TALLIES: usize = 3;

/// The documents of a stream that a parse kept, in order, what the
/// parse's visitor made of each, and how many it dropped, by the tally
/// [`Keeping::Drop`] named.
#[derive(Debug)]
pub struct Stream<'a, T = ()> {
    pub docs: Vec<Document<'a>>,
    /// What the visitor made of each kept document, by its index in `docs`.
    pub visited: Vec<T>,
    pub dropped: [usize; TALLIES],
}

impl<T> Default for Stream<'_, T> {
    fn default() -> Self {
        Stream {
            docs: Vec::new(),
            visited: Vec::new(),
            dropped: [0; TALLIES],
        }
    }
}

/// What a parse does with each document it keeps, on the thread that parsed
/// it, as soon as it is parsed: the value to keep beside the document, and
/// whether the document's tree may be let go ([`Document::release`]).
/// Reading a stream's objects here, not after the whole parse, means the
/// trees that no later stage reads are never all held at once.
pub trait Visit<'a>: Sync {
    type Out: Send;
    fn visit(&self, doc: &Document<'a>) -> (Self::Out, bool);

    /// Whether the trees kept live as long as the run, and so are worth
    /// a copy that gives back their slack.
    fn kept_for_the_run(&self) -> bool {
        true
    }
}

/// The visitor that makes nothing and keeps every tree.
pub struct KeepTrees;

impl<'a> Visit<'a> for KeepTrees {
    type Out = ();
    fn visit(&self, _: &Document<'a>) -> ((), bool) {
        ((), false)
    }
}

/// Documents parsed in parallel at a time: what the parse holds besides
/// the documents it keeps is bounded by this, not by the stream's length.
const BATCH: usize = 4096;

/// Parse a whole stream: split into documents, parse each one.
/// Documents are independent, so they are parsed in parallel.
pub fn parse_stream(text: &str) -> Result<Vec<Document<'_>>, YamlError> {
    parse_stream_keeping(text, Keep::All).map(|s| s.docs)
}

/// [`parse_stream`] for trees that are read once and dropped: they keep
/// the slack of their growth, where a tree kept for the run is copied
/// without it (for a moment, both are held).
pub fn parse_stream_once(text: &str) -> Result<Vec<Document<'_>>, YamlError> {
    parse_stream_visiting(text, Keep::All, &ReadOnce).map(|s| s.docs)
}

/// The visitor of [`parse_stream_once`].
struct ReadOnce;

impl<'a> Visit<'a> for ReadOnce {
    type Out = ();
    fn visit(&self, _: &Document<'a>) -> ((), bool) {
        ((), false)
    }

    fn kept_for_the_run(&self) -> bool {
        false
    }
}

/// [`parse_stream`], keeping only what `keep` asks for.
pub fn parse_stream_keeping(text: &str, keep: Keep) -> Result<Stream<'_>, YamlError> {
    parse_stream_visiting(text, keep, &KeepTrees)
}

/// [`parse_stream_keeping`], handing each kept document to `visit`.
pub fn parse_stream_visiting<'a, V: Visit<'a>>(
    text: &'a str,
    keep: Keep,
    visit: &V,
) -> Result<Stream<'a, V::Out>, YamlError> {
    let mut stream = Stream::default();
    parse_batches(text, keep, visit, |_, parsed| {
        parsed?.add_to(&mut stream);
        Ok(())
    })?;
    stream.docs.shrink_to_fit();
    stream.visited.shrink_to_fit();
    Ok(stream)
}

/// Parse the chunks of `text` a batch at a time, each batch on all cores,
/// and hand each chunk's result to `each`, in order, until it fails.
fn parse_batches<'a, V: Visit<'a>>(
    text: &'a str,
    keep: Keep,
    visit: &V,
    mut each: impl FnMut(&Range<usize>, Result<Chunk<'a, V::Out>, YamlError>) -> Result<(), YamlError>,
) -> Result<(), YamlError> {
    use rayon::prelude::*;
    let starts = split::document_starts(text);
    for first in (0..starts.len()).step_by(BATCH) {
        let batch: Vec<Range<usize>> = (first..(first + BATCH).min(starts.len()))
            .map(|i| split::document(&starts, i, text.len()))
            .collect();
        let parsed: Vec<Result<Chunk<'a, V::Out>, YamlError>> = batch
            .par_iter()
            .map(|range| parse_chunk(text, range.clone(), keep, visit))
            .collect();
        for (range, p) in batch.iter().zip(parsed) {
            each(range, p)?;
        }
    }
    Ok(())
}

/// A document as parsed and kept, with what the visitor made of it, or
/// only counted.
enum Parsed<'a, T> {
    Kept(Document<'a>, T),
    Dropped { tally: usize },
}

/// The documents of one chunk: nearly always one, held inline.
enum Chunk<'a, T> {
    One(Parsed<'a, T>),
    Many(Vec<Parsed<'a, T>>),
}

impl<'a, T> Chunk<'a, T> {
    fn add_to(self, stream: &mut Stream<'a, T>) {
        let mut add = |p: Parsed<'a, T>| match p {
            Parsed::Kept(d, t) => {
                stream.docs.push(d);
                stream.visited.push(t);
            }
            Parsed::Dropped { tally } => stream.dropped[tally] += 1,
        };
        match self {
            Chunk::One(p) => add(p),
            Chunk::Many(v) => v.into_iter().for_each(add),
        }
    }
}

/// A chunk that does not parse: its byte range, and why.
pub type Unparsed = (Range<usize>, YamlError);

/// [`parse_stream_visiting`], going on past a document that does not
/// parse: the documents that parse, and for each one that does not, its
/// byte range and error. For lint, which reports a broken document and
/// goes on.
pub fn parse_stream_lenient<'a, V: Visit<'a>>(
    text: &'a str,
    keep: Keep,
    visit: &V,
) -> (Stream<'a, V::Out>, Vec<Unparsed>) {
    let mut stream = Stream::default();
    let mut broken = Vec::new();
    parse_batches(text, keep, visit, |range, parsed| {
        match parsed {
            Ok(c) => c.add_to(&mut stream),
            Err(e) => broken.push((range.clone(), e)),
        }
        Ok(())
    })
    .expect("a lenient parse goes on past every error");
    stream.docs.shrink_to_fit();
    stream.visited.shrink_to_fit();
    (stream, broken)
}

/// Parse one chunk produced by [`split_documents`]. A chunk normally holds one
/// document, but `...` end markers can put several in one.
fn parse_chunk<'a, V: Visit<'a>>(
    text: &'a str,
    range: Range<usize>,
    keep: Keep,
    visit: &V,
) -> Result<Chunk<'a, V::Out>, YamlError> {
    crate::progress::parsed(1);
    // Nodes count their offsets from the document's start in 32 bits.
    if range.len() > u32::MAX as usize {
        return Err(YamlError {
            offset: range.start,
            message: "a document of over 4 GiB".into(),
        });
    }
    let chunk = &text[range.clone()];
    if let Some(builder) = fast::parse(chunk, range.start) {
        let template = find_template_comment(chunk);
        // The fast path takes no carriage return.
        let doc = finish_document(builder, range, template, false);
        return Ok(Chunk::One(kept(doc, keep, visit, true)));
    }
    let mut docs = parse_chunk_general(chunk, range.start)?;
    let alone = docs.len() == 1;
    Ok(if alone {
        let doc = docs.pop().expect("one");
        Chunk::One(kept(doc, keep, visit, true))
    } else {
        Chunk::Many(
            docs.into_iter()
                .map(|d| kept(d, keep, visit, false))
                .collect(),
        )
    })
}

/// [`parse_chunk`] with the general parser, for what the fast path leaves:
/// `chunk` starts at `base` in the source.
fn parse_chunk_general(chunk: &str, base: usize) -> Result<Vec<Document<'_>>, YamlError> {
    let range = base..base + chunk.len();
    let template = find_template_comment(chunk);
    let crlf = chunk.contains("\r\n");
    let options = granit_parser::options! {
        emit_anchor_events: true,
        emit_comments: false,
        block_nesting_limit: NESTING_LIMIT,
        flow_nesting_limit: NESTING_LIMIT,
    };
    let mut builder = Builder::new(chunk, base);
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
                builder = Builder::new(chunk, base);
                doc_start = if docs.is_empty() { base } else { r.start };
            }
            Event::DocumentEnd => {
                let b = std::mem::replace(&mut builder, Builder::new(chunk, base));
                docs.push(finish_document(b, doc_start..range.end, template, crlf));
            }
            other => builder.event(other, r, span.tag_span().and_then(|t| t.slice(chunk)))?,
        }
    }
    // Each document ends where the next one begins.
    for i in 1..docs.len() {
        let next = docs[i].span().start;
        let span = docs[i - 1].span().start..next;
        docs[i - 1].set_span(span);
    }
    if docs.is_empty() {
        docs.push(Document::new(
            Arena::new(chunk, base),
            range,
            None,
            template,
            crlf,
            None,
        ));
    }
    Ok(docs)
}

/// A parsed document from its builder: a null root is no root.
fn finish_document<'a>(
    b: Builder<'a>,
    span: Range<usize>,
    template: Option<&'a str>,
    crlf: bool,
) -> Document<'a> {
    let mut root = b.root;
    if let Some(id) = root {
        let n = b.arena.node(id);
        if let NodeKind::Scalar { value, style } = n.kind {
            let null = style == ScalarStyle::Plain
                && !n.tagged
                && (n.span.is_empty() || resolve_plain(value) == ScalarType::Null);
            if null {
                root = None;
            }
        }
    }
    let rare = Rare {
        duplicate_keys: b.duplicates,
        pruned_json_len: None,
        tags: b.tags,
        within: None,
    }
    .boxed();
    Document::new(b.arena, span, root, template, crlf, rare)
}

/// What `keep` keeps of a parsed document, and what `visit` makes of it.
/// `alone`: the document is its chunk, so its tree can be parsed again
/// from the chunk.
fn kept<'a, V: Visit<'a>>(
    mut doc: Document<'a>,
    keep: Keep,
    visit: &V,
    alone: bool,
) -> Parsed<'a, V::Out> {
    let keeping = match keep {
        Keep::All => Keeping::Whole,
        Keep::Decide(decide) => decide(&doc),
    };
    match keeping {
        Keeping::Whole => doc.releasable = alone,
        Keeping::Drop { tally } => return Parsed::Dropped { tally },
        Keeping::Prune(keys) => {
            if let Some(root) = doc.root()
                && doc.duplicate_keys().is_empty()
                && doc.is_mapping(root)
            {
                prune(&mut doc, root, keys);
            }
        }
    }
    let (out, release) = visit.visit(&doc);
    if release {
        doc.release();
    } else if let Some(nodes) = doc
        .tree
        .get()
        .filter(|n| visit.kept_for_the_run() && n.has_slack())
    {
        // The nodes live as long as the run: their slack is given back (a
        // clone of a vector is exact), but only once the document is known
        // to be kept.
        let exact = Box::new(nodes.clone());
        doc.tree = once_cell::race::OnceBox::with_value(exact);
    }
    Parsed::Kept(doc, out)
}

/// Keep only `keys` of the root mapping: their subtrees are copied into a
/// new arena (ids renumbered), the rest is let go.
fn prune(doc: &mut Document<'_>, root: NodeId, keys: &[&str]) {
    let mut budget = usize::MAX;
    let pruned_json_len = Some(doc.json_len(root, &mut budget));
    let old = doc.view();
    let NodeKind::Mapping { entries, .. } = old.node(root).kind else {
        return;
    };
    let mut new = Arena::new(old.text, old.nodes.base);
    // Each node is copied once, however many aliases reach it.
    let mut copied: Vec<Option<NodeId>> = vec![None; old.len()];
    fn copy(
        old: View<'_>,
        new: &mut Arena<'_>,
        copied: &mut Vec<Option<NodeId>>,
        id: NodeId,
    ) -> NodeId {
        if let Some(done) = copied[id as usize] {
            return done;
        }
        let slot = old.nodes.slots[id as usize];
        let n = old.node(id);
        let (a, b) = match n.kind {
            NodeKind::Scalar { value, .. } if slot.flags() & OWNED != 0 => {
                new.nodes.owned.push(value.into());
                ((new.nodes.owned.len() - 1) as u32, 0)
            }
            NodeKind::Scalar { .. } => (slot.a, slot.b()),
            NodeKind::Mapping { entries, .. } => {
                let kept: Vec<(NodeId, NodeId)> = entries
                    .iter()
                    .map(|&(k, v)| (copy(old, new, copied, k), copy(old, new, copied, v)))
                    .collect();
                let at = new.nodes.pairs.len() as u32;
                new.nodes.pairs.extend(kept);
                (at, slot.b())
            }
            NodeKind::Sequence { items, .. } => {
                let kept: Vec<NodeId> = items.iter().map(|&i| copy(old, new, copied, i)).collect();
                let at = new.nodes.items.len() as u32;
                new.nodes.items.extend(kept);
                (at, slot.b())
            }
            // The anchored node comes along, wherever it was.
            NodeKind::Alias { target } => (copy(old, new, copied, target), 0),
        };
        let id_new = new.push(slot.shape(), n.span, slot.flags(), a, b);
        copied[id as usize] = Some(id_new);
        id_new
    }
    let kept: Vec<(NodeId, NodeId)> = entries
        .iter()
        .filter(|&&(k, _)| {
            matches!(old.node(k).kind, NodeKind::Scalar { value, .. } if keys.contains(&value))
        })
        .map(|&(k, v)| {
            (
                copy(old, &mut new, &mut copied, k),
                copy(old, &mut new, &mut copied, v),
            )
        })
        .collect();
    let slot = old.nodes.slots[root as usize];
    let at = new.nodes.pairs.len() as u32;
    let count = kept.len() as u32;
    new.nodes.pairs.extend(kept);
    let new_root = new.push(slot.shape(), old.node(root).span, slot.flags(), at, count);
    copied[root as usize] = Some(new_root);
    new.nodes.shrink();
    let new = new.nodes;
    let within = doc.rare.as_ref().and_then(|r| r.within);
    let old_tags = doc.rare.take().map(|r| r.tags).unwrap_or_default();
    // The tags of the nodes kept, under their new ids.
    let mut tags: Vec<(NodeId, Box<str>)> = old_tags
        .into_iter()
        .filter_map(|(id, tag)| Some((copied[id as usize]?, tag)))
        .collect();
    tags.sort_by_key(|&(id, _)| id);
    doc.tree = once_cell::race::OnceBox::with_value(Box::new(new));
    doc.root = new_root;
    doc.rare = Rare {
        duplicate_keys: Vec::new(),
        pruned_json_len,
        tags,
        within,
    }
    .boxed();
}

/// Parse one chunk with the general parser alone (for tests and tools that
/// compare it with the fast path).
#[doc(hidden)]
pub fn parse_general(chunk: &str) -> Result<Vec<Document<'_>>, YamlError> {
    parse_chunk_general(chunk, 0)
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
    let fast = finish_document(builder, 0..chunk.len(), None, false);
    match parse_general(chunk) {
        Ok(docs) if docs.len() == 1 && docs[0].root == fast.root && docs[0].same_nodes(&fast) => {
            Ok(true)
        }
        Ok(docs) if docs.len() == 1 => {
            let general = &docs[0];
            let get = |d: &Document<'_>, i: usize| {
                (i < d.node_count()).then(|| format!("{:?}", d.node(i as NodeId)))
            };
            let at = (0..fast.node_count().max(general.node_count()))
                .find(|&i| get(&fast, i) != get(general, i));
            Err(match at {
                Some(i) => format!(
                    "node {i} differs:\n  fast path:      {:?}\n  general parser: {:?}",
                    get(&fast, i),
                    get(general, i)
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

#[cfg(test)]
mod slot_tests {
    use super::*;

    #[test]
    fn a_slot_reads_back_what_it_was_made_of() {
        assert_eq!(std::mem::size_of::<Slot>(), 16);
        for (i, &shape) in Shape::ALL.iter().enumerate() {
            assert_eq!(shape.bits() as usize, i);
            for (b, flags) in [(0, 0), (B_MAX, ANCHORED | TAGGED | OWNED), (12345, TAGGED)] {
                let mut slot = Slot::new(7, 9, 11, b, shape, flags);
                assert_eq!((slot.start, slot.len, slot.a), (7, 9, 11));
                assert_eq!((slot.b(), slot.shape(), slot.flags()), (b, shape, flags));
                slot.set_children(3, B_MAX - b);
                assert_eq!(
                    (slot.a, slot.b(), slot.shape(), slot.flags()),
                    (3, B_MAX - b, shape, flags)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
