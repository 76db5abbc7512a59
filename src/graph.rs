//! The graph stage: every reference from a workload's pod spec to a
//! ConfigMap or Secret (env, envFrom, volumes, projected volumes,
//! imagePullSecrets; in containers, init and ephemeral containers), with the
//! keys it consumes, resolved in the workload's namespace against the
//! objects of the input. Rules and the digest query this; nothing rescans.

use compact_str::CompactString;
use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::{ConfigKind, Kind, Model, ObjId};
use crate::yaml::{Document, NodeId};

/// How a reference is made.
#[derive(Debug, Hash, PartialOrd, Ord, enumset::EnumSetType)]
pub enum Via {
    Env,
    EnvFrom,
    Volume,
    Projected,
    ImagePullSecrets,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Env => "env",
            Via::EnvFrom => "envFrom",
            Via::Volume => "volume",
            Via::Projected => "projected",
            Via::ImagePullSecrets => "imagePullSecrets",
        }
    }
}

/// One place in a pod spec that names a ConfigMap or Secret.
#[derive(Debug, Clone)]
pub struct Use {
    pub kind: ConfigKind,
    // Names inline: a pod may have tens of thousands of uses.
    pub name: CompactString,
    /// The keys read; `None` means every key.
    pub keys: Option<Box<[String]>>,
    pub optional: bool,
    pub via: Via,
    /// The container that reads it (env, envFrom), as a node, or
    /// [`NOT_THERE`] ([`Use::container`]). A node, not its name: a
    /// pod's 50k uses each held the container's name.
    container_at: NodeId,
    /// The node of the env var's name (env), the prefix (envFrom) or the
    /// volume's name, or [`NOT_THERE`] ([`Use::item`]).
    item_at: NodeId,
    /// The node that names the object (the `name:` value, or the entry).
    pub node: NodeId,
    /// The node of each key reference (`key:` values), parallel to `keys`.
    pub key_nodes: Box<[NodeId]>,
    /// How the containers mount this volume, if any does (a volume use):
    /// boxed, since most uses are env and a pod may have tens of thousands.
    mounts: Option<Box<Mounts>>,
}

/// The mounts of one volume in a pod's containers.
#[derive(Debug, Clone, Default)]
struct Mounts {
    /// Mounts with `subPath` (container, mount node).
    sub_path: Vec<(CompactString, NodeId)>,
    /// Containers that mount the volume whole (no `subPath`).
    whole: Vec<CompactString>,
}

/// [`Use::container_at`] and [`Use::item_at`] of a use with none.
const NOT_THERE: NodeId = NodeId::MAX;

impl Use {
    /// The name of the container that reads it (env, envFrom; empty for a
    /// container with none), in `doc`, its workload's document.
    pub fn container<'d>(&self, doc: &'d Document<'_>) -> Option<Cow<'d, str>> {
        (self.container_at != NOT_THERE).then(|| {
            doc.get(self.container_at, "name")
                .and_then(|n| doc.scalar(n))
                .map_or(Cow::Borrowed(""), crate::display::escape_control)
        })
    }

    /// The env var's name (env), the prefix (envFrom) or the volume's
    /// name, in `doc`, its workload's document.
    pub fn item<'d>(&self, doc: &'d Document<'_>) -> Option<Cow<'d, str>> {
        (self.item_at != NOT_THERE)
            .then(|| doc.scalar(self.item_at))
            .flatten()
            .map(crate::display::escape_control)
    }

    /// Mounts of this volume with `subPath`: (container, mount node).
    pub fn sub_path_mounts(&self) -> &[(CompactString, NodeId)] {
        self.mounts.as_ref().map_or(&[], |m| &m.sub_path)
    }

    /// Containers that mount this volume whole (no `subPath`).
    pub fn whole_mounts(&self) -> &[CompactString] {
        self.mounts.as_ref().map_or(&[], |m| &m.whole)
    }
}

/// The keys a reference reads: sorted, each once. (A B-tree per
/// reference, one leaf of hundreds of bytes for a single key, cost more
/// than the rest of the reference.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet(Box<[String]>);

impl KeySet {
    pub fn contains(&self, key: &str) -> bool {
        self.0.binary_search_by(|k| k.as_str().cmp(key)).is_ok()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<String> for KeySet {
    fn from_iter<I: IntoIterator<Item = String>>(keys: I) -> Self {
        let mut keys: Vec<String> = keys.into_iter().collect();
        keys.sort_unstable();
        keys.dedup();
        KeySet(keys.into_boxed_slice())
    }
}

impl<'k> IntoIterator for &'k KeySet {
    type Item = &'k String;
    type IntoIter = std::slice::Iter<'k, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// All uses of one object by one workload, merged.
#[derive(Debug, Clone)]
pub struct Ref {
    pub kind: ConfigKind,
    pub name: CompactString,
    /// Union of consumed keys; `None` when some use reads every key.
    pub keys: Option<KeySet>,
    /// True only when every use is optional.
    pub optional: bool,
    /// A set of bits, in declaration order (a B-tree leaf per reference
    /// cost more than the rest of it).
    pub via: enumset::EnumSet<Via>,
    /// The object in the input, if any.
    pub target: Option<ObjId>,
    /// Why no use of this object enters the checksum, when none does:
    /// boxed, since few references have a reason (a pod with 50k).
    pub excluded: Option<Box<Excluded>>,
    /// Declared to exist outside the input (`external:`, `--assume-exists`),
    /// or generated by a kustomization of the scope.
    pub external: bool,
}

impl Ref {
    /// How the pod reads it, as shown: `env, volume`.
    pub fn via_text(&self) -> String {
        let via: Vec<&str> = self.via.iter().map(|v| v.as_str()).collect();
        via.join(", ")
    }

    /// Whether the object is needed, absent from the input, and not
    /// declared to exist elsewhere: no checksum can cover it.
    pub fn unresolved(&self) -> bool {
        self.target.is_none()
            && !self.optional
            && !self.external
            && self.excluded.is_none()
            && self.via.iter().any(|v| v != Via::ImagePullSecrets)
    }

    /// Whether the reference enters a checksum: pull secrets never do, nor
    /// config that is opted out or reloaded in place.
    pub fn enters_checksum(&self) -> bool {
        self.target.is_some()
            && self.excluded.is_none()
            && self.via.iter().any(|v| v != Via::ImagePullSecrets)
    }
}

/// Why a consumed object is left out of a workload's checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excluded {
    /// `confsum.dev/hash: "false"` on the object, or an `opt-out.hash`
    /// selector of `.confsum.yaml` (named here).
    OptedOut(String),
    /// A sidecar of the workload reloads the mounted volume in place.
    ReloadedInPlace { container: String },
    /// `--rollout-on frozen`: a whole-volume mount, which the kubelet
    /// refreshes in the running container.
    RefreshedInPlace,
}

impl std::fmt::Display for Excluded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Excluded::OptedOut(why) => write!(f, "opted out ({why})"),
            Excluded::ReloadedInPlace { container } => {
                write!(f, "reloaded in place by {container}")
            }
            Excluded::RefreshedInPlace => {
                write!(
                    f,
                    "a volume the kubelet refreshes in place (--rollout-on frozen)"
                )
            }
        }
    }
}

/// Why inject leaves a whole workload alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftAlone {
    /// `confsum.dev/inject: "false"`, or an `opt-out.inject` selector.
    OptedOut(String),
    /// A controller rolls it on config changes (Stakater Reloader, Wave).
    RolledByController(String),
}

impl std::fmt::Display for LeftAlone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LeftAlone::OptedOut(why) => write!(f, "opted out ({why})"),
            LeftAlone::RolledByController(annotation) => write!(
                f,
                "a controller rolls it on config changes (annotation `{annotation}`)"
            ),
        }
    }
}

/// What enters a checksum: `--rollout-on`, and the opt-outs.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Hash only what a running container can never see change (env,
    /// envFrom, subPath mounts): `--rollout-on frozen`.
    pub frozen_only: bool,
    /// Objects left out of every checksum: (selector, as written).
    pub hash_opt_out: Vec<crate::model::Selector>,
    /// Workloads inject leaves alone.
    pub inject_opt_out: Vec<crate::model::Selector>,
    /// ConfigMaps and Secrets that exist outside the input.
    pub external: Vec<crate::model::Selector>,
}

#[derive(Debug, Clone)]
pub struct Workload {
    pub object: ObjId,
    /// Every use, in pod spec order; empty in a graph made for the
    /// references alone ([`Graph::build_refs`]).
    pub uses: Vec<Use>,
    /// Merged per (kind, name), sorted by kind then name.
    pub refs: Vec<Ref>,
    /// Why inject leaves this workload alone, if it does.
    pub left_alone: Option<LeftAlone>,
}

pub struct Graph {
    pub workloads: Vec<Workload>,
    /// Workloads referencing each object (any way), by object index
    /// ([`Graph::consumers_of`]).
    consumers: Consumers,
    /// Every ConfigMap and Secret, sorted by [`config_key`], the first
    /// definition of each key only: a lookup is a binary search, and the
    /// index costs a word per object, not a copy of its names.
    index: Vec<ObjId>,
}

/// A ConfigMap or Secret by kind, scope, namespace and name.
type ConfigKey<'m> = (ConfigKind, usize, &'m str, &'m str);

fn config_key<'m>(model: &'m Model<'_>, obj: ObjId) -> Option<ConfigKey<'m>> {
    let o = &model.objects[obj];
    match o.kind {
        Kind::Config(k) => Some((k, model.scope_of(o), o.namespace.as_str(), o.name.as_str())),
        _ => None,
    }
}

/// The index of [`Graph::find_in`].
fn config_index(model: &Model<'_>) -> Vec<ObjId> {
    let mut index: Vec<ObjId> = (0..model.objects.len())
        .filter(|&i| config_key(model, i).is_some())
        .collect();
    // Stable: of equal keys, the first definition stays first and wins
    // (duplicates are a lint finding). (An unstable sort by key and index
    // saves a buffer that is not at the peak, and took 8% more CPU on
    // 250k ConfigMaps, whose names come in runs.)
    index.sort_by_key(|&i| config_key(model, i));
    index.dedup_by_key(|&mut i| config_key(model, i));
    index.shrink_to_fit();
    index
}

/// The object of `key` in `index`.
fn lookup(model: &Model<'_>, index: &[ObjId], key: ConfigKey<'_>) -> Option<ObjId> {
    index
        .binary_search_by(|&i| config_key(model, i).cmp(&Some(key)))
        .ok()
        .map(|at| index[at])
}

impl Graph {
    /// The graph with the default policy: every consumed key enters the
    /// checksum, except config reloaded in place.
    pub fn build(model: &Model<'_>) -> Graph {
        Graph::build_with(model, &Policy::default())
    }

    pub fn build_with(model: &Model<'_>, policy: &Policy) -> Graph {
        Graph::build_keeping(model, policy, true)
    }

    /// [`Graph::build_with`] without the uses ([`Workload::uses`] is
    /// empty): what inject, graph and plan read is the references, and a
    /// pod may have tens of thousands of uses.
    pub fn build_refs(model: &Model<'_>, policy: &Policy) -> Graph {
        Graph::build_keeping(model, policy, false)
    }

    fn build_keeping(model: &Model<'_>, policy: &Policy, keep_uses: bool) -> Graph {
        let index = config_index(model);
        use rayon::prelude::*;
        // Each workload's references on all cores; then, in order, who
        // consumes what.
        let workloads: Vec<Workload> = model
            .objects
            .par_iter()
            .enumerate()
            .filter(|(_, o)| matches!(o.kind, Kind::Workload(_)))
            .map(|(i, o)| {
                // A released workload is parsed for this alone: what the
                // graph keeps of it is its uses, which are merged once
                // that tree has gone (50k `envFrom` entries: 9 MB of tree).
                let (uses, reloaders, left_alone) = model.doc(o).with_tree(|doc| {
                    let template = model.pod_template_in(doc, o);
                    let spec = template.and_then(|t| doc.get(t, "spec"));
                    let uses = spec.map(|spec| collect_uses(doc, spec)).unwrap_or_default();
                    let reloaders = spec.map(|s| reloader_sidecars(doc, s)).unwrap_or_default();
                    (uses, reloaders, left_alone(model, doc, o, template, policy))
                });
                let refs = merge_refs(model, &index, o, &uses, &reloaders, policy);
                Workload {
                    object: i,
                    uses: if keep_uses { uses } else { Vec::new() },
                    refs,
                    left_alone,
                }
            })
            .collect();
        let consumers = Consumers::of(model.objects.len(), &workloads);
        Graph {
            workloads,
            consumers,
            index,
        }
    }

    /// The ConfigMap or Secret `name` that `from` (a workload) would
    /// read: in `from`'s scope and namespace, if the input has it.
    pub fn find(
        &self,
        model: &Model<'_>,
        kind: ConfigKind,
        from: &crate::model::Object,
        name: &str,
    ) -> Option<ObjId> {
        self.find_in(model, kind, model.scope_of(from), &from.namespace, name)
    }

    /// The ConfigMap or Secret `name` in `namespace` of scope `scope`.
    /// `model` is the one the graph was built from.
    pub fn find_in(
        &self,
        model: &Model<'_>,
        kind: ConfigKind,
        scope: usize,
        namespace: &str,
        name: &str,
    ) -> Option<ObjId> {
        lookup(model, &self.index, (kind, scope, namespace, name))
    }

    /// The workloads (indices in [`Graph::workloads`]) that reference
    /// `obj`, in order.
    pub fn consumers_of(&self, obj: ObjId) -> &[usize] {
        let c = &self.consumers;
        match (c.starts.get(obj), c.starts.get(obj + 1)) {
            (Some(&from), Some(&to)) => &c.workloads[from as usize..to as usize],
            _ => &[],
        }
    }
}

/// Who references what, as two flat vectors: the workloads of object `o`
/// are `workloads[starts[o]..starts[o + 1]]`. (A map of vectors cost a
/// hash entry and an allocation per consumed object.)
#[derive(Debug, Default)]
struct Consumers {
    /// Empty when no workload references anything.
    starts: Vec<u32>,
    workloads: Vec<usize>,
}

impl Consumers {
    fn of(objects: usize, workloads: &[Workload]) -> Consumers {
        let targets = || {
            workloads.iter().enumerate().flat_map(|(w, workload)| {
                workload
                    .refs
                    .iter()
                    .filter_map(move |r| Some((r.target?, w)))
            })
        };
        let mut count = vec![0u32; objects + 1];
        for (t, _) in targets() {
            count[t + 1] += 1;
        }
        if count.iter().all(|&n| n == 0) {
            return Consumers::default();
        }
        for o in 0..objects {
            count[o + 1] += count[o];
        }
        let starts = count.clone();
        let mut next = count;
        let mut flat = vec![0; starts[objects] as usize];
        for (t, w) in targets() {
            flat[next[t] as usize] = w;
            next[t] += 1;
        }
        Consumers {
            starts,
            workloads: flat,
        }
    }
}

/// Why inject leaves `o` alone, if it does.
fn left_alone(
    model: &Model<'_>,
    doc: &Document<'_>,
    o: &crate::model::Object,
    template: Option<NodeId>,
    policy: &Policy,
) -> Option<LeftAlone> {
    let says_false = |node: Option<NodeId>| {
        node.and_then(|n| {
            doc.str_at(
                n,
                &["metadata", "annotations", crate::model::INJECT_ANNOTATION],
            )
        })
        .is_some_and(|v| v.eq_ignore_ascii_case("false"))
    };
    if says_false(Some(o.node)) || says_false(template) {
        return Some(LeftAlone::OptedOut(format!(
            "{}: \"false\"",
            crate::model::INJECT_ANNOTATION
        )));
    }
    if let Some(s) = policy.inject_opt_out.iter().find(|s| s.matches(model, o)) {
        return Some(LeftAlone::OptedOut(format!(
            ".confsum.yaml opt-out.inject `{s}`"
        )));
    }
    crate::model::reloaders::external_roller(doc, o.node).map(LeftAlone::RolledByController)
}

/// Containers of a pod spec that reload mounted config in place.
fn reloader_sidecars(doc: &Document<'_>, spec: NodeId) -> Vec<String> {
    crate::model::CONTAINER_FIELDS
        .iter()
        .filter_map(|f| doc.get(spec, f))
        .flat_map(|l| doc.items(l))
        .filter(|&c| crate::model::reloaders::is_reloader_sidecar(doc, c))
        .filter_map(|c| doc.str_at(c, &["name"]).map(str::to_string))
        .collect()
}

/// Why a use does not enter the checksum, if it does not.
fn use_excluded(u: &Use, reloaders: &[String], policy: &Policy) -> Option<Excluded> {
    if !matches!(u.via, Via::Volume | Via::Projected) || !u.sub_path_mounts().is_empty() {
        return None;
    }
    if let Some(c) = u
        .whole_mounts()
        .iter()
        .find(|c| reloaders.iter().any(|r| r == c.as_str()))
    {
        return Some(Excluded::ReloadedInPlace {
            container: c.to_string(),
        });
    }
    policy.frozen_only.then_some(Excluded::RefreshedInPlace)
}

/// The uses of one workload merged per object: keys of the uses that enter
/// the checksum (all uses' keys when none does), and why none does.
fn merge_refs(
    model: &Model<'_>,
    index: &[ObjId],
    o: &crate::model::Object,
    uses: &[Use],
    reloaders: &[String],
    policy: &Policy,
) -> Vec<Ref> {
    // The uses in (kind, name) order, each object's in pod spec order (a
    // stable sort of indices): each run of one object is one reference,
    // and the references come out sorted. Linear in uses but for the sort.
    let key = |i: &u32| {
        let u = &uses[*i as usize];
        (u.kind, u.name.as_str())
    };
    let mut order: Vec<u32> = (0..uses.len() as u32).collect();
    order.sort_by(|a, b| key(a).cmp(&key(b)));
    let runs = || order.chunk_by(|a, b| key(a) == key(b));
    let scope = model.scope_of(o);
    let mut refs: Vec<Ref> = Vec::with_capacity(runs().count());
    for run in runs() {
        let first = &uses[run[0] as usize];
        let target = lookup(model, index, (first.kind, scope, &o.namespace, &first.name));
        let mut r = Ref {
            kind: first.kind,
            name: first.name.clone(),
            keys: None,
            optional: true,
            via: enumset::EnumSet::new(),
            target,
            excluded: None,
            external: target.is_none()
                && (model
                    .generated
                    .contains(&(scope, first.kind, first.name.to_string()))
                    || policy
                        .external
                        .iter()
                        .any(|s| s.names(first.kind.as_str(), &o.namespace, &first.name))),
        };
        // Whether some use counts, the first reason one does not, and the
        // keys so far (made a set once, at the end).
        let (mut counts, mut why, mut keys) = (false, None, Some(Vec::new()));
        for u in run.iter().map(|&i| &uses[i as usize]) {
            r.optional &= u.optional;
            r.via.insert(u.via);
            match use_excluded(u, reloaders, policy) {
                None if !counts => {
                    // The first counting use: its keys replace those of
                    // uses that do not count.
                    counts = true;
                    keys = u.keys.as_ref().map(|k| k.to_vec());
                }
                None => merge_keys(&mut keys, &u.keys),
                Some(e) if !counts => {
                    merge_keys(&mut keys, &u.keys);
                    why.get_or_insert(e);
                }
                Some(_) => {}
            }
        }
        let opted_out = r.target.and_then(|t| object_opt_out(model, t, policy));
        r.excluded = opted_out.or(if counts { None } else { why }).map(Box::new);
        r.keys = keys.map(KeySet::from_iter);
        refs.push(r);
    }
    refs
}

/// Why a ConfigMap or Secret is left out of every checksum, if it is.
fn object_opt_out(model: &Model<'_>, t: ObjId, policy: &Policy) -> Option<Excluded> {
    let o = &model.objects[t];
    if o.hash_off() {
        return Some(Excluded::OptedOut(format!(
            "{}: \"false\"",
            crate::model::HASH_ANNOTATION
        )));
    }
    policy
        .hash_opt_out
        .iter()
        .find(|s| s.matches(model, o))
        .map(|s| Excluded::OptedOut(format!(".confsum.yaml opt-out.hash `{s}`")))
}

fn merge_keys(into: &mut Option<Vec<String>>, more: &Option<Box<[String]>>) {
    match (into.as_mut(), more) {
        (Some(set), Some(keys)) => set.extend(keys.iter().cloned()),
        (Some(_), None) => *into = None,
        (None, _) => {}
    }
}

fn collect_uses(doc: &Document<'_>, spec: NodeId) -> Vec<Use> {
    let mut c = Collector {
        doc,
        uses: Vec::new(),
        sub_paths: HashMap::new(),
        whole_mounts: HashMap::new(),
    };
    for list in crate::model::CONTAINER_FIELDS {
        for container in doc
            .get(spec, list)
            .map(|l| doc.items(l))
            .into_iter()
            .flatten()
        {
            c.container(container);
        }
    }
    if let Some(volumes) = doc.get(spec, "volumes") {
        for v in doc.items(volumes) {
            c.volume(v);
        }
    }
    if let Some(pull) = doc.get(spec, "imagePullSecrets") {
        for p in doc.items(pull) {
            c.uses.push(Use {
                kind: ConfigKind::Secret,
                name: c.text(doc.get(p, "name")).unwrap_or_default(),
                keys: Some(Box::default()),
                optional: false,
                via: Via::ImagePullSecrets,
                container_at: NOT_THERE,
                item_at: NOT_THERE,
                node: doc.get(p, "name").unwrap_or(p),
                key_nodes: Box::default(),
                mounts: None,
            });
        }
    }
    // One exact allocation: most pods have a use or two, for which the
    // vector's first growth leaves room for four.
    c.uses.shrink_to_fit();
    c.uses
}

/// The uses of one pod spec, collected container by container, then
/// volume by volume.
struct Collector<'d, 'a> {
    doc: &'d Document<'a>,
    uses: Vec<Use>,
    /// subPath mounts per volume name: (container, mount node).
    sub_paths: HashMap<CompactString, Vec<(CompactString, NodeId)>>,
    /// Containers that mount each volume whole, per volume name.
    whole_mounts: HashMap<CompactString, Vec<CompactString>>,
}

impl Collector<'_, '_> {
    /// A scalar's text; as the model's names, control characters kept as
    /// visible text.
    fn text(&self, id: Option<NodeId>) -> Option<CompactString> {
        id.and_then(|i| self.doc.scalar(i))
            .map(|v| CompactString::from(crate::display::escape_control(v).as_ref()))
    }

    fn optional(&self, at: NodeId) -> bool {
        self.doc
            .get(at, "optional")
            .is_some_and(|o| self.doc.is_true(o))
    }

    fn container(&mut self, c: NodeId) {
        let doc = self.doc;
        let cname = self.text(doc.get(c, "name")).unwrap_or_default();
        for m in doc
            .get(c, "volumeMounts")
            .map(|l| doc.items(l))
            .into_iter()
            .flatten()
        {
            let has_sub_path = doc
                .get(m, "subPath")
                .or_else(|| doc.get(m, "subPathExpr"))
                .and_then(|p| doc.scalar(p))
                .is_some_and(|p| !p.is_empty());
            let Some(v) = self.text(doc.get(m, "name")) else {
                continue;
            };
            if has_sub_path {
                self.sub_paths
                    .entry(v)
                    .or_default()
                    .push((cname.clone(), m));
            } else {
                self.whole_mounts.entry(v).or_default().push(cname.clone());
            }
        }
        for e in doc
            .get(c, "env")
            .map(|l| doc.items(l))
            .into_iter()
            .flatten()
        {
            let Some(from) = doc.get(e, "valueFrom") else {
                continue;
            };
            for (field, kind) in [
                ("configMapKeyRef", ConfigKind::ConfigMap),
                ("secretKeyRef", ConfigKind::Secret),
            ] {
                let Some(r) = doc.get(from, field) else {
                    continue;
                };
                let key_node = doc.get(r, "key");
                self.uses.push(Use {
                    kind,
                    name: self.text(doc.get(r, "name")).unwrap_or_default(),
                    keys: Some(Box::new([self
                        .text(key_node)
                        .unwrap_or_default()
                        .to_string()])),
                    optional: self.optional(r),
                    via: Via::Env,
                    container_at: c,
                    item_at: doc.get(e, "name").unwrap_or(NOT_THERE),
                    node: doc.get(r, "name").unwrap_or(r),
                    key_nodes: key_node.into_iter().collect(),
                    mounts: None,
                });
            }
        }
        for e in doc
            .get(c, "envFrom")
            .map(|l| doc.items(l))
            .into_iter()
            .flatten()
        {
            for (field, kind) in [
                ("configMapRef", ConfigKind::ConfigMap),
                ("secretRef", ConfigKind::Secret),
            ] {
                let Some(r) = doc.get(e, field) else { continue };
                self.uses.push(Use {
                    kind,
                    name: self.text(doc.get(r, "name")).unwrap_or_default(),
                    keys: None,
                    optional: self.optional(r),
                    via: Via::EnvFrom,
                    container_at: c,
                    item_at: doc.get(e, "prefix").unwrap_or(NOT_THERE),
                    node: doc.get(r, "name").unwrap_or(r),
                    key_nodes: Box::default(),
                    mounts: None,
                });
            }
        }
    }

    fn volume(&mut self, v: NodeId) {
        let doc = self.doc;
        let vname = self.text(doc.get(v, "name")).unwrap_or_default();
        if let Some(cm) = doc.get(v, "configMap") {
            self.volume_source(v, &vname, cm, ConfigKind::ConfigMap, "name", Via::Volume);
        }
        if let Some(sec) = doc.get(v, "secret") {
            self.volume_source(
                v,
                &vname,
                sec,
                ConfigKind::Secret,
                "secretName",
                Via::Volume,
            );
        }
        if let Some(sources) = doc.get(v, "projected").and_then(|p| doc.get(p, "sources")) {
            for src in doc.items(sources) {
                if let Some(cm) = doc.get(src, "configMap") {
                    self.volume_source(
                        v,
                        &vname,
                        cm,
                        ConfigKind::ConfigMap,
                        "name",
                        Via::Projected,
                    );
                }
                if let Some(sec) = doc.get(src, "secret") {
                    self.volume_source(v, &vname, sec, ConfigKind::Secret, "name", Via::Projected);
                }
            }
        }
    }

    fn volume_source(
        &mut self,
        volume: NodeId,
        vname: &str,
        src: NodeId,
        kind: ConfigKind,
        name_field: &str,
        via: Via,
    ) {
        let doc = self.doc;
        let (keys, key_nodes) = items_keys(doc, src);
        let mounts = Mounts {
            sub_path: self.sub_paths.get(vname).cloned().unwrap_or_default(),
            whole: self.whole_mounts.get(vname).cloned().unwrap_or_default(),
        };
        let mounts =
            (!mounts.sub_path.is_empty() || !mounts.whole.is_empty()).then(|| Box::new(mounts));
        self.uses.push(Use {
            kind,
            name: self.text(doc.get(src, name_field)).unwrap_or_default(),
            keys,
            optional: self.optional(src),
            via,
            container_at: NOT_THERE,
            item_at: doc.get(volume, "name").unwrap_or(NOT_THERE),
            node: doc.get(src, name_field).unwrap_or(src),
            key_nodes: key_nodes.into_boxed_slice(),
            mounts,
        });
    }
}

/// `items[].key` of a volume source, or every key when there is no `items`.
fn items_keys(doc: &Document<'_>, src: NodeId) -> (Option<Box<[String]>>, Vec<NodeId>) {
    let Some(items) = doc.get(src, "items") else {
        return (None, Vec::new());
    };
    let mut keys = Vec::new();
    let mut nodes = Vec::new();
    for item in doc.items(items) {
        if let Some(k) = doc.get(item, "key") {
            keys.push(doc.scalar(k).unwrap_or_default().to_string());
            nodes.push(k);
        }
    }
    if keys.is_empty() && doc.items(items).next().is_none() {
        // `items: []` selects nothing explicitly... Kubernetes then projects every key.
        return (None, Vec::new());
    }
    (Some(keys.into_boxed_slice()), nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_and_refs_stay_small() {
        // A pod may have tens of thousands of uses, a stream tens of
        // thousands of pods.
        assert!(
            std::mem::size_of::<Use>() <= 80,
            "{}",
            std::mem::size_of::<Use>()
        );
        assert!(
            std::mem::size_of::<Ref>() <= 72,
            "{}",
            std::mem::size_of::<Ref>()
        );
    }

    #[test]
    fn consumers_are_listed_per_object_in_workload_order() {
        let yaml = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
---
apiVersion: v1
kind: Pod
metadata: {name: p1}
spec: {containers: [{name: c, envFrom: [{configMapRef: {name: b}}, {configMapRef: {name: x}}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p2}
spec: {containers: [{name: c, envFrom: [{configMapRef: {name: b}}]}]}
";
        let sources = [crate::source::Source::new("-", None, yaml)];
        let a = crate::analysis::analyze(&sources, "default").unwrap();
        let g = &a.graph;
        assert_eq!(g.consumers_of(0), [] as [usize; 0]);
        assert_eq!(g.consumers_of(1), [0, 1]);
        assert_eq!(g.consumers_of(2), [] as [usize; 0]);
        assert_eq!(g.consumers_of(99), [] as [usize; 0]);
    }

    #[test]
    fn a_key_set_is_sorted_and_has_each_key_once() {
        let keys: KeySet = ["b", "a", "b"].map(String::from).into_iter().collect();
        assert_eq!(keys.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(keys.contains("a") && keys.contains("b") && !keys.contains("c"));
    }
}
