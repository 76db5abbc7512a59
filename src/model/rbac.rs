//! RBAC of the input: what each ServiceAccount may do with ConfigMaps and
//! Secrets, through Roles, ClusterRoles and their bindings. Config read
//! through the API (a controller that gets its ConfigMap by name) or made
//! at run time (a hook Job that creates a Secret) is found here.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use compact_str::CompactString;

use super::{ConfigKind, ConfigKinds, Interned, Model, Object};
use crate::yaml::{Document, NodeId};

/// What lint reads of a Role, ClusterRole or binding: its rules, or its
/// role and ServiceAccounts, and the names it refers to. Read as the
/// object is parsed, so that its tree can go ([`Model::rbac_facts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RbacFacts {
    of: Of,
    /// The names under keys that name a config (an RBAC rule's
    /// `resourceNames`), as [`super::references_in`] reads them.
    pub references: Box<[(CompactString, ConfigKinds)]>,
}

/// A ServiceAccount a binding binds: its name, and its namespace when
/// written.
type Account = (CompactString, Option<Interned>);

#[derive(Debug, Clone, PartialEq)]
enum Of {
    /// A Role's or ClusterRole's rules that can concern the core group.
    Role(Arc<[Rule]>),
    /// A binding's role and the ServiceAccounts it binds; boxed, so that
    /// the facts are no bigger than a config's data beside them.
    Binding(Box<Binding>),
    /// Neither, or a binding with no `roleRef`.
    Nothing,
}

/// A binding's role (a Role of the binding's namespace, else a
/// ClusterRole) and the ServiceAccounts it binds: (name, namespace when
/// written).
#[derive(Debug, Clone, PartialEq)]
struct Binding {
    role_is_namespaced: bool,
    role: CompactString,
    accounts: Box<[Account]>,
}

/// One rule of a Role or ClusterRole. Its resources and verbs are
/// interned (few differ: `configmaps`, `get`), its names inline: each was
/// an allocation of its own.
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    resources: Box<[Interned]>,
    verbs: Box<[Interned]>,
    names: Box<[CompactString]>,
}

impl RbacFacts {
    /// What RBAC object `o` of `doc` says.
    pub fn read(doc: &Document<'_>, o: &Object) -> RbacFacts {
        let of = match o.kind_name().as_str() {
            "Role" | "ClusterRole" => Of::Role(rules_of(doc, o.node).into()),
            "RoleBinding" | "ClusterRoleBinding" => binding_of(doc, o.node),
            _ => Of::Nothing,
        };
        let references = super::references_in(doc, o.node).into_boxed_slice();
        RbacFacts { of, references }
    }
}

/// The scalars of the sequence at `node`, each made into a `T`.
fn strings<'d, T>(
    doc: &'d Document<'_>,
    node: Option<NodeId>,
    make: impl Fn(&'d str) -> T,
) -> Box<[T]> {
    node.map(|n| {
        doc.items(n)
            .filter_map(|i| doc.scalar(i).map(&make))
            .collect()
    })
    .unwrap_or_default()
}

fn rules_of(doc: &Document<'_>, node: NodeId) -> Vec<Rule> {
    let Some(rules) = doc.get(node, "rules") else {
        return Vec::new();
    };
    doc.items(rules)
        .filter(|&r| {
            let groups = strings(doc, doc.get(r, "apiGroups"), |g| g);
            groups.is_empty() || groups.iter().any(|g| g.is_empty() || *g == "*")
        })
        .map(|r| Rule {
            resources: strings(doc, doc.get(r, "resources"), Interned::from_ref),
            verbs: strings(doc, doc.get(r, "verbs"), Interned::from_ref),
            names: strings(doc, doc.get(r, "resourceNames"), CompactString::from),
        })
        .collect()
}

fn binding_of(doc: &Document<'_>, node: NodeId) -> Of {
    let (Some(ref_kind), Some(ref_name)) = (
        doc.str_at(node, &["roleRef", "kind"]),
        doc.str_at(node, &["roleRef", "name"]),
    ) else {
        return Of::Nothing;
    };
    let accounts = doc
        .get(node, "subjects")
        .map(|subjects| {
            doc.items(subjects)
                .filter(|&s| doc.str_at(s, &["kind"]) == Some("ServiceAccount"))
                .filter_map(|s| {
                    let name = doc.str_at(s, &["name"])?;
                    Some((
                        name.into(),
                        doc.str_at(s, &["namespace"]).map(Interned::from_ref),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Of::Binding(Box::new(Binding {
        role_is_namespaced: ref_kind == "Role",
        role: ref_name.into(),
        accounts,
    }))
}

/// A role's rules as granted to a ServiceAccount by one binding.
#[derive(Debug, Clone)]
struct Grant {
    /// Where the rules apply: a namespace, or `None` for every namespace.
    namespace: Option<Interned>,
    /// Shared with the role and its other bindings.
    rules: Arc<[Rule]>,
}

/// The grants of the input, by ServiceAccount: (scope, its namespace, its
/// name), so that each workload finds its own without a scan of all.
#[derive(Debug, Default)]
pub struct Rbac {
    /// Sorted by account, in the order of their bindings for one account:
    /// one flat list, where a map held two strings and a vector per
    /// account (12.5k accounts with a grant each took 2.7 MB).
    grants: Vec<(Grantee, Grant)>,
}

/// A ServiceAccount granted rules: (scope, namespace, name).
type Grantee = (usize, Interned, CompactString);

/// How grants are ordered: by scope, namespace and name, as text.
fn by_account(a: &Grantee) -> (usize, &str, &str) {
    (a.0, a.1.as_str(), a.2.as_str())
}

impl Rbac {
    pub fn build(model: &Model<'_>) -> Rbac {
        let facts: Vec<(&Object, Cow<'_, RbacFacts>)> = (0..model.objects.len())
            .filter_map(|i| Some((&model.objects[i], model.rbac_facts(i)?)))
            .collect();
        // (scope, namespace or "" for a ClusterRole, name) → rules.
        let mut roles: HashMap<(usize, &str, &str), &Arc<[Rule]>> = HashMap::new();
        for (o, f) in &facts {
            let Of::Role(rules) = &f.of else { continue };
            let ns = match o.kind_name().as_str() {
                "Role" => o.namespace.as_str(),
                _ => "",
            };
            roles.insert((model.scope_of(o), ns, o.name.as_str()), rules);
        }
        let mut grants: Vec<(Grantee, Grant)> = Vec::new();
        for (o, f) in &facts {
            let Of::Binding(binding) = &f.of else {
                continue;
            };
            let Binding {
                role_is_namespaced,
                role,
                accounts,
            } = &**binding;
            let cluster = o.kind_name().as_str() == "ClusterRoleBinding";
            let role_ns = if *role_is_namespaced {
                o.namespace.as_str()
            } else {
                ""
            };
            let Some(rules) = roles.get(&(model.scope_of(o), role_ns, role)) else {
                continue;
            };
            for &(ref name, namespace) in accounts {
                let sa_ns = namespace.unwrap_or(o.namespace);
                grants.push((
                    (model.scope_of(o), sa_ns, name.clone()),
                    Grant {
                        namespace: (!cluster).then_some(o.namespace),
                        rules: Arc::clone(rules),
                    },
                ));
            }
        }
        // Stable: an account's grants stay in the order of their bindings.
        grants.sort_by(|(a, _), (b, _)| by_account(a).cmp(&by_account(b)));
        grants.shrink_to_fit();
        Rbac { grants }
    }

    /// The rules granted to `account` (a ServiceAccount of `workload`'s
    /// namespace, in its scope, [`Model::scope_of`]) on objects of `kind`,
    /// each with where it applies.
    fn grants_for<'g>(
        &'g self,
        scope: usize,
        workload: &'g Object,
        account: &'g str,
        kind: ConfigKind,
    ) -> impl Iterator<Item = (Option<Interned>, &'g Rule)> + 'g {
        let resource = resource(kind);
        let key = (scope, workload.namespace.as_str(), account);
        let from = self.grants.partition_point(|(a, _)| by_account(a) < key);
        let to = from + self.grants[from..].partition_point(|(a, _)| by_account(a) == key);
        self.grants[from..to]
            .iter()
            .flat_map(|(_, g)| g.rules.iter().map(move |r| (g.namespace, r)))
            .filter(move |(_, r)| {
                r.resources
                    .iter()
                    .any(|r| r.as_str() == resource || r.as_str() == "*")
            })
    }

    /// Where `account` may read objects of `kind` (get, list or watch):
    /// (namespace, or `None` for every one; names, or none for all).
    pub fn readable(
        &self,
        scope: usize,
        workload: &Object,
        account: &str,
        kind: ConfigKind,
    ) -> Vec<(Option<Interned>, Vec<CompactString>)> {
        self.grants_for(scope, workload, account, kind)
            .filter(|(_, r)| {
                r.verbs
                    .iter()
                    .any(|v| matches!(v.as_str(), "get" | "list" | "watch" | "*"))
            })
            .map(|(namespace, r)| (namespace, r.names.to_vec()))
            .collect()
    }

    /// The names of `kind` that `account` may create, by namespace (`None`
    /// for every one): when it may create that kind, the names its rules on
    /// that kind list (`resourceNames` do not limit `create`, so they are
    /// the evidence of which object it makes).
    pub fn created_names(
        &self,
        scope: usize,
        workload: &Object,
        account: &str,
        kind: ConfigKind,
    ) -> Vec<(Option<String>, String)> {
        let grants: Vec<(Option<Interned>, &Rule)> =
            self.grants_for(scope, workload, account, kind).collect();
        if !grants.iter().any(|(_, r)| {
            r.verbs
                .iter()
                .any(|v| v.as_str() == "create" || v.as_str() == "*")
        }) {
            return Vec::new();
        }
        grants
            .iter()
            .flat_map(|(ns, r)| {
                r.names
                    .iter()
                    .map(|n| (ns.map(|ns| ns.to_string()), n.to_string()))
            })
            .collect()
    }
}

/// Whether an object is of the RBAC API group, which [`Rbac::build`] reads.
pub fn is_rbac(o: &Object) -> bool {
    o.group() == "rbac.authorization.k8s.io"
}

fn resource(kind: ConfigKind) -> &'static str {
    match kind {
        ConfigKind::ConfigMap => "configmaps",
        ConfigKind::Secret => "secrets",
    }
}

/// The ServiceAccount a workload's pods run as.
pub fn service_account<'d>(doc: &'d Document<'_>, pod_spec: Option<NodeId>) -> &'d str {
    pod_spec
        .and_then(|s| {
            doc.str_at(s, &["serviceAccountName"])
                .or_else(|| doc.str_at(s, &["serviceAccount"]))
        })
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    const INPUT: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: apps}
rules:
- apiGroups: ['']
  resources: [configmaps]
  resourceNames: [app-config]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: apps}
roleRef: {kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secrets}
rules:
- apiGroups: ['']
  resources: [secrets]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: secrets}
roleRef: {kind: ClusterRole, name: secrets}
subjects: [{kind: ServiceAccount, name: app, namespace: apps}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: apps}
spec:
  template:
    spec:
      serviceAccountName: app
      containers: [{name: c, image: x}]
";

    /// Lint lets go of the trees of roles and bindings: they hold what
    /// RBAC and usage read of them, which gives the grants and references
    /// their trees give.
    #[test]
    fn inert_roles_and_bindings_grant_what_their_trees_do() {
        let sources = [Source::new("-", None, INPUT)];
        let full = Model::build(crate::model::parse(&sources, "default").unwrap()).unwrap();
        let release = crate::model::Release::Inert(crate::lint::inert);
        let lint = Model::build_lenient(
            crate::model::parse_lenient(&sources, "default", release).unwrap(),
        )
        .unwrap();
        let rbac_objects = |m: &Model<'_>| -> Vec<(bool, bool)> {
            m.objects
                .iter()
                .filter(|o| is_rbac(o))
                .map(|o| (o.inert, m.doc(o).holds_tree()))
                .collect()
        };
        assert_eq!(rbac_objects(&lint), [(true, false); 4]);
        assert_eq!(rbac_objects(&full), [(false, true); 4]);
        let facts = |m: &Model<'_>| -> Vec<RbacFacts> {
            (0..m.objects.len())
                .filter_map(|i| m.rbac_facts(i).map(|f| f.into_owned()))
                .collect()
        };
        let held = facts(&lint);
        assert_eq!(held, facts(&full));
        assert_eq!(
            held[0]
                .references
                .iter()
                .map(|(n, _)| &**n)
                .collect::<Vec<_>>(),
            ["app-config"],
            "a rule's resourceNames"
        );
        let w = |m: &Model<'_>| {
            m.objects
                .iter()
                .position(|o| o.kind_name().as_str() == "Deployment")
                .unwrap()
        };
        let (lean, whole) = (Rbac::build(&lint), Rbac::build(&full));
        for kind in [ConfigKind::ConfigMap, ConfigKind::Secret] {
            let of = |r: &Rbac, m: &Model<'_>| {
                let o = &m.objects[w(m)];
                r.readable(m.scope_of(o), o, "app", kind)
            };
            assert_eq!(of(&lean, &lint), of(&whole, &full));
            assert!(!of(&lean, &lint).is_empty());
        }
        assert_eq!(rbac_objects(&lint), [(true, false); 4], "no tree read");
    }

    #[test]
    fn roles_and_cluster_roles_through_their_bindings() {
        let sources = [Source::new("-", None, INPUT)];
        let model = Model::build(crate::model::parse(&sources, "default").unwrap()).unwrap();
        let rbac = Rbac::build(&model);
        let w = model
            .objects
            .iter()
            .find(|o| o.kind_name().as_str() == "Deployment")
            .unwrap();
        let cm = ConfigKind::ConfigMap;
        let scope = model.scope_of(w);
        // A Role: its namespace, its resourceNames.
        assert_eq!(
            rbac.readable(scope, w, "app", cm),
            [(Some(Interned::from_ref("apps")), vec!["app-config".into()])]
        );
        assert!(
            rbac.readable(scope, w, "default", cm).is_empty(),
            "another account"
        );
        // A ClusterRole through a ClusterRoleBinding: every namespace, all names.
        assert_eq!(
            rbac.readable(scope, w, "app", ConfigKind::Secret),
            [(None, Vec::<CompactString>::new())]
        );
        assert!(
            rbac.created_names(scope, w, "app", cm).is_empty(),
            "may not create"
        );
    }
}
