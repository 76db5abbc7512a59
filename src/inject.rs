//! The inject stage: plans byte edits that write each injectable workload's
//! checksums into its pod template's `metadata.annotations`, then applies
//! them to the untouched source. Nothing is ever re-serialized: the output
//! equals the input except for the annotation text written.

use std::ops::Range;

use crate::digest::Checksums;
use crate::error::Location;
use crate::graph::Graph;
use crate::model::{Kind, Model};
use crate::yaml::{CollectionStyle, Document, NodeId, NodeKind, ScalarStyle, ScalarType};

pub use crate::model::{DEFAULT_CONFIG_ANNOTATION, DEFAULT_SECRET_ANNOTATION};

#[derive(Debug, Clone)]
pub struct Options {
    pub config_annotation: String,
    pub secret_annotation: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config_annotation: DEFAULT_CONFIG_ANNOTATION.into(),
            secret_annotation: DEFAULT_SECRET_ANNOTATION.into(),
        }
    }
}

/// Replace `range` of the source with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// Something a user should know about a run that still succeeded.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// A plain Job or bare Pod that consumes config: no checksum is written.
    NotInjectable {
        workload: String,
        reason: crate::model::NotInjectable,
    },
    /// An annotation that was already there with another value, overwritten.
    Overwritten {
        workload: String,
        key: String,
        location: Location,
    },
    /// A pod template that cannot be edited safely; left untouched.
    Unsafe {
        workload: String,
        reason: String,
        location: Location,
    },
    /// A workload inject leaves alone: opted out, or rolled by a controller.
    LeftAlone {
        workload: String,
        why: String,
        /// A controller's annotation (always worth a note), not an opt-out.
        by_controller: bool,
    },
    /// A plain (un-keyed) secret checksum over guessable values.
    Guessable { workload: String, bits: f64 },
    /// A workload that consumes a ConfigMap or Secret found in no loaded
    /// scope, and already carries a checksum: kept as it is, since it can
    /// be neither verified nor recomputed. `--check` fails on it.
    Unverified {
        workload: String,
        /// The objects not found, as `Kind \`name\``.
        missing: Vec<String>,
        location: Location,
    },
    /// Checksums written (or already current) in a workload.
    Injected {
        workload: String,
        checksums: Vec<(String, String)>,
    },
}

/// The edits for every source, and the notices of the run.
#[derive(Debug, Default)]
pub struct Plan {
    /// Edits per source index, sorted and non-overlapping.
    pub edits: Vec<Vec<Edit>>,
    pub notices: Vec<Notice>,
}

/// Plan the edits for all injectable workloads.
pub fn plan(model: &Model<'_>, graph: &Graph, sums: &[Checksums], options: &Options) -> Plan {
    plan_unchecked(model, graph, sums, options).check(model)
}

/// The edits planned, each document's not yet checked: what
/// [`Unchecked::check`] needs is the model, not the graph, which a caller
/// can let go first (the check parses each edited document whole).
pub struct Unchecked {
    /// Notices in workload order: (workload index, notice).
    notices: Vec<(usize, Notice)>,
    /// Planned edits, per document, checked together.
    by_doc: std::collections::BTreeMap<(usize, usize), Vec<Planned>>,
}

/// [`plan`] but for the check of each edited document.
pub fn plan_unchecked(
    model: &Model<'_>,
    graph: &Graph,
    sums: &[Checksums],
    options: &Options,
) -> Unchecked {
    // Notices keep workload order: (workload index, notice).
    let mut notices: Vec<(usize, Notice)> = Vec::new();
    // Planned edits, per document, checked together below.
    let mut by_doc: std::collections::BTreeMap<(usize, usize), Vec<Planned>> = Default::default();
    for (wi, (w, sum)) in graph.workloads.iter().zip(sums).enumerate() {
        let obj = &model.objects[w.object];
        let wanted: Vec<(&str, &str)> = [
            (options.config_annotation.as_str(), sum.config.as_deref()),
            (options.secret_annotation.as_str(), sum.secret.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
        if let Some(why) = &w.left_alone {
            notices.push((
                wi,
                Notice::LeftAlone {
                    workload: model.display_name(obj),
                    why: why.to_string(),
                    by_controller: matches!(why, crate::graph::LeftAlone::RolledByController(_)),
                },
            ));
            continue;
        }
        // A released workload is parsed for its plan alone.
        let step = model
            .doc(obj)
            .with_tree(|doc| plan_step(model, doc, w, &wanted, options));
        match step {
            Step::Nothing => {}
            Step::Notice(notice) => notices.push((wi, notice)),
            Step::Planned((edits, overwritten)) => by_doc
                .entry((obj.file(), obj.doc()))
                .or_default()
                .push(Planned {
                    workload: wi,
                    object: w.object,
                    edits,
                    wanted: wanted
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    overwritten,
                }),
        }
    }
    Unchecked { notices, by_doc }
}

impl Unchecked {
    /// The workloads (indices in the graph) that have edits planned.
    pub fn planned(&self) -> impl Iterator<Item = usize> + '_ {
        self.by_doc.values().flatten().map(|p| p.workload)
    }

    /// Check each edited document (parsed whole, once), and keep the
    /// edits that land where they should.
    pub fn check(self, model: &Model<'_>) -> Plan {
        let Unchecked {
            mut notices,
            by_doc,
        } = self;
        let mut edits: Vec<Vec<Edit>> = vec![Vec::new(); model.files.len()];
        for planned in by_doc.into_values() {
            for (p, verdict) in verified(model, planned) {
                let obj = &model.objects[p.object];
                if let Err((node, reason)) = verdict {
                    let notice = model
                        .doc(obj)
                        .with_tree(|doc| unsafe_notice(model, doc, obj, node, reason));
                    notices.push((p.workload, notice));
                    continue;
                }
                for (key, node) in p.overwritten {
                    if !key.starts_with("confsum.dev/") {
                        let location = model
                            .doc(obj)
                            .with_tree(|doc| located(model, doc, obj, node));
                        notices.push((
                            p.workload,
                            Notice::Overwritten {
                                workload: model.display_name(obj),
                                key,
                                location,
                            },
                        ));
                    }
                }
                edits[obj.file()].extend(p.edits);
                notices.push((
                    p.workload,
                    Notice::Injected {
                        workload: model.display_name(obj),
                        checksums: p.wanted,
                    },
                ));
            }
        }
        notices.sort_by_key(|(wi, _)| *wi);
        for edits in &mut edits {
            edits.sort_by_key(|e| (e.range.start, e.range.end));
        }
        Plan {
            edits,
            notices: notices.into_iter().map(|(_, n)| n).collect(),
        }
    }
}

/// What planning one workload comes to.
enum Step {
    Nothing,
    Notice(Notice),
    Planned(Written),
}

/// Plan one workload that is not left alone, in `doc`, its document.
fn plan_step(
    model: &Model<'_>,
    doc: &Document<'_>,
    w: &crate::graph::Workload,
    wanted: &[(&str, &str)],
    options: &Options,
) -> Step {
    let obj = &model.objects[w.object];
    if let Some(notice) = unverified(model, doc, w, options) {
        return Step::Notice(notice);
    }
    if wanted.is_empty() {
        return Step::Nothing;
    }
    if let Some(reason) = model.not_injectable_in(doc, obj) {
        if model.is_helm_test_in(doc, obj) {
            return Step::Nothing;
        }
        return Step::Notice(Notice::NotInjectable {
            workload: model.display_name(obj),
            reason,
        });
    }
    match plan_workload(model, doc, obj, wanted) {
        Ok(None) => Step::Nothing,
        Ok(Some(written)) => Step::Planned(written),
        Err((node, reason)) => Step::Notice(unsafe_notice(model, doc, obj, node, reason)),
    }
}

/// A workload with an existing checksum annotation whose consumed objects
/// are not all in the input: its checksum is kept, and reported.
fn unverified(
    model: &Model<'_>,
    doc: &Document<'_>,
    w: &crate::graph::Workload,
    options: &Options,
) -> Option<Notice> {
    let missing: Vec<String> = w
        .refs
        .iter()
        .filter(|r| r.unresolved())
        .map(|r| format!("{} `{}`", r.kind.as_str(), r.name))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let obj = &model.objects[w.object];
    let annotations = doc.path(
        model.pod_template_in(doc, obj)?,
        &["metadata", "annotations"],
    )?;
    let carried = [&options.config_annotation, &options.secret_annotation]
        .into_iter()
        .find_map(|key| {
            doc.entries(annotations)
                .iter()
                .find(|&&(k, _)| doc.scalar(k) == Some(key.as_str()))
                .map(|&(k, _)| k)
        })?;
    Some(Notice::Unverified {
        workload: model.display_name(obj),
        missing,
        location: located(model, doc, obj, carried),
    })
}

/// One workload's planned edits, before the post-condition check.
struct Planned {
    workload: usize,
    object: crate::model::ObjId,
    edits: Vec<Edit>,
    wanted: Vec<(String, String)>,
    overwritten: Vec<(String, NodeId)>,
}

/// Where a node of `obj`'s document (`doc`) is, for a notice.
fn located(
    model: &Model<'_>,
    doc: &Document<'_>,
    obj: &crate::model::Object,
    node: NodeId,
) -> Location {
    let mut l = model.source(obj).location(doc.node(node).span.start);
    l.template = doc.template().map(str::to_string);
    l
}

fn unsafe_notice(
    model: &Model<'_>,
    doc: &Document<'_>,
    obj: &crate::model::Object,
    node: NodeId,
    reason: String,
) -> Notice {
    Notice::Unsafe {
        workload: model.display_name(obj),
        reason,
        location: located(model, doc, obj, node),
    }
}

/// Edits, and the annotation keys they overwrite (with their value nodes).
type Written = (Vec<Edit>, Vec<(String, NodeId)>);

/// The edits that write `wanted` into one injectable workload (`None`: it
/// has no pod template), or why it is left untouched.
fn plan_workload(
    model: &Model<'_>,
    doc: &Document<'_>,
    obj: &crate::model::Object,
    wanted: &[(&str, &str)],
) -> Result<Option<Written>, Unsafe> {
    let source = model.source(obj);
    let ctx = Ctx {
        doc,
        text: &source.text,
        nl: line_break(&source.text[doc.span()]),
    };
    let template = doc
        .get_direct_entry_path(obj.node, obj.kind_template_path())
        .map_err(|at| {
            let reason = "the path to the pod template goes through an alias, a tag or a merge key";
            (at, reason.to_string())
        })?;
    let Some(template) = template else {
        return Ok(None);
    };
    let mut edits = Vec::new();
    let overwritten = ctx.set_annotations(template, wanted, &mut edits)?;
    Ok(Some((edits, overwritten)))
}

/// The post-condition of every edit, checked before anything is written:
/// the edited document parses again, and each pod template now carries its
/// wanted annotations. The edits of one document are checked together, in
/// one parse (a `List` of many workloads is parsed once, not once per
/// workload). A failure is a confsum bug: that workload is left untouched
/// and reported, and the rest are checked again without it, so nothing
/// broken is ever written.
fn verified(model: &Model<'_>, mut planned: Vec<Planned>) -> Vec<(Planned, Result<(), Unsafe>)> {
    let mut failed = Vec::new();
    loop {
        let verdicts = check_document(model, &planned);
        if verdicts.iter().all(Result::is_ok) {
            let mut out: Vec<_> = planned.into_iter().map(|p| (p, Ok(()))).collect();
            out.extend(failed);
            return out;
        }
        // Keep what passed; check it again without the failures.
        let mut kept = Vec::new();
        for (p, v) in planned.into_iter().zip(verdicts) {
            match v {
                Ok(()) => kept.push(p),
                Err(e) => failed.push((p, Err(e))),
            }
        }
        planned = kept;
    }
}

/// Apply every planned edit of one document to it, parse it once, and say
/// for each workload whether its pod template carries what it should.
fn check_document(model: &Model<'_>, planned: &[Planned]) -> Vec<Result<(), Unsafe>> {
    let Some(first) = planned.first() else {
        return Vec::new();
    };
    let doc = model.doc(&model.objects[first.object]);
    let in_list = planned
        .iter()
        .any(|p| Some(model.objects[p.object].node) != doc.root());
    if !in_list {
        // Nothing of the unedited tree is read.
        return check_document_in(model, doc, planned, false);
    }
    doc.with_tree(|doc| check_document_in(model, doc, planned, true))
}

/// [`check_document`] of `doc`, the document of the planned workloads;
/// `in_list`: some of them are items of a `List`, found in the unedited
/// tree.
fn check_document_in(
    model: &Model<'_>,
    doc: &Document<'_>,
    planned: &[Planned],
    in_list: bool,
) -> Vec<Result<(), Unsafe>> {
    let text = &model.source(&model.objects[planned[0].object]).text;
    let bug = |p: &Planned, what: &str| {
        Err((
            model.objects[p.object].node,
            format!("confsum's edit {what} (a bug in confsum: please report it)"),
        ))
    };
    let span = doc.span();
    let mut local: Vec<Edit> = planned
        .iter()
        .flat_map(|p| &p.edits)
        .map(|e| Edit {
            range: e.range.start - span.start..e.range.end - span.start,
            text: e.text.clone(),
        })
        .collect();
    if local.is_empty() {
        return planned.iter().map(|_| Ok(())).collect();
    }
    local.sort_by_key(|e| (e.range.start, e.range.end));
    let edited = apply(&text[span], &local);
    let Ok(docs) = crate::yaml::parse_stream_once(&edited) else {
        // Several edits together: find out which one breaks it.
        if planned.len() > 1 {
            return planned
                .iter()
                .map(|p| check_document_in(model, doc, std::slice::from_ref(p), in_list).remove(0))
                .collect();
        }
        return vec![bug(&planned[0], "would not parse")];
    };
    let Some(new) = docs.iter().find(|d| d.root().is_some()) else {
        return planned
            .iter()
            .map(|p| bug(p, "lost the document"))
            .collect();
    };
    let root = new.root().expect("found a root");
    // The objects of the edited document: its root, or the items of a
    // List, by position (the edits add no item).
    let old_items: std::collections::HashMap<NodeId, usize> = doc
        .root()
        .filter(|_| in_list)
        .and_then(|r| doc.get(r, "items"))
        .map(|items| doc.items(items).enumerate().map(|(i, n)| (n, i)).collect())
        .unwrap_or_default();
    let new_items: Vec<NodeId> = new
        .get(root, "items")
        .map(|items| new.items(items).collect())
        .unwrap_or_default();
    planned
        .iter()
        .map(|p| {
            let o = &model.objects[p.object];
            let object = if Some(o.node) == doc.root() {
                Some(root)
            } else {
                old_items
                    .get(&o.node)
                    .and_then(|&i| new_items.get(i).copied())
            };
            let mut path: Vec<&str> = o.kind_template_path().to_vec();
            path.extend(["metadata", "annotations"]);
            let annotations = object.and_then(|x| new.path(x, &path));
            let carries = |(k, v): &(String, String)| {
                annotations
                    .is_some_and(|a| new.get(a, k).and_then(|n| new.scalar(n)) == Some(v.as_str()))
            };
            if p.wanted.iter().all(carries) {
                Ok(())
            } else {
                bug(p, "did not land in the pod template's annotations")
            }
        })
        .collect()
}

/// Apply sorted, non-overlapping edits to `text`.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let extra: usize = edits.iter().map(|e| e.text.len()).sum();
    let mut out = String::with_capacity(text.len() + extra);
    pieces(text, edits).for_each(|p| out.push_str(p));
    out
}

/// The output as pieces: untouched source slices and edit texts, in order,
/// so that a writer can stream it without building it.
pub fn pieces<'t>(text: &'t str, edits: &'t [Edit]) -> impl Iterator<Item = &'t str> {
    let mut at = 0;
    edits
        .iter()
        .flat_map(move |e| {
            debug_assert!(e.range.start >= at, "edits overlap");
            let before = &text[at..e.range.start];
            at = e.range.end;
            [before, e.text.as_str()]
        })
        .chain(std::iter::once_with(move || {
            &text[edits.last().map_or(0, |e| e.range.end)..]
        }))
}

type Unsafe = (NodeId, String);

/// A value to write: a string (double-quoted) or a nested mapping.
enum New<'k> {
    Str(&'k str),
    Map(Vec<(&'k str, New<'k>)>),
}

struct Ctx<'d, 'a> {
    doc: &'d Document<'a>,
    text: &'d str,
    nl: &'static str,
}

impl Ctx<'_, '_> {
    /// Write `wanted` into `template.metadata.annotations`. Returns the keys
    /// that held another value before.
    fn set_annotations(
        &self,
        template: NodeId,
        wanted: &[(&str, &str)],
        edits: &mut Vec<Edit>,
    ) -> Result<Vec<(String, NodeId)>, Unsafe> {
        let annotations = || New::Map(wanted.iter().map(|(k, v)| (*k, New::Str(v))).collect());
        self.check_editable_mapping(template, "the pod template")?;
        let Some((mk, meta)) = self.direct_entry(template, "metadata")? else {
            self.insert_entries(
                template,
                vec![("metadata", New::Map(vec![("annotations", annotations())]))],
                edits,
            )?;
            return Ok(Vec::new());
        };
        if self.is_null(meta) {
            self.fill_null(
                mk,
                meta,
                New::Map(vec![("annotations", annotations())]),
                edits,
            )?;
            return Ok(Vec::new());
        }
        self.check_editable_mapping(meta, "the pod template's `metadata`")?;
        let Some((ak, ann)) = self.direct_entry(meta, "annotations")? else {
            self.insert_entries(meta, vec![("annotations", annotations())], edits)?;
            return Ok(Vec::new());
        };
        if self.is_null(ann) {
            self.fill_null(ak, ann, annotations(), edits)?;
            return Ok(Vec::new());
        }
        self.check_editable_mapping(ann, "the pod template's `metadata.annotations`")?;
        let mut missing = Vec::new();
        let mut overwritten = Vec::new();
        for (key, value) in wanted {
            match self.direct_entry(ann, key)? {
                None => missing.push((*key, New::Str(value))),
                Some((_, v)) => {
                    let node = self.doc.node(v);
                    let NodeKind::Scalar { value: old, .. } = &node.kind else {
                        return Err((v, format!("annotation `{key}` is not a plain value")));
                    };
                    if node.tagged || node.anchored {
                        return Err((v, format!("annotation `{key}` carries a tag or an anchor")));
                    }
                    if old != value {
                        overwritten.push((key.to_string(), v));
                        edits.push(Edit {
                            range: node.span.clone(),
                            text: quoted(value),
                        });
                    }
                }
            }
        }
        if !missing.is_empty() {
            self.insert_entries(ann, missing, edits)?;
        }
        Ok(overwritten)
    }

    /// The entry `key` written in `map` itself. A key found only through a
    /// `<<` merge would mean editing a shared node: unsafe.
    fn direct_entry(&self, map: NodeId, key: &str) -> Result<Option<(NodeId, NodeId)>, Unsafe> {
        let direct = self.doc.get_direct_entry(map, key);
        if direct.is_none() && self.doc.get_entry(map, key).is_some() {
            return Err((map, format!("`{key}` comes from a `<<` merge key")));
        }
        if let Some((_, v)) = direct {
            let n = self.doc.node(v);
            if matches!(n.kind, NodeKind::Alias { .. }) {
                return Err((v, format!("`{key}` is an alias")));
            }
        }
        Ok(direct)
    }

    fn check_editable_mapping(&self, id: NodeId, what: &str) -> Result<(), Unsafe> {
        let n = self.doc.node(id);
        match n.kind {
            NodeKind::Alias { .. } => Err((id, format!("{what} is an alias"))),
            NodeKind::Mapping { .. } if n.tagged => Err((id, format!("{what} carries a tag"))),
            NodeKind::Mapping { .. } if n.anchored => Err((
                id,
                format!("{what} carries an anchor that other nodes may share"),
            )),
            NodeKind::Mapping { .. } => Ok(()),
            _ => Err((id, format!("{what} is not a mapping"))),
        }
    }

    fn is_null(&self, id: NodeId) -> bool {
        let n = self.doc.node(id);
        matches!(
            n.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Plain,
                ..
            }
        ) && !n.tagged
            && !n.anchored
            && self.doc.scalar_type(id) == Some(ScalarType::Null)
    }

    /// Add entries to an existing mapping: before its first key (block, at
    /// the same indentation) or after its last entry (flow).
    fn insert_entries(
        &self,
        map: NodeId,
        entries: Vec<(&str, New<'_>)>,
        edits: &mut Vec<Edit>,
    ) -> Result<(), Unsafe> {
        let n = self.doc.node(map);
        let NodeKind::Mapping {
            style,
            entries: existing,
        } = &n.kind
        else {
            unreachable!("checked a mapping")
        };
        match style {
            CollectionStyle::Block => {
                let first_key = existing
                    .first()
                    .map_or(n.span.start, |e| self.doc.node(e.0).span.start);
                // New keys go before the first one, at its indentation: only
                // when nothing but spaces stands before it on its line. A tag,
                // an anchor or `? ` there would end up on the new key.
                if let Some(&(k, _)) = existing.first() {
                    let key = self.doc.node(k);
                    if key.tagged || key.anchored {
                        return Err((k, "its first key carries a tag or an anchor".into()));
                    }
                }
                let line_start = self.line_start(first_key);
                if !self.text[line_start..first_key].chars().all(|c| c == ' ') {
                    return Err((
                        map,
                        "something other than indentation stands before its first key".into(),
                    ));
                }
                let indent = " ".repeat(self.column(first_key));
                let mut text = String::new();
                for (k, v) in &entries {
                    self.render_block(&mut text, k, v, &indent);
                    text.push_str(self.nl);
                    text.push_str(&indent);
                }
                edits.push(Edit {
                    range: first_key..first_key,
                    text,
                });
            }
            CollectionStyle::Flow => {
                let body = entries
                    .iter()
                    .map(|(k, v)| render_flow_entry(k, v))
                    .collect::<Vec<_>>()
                    .join(", ");
                match existing.last() {
                    None => edits.push(Edit {
                        range: n.span.clone(),
                        text: format!("{{{body}}}"),
                    }),
                    Some(&(_, last)) => {
                        let end = self.doc.node(last).span.end;
                        edits.push(Edit {
                            range: end..end,
                            text: format!(", {body}"),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Give a `key:` with a null value a mapping value. An empty value gets
    /// block text after the key's line; an explicit `null`/`~` is replaced by
    /// flow text.
    fn fill_null(
        &self,
        key: NodeId,
        value: NodeId,
        new: New<'_>,
        edits: &mut Vec<Edit>,
    ) -> Result<(), Unsafe> {
        let v = self.doc.node(value);
        if !v.span.is_empty() {
            edits.push(Edit {
                range: v.span.clone(),
                text: render_flow_value(&new),
            });
            return Ok(());
        }
        let k = self.doc.node(key);
        let line_end = self.text[k.span.end..]
            .find(['\n', '\r'])
            .map_or(self.text.len(), |i| k.span.end + i);
        let between = &self.text[k.span.end..line_end];
        // Only `key:`, spaces and a comment may follow on the line; anything
        // else (a flow mapping's `,` or `}`) is not block context.
        let after_colon = between.trim_start().strip_prefix(':').map(str::trim_start);
        if !matches!(after_colon, Some(rest) if rest.is_empty() || rest.starts_with('#')) {
            return Err((key, "the empty value is not in block context".into()));
        }
        let indent = " ".repeat(self.column(k.span.start) + 2);
        let New::Map(entries) = new else {
            unreachable!("filled with a mapping")
        };
        let mut text = String::new();
        for (k, v) in &entries {
            text.push_str(self.nl);
            text.push_str(&indent);
            self.render_block(&mut text, k, v, &indent);
        }
        edits.push(Edit {
            range: line_end..line_end,
            text,
        });
        Ok(())
    }

    /// Where the line holding `offset` starts (after LF, CR or CRLF).
    fn line_start(&self, offset: usize) -> usize {
        self.text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1)
    }

    /// Column of a byte offset, counted in characters from the line start.
    fn column(&self, offset: usize) -> usize {
        self.text[self.line_start(offset)..offset].chars().count()
    }

    /// `key: value` in block style; the first line has no indentation, nested
    /// lines get `indent` plus two spaces per level.
    fn render_block(&self, out: &mut String, key: &str, value: &New<'_>, indent: &str) {
        out.push_str(&yaml_key(key));
        out.push(':');
        match value {
            New::Str(s) => {
                out.push(' ');
                out.push_str(&quoted(s));
            }
            New::Map(entries) => {
                let inner = format!("{indent}  ");
                for (k, v) in entries {
                    out.push_str(self.nl);
                    out.push_str(&inner);
                    self.render_block(out, k, v, &inner);
                }
            }
        }
    }
}

/// The line break a document uses, so that written lines match it: CRLF,
/// a bare CR (old Mac files, which YAML reads as line breaks too), or LF.
fn line_break(doc_text: &str) -> &'static str {
    if doc_text.contains("\r\n") {
        "\r\n"
    } else if doc_text.contains('\r') {
        "\r"
    } else {
        "\n"
    }
}

fn render_flow_entry(key: &str, value: &New<'_>) -> String {
    format!("{}: {}", yaml_key(key), render_flow_value(value))
}

fn render_flow_value(value: &New<'_>) -> String {
    match value {
        New::Str(s) => quoted(s),
        New::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| render_flow_entry(k, v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A key as plain text when that is unambiguous in block and flow context,
/// else double-quoted.
fn yaml_key(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'));
    if plain { key.to_string() } else { quoted(key) }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a str always serializes")
}

impl crate::model::Object {
    fn kind_template_path(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Workload(k) => k.template_path(),
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests;
