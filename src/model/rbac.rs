//! RBAC of the input: what each ServiceAccount may do with ConfigMaps and
//! Secrets, through Roles, ClusterRoles and their bindings. Config read
//! through the API (a controller that gets its ConfigMap by name) or made
//! at run time (a hook Job that creates a Secret) is found here.

use std::collections::HashMap;

use super::{ConfigKind, Model, Object};
use crate::yaml::{Document, NodeId};

/// One rule of a Role or ClusterRole, as granted to a ServiceAccount.
#[derive(Debug, Clone)]
struct Grant {
    /// Where the rule applies: a namespace, or `None` for every namespace.
    namespace: Option<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
    names: Vec<String>,
}

/// The grants of the input, by ServiceAccount: (scope, its namespace, its
/// name), so that each workload finds its own without a scan of all.
#[derive(Debug, Default)]
pub struct Rbac {
    grants: HashMap<(usize, String, String), Vec<Grant>>,
}

/// A Role's or ClusterRole's rules that can concern the core group.
type Rules = Vec<(Vec<String>, Vec<String>, Vec<String>)>;

fn strings(doc: &Document<'_>, node: Option<NodeId>) -> Vec<String> {
    node.map(|n| {
        doc.items(n)
            .filter_map(|i| doc.scalar(i).map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

fn rules_of(doc: &Document<'_>, node: NodeId) -> Rules {
    let Some(rules) = doc.get(node, "rules") else {
        return Vec::new();
    };
    doc.items(rules)
        .filter(|&r| {
            let groups = strings(doc, doc.get(r, "apiGroups"));
            groups.is_empty() || groups.iter().any(|g| g.is_empty() || g == "*")
        })
        .map(|r| {
            (
                strings(doc, doc.get(r, "resources")),
                strings(doc, doc.get(r, "verbs")),
                strings(doc, doc.get(r, "resourceNames")),
            )
        })
        .collect()
}

impl Rbac {
    pub fn build(model: &Model<'_>) -> Rbac {
        // (scope, namespace or "" for a ClusterRole, name) → rules.
        let mut roles: HashMap<(usize, String, String), Rules> = HashMap::new();
        for o in model.objects.iter().filter(|o| is_rbac(o)) {
            let ns = match o.kind_name.as_str() {
                "Role" => o.namespace.to_string(),
                "ClusterRole" => String::new(),
                _ => continue,
            };
            roles.insert(
                (o.scope(), ns, o.name.to_string()),
                rules_of(model.doc(o), o.node),
            );
        }
        let mut grants: HashMap<(usize, String, String), Vec<Grant>> = HashMap::new();
        for o in model.objects.iter().filter(|o| is_rbac(o)) {
            let cluster = match o.kind_name.as_str() {
                "RoleBinding" => false,
                "ClusterRoleBinding" => true,
                _ => continue,
            };
            let doc = model.doc(o);
            let (Some(ref_kind), Some(ref_name)) = (
                doc.str_at(o.node, &["roleRef", "kind"]),
                doc.str_at(o.node, &["roleRef", "name"]),
            ) else {
                continue;
            };
            let role_ns = if ref_kind == "Role" {
                o.namespace.to_string()
            } else {
                String::new()
            };
            let Some(rules) = roles.get(&(o.scope(), role_ns, ref_name.to_string())) else {
                continue;
            };
            let Some(subjects) = doc.get(o.node, "subjects") else {
                continue;
            };
            for s in doc.items(subjects) {
                if doc.str_at(s, &["kind"]) != Some("ServiceAccount") {
                    continue;
                }
                let Some(name) = doc.str_at(s, &["name"]) else {
                    continue;
                };
                let sa_ns = doc
                    .str_at(s, &["namespace"])
                    .unwrap_or(&o.namespace)
                    .to_string();
                let of_account = grants
                    .entry((o.scope(), sa_ns, name.to_string()))
                    .or_default();
                for (resources, verbs, names) in rules {
                    of_account.push(Grant {
                        namespace: (!cluster).then(|| o.namespace.to_string()),
                        resources: resources.clone(),
                        verbs: verbs.clone(),
                        names: names.clone(),
                    });
                }
            }
        }
        Rbac { grants }
    }

    /// The rules granted to `account` (a ServiceAccount of `workload`'s
    /// namespace, in its scope) on objects of `kind`.
    fn grants_for<'g>(
        &'g self,
        workload: &'g Object,
        account: &'g str,
        kind: ConfigKind,
    ) -> impl Iterator<Item = &'g Grant> + 'g {
        let resource = resource(kind);
        self.grants
            .get(&(
                workload.scope(),
                workload.namespace.to_string(),
                account.to_string(),
            ))
            .into_iter()
            .flatten()
            .filter(move |g| g.resources.iter().any(|r| r == resource || r == "*"))
    }

    /// Where `account` may read objects of `kind` (get, list or watch):
    /// (namespace, or `None` for every one; names, or none for all).
    pub fn readable(
        &self,
        workload: &Object,
        account: &str,
        kind: ConfigKind,
    ) -> Vec<(Option<String>, Vec<String>)> {
        self.grants_for(workload, account, kind)
            .filter(|g| {
                g.verbs
                    .iter()
                    .any(|v| matches!(v.as_str(), "get" | "list" | "watch" | "*"))
            })
            .map(|g| (g.namespace.clone(), g.names.clone()))
            .collect()
    }

    /// The names of `kind` that `account` may create, by namespace (`None`
    /// for every one): when it may create that kind, the names its rules on
    /// that kind list (`resourceNames` do not limit `create`, so they are
    /// the evidence of which object it makes).
    pub fn created_names(
        &self,
        workload: &Object,
        account: &str,
        kind: ConfigKind,
    ) -> Vec<(Option<String>, String)> {
        let grants: Vec<&Grant> = self.grants_for(workload, account, kind).collect();
        if !grants
            .iter()
            .any(|g| g.verbs.iter().any(|v| v == "create" || v == "*"))
        {
            return Vec::new();
        }
        grants
            .iter()
            .flat_map(|g| g.names.iter().map(|n| (g.namespace.clone(), n.clone())))
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

    #[test]
    fn roles_and_cluster_roles_through_their_bindings() {
        let sources = [Source::new("-", None, INPUT)];
        let model = Model::build(crate::model::parse(&sources, "default").unwrap()).unwrap();
        let rbac = Rbac::build(&model);
        let w = model
            .objects
            .iter()
            .find(|o| o.kind_name.as_str() == "Deployment")
            .unwrap();
        let cm = ConfigKind::ConfigMap;
        // A Role: its namespace, its resourceNames.
        assert_eq!(
            rbac.readable(w, "app", cm),
            [(Some("apps".to_string()), vec!["app-config".to_string()])]
        );
        assert!(
            rbac.readable(w, "default", cm).is_empty(),
            "another account"
        );
        // A ClusterRole through a ClusterRoleBinding: every namespace, all names.
        assert_eq!(
            rbac.readable(w, "app", ConfigKind::Secret),
            [(None, Vec::<String>::new())]
        );
        assert!(
            rbac.created_names(w, "app", cm).is_empty(),
            "may not create"
        );
    }
}
