//! The tree builder: turns parser events (from granit-parser or the fast
//! path) into a document's node arena, checking duplicate keys, nesting and
//! alias expansion as Kubernetes' decoder does.

use super::*;

/// What the alias to anchor `id` at `offset` stands for: the latest
/// definition of that anchor so far.
pub(super) fn anchored<T: Copy>(
    anchors: &[(usize, T)],
    id: usize,
    offset: usize,
) -> Result<T, YamlError> {
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

/// A collection being built: its node, and where its children start on the
/// builder's stack of children.
pub(super) struct Open {
    id: NodeId,
    is_map: bool,
    first_child: usize,
    /// Hashes of a large mapping's keys so far, to find duplicates.
    keys: Option<HashSet<u64>>,
}

/// Builds one document's arena from parser events with an explicit stack, so
/// that depth costs heap, not call stack.
pub(super) struct Builder<'a> {
    pub(super) arena: Arena<'a>,
    stack: Vec<Open>,
    /// Children of the open collections, innermost last (mappings: key,
    /// value, key, ...): each collection gets one exact allocation when it
    /// closes, not a vector grown child by child.
    children: Vec<NodeId>,
    pub(super) root: Option<NodeId>,
    /// anchor id (parser's) -> node
    anchors: Vec<(usize, NodeId)>,
    /// Size of each finished node with aliases expanded, to refuse alias
    /// bombs as Kubernetes' decoder does ("excessive aliasing"). Left empty
    /// for input without aliases (the fast path's).
    expanded: Vec<u64>,
    track_aliases: bool,
    /// (earlier key, later key) of each duplicate mapping key.
    pub(super) duplicates: Vec<(NodeId, NodeId)>,
    /// The explicit tags, by node id.
    pub(super) tags: Vec<(NodeId, Box<str>)>,
}

impl<'a> Builder<'a> {
    /// A builder for a document of `text`, which starts at `base` in the
    /// source.
    pub(super) fn new(text: &'a str, base: usize) -> Self {
        Builder {
            arena: Arena::new(text, base),
            stack: Vec::new(),
            children: Vec::new(),
            root: None,
            anchors: Vec::new(),
            expanded: Vec::new(),
            track_aliases: true,
            duplicates: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// A builder for input that has no aliases, with room for `nodes`.
    pub(super) fn without_aliases(text: &'a str, base: usize, nodes: usize) -> Self {
        let mut b = Builder {
            track_aliases: false,
            ..Builder::new(text, base)
        };
        b.arena.nodes.slots.reserve(nodes);
        b
    }

    /// The shape of node `id`.
    pub(super) fn node(&self, id: NodeId) -> Node<'_> {
        self.arena.node(id)
    }

    /// Record what a new node carries besides its slot: its room in the
    /// alias count, its tag, its anchor.
    fn pushed(&mut self, id: NodeId, tag: Option<Box<str>>, anchor: usize) -> NodeId {
        if self.track_aliases {
            self.expanded.push(0);
        }
        if let Some(tag) = tag {
            self.tags.push((id, tag));
        }
        if anchor != 0 {
            self.anchors.push((anchor, id));
        }
        id
    }

    /// Feed one granit event (stream and document events are handled by the caller).
    pub(super) fn event(
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
                let id = self.arena.push(Shape::Alias, span, 0, target, 0);
                let id = self.pushed(id, None, 0);
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

    pub(super) fn scalar(
        &mut self,
        value: Cow<'a, str>,
        style: ScalarStyle,
        span: Range<usize>,
        tag: Option<Box<str>>,
        anchor: usize,
    ) -> Result<(), YamlError> {
        let id = self
            .arena
            .push_scalar(value, style, span, flags_of(anchor, &tag));
        let id = self.pushed(id, tag, anchor);
        self.attach(id)
    }

    /// Open a collection. A block collection's span starts where `span` does
    /// and is closed by [`Builder::end`] at its last child's end.
    pub(super) fn start(
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
        let shape = if is_map {
            Shape::Mapping(style)
        } else {
            Shape::Sequence(style)
        };
        let id = self.arena.push(shape, span, flags_of(anchor, &tag), 0, 0);
        let id = self.pushed(id, tag, anchor);
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
    pub(super) fn end(&mut self, span: Range<usize>) -> Result<(), YamlError> {
        let open = self.stack.pop().expect("parser balances collections");
        let id = open.id;
        let children = &self.children[open.first_child..];
        let slot = self.arena.nodes.slots[id as usize];
        let start = self.arena.nodes.base + slot.start as usize;
        let end = match slot.shape() {
            Shape::Mapping(CollectionStyle::Flow) | Shape::Sequence(CollectionStyle::Flow) => {
                span.end
            }
            _ => match children.last() {
                Some(&last) => self.arena.node(last).span.end,
                None => start,
            },
        };
        // The children move to the arena together, in order.
        let (at, count) = if open.is_map {
            let at = self.arena.nodes.pairs.len();
            self.arena
                .nodes
                .pairs
                .extend(children.chunks_exact(2).map(|c| (c[0], c[1])));
            (at, self.arena.nodes.pairs.len() - at)
        } else {
            let at = self.arena.nodes.items.len();
            self.arena.nodes.items.extend_from_slice(children);
            (at, children.len())
        };
        if count > B_MAX as usize {
            return Err(YamlError {
                offset: start,
                message: format!("a collection of more than {B_MAX} entries"),
            });
        }
        let slot = &mut self.arena.nodes.slots[id as usize];
        slot.set_children(at as u32, count as u32);
        slot.len = (end.max(start) - start) as u32;
        self.children.truncate(open.first_child);
        self.attach(id)
    }

    /// Hang a finished node on its parent (or make it the root).
    pub(super) fn attach(&mut self, id: NodeId) -> Result<(), YamlError> {
        if self.track_aliases {
            self.check_expansion(id)?;
        }
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(id);
            return Ok(());
        };
        let is_key = top.is_map && (self.children.len() - top.first_child).is_multiple_of(2);
        if is_key
            && let Some(value) = self.arena.scalar(id)
            && value != "<<"
        {
            // A duplicate key: Helm's and Kubernetes' decoding keep the last
            // value, so the mapping keeps both and lookups take the last;
            // the pair is recorded for lint (duplicate-key). Small
            // mappings: compare with the keys so far. Large ones: a set of
            // hashes first, then compare on a hit.
            let keys = &self.children[top.first_child..];
            let count = keys.len() / 2;
            let may_be_duplicate = if count < 16 {
                true
            } else {
                let arena = &self.arena;
                let seen = top.keys.get_or_insert_with(|| {
                    keys.iter()
                        .step_by(2)
                        .map(|&k| key_hash(arena.scalar(k)))
                        .collect()
                });
                !seen.insert(key_hash(Some(value)))
            };
            let earlier = if may_be_duplicate {
                keys.iter()
                    .step_by(2)
                    .rev()
                    .copied()
                    .find(|&k| self.arena.scalar(k) == Some(value))
            } else {
                None
            };
            if let Some(earlier) = earlier {
                self.duplicates.push((earlier, id));
            }
        }
        self.children.push(id);
        Ok(())
    }

    /// Record a finished node's size with aliases expanded; refuse a bomb.
    pub(super) fn check_expansion(&mut self, id: NodeId) -> Result<(), YamlError> {
        let node = self.arena.node(id);
        let size = match node.kind {
            NodeKind::Scalar { .. } => 1,
            NodeKind::Alias { target } => self.expanded[target as usize],
            NodeKind::Mapping { entries, .. } => entries.iter().fold(1u64, |n, (k, v)| {
                n.saturating_add(self.expanded[*k as usize])
                    .saturating_add(self.expanded[*v as usize])
            }),
            NodeKind::Sequence { items, .. } => items
                .iter()
                .fold(1u64, |n, i| n.saturating_add(self.expanded[*i as usize])),
        };
        self.expanded[id as usize] = size;
        if size > MAX_EXPANDED_NODES && size > 100 * self.arena.len() as u64 {
            return Err(YamlError {
                offset: node.span.start,
                message: format!("excessive aliasing: the aliases here expand to {size} nodes"),
            });
        }
        Ok(())
    }
}

/// FNV-1a of a key's text: cheap, and only a filter before comparing.
pub(super) fn key_hash(text: Option<&str>) -> u64 {
    let Some(value) = text else {
        return 0;
    };
    value.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn flags_of(anchor: usize, tag: &Option<Box<str>>) -> u8 {
    (if anchor != 0 { ANCHORED } else { 0 }) | (if tag.is_some() { TAGGED } else { 0 })
}
