//! The graph stage: every reference from a workload's pod spec to a
//! ConfigMap or Secret (env, envFrom, volumes, projected volumes,
//! imagePullSecrets; in containers, init and ephemeral containers), with the
//! keys it consumes, resolved in the workload's namespace against the
//! objects of the input. Rules and the digest query this; nothing rescans.

use std::collections::{BTreeSet, HashMap};

use crate::model::{ConfigKind, Kind, Model, ObjId};
use crate::yaml::{Document, NodeId};

/// How a reference is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    pub name: String,
    /// The keys read; `None` means every key.
    pub keys: Option<Vec<String>>,
    pub optional: bool,
    pub via: Via,
    /// The container that reads it (env, envFrom), if any.
    pub container: Option<String>,
    /// The env var (env) or volume (volume, projected) name.
    pub item: Option<String>,
    /// The node that names the object (the `name:` value, or the entry).
    pub node: NodeId,
    /// The node of each key reference (`key:` values), parallel to `keys`.
    pub key_nodes: Vec<NodeId>,
    /// Mounts of this volume with `subPath` (container, mount node).
    pub sub_path_mounts: Vec<(String, NodeId)>,
    /// Containers that mount this volume whole (no `subPath`).
    pub whole_mounts: Vec<String>,
}

impl Use {
    /// Whether this use can change what a running container sees: env and
    /// subPath mounts are frozen at container start.
    pub fn is_frozen_at_start(&self) -> bool {
        matches!(self.via, Via::Env | Via::EnvFrom) || !self.sub_path_mounts.is_empty()
    }
}

/// All uses of one object by one workload, merged.
#[derive(Debug, Clone)]
pub struct Ref {
    pub kind: ConfigKind,
    pub name: String,
    /// Union of consumed keys; `None` when some use reads every key.
    pub keys: Option<BTreeSet<String>>,
    /// True only when every use is optional.
    pub optional: bool,
    pub via: BTreeSet<Via>,
    /// The object in the input, if any.
    pub target: Option<ObjId>,
    /// Why no use of this object enters the checksum, when none does.
    pub excluded: Option<Excluded>,
    /// Declared to exist outside the input (`external:`, `--assume-exists`).
    pub external: bool,
}

impl Ref {
    /// Whether the object is needed, absent from the input, and not
    /// declared to exist elsewhere: no checksum can cover it.
    pub fn unresolved(&self) -> bool {
        self.target.is_none()
            && !self.optional
            && !self.external
            && self.excluded.is_none()
            && self.via.iter().any(|v| *v != Via::ImagePullSecrets)
    }

    /// Whether the reference enters a checksum: pull secrets never do, nor
    /// config that is opted out or reloaded in place.
    pub fn enters_checksum(&self) -> bool {
        self.target.is_some()
            && self.excluded.is_none()
            && self.via.iter().any(|v| *v != Via::ImagePullSecrets)
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
    pub uses: Vec<Use>,
    /// Merged per (kind, name), sorted by kind then name.
    pub refs: Vec<Ref>,
    /// Why inject leaves this workload alone, if it does.
    pub left_alone: Option<LeftAlone>,
}

pub struct Graph {
    pub workloads: Vec<Workload>,
    /// Workloads referencing each object (any way), by object index.
    pub consumers: HashMap<ObjId, Vec<usize>>,
    index: HashMap<ConfigKey, ObjId>,
}

/// A ConfigMap or Secret by scope, namespace and name.
type ConfigKey = (ConfigKind, usize, String, String);

impl Graph {
    /// The graph with the default policy: every consumed key enters the
    /// checksum, except config reloaded in place.
    pub fn build(model: &Model<'_>) -> Graph {
        Graph::build_with(model, &Policy::default())
    }

    pub fn build_with(model: &Model<'_>, policy: &Policy) -> Graph {
        let mut index = HashMap::new();
        for (i, o) in model.objects.iter().enumerate() {
            if let Kind::Config(k) = o.kind {
                // The first definition wins; duplicates are a lint finding.
                index
                    .entry((k, o.scope, o.namespace.clone(), o.name.clone()))
                    .or_insert(i);
            }
        }
        use rayon::prelude::*;
        // Each workload's references on all cores; then, in order, who
        // consumes what.
        let workloads: Vec<Workload> = model
            .objects
            .par_iter()
            .enumerate()
            .filter(|(_, o)| matches!(o.kind, Kind::Workload(_)))
            .map(|(i, o)| {
                let doc = model.doc(o);
                let spec = model.pod_spec(o);
                let uses = spec.map(|spec| collect_uses(doc, spec)).unwrap_or_default();
                let reloaders = spec.map(|s| reloader_sidecars(doc, s)).unwrap_or_default();
                let refs = merge_refs(model, &index, o, &uses, &reloaders, policy);
                Workload {
                    object: i,
                    uses,
                    refs,
                    left_alone: left_alone(model, o, policy),
                }
            })
            .collect();
        let mut consumers: HashMap<ObjId, Vec<usize>> = HashMap::new();
        for (w, workload) in workloads.iter().enumerate() {
            for r in &workload.refs {
                if let Some(t) = r.target {
                    consumers.entry(t).or_default().push(w);
                }
            }
        }
        Graph {
            workloads,
            consumers,
            index,
        }
    }

    /// The ConfigMap or Secret `name` that `from` (a workload) would
    /// read: in `from`'s scope and namespace, if the input has it.
    pub fn find(&self, kind: ConfigKind, from: &crate::model::Object, name: &str) -> Option<ObjId> {
        self.find_in(kind, from.scope, &from.namespace, name)
    }

    /// The ConfigMap or Secret `name` in `namespace` of scope `scope`.
    pub fn find_in(
        &self,
        kind: ConfigKind,
        scope: usize,
        namespace: &str,
        name: &str,
    ) -> Option<ObjId> {
        self.index
            .get(&(kind, scope, namespace.to_string(), name.to_string()))
            .copied()
    }

    pub fn consumers_of(&self, obj: ObjId) -> &[usize] {
        self.consumers.get(&obj).map_or(&[], Vec::as_slice)
    }
}

/// Why inject leaves `o` alone, if it does.
fn left_alone(model: &Model<'_>, o: &crate::model::Object, policy: &Policy) -> Option<LeftAlone> {
    let doc = model.doc(o);
    let says_false = |node: Option<NodeId>| {
        node.and_then(|n| {
            doc.str_at(
                n,
                &["metadata", "annotations", crate::model::INJECT_ANNOTATION],
            )
        })
        .is_some_and(|v| v.eq_ignore_ascii_case("false"))
    };
    if says_false(Some(o.node)) || says_false(model.pod_template(o)) {
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
    if !matches!(u.via, Via::Volume | Via::Projected) || !u.sub_path_mounts.is_empty() {
        return None;
    }
    if let Some(c) = u.whole_mounts.iter().find(|c| reloaders.contains(c)) {
        return Some(Excluded::ReloadedInPlace {
            container: c.clone(),
        });
    }
    policy.frozen_only.then_some(Excluded::RefreshedInPlace)
}

/// The uses of one workload merged per object: keys of the uses that enter
/// the checksum (all uses' keys when none does), and why none does.
fn merge_refs(
    model: &Model<'_>,
    index: &HashMap<ConfigKey, ObjId>,
    o: &crate::model::Object,
    uses: &[Use],
    reloaders: &[String],
    policy: &Policy,
) -> Vec<Ref> {
    let mut refs: Vec<Ref> = Vec::new();
    // Per ref: whether some use counts, and the first reason one does not.
    let mut counted: Vec<(bool, Option<Excluded>)> = Vec::new();
    // (kind, name) → index in `refs`: linear in uses, however many.
    let mut at_of: HashMap<(ConfigKind, &str), usize> = HashMap::new();
    for u in uses {
        let target = index
            .get(&(u.kind, o.scope, o.namespace.clone(), u.name.clone()))
            .copied();
        let excluded = use_excluded(u, reloaders, policy);
        let at = match at_of.get(&(u.kind, u.name.as_str())) {
            Some(&at) => at,
            None => {
                at_of.insert((u.kind, u.name.as_str()), refs.len());
                refs.push(Ref {
                    kind: u.kind,
                    name: u.name.clone(),
                    keys: Some(BTreeSet::new()),
                    optional: true,
                    via: BTreeSet::new(),
                    target,
                    excluded: None,
                    external: target.is_none()
                        && policy
                            .external
                            .iter()
                            .any(|s| s.names(u.kind.as_str(), &o.namespace, &u.name)),
                });
                counted.push((false, None));
                refs.len() - 1
            }
        };
        let r = &mut refs[at];
        let (counts, why) = &mut counted[at];
        r.optional &= u.optional;
        r.via.insert(u.via);
        match excluded {
            None if !*counts => {
                // The first counting use: its keys replace those of uses
                // that do not count.
                *counts = true;
                r.keys = u.keys.as_ref().map(|k| k.iter().cloned().collect());
            }
            None => merge_keys(&mut r.keys, &u.keys),
            Some(e) if !*counts => {
                merge_keys(&mut r.keys, &u.keys);
                why.get_or_insert(e);
            }
            Some(_) => {}
        }
    }
    for (r, (counts, why)) in refs.iter_mut().zip(counted) {
        let opted_out = r.target.and_then(|t| object_opt_out(model, t, policy));
        r.excluded = opted_out.or(if counts { None } else { why });
    }
    refs.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    refs
}

/// Why a ConfigMap or Secret is left out of every checksum, if it is.
fn object_opt_out(model: &Model<'_>, t: ObjId, policy: &Policy) -> Option<Excluded> {
    let o = &model.objects[t];
    let doc = model.doc(o);
    if doc
        .str_at(
            o.node,
            &["metadata", "annotations", crate::model::HASH_ANNOTATION],
        )
        .is_some_and(|v| v.eq_ignore_ascii_case("false"))
    {
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

fn merge_keys(into: &mut Option<BTreeSet<String>>, more: &Option<Vec<String>>) {
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
                keys: Some(Vec::new()),
                optional: false,
                via: Via::ImagePullSecrets,
                container: None,
                item: None,
                node: doc.get(p, "name").unwrap_or(p),
                key_nodes: Vec::new(),
                sub_path_mounts: Vec::new(),
                whole_mounts: Vec::new(),
            });
        }
    }
    c.uses
}

/// The uses of one pod spec, collected container by container, then
/// volume by volume.
struct Collector<'d, 'a> {
    doc: &'d Document<'a>,
    uses: Vec<Use>,
    /// subPath mounts per volume name: (container, mount node).
    sub_paths: HashMap<String, Vec<(String, NodeId)>>,
    /// Containers that mount each volume whole, per volume name.
    whole_mounts: HashMap<String, Vec<String>>,
}

impl Collector<'_, '_> {
    /// A scalar's text; as the model's names, control characters kept as
    /// visible text.
    fn text(&self, id: Option<NodeId>) -> Option<String> {
        id.and_then(|i| self.doc.scalar(i))
            .map(|v| crate::display::escape_control(v).into_owned())
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
                    keys: Some(vec![self.text(key_node).unwrap_or_default()]),
                    optional: self.optional(r),
                    via: Via::Env,
                    container: Some(cname.clone()),
                    item: self.text(doc.get(e, "name")),
                    node: doc.get(r, "name").unwrap_or(r),
                    key_nodes: key_node.into_iter().collect(),
                    sub_path_mounts: Vec::new(),
                    whole_mounts: Vec::new(),
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
                    container: Some(cname.clone()),
                    item: self.text(doc.get(e, "prefix")),
                    node: doc.get(r, "name").unwrap_or(r),
                    key_nodes: Vec::new(),
                    sub_path_mounts: Vec::new(),
                    whole_mounts: Vec::new(),
                });
            }
        }
    }

    fn volume(&mut self, v: NodeId) {
        let doc = self.doc;
        let vname = self.text(doc.get(v, "name")).unwrap_or_default();
        if let Some(cm) = doc.get(v, "configMap") {
            self.volume_source(&vname, cm, ConfigKind::ConfigMap, "name", Via::Volume);
        }
        if let Some(sec) = doc.get(v, "secret") {
            self.volume_source(&vname, sec, ConfigKind::Secret, "secretName", Via::Volume);
        }
        if let Some(sources) = doc.get(v, "projected").and_then(|p| doc.get(p, "sources")) {
            for src in doc.items(sources) {
                if let Some(cm) = doc.get(src, "configMap") {
                    self.volume_source(&vname, cm, ConfigKind::ConfigMap, "name", Via::Projected);
                }
                if let Some(sec) = doc.get(src, "secret") {
                    self.volume_source(&vname, sec, ConfigKind::Secret, "name", Via::Projected);
                }
            }
        }
    }

    fn volume_source(
        &mut self,
        vname: &str,
        src: NodeId,
        kind: ConfigKind,
        name_field: &str,
        via: Via,
    ) {
        let doc = self.doc;
        let (keys, key_nodes) = items_keys(doc, src);
        self.uses.push(Use {
            kind,
            name: self.text(doc.get(src, name_field)).unwrap_or_default(),
            keys,
            optional: self.optional(src),
            via,
            container: None,
            item: Some(vname.to_string()),
            node: doc.get(src, name_field).unwrap_or(src),
            key_nodes,
            sub_path_mounts: self.sub_paths.get(vname).cloned().unwrap_or_default(),
            whole_mounts: self.whole_mounts.get(vname).cloned().unwrap_or_default(),
        });
    }
}

/// `items[].key` of a volume source, or every key when there is no `items`.
fn items_keys(doc: &Document<'_>, src: NodeId) -> (Option<Vec<String>>, Vec<NodeId>) {
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
    (Some(keys), nodes)
}
