//! The rule registry: one line per rule, one file per rule, named after its
//! id. A rule's doc comment is its documentation (`confsum explain ID`,
//! docs/rules.md).

use crate::lint::Context;
use crate::model::{ConfigKind, Kind, ObjId};
use crate::yaml::NodeId;

/// Declare a rule: its doc comment, type, id, default severity and check;
/// optionally the input it needs (`Chart`; rendered input by default), its
/// fixed texts ([`crate::lint::Rule::fixed`]), and whether it runs
/// `PerWorkload` or `Once` (the default; [`crate::lint::Rule::per_workload`]).
macro_rules! rule {
    ($(#[doc = $doc:literal])+ $name:ident, $id:literal, $severity:ident, $check:path) => {
        rule!($(#[doc = $doc])+ $name, $id, $severity, $check, Rendered);
    };
    ($(#[doc = $doc:literal])+ $name:ident, $id:literal, $severity:ident, $check:path, $scope:ident) => {
        rule!($(#[doc = $doc])+ $name, $id, $severity, $check, $scope, None);
    };
    ($(#[doc = $doc:literal])+ $name:ident, $id:literal, $severity:ident, $check:path, $scope:ident, $fixed:expr) => {
        rule!($(#[doc = $doc])+ $name, $id, $severity, $check, $scope, $fixed, Once);
    };
    ($(#[doc = $doc:literal])+ $name:ident, $id:literal, $severity:ident, $check:path, $scope:ident, $fixed:expr, $runs:ident) => {
        $(#[doc = $doc])+
        pub struct $name;
        pub const RULE: $crate::lint::Rule = $crate::lint::Rule {
            id: $id,
            default: $crate::lint::Severity::$severity,
            doc: concat!($($doc, "\n"),+),
            check: $check,
            scope: $crate::lint::Scope::$scope,
            fixed: $fixed,
            per_workload: rule!(@runs $runs),
        };
    };
    (@runs Once) => { false };
    (@runs PerWorkload) => { true };
}

pub mod annotation_collision;
pub mod checksum_not_injectable;
pub mod config_change_no_rollout;
pub mod duplicate_data_key;
pub mod duplicate_key;
pub mod duplicate_object;
pub mod guessable_secret_checksum;
pub mod immutable_config_reused;
pub mod invalid_base64;
pub mod invalid_configmap_value;
pub mod invalid_data_key;
pub mod invalid_env_name_from;
pub mod invalid_object;
pub mod missing_key;
pub mod missing_object;
pub mod nondeterministic_config;
pub mod object_near_size_limit;
pub mod object_too_large;
pub mod object_too_large_for_client_apply;
pub mod secret_in_env;
pub mod secret_like_in_configmap;
pub mod secret_literal_in_env;
pub mod secret_type_missing_keys;
pub mod subpath_no_refresh;
pub mod unknown_rule_in_ignore;
pub mod unused_config;

/// Every rule, in the order `confsum rules` lists them.
pub const ALL: &[&crate::lint::Rule] = &[
    &annotation_collision::RULE,
    &checksum_not_injectable::RULE,
    &config_change_no_rollout::RULE,
    &duplicate_data_key::RULE,
    &duplicate_key::RULE,
    &duplicate_object::RULE,
    &guessable_secret_checksum::RULE,
    &immutable_config_reused::RULE,
    &invalid_base64::RULE,
    &invalid_configmap_value::RULE,
    &invalid_data_key::RULE,
    &invalid_env_name_from::RULE,
    &invalid_object::RULE,
    &missing_key::RULE,
    &missing_object::RULE,
    &nondeterministic_config::RULE,
    &object_near_size_limit::RULE,
    &object_too_large::RULE,
    &object_too_large_for_client_apply::RULE,
    &secret_in_env::RULE,
    &secret_like_in_configmap::RULE,
    &secret_literal_in_env::RULE,
    &secret_type_missing_keys::RULE,
    &subpath_no_refresh::RULE,
    &unknown_rule_in_ignore::RULE,
    &unused_config::RULE,
];

pub fn find(id: &str) -> Option<&'static crate::lint::Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// ConfigMaps and Secrets of the input, with their kind, for the rules of
/// a config's own data: all but the inert ones, on which none of those
/// rules reports ([`crate::lint::inert`]).
pub(crate) fn configs<'c>(
    ctx: &'c Context<'_, '_>,
) -> impl Iterator<Item = (ObjId, ConfigKind)> + 'c {
    all_configs(ctx).filter(|&(i, _)| !ctx.object(i).inert)
}

/// Every ConfigMap and Secret of the input, with its kind.
pub(crate) fn all_configs<'c>(
    ctx: &'c Context<'_, '_>,
) -> impl Iterator<Item = (ObjId, ConfigKind)> + 'c {
    ctx.objects().filter_map(|(i, o)| match o.kind {
        Kind::Config(k) => Some((i, k)),
        _ => None,
    })
}

/// (object, key node, value node) of every ConfigMap `data` entry.
pub(crate) fn configmap_data<'c>(
    ctx: &'c Context<'_, '_>,
) -> impl Iterator<Item = (ObjId, NodeId, NodeId)> + 'c {
    configs(ctx)
        .filter(|(_, k)| *k == ConfigKind::ConfigMap)
        .flat_map(|(obj, _)| {
            ctx.analysis
                .model
                .config_data(obj)
                .written()
                .iter()
                .filter(|e| e.field() == "data")
                .map(move |e| (obj, e.key, e.value))
        })
}

/// `f` of each config that `uses` (of workload `w`) read, with its data
/// and its uses, in object order: the data is read once for all
/// of them, held or read for this alone ([`crate::model::Model::with_config_data`]:
/// lint holds no data of a config only one workload consumes, such as
/// each of 50k `envFrom` entries). A use of a config not in the input is
/// left out.
pub(crate) fn by_target<'w>(
    ctx: &Context<'_, '_>,
    w: &'w crate::graph::Workload,
    uses: impl Iterator<Item = &'w crate::graph::Use>,
    mut f: impl FnMut(ObjId, &crate::model::ConfigData, &[&'w crate::graph::Use]),
) {
    let (model, graph) = (&ctx.analysis.model, &ctx.analysis.graph);
    let from = ctx.object(w.object);
    let mut found: Vec<(ObjId, &crate::graph::Use)> = uses
        .filter_map(|u| Some((graph.find(model, u.kind, from, &u.name)?, u)))
        .collect();
    // Stable: a config's uses stay in their order. Findings are sorted by
    // place in the end, so configs may come in any order.
    found.sort_by_key(|&(t, _)| t);
    let mut group: Vec<&crate::graph::Use> = Vec::new();
    for chunk in found.chunk_by(|a, b| a.0 == b.0) {
        let target = chunk[0].0;
        group.clear();
        group.extend(chunk.iter().map(|&(_, u)| u));
        let once = graph.consumers_of(target).len() == 1;
        model.with_config_data(target, once, |data| f(target, data, &group));
    }
}

/// Where to point at a whole config: its `metadata.name` value, else the
/// object; read from its data, with no tree.
pub(crate) fn config_name_span(ctx: &Context<'_, '_>, obj: ObjId) -> std::ops::Range<usize> {
    match ctx.analysis.model.config_name(obj) {
        Some(span) => span,
        None => ctx.doc(obj).node(ctx.object(obj).node).span,
    }
}

/// Whether a config's data may be over `bytes`: an inert config's data
/// is at most twice its document's bytes ([`crate::lint::inert`]), so
/// that its tree need not be read again to know it is not.
pub(crate) fn data_may_pass(ctx: &Context<'_, '_>, obj: ObjId, bytes: usize) -> bool {
    !ctx.object(obj).inert || ctx.doc(obj).span().len() * 2 > bytes
}

/// A node to point at for a whole object: its `metadata.name` value, else the object.
pub(crate) fn name_node(ctx: &Context<'_, '_>, obj: ObjId) -> NodeId {
    name_node_in(ctx.doc(obj), ctx.object(obj))
}

/// [`name_node`] in `doc`, the object's document.
pub(crate) fn name_node_in(doc: &crate::yaml::Document<'_>, o: &crate::model::Object) -> NodeId {
    doc.path(o.node, &["metadata", "name"]).unwrap_or(o.node)
}

/// Decoded size of a ConfigMap's or Secret's data: keys plus value bytes.
pub(crate) fn data_size(ctx: &Context<'_, '_>, obj: ObjId) -> usize {
    let doc = ctx.doc(obj);
    let model = &ctx.analysis.model;
    model
        .config_data(obj)
        .written()
        .iter()
        .map(|e| {
            let key = doc.scalar(e.key).map_or(0, str::len);
            let value = model.entry_text(obj, e);
            let bytes = if e.base64 {
                crate::model::decode_base64(value).map_or(value.len(), |b| b.len())
            } else {
                value.len()
            };
            key + bytes
        })
        .sum()
}

pub(crate) const API_SIZE_LIMIT: usize = 1024 * 1024;

/// Names as a finding lists them: the first [`Listing::SHOWN`] in full,
/// the rest counted. A pod with 50k `envFrom` entries made one message of
/// 50k names (1.2 MB, and 50k strings while it was made).
#[derive(Default)]
pub(crate) struct Listing {
    text: String,
    /// How many items there are.
    pub(crate) count: usize,
}

impl Listing {
    const SHOWN: usize = 20;

    /// Add an item, made only if it is shown.
    pub(crate) fn push(&mut self, item: impl FnOnce() -> String) {
        if self.count < Self::SHOWN {
            if self.count > 0 {
                self.text.push_str(", ");
            }
            self.text.push_str(&item());
        }
        self.count += 1;
    }

    /// `a, b, c`, or `a, b, ... and 49980 more`.
    pub(crate) fn text(&self) -> String {
        match self.count.saturating_sub(Self::SHOWN) {
            0 => self.text.clone(),
            more => format!("{} and {more} more", self.text),
        }
    }
}

#[cfg(test)]
mod listing_tests {
    use super::Listing;

    #[test]
    fn a_listing_shows_twenty_and_counts_the_rest() {
        let mut few = Listing::default();
        for i in 0..3 {
            few.push(|| format!("c{i}"));
        }
        assert_eq!((few.text().as_str(), few.count), ("c0, c1, c2", 3));
        let mut many = Listing::default();
        let mut made = 0;
        for i in 0..50_000 {
            many.push(|| {
                made += 1;
                format!("c{i}")
            });
        }
        assert_eq!(made, Listing::SHOWN, "the rest are not made");
        assert!(
            many.text().ends_with("c18, c19 and 49980 more"),
            "{}",
            many.text()
        );
        assert_eq!(many.count, 50_000);
    }
}
