//! Reading a parsed document: nodes by id, mapping lookups through aliases
//! and merge keys, scalar typing.

use super::*;

impl<'a> Document<'a> {
    /// The explicit tag of node `id`, as written.
    pub fn tag(&self, id: NodeId) -> Option<&str> {
        if !self.node(id).tagged {
            return None;
        }
        let tags = self.tags();
        tags.binary_search_by_key(&id, |&(n, _)| n)
            .ok()
            .map(|i| tags[i].1.as_ref())
    }

    pub fn node(&self, id: NodeId) -> Node<'_> {
        self.view().node(id)
    }

    /// How many nodes the document holds (ids are below it).
    pub fn node_count(&self) -> usize {
        self.view().len()
    }

    /// Whether two documents hold the same nodes: kinds, texts, spans.
    pub fn same_nodes(&self, other: &Document<'_>) -> bool {
        self.node_count() == other.node_count()
            && (0..self.node_count() as NodeId).all(|i| self.node(i) == other.node(i))
    }

    /// Follow an alias to the node it names.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        let mut id = id;
        // Aliases always point backwards, so this ends; the bound is a guard.
        for _ in 0..64 {
            match self.view().alias_target(id) {
                Some(target) => id = target,
                None => return id,
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
        let entries = self.view().entries(map)?;
        // The last of duplicate keys wins, as in Kubernetes' decoding.
        for &(k, v) in entries.iter().rev() {
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
                match self.node(v).kind {
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
        self.view()
            .entries(map)?
            .iter()
            .rev()
            .copied()
            .find(|&(k, _)| self.view().scalar(k) == Some(key))
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
            let n = self.node(at);
            if matches!(n.kind, NodeKind::Alias { .. }) || n.tagged {
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
        self.view().entries(self.resolve(map)).unwrap_or(&[])
    }

    /// Items of a sequence, each resolved through aliases.
    pub fn items(&self, seq: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let items: &[NodeId] = match self.node(self.resolve(seq)).kind {
            NodeKind::Sequence { items, .. } => items,
            _ => &[],
        };
        items.iter().map(|&i| self.resolve(i))
    }

    /// A scalar's text, after following an alias.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        self.view().scalar(self.resolve(id))
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
        self.view().entries(self.resolve(id)).is_some()
    }

    /// How Kubernetes' decoder types this scalar (None for collections).
    pub fn scalar_type(&self, id: NodeId) -> Option<ScalarType> {
        let id = self.resolve(id);
        let NodeKind::Scalar { value, style } = self.node(id).kind else {
            return None;
        };
        if let Some(tag) = self.tag(id) {
            return Some(match tag {
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
        match self.node(id).kind {
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

impl Document<'_> {
    /// The length of a node as compact JSON, estimated from the tree
    /// (strings quoted, `"`, `\\` and control characters escaped), without
    /// building it. Aliases count nothing; `budget` caps the nodes visited.
    pub fn json_len(&self, id: NodeId, budget: &mut usize) -> usize {
        if *budget == 0 {
            return 0;
        }
        *budget -= 1;
        let id = self.resolve(id);
        match self.node(id).kind {
            NodeKind::Scalar { value, .. } => {
                value.len()
                    + 2
                    + value
                        .bytes()
                        .filter(|b| matches!(b, b'"' | b'\\' | b'\n' | b'\t' | b'\r'))
                        .count()
            }
            NodeKind::Mapping { entries, .. } => {
                2 + entries
                    .iter()
                    .map(|&(k, v)| self.json_len(k, budget) + 2 + self.json_len(v, budget))
                    .sum::<usize>()
            }
            NodeKind::Sequence { items, .. } => {
                2 + items
                    .iter()
                    .map(|&i| self.json_len(i, budget) + 1)
                    .sum::<usize>()
            }
            NodeKind::Alias { .. } => 0,
        }
    }
}
