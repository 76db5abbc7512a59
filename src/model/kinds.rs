//! The kinds confsum knows: which objects hold configuration, which are
//! workloads, where a workload keeps its pod template, and the fields of a
//! pod spec and of config data that the other stages walk. One list of each.

/// The fields of a pod spec that hold containers.
pub const CONTAINER_FIELDS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// The data fields of a ConfigMap or Secret, in the order the API server
/// overlays them, with whether each holds base64.
pub fn data_fields(kind: Kind) -> &'static [(&'static str, bool)] {
    match kind {
        Kind::Config(ConfigKind::ConfigMap) => &[("data", false), ("binaryData", true)],
        Kind::Config(ConfigKind::Secret) => &[("data", true), ("stringData", false)],
        _ => &[],
    }
}

/// Every data field of any config kind, for shape checks.
pub const ALL_DATA_FIELDS: [&str; 3] = ["data", "binaryData", "stringData"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigKind {
    ConfigMap,
    Secret,
}

impl ConfigKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::ConfigMap => "ConfigMap",
            ConfigKind::Secret => "Secret",
        }
    }
}

/// A set of config kinds: what a reference by name can mean. A byte,
/// where a vector took an allocation per reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ConfigKinds(u8);

impl ConfigKinds {
    pub const BOTH: ConfigKinds = ConfigKinds(0b11);

    fn bit(kind: ConfigKind) -> u8 {
        1 << kind as u8
    }

    pub fn contains(self, kind: ConfigKind) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    pub fn with(self, kind: ConfigKind) -> ConfigKinds {
        ConfigKinds(self.0 | Self::bit(kind))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    Pod,
    Rollout,
    DeploymentConfig,
}

impl WorkloadKind {
    pub(super) fn from(group: &str, kind: &str) -> Option<Self> {
        use WorkloadKind::*;
        Some(match (group, kind) {
            ("apps" | "extensions", "Deployment") => Deployment,
            ("apps", "StatefulSet") => StatefulSet,
            ("apps" | "extensions", "DaemonSet") => DaemonSet,
            ("apps" | "extensions", "ReplicaSet") => ReplicaSet,
            ("", "ReplicationController") => ReplicationController,
            ("batch", "Job") => Job,
            ("batch", "CronJob") => CronJob,
            ("", "Pod") => Pod,
            ("argoproj.io", "Rollout") => Rollout,
            ("apps.openshift.io" | "", "DeploymentConfig") => DeploymentConfig,
            _ => return None,
        })
    }

    /// Whether `kind` names a workload kind in any API group.
    pub fn is_kind_name(kind: &str) -> bool {
        ["apps", "", "batch", "argoproj.io", "apps.openshift.io"]
            .iter()
            .any(|g| Self::from(g, kind).is_some())
    }

    /// Where the pod template lives, as a path of keys from the object.
    pub fn template_path(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::CronJob => &["spec", "jobTemplate", "spec", "template"],
            WorkloadKind::Pod => &[],
            _ => &["spec", "template"],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Config(ConfigKind),
    Workload(WorkloadKind),
    Other,
}

/// Why confsum writes no checksum into a workload that consumes config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotInjectable {
    /// A bare Pod is never restarted when its annotations change.
    BarePod,
    /// A plain Job's pod template is immutable; only hook Jobs are recreated.
    PlainJob,
}

impl NotInjectable {
    pub fn reason(self) -> &'static str {
        match self {
            NotInjectable::BarePod => "a bare Pod never restarts on an annotation change",
            NotInjectable::PlainJob => "a plain Job's pod template is immutable",
        }
    }
}

/// Whether a built-in kind is cluster-scoped: the API server ignores its
/// `metadata.namespace`, so two with one name are one object. Kinds of
/// custom resources are not known here and count as namespaced.
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (
            "",
            "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus"
        ) | (
            "rbac.authorization.k8s.io",
            "ClusterRole" | "ClusterRoleBinding"
        ) | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("apiregistration.k8s.io", "APIService")
            | (
                "admissionregistration.k8s.io",
                "ValidatingWebhookConfiguration"
                    | "MutatingWebhookConfiguration"
                    | "ValidatingAdmissionPolicy"
                    | "ValidatingAdmissionPolicyBinding"
                    | "MutatingAdmissionPolicy"
                    | "MutatingAdmissionPolicyBinding"
            )
            | (
                "storage.k8s.io",
                "StorageClass" | "CSIDriver" | "CSINode" | "VolumeAttachment"
            )
            | ("scheduling.k8s.io", "PriorityClass")
            | ("networking.k8s.io", "IngressClass")
            | ("node.k8s.io", "RuntimeClass")
            | ("certificates.k8s.io", "CertificateSigningRequest")
            | ("policy", "PodSecurityPolicy")
            | (
                "flowcontrol.apiserver.k8s.io",
                "FlowSchema" | "PriorityLevelConfiguration"
            )
    )
}

/// Whether a ConfigMap's or Secret's name ends in a content hash, as
/// kustomize's generators write (`app-config-7b4f9k2m8d`): a change of
/// content is a new name, so its consumers roll by themselves.
pub fn has_content_hash(name: &str) -> bool {
    use std::sync::OnceLock;
    static R: OnceLock<regex::Regex> = OnceLock::new();
    // A final segment of 7+ characters mixing letters and digits, or hex.
    let re = R.get_or_init(|| {
        regex::Regex::new(r"[-.](([a-z0-9]*[0-9][a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]*[a-z][a-z0-9]*[0-9][a-z0-9]*)|[0-9a-f]+)$")
            .expect("a valid pattern")
    });
    re.find(name).is_some_and(|m| m.as_str().len() > 6)
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_hashes() {
        assert!(super::has_content_hash("app-config-7b4f9k2m8d"));
        assert!(super::has_content_hash("app-3f2a9c1d"));
        assert!(!super::has_content_hash("app-config"));
        assert!(!super::has_content_hash("app-config-v2"));
        assert!(!super::has_content_hash("grafana-dashboards"));
    }
}
