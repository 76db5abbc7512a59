//! The ways config is used besides what the graph follows (env, envFrom,
//! volumes): read through the API (RBAC), named in a container's arguments,
//! discovered by label by a sidecar, referenced from another object, or made
//! at run time. unused-config and missing-object ask here before they
//! report, so that a finding is one a maintainer would act on.

use std::collections::HashMap;

use crate::model::rbac::service_account;
use crate::model::{
    CONTAINER_FIELDS, ConfigKind, ConfigKinds, Interned, Kind, Model, ObjId, Object,
};
use crate::yaml::{Document, NodeId};
use compact_str::CompactString;

/// How an object is used, when the graph sees no consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtherUse {
    /// A workload's ServiceAccount may get, list or watch it.
    ReadThroughApi(ObjId),
    /// A workload names it in its command, arguments or env values.
    NamedBy(ObjId),
    /// A sidecar discovers it by label (`grafana_dashboard`, ...).
    DiscoveredByLabel(String),
    /// Another object refers to it (Ingress TLS, ServiceAccount, a custom
    /// resource's `secretName`, an RBAC rule's `resourceNames`).
    ReferencedBy(ObjId),
}

impl std::fmt::Display for OtherUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OtherUse::ReadThroughApi(_) => f.write_str("read through the API"),
            OtherUse::NamedBy(_) => f.write_str("named in a container's arguments"),
            OtherUse::DiscoveredByLabel(l) => write!(f, "discovered by the label `{l}`"),
            OtherUse::ReferencedBy(_) => f.write_str("referenced by another object"),
        }
    }
}

/// Labels by which well-known sidecars discover config (k8s-sidecar for
/// Grafana dashboards, datasources and alerts): the consumer may be
/// installed by another release.
const DISCOVERY_LABELS: [&str; 5] = [
    "grafana_dashboard",
    "grafana_datasource",
    "grafana_alert",
    "grafana_notifier",
    "grafana_plugin",
];

/// Everything that names config outside the pod specs, indexed once, as
/// the rules ask it: the index with the model it was made of.
#[derive(Clone, Copy)]
pub struct Usage<'m, 'a> {
    model: &'m Model<'a>,
    index: &'m Index,
}

/// What [`Usage`] asks: built once per run, holding no borrow, so that
/// every pass of the rules shares it ([`crate::lint::Context`]).
#[derive(Default)]
pub struct Index {
    /// (scope, namespace or None for all, kind) → a workload that may read
    /// every object of that kind there.
    read_all: HashMap<(usize, Option<Interned>, ConfigKind), ObjId>,
    /// (scope, namespace or None, kind, name) → a workload that may read it.
    read_named: HashMap<(usize, Option<Interned>, ConfigKind, CompactString), ObjId>,
    /// (scope, token) → the workloads whose command, args or env values
    /// hold it.
    named: HashMap<(usize, CompactString), Vec<ObjId>>,
    /// (scope, namespace, token) named by a Job, CronJob or Helm hook: what
    /// it may create at run time.
    named_by_job: std::collections::HashSet<(usize, Interned, CompactString)>,
    /// (scope, namespace or "" for any, kind, name) of objects another
    /// object makes at run time: a SealedSecret's, an ExternalSecret's or a
    /// cert-manager Certificate's Secret, or one a workload's ServiceAccount
    /// may create with a rule that names it.
    produced: std::collections::HashSet<(usize, String, ConfigKind, String)>,
    /// (scope, label key, value if required, kinds) of discovering sidecars.
    sidecars: Vec<(usize, String, Option<String>, Vec<ConfigKind>)>,
    /// (scope, name) → an object that refers to it, with the kinds the
    /// reference can mean.
    referenced: HashMap<(usize, CompactString), (ObjId, ConfigKinds)>,
}

impl<'m, 'a> Usage<'m, 'a> {
    pub fn new(model: &'m Model<'a>, index: &'m Index) -> Self {
        Usage { model, index }
    }

    /// How `obj` (a ConfigMap or Secret) is used besides the graph's
    /// references, if it is.
    pub fn other_use(&self, obj: ObjId, kind: ConfigKind) -> Option<OtherUse> {
        let o = &self.model.objects[obj];
        let scope = self.model.scope_of(o);
        for namespace in [Some(o.namespace), None] {
            if let Some(&w) = self.index.read_all.get(&(scope, namespace, kind)) {
                return Some(OtherUse::ReadThroughApi(w));
            }
            if let Some(&w) = self
                .index
                .read_named
                .get(&(scope, namespace, kind, o.name.clone()))
            {
                return Some(OtherUse::ReadThroughApi(w));
            }
        }
        if let Some(by) = self.index.named.get(&(scope, o.name.clone())) {
            return Some(OtherUse::NamedBy(by[0]));
        }
        if let Some((r, kinds)) = self.index.referenced.get(&(scope, o.name.clone()))
            && kinds.contains(kind)
        {
            return Some(OtherUse::ReferencedBy(*r));
        }
        // An inert ConfigMap's labels are read from its data: its tree
        // has gone, and its labels merge in none with `<<`. One with no
        // labels holds no data ([`crate::model::Release::Inert`]).
        let doc = self.model.doc(o);
        let label = |key: &str| match o.inert {
            true => o.data_read().and_then(|d| d.label(key)),
            false => doc.str_at(o.node, &["metadata", "labels", key]),
        };
        for (at, key, value, kinds) in &self.index.sidecars {
            if *at == scope
                && kinds.contains(&kind)
                && label(key).is_some_and(|v| value.as_deref().is_none_or(|want| want == v))
            {
                return Some(OtherUse::DiscoveredByLabel(key.clone()));
            }
        }
        DISCOVERY_LABELS
            .iter()
            .find(|k| label(k).is_some())
            .map(|k| OtherUse::DiscoveredByLabel(k.to_string()))
    }

    /// Whether an object of the input makes this Secret or ConfigMap at
    /// run time, or a Job of the input may: a Job or Helm hook that names
    /// it in its script or arguments, or whose ServiceAccount may create
    /// that kind with a rule that names it.
    pub fn made_at_run_time(
        &self,
        scope: usize,
        namespace: Interned,
        kind: ConfigKind,
        name: &str,
    ) -> bool {
        if self
            .index
            .named_by_job
            .contains(&(scope, namespace, CompactString::from(name)))
        {
            return true;
        }
        [Some(namespace.to_string()), None].into_iter().any(|ns| {
            self.index
                .produced
                .contains(&(scope, ns.unwrap_or_default(), kind, name.to_string()))
        })
    }
}

/// Builds an [`Index`] from the model.
struct Builder<'m, 'a> {
    model: &'m Model<'a>,
    /// The input's RBAC: what workloads may read and make, held while the
    /// index is made.
    rbac: crate::model::rbac::Rbac,
    index: Index,
}

impl Index {
    pub fn build(model: &Model<'_>) -> Index {
        let mut u = Builder {
            model,
            rbac: crate::model::rbac::Rbac::build(model),
            index: Index::default(),
        };
        for (i, o) in model.objects.iter().enumerate() {
            match o.kind {
                Kind::Workload(_) => u.add_workload(i, o),
                Kind::Config(_) => {}
                // A CRD's schema names fields, not objects.
                Kind::Other if o.kind_name().as_str() == "CustomResourceDefinition" => {}
                Kind::Other => {
                    u.add_references(i, o);
                    u.add_produced(o);
                }
            }
        }
        u.index
    }
}

impl Builder<'_, '_> {
    /// What a workload names, from its tree: held, or parsed for this
    /// alone (a dense one lint let go, [`crate::model::Release::Inert`]).
    fn add_workload(&mut self, i: ObjId, o: &Object) {
        self.model
            .doc(o)
            .with_tree(|doc| self.add_workload_in(i, o, doc));
    }

    fn add_workload_in(&mut self, i: ObjId, o: &Object, doc: &Document<'_>) {
        let model = self.model;
        let scope = model.scope_of(o);
        let spec = model.pod_spec_in(doc, o);
        let account = service_account(doc, spec);
        for kind in [ConfigKind::ConfigMap, ConfigKind::Secret] {
            for (namespace, names) in self.rbac.readable(scope, o, account, kind) {
                if names.is_empty() {
                    self.index
                        .read_all
                        .entry((scope, namespace, kind))
                        .or_insert(i);
                } else {
                    for n in names {
                        self.index
                            .read_named
                            .entry((scope, namespace, kind, n))
                            .or_insert(i);
                    }
                }
            }
        }
        // What its ServiceAccount may create, by name ("" for any namespace).
        for kind in [ConfigKind::ConfigMap, ConfigKind::Secret] {
            for (namespace, name) in self.rbac.created_names(scope, o, account, kind) {
                self.index
                    .produced
                    .insert((scope, namespace.unwrap_or_default(), kind, name));
            }
        }
        let Some(spec) = spec else {
            return;
        };
        let is_job = matches!(
            o.kind,
            Kind::Workload(crate::model::WorkloadKind::Job | crate::model::WorkloadKind::CronJob)
        ) || crate::model::is_helm_hook_in(doc, o);
        for c in containers(doc, spec) {
            for s in container_strings(doc, c) {
                for token in tokens(&s) {
                    if is_job {
                        self.index
                            .named_by_job
                            .insert((scope, o.namespace, token.clone()));
                    }
                    let by = self.index.named.entry((scope, token)).or_default();
                    if by.last() != Some(&i) {
                        by.push(i);
                    }
                }
            }
            if let Some(sidecar) = sidecar_discovery(doc, c) {
                let (label, value, kinds) = sidecar;
                self.index.sidecars.push((scope, label, value, kinds));
            }
        }
    }

    /// Scalars of `o` under a key that names a Secret or ConfigMap
    /// (`secretName`, `configMapRef`, `secrets`, an RBAC rule's
    /// `resourceNames`), wherever they are.
    fn add_references(&mut self, i: ObjId, o: &Object) {
        // An inert role or binding holds its references; another inert
        // object names no config ([`crate::lint::inert`]).
        let found: Vec<(CompactString, ConfigKinds)> = if o.inert {
            let Some(facts) = self.model.rbac_facts(i) else {
                return;
            };
            facts.references.to_vec()
        } else {
            crate::model::references_in(self.model.doc(o), o.node)
        };
        for (name, kinds) in found {
            self.index
                .referenced
                .entry((self.model.scope_of(o), name))
                .or_insert((i, kinds));
        }
    }

    /// Secrets that custom resources of the input make.
    fn add_produced(&mut self, o: &Object) {
        let doc = self.model.doc(o);
        let at = |path: &[&str]| doc.str_at(o.node, path).map(str::to_string);
        let mut names: Vec<String> = Vec::new();
        match (o.group(), o.kind_name().as_str()) {
            ("bitnami.com", "SealedSecret") | ("onepassword.com", "OnePasswordItem") => {
                names.push(o.name.to_string());
            }
            ("external-secrets.io", "ExternalSecret") => {
                names.push(at(&["spec", "target", "name"]).unwrap_or_else(|| o.name.to_string()));
            }
            ("cert-manager.io", "Certificate") => names.extend(at(&["spec", "secretName"])),
            ("secrets.hashicorp.com", _) => names.extend(at(&["spec", "destination", "name"])),
            ("secrets-store.csi.x-k8s.io", "SecretProviderClass") => {
                if let Some(list) = doc.path(o.node, &["spec", "secretObjects"]) {
                    names.extend(
                        doc.items(list)
                            .filter_map(|i| doc.str_at(i, &["secretName"]).map(str::to_string)),
                    );
                }
            }
            _ => {}
        }
        for n in names {
            self.index.produced.insert((
                self.model.scope_of(o),
                o.namespace.to_string(),
                ConfigKind::Secret,
                n,
            ));
        }
    }
}

fn containers<'d>(doc: &'d Document<'_>, spec: NodeId) -> impl Iterator<Item = NodeId> + 'd {
    CONTAINER_FIELDS
        .iter()
        .filter_map(move |f| doc.get(spec, f))
        .flat_map(move |list| doc.items(list))
}

/// A container's command, args and literal env values, with `$(VAR)`
/// replaced by the value of the container's env var of that name.
fn container_strings(doc: &Document<'_>, c: NodeId) -> Vec<String> {
    let mut env: HashMap<&str, &str> = HashMap::new();
    let mut out = Vec::new();
    if let Some(list) = doc.get(c, "env") {
        for e in doc.items(list) {
            if let (Some(n), Some(v)) = (doc.str_at(e, &["name"]), doc.str_at(e, &["value"])) {
                env.insert(n, v);
                out.push(v.to_string());
            }
        }
    }
    for field in ["command", "args"] {
        let Some(list) = doc.get(c, field) else {
            continue;
        };
        for item in doc.items(list) {
            if let Some(s) = doc.scalar(item) {
                out.push(expand(s, &env));
            }
        }
    }
    out
}

/// `$(VAR)` replaced by `env[VAR]` where known (Kubernetes' own syntax).
fn expand(s: &str, env: &HashMap<&str, &str>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("$(") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match after.find(')') {
            Some(end) if env.contains_key(&after[..end]) => {
                out.push_str(env[&after[..end]]);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("$(");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The words of a string that could be object names: split at spaces,
/// `=`, `,`, `;`, quotes, and the `namespace/` of `namespace/name`.
fn tokens(s: &str) -> impl Iterator<Item = CompactString> + '_ {
    s.split(|c: char| c.is_whitespace() || matches!(c, '=' | ',' | ';' | '"' | '\'' | ':'))
        .filter_map(|w| w.rsplit('/').next())
        .filter(|w| !w.is_empty() && w.len() <= 253)
        .map(CompactString::from)
}

/// k8s-sidecar (Grafana's dashboard and datasource loader, Jenkins' JCasC
/// reloader): the label it watches (`LABEL`, with `LABEL_VALUE` if set)
/// and the kinds (`RESOURCE`: configmap, secret or both).
fn sidecar_discovery(
    doc: &Document<'_>,
    c: NodeId,
) -> Option<(String, Option<String>, Vec<ConfigKind>)> {
    let image = doc.str_at(c, &["image"])?;
    if !image.contains("k8s-sidecar") {
        return None;
    }
    let mut vars: HashMap<&str, &str> = HashMap::new();
    for e in doc
        .get(c, "env")
        .map(|l| doc.items(l))
        .into_iter()
        .flatten()
    {
        if let (Some(n), Some(v)) = (doc.str_at(e, &["name"]), doc.str_at(e, &["value"])) {
            vars.insert(n, v);
        }
    }
    let label = vars.get("LABEL")?.to_string();
    let value = vars.get("LABEL_VALUE").map(|v| v.to_string());
    let kinds = match vars.get("RESOURCE").copied().unwrap_or("configmap") {
        "secret" => vec![ConfigKind::Secret],
        "both" => vec![ConfigKind::ConfigMap, ConfigKind::Secret],
        _ => vec![ConfigKind::ConfigMap],
    };
    Some((label, value, kinds))
}

/// Whether some scalar of `doc` (a key or a value) may name a kind of
/// config, as [`Usage::add_references`] reads keys: values are counted
/// too, which errs on the side of reading the object.
pub(super) fn may_name_config(doc: &Document<'_>) -> bool {
    let has = |s: &str, word: &str| {
        s.as_bytes()
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
    };
    (0..doc.node_count() as NodeId).any(|id| {
        doc.scalar(id).is_some_and(|s| {
            has(s, "secret") || has(s, "configmap") || s.eq_ignore_ascii_case("resourcenames")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_expansion() {
        let env = HashMap::from([("NAME", "app-config")]);
        assert_eq!(
            expand("--configmap=$(POD_NAMESPACE)/$(NAME)", &env),
            "--configmap=$(POD_NAMESPACE)/app-config"
        );
        let t: Vec<CompactString> =
            tokens("--configmap=$(POD_NAMESPACE)/ingress-nginx-controller --x").collect();
        assert!(t.iter().any(|t| t == "ingress-nginx-controller"), "{t:?}");
    }
}
