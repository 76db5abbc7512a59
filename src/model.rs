//! The model stage: turns parsed documents into Kubernetes objects, knows
//! every workload kind and where its pod template lives, flattens `kind:
//! List`, and fills in the release namespace. It hands [`Model`] to `graph`.

use crate::display::escape_control;
use crate::error::{Error, Result};
use crate::load::Source;
use crate::yaml::{self, Document, NodeId, NodeKind};

/// A source and its parsed documents.
pub struct ParsedSource<'a> {
    pub source: &'a Source,
    pub docs: Vec<Document<'a>>,
}

/// Parse every source. The first error stops the run, located in its file.
pub fn parse<'a>(sources: &'a [Source]) -> Result<Vec<ParsedSource<'a>>> {
    parse_keeping(sources, yaml::Keep::All)
}

/// Whether a kind can matter to the graph: ConfigMaps, Secrets, workloads,
/// and lists (which may hold them).
pub fn matters_to_graph(kind: &str) -> bool {
    matches!(
        kind,
        "ConfigMap"
            | "Secret"
            | "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job"
            | "CronJob"
            | "Pod"
            | "Rollout"
            | "DeploymentConfig"
    ) || kind.ends_with("List")
}

/// Parse every source, keeping the trees `keep` asks for.
pub fn parse_keeping<'a>(sources: &'a [Source], keep: yaml::Keep) -> Result<Vec<ParsedSource<'a>>> {
    sources
        .iter()
        .map(|source| {
            let docs = yaml::parse_stream_keeping(&source.text, keep).map_err(|e| {
                let range = document_around(&source.text, e.offset);
                let doc_text = &source.text[range.clone()];
                Error::at(
                    format!("invalid YAML: {}", tidy_parser_message(&e.message)),
                    source,
                    e.offset,
                    unparsed_kind_may_be_shown(doc_text).then_some(range),
                )
                .with_template(template_of(doc_text))
                .with_help("fix the YAML syntax at this position (`helm template` output is a good reference)")
            })?;
            Ok(ParsedSource { source, docs })
        })
        .collect()
}

fn tidy_parser_message(m: &str) -> String {
    m.lines()
        .next()
        .unwrap_or(m)
        .trim_end_matches('.')
        .to_string()
}

fn document_around(text: &str, offset: usize) -> std::ops::Range<usize> {
    let ranges = yaml::split_documents(text);
    ranges
        .into_iter()
        .find(|r| r.contains(&offset) || r.end == offset)
        .unwrap_or(offset..offset)
}

fn template_of(doc: &str) -> Option<&str> {
    doc.lines()
        .find_map(|l| l.trim_end_matches('\r').strip_prefix("# Source: "))
}

/// Whether an object of `kind` may be shown in an error snippet: never a
/// Secret or anything named like one (SealedSecret, ExternalSecret), never a
/// list (its items may be Secrets).
pub fn kind_may_be_shown(kind: &str) -> bool {
    !kind.to_ascii_lowercase().contains("secret") && !kind.ends_with("List")
}

/// For a document that did not parse: whether its kind is known for sure
/// and may be shown. Known means one top-level `kind:` line, parsed as
/// YAML (so `"Secr\u0065t"` is `Secret`), in a document whose top level is
/// plainly a block mapping; anything less certain shows no snippet.
pub fn unparsed_kind_may_be_shown(doc_text: &str) -> bool {
    let mut kind = None;
    for line in doc_text.split(['\n', '\r']) {
        if let Some(rest) = line.strip_prefix("---") {
            // A node on the marker line (`--- {kind: Secret}`, `--- x`).
            let rest = rest.trim_start();
            if !rest.is_empty() && !rest.starts_with('#') {
                return false;
            }
            continue;
        }
        if line.starts_with([
            '"', '\'', '?', '{', '[', '&', '*', '!', '<', '%', '|', '>', '\t',
        ]) {
            return false;
        }
        if line.starts_with("kind:") {
            if kind.is_some() {
                return false;
            }
            let Ok(docs) = yaml::parse_stream(line) else {
                return false;
            };
            let Some(k) = docs
                .first()
                .and_then(|d| d.root.and_then(|r| d.str_at(r, &["kind"])))
            else {
                return false;
            };
            kind = Some(k.to_string());
        }
    }
    kind.is_some_and(|k| kind_may_be_shown(&k))
}

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
    fn from(group: &str, kind: &str) -> Option<Self> {
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

/// One Kubernetes object of the input.
#[derive(Debug, Clone)]
pub struct Object {
    /// Index of the source in the model's sources.
    pub file: usize,
    /// Index of the document in its source.
    pub doc: usize,
    /// The object's mapping node (an item, for a `List`).
    pub node: NodeId,
    pub kind: Kind,
    pub api_version: String,
    pub kind_name: String,
    pub group: String,
    pub name: String,
    pub namespace: String,
    /// Whether `metadata.namespace` was absent (the release namespace applies).
    pub namespace_defaulted: bool,
}

/// Every object of the input, in stream order.
pub struct Model<'a> {
    pub files: Vec<ParsedSource<'a>>,
    pub objects: Vec<Object>,
}

pub type ObjId = usize;

impl<'a> Model<'a> {
    /// Build the model. `namespace` is the release namespace for objects that
    /// name none.
    pub fn build(files: Vec<ParsedSource<'a>>, namespace: &str) -> Result<Self> {
        use rayon::prelude::*;
        // Documents are independent: read them on all cores, keep their
        // order, and report the first error in that order.
        let documents: Vec<(usize, usize, &Document<'a>)> = files
            .iter()
            .enumerate()
            .flat_map(|(fi, file)| {
                file.docs
                    .iter()
                    .enumerate()
                    .map(move |(di, doc)| (fi, di, doc))
            })
            .collect();
        let per_document: Vec<Result<Vec<Object>>> = documents
            .par_iter()
            .map(|&(fi, di, doc)| {
                let file = &files[fi];
                let mut found = Vec::new();
                let Some(root) = doc.root else {
                    return Ok(Vec::new());
                };
                let err = |id: NodeId, msg: String| {
                    let shown = doc
                        .root
                        .and_then(|r| doc.str_at(r, &["kind"]))
                        .is_some_and(kind_may_be_shown);
                    Error::at(
                        msg,
                        file.source,
                        doc.node(id).span.start,
                        shown.then(|| doc.span.clone()),
                    )
                    .with_template(doc.template)
                };
                if !doc.is_mapping(root) {
                    return Err(err(
                        root,
                        format!(
                            "a document is {}, not a Kubernetes object",
                            describe(doc, root)
                        ),
                    )
                    .with_help(
                        "each YAML document must be a mapping with apiVersion, kind and metadata",
                    ));
                }
                if is_list(doc, root) {
                    let Some(items) = doc.get(root, "items") else {
                        return Ok(Vec::new());
                    };
                    if !matches!(doc.node(items).kind, NodeKind::Sequence { .. })
                        && doc.scalar_type(items) != Some(yaml::ScalarType::Null)
                    {
                        return Err(err(
                            items,
                            format!(
                                "`items` of a List is {}, not a sequence",
                                describe(doc, items)
                            ),
                        ));
                    }
                    for item in doc.items(items) {
                        if !doc.is_mapping(item) {
                            return Err(err(
                                item,
                                format!(
                                    "an item of a List is {}, not a Kubernetes object",
                                    describe(doc, item)
                                ),
                            ));
                        }
                        if let Some(o) = object(fi, di, doc, item, namespace, &err)? {
                            found.push(o);
                        }
                    }
                } else if let Some(o) = object(fi, di, doc, root, namespace, &err)? {
                    found.push(o);
                }
                Ok(found)
            })
            .collect();
        let mut objects = Vec::new();
        for result in per_document {
            objects.extend(result?);
        }
        Ok(Model { files, objects })
    }

    pub fn doc(&self, obj: &Object) -> &Document<'a> {
        &self.files[obj.file].docs[obj.doc]
    }

    pub fn source(&self, obj: &Object) -> &'a Source {
        self.files[obj.file].source
    }

    /// The pod template of a workload: `spec.template`, CronJob's
    /// `spec.jobTemplate.spec.template`, or a Pod itself.
    pub fn pod_template(&self, obj: &Object) -> Option<NodeId> {
        let Kind::Workload(kind) = obj.kind else {
            return None;
        };
        self.doc(obj).path(obj.node, kind.template_path())
    }

    /// The pod spec: the template's `spec`.
    pub fn pod_spec(&self, obj: &Object) -> Option<NodeId> {
        let doc = self.doc(obj);
        doc.get(self.pod_template(obj)?, "spec")
    }

    /// Whether a workload is a Helm hook (`metadata.annotations["helm.sh/hook"]`).
    pub fn is_helm_hook(&self, obj: &Object) -> bool {
        self.doc(obj)
            .str_at(obj.node, &["metadata", "annotations", "helm.sh/hook"])
            .is_some()
    }

    /// Whether confsum writes checksums into this workload's pod template.
    /// Plain Jobs are immutable and bare Pods never restart on an annotation.
    pub fn is_injectable(&self, obj: &Object) -> bool {
        match obj.kind {
            Kind::Workload(WorkloadKind::Pod) => false,
            Kind::Workload(WorkloadKind::Job) => self.is_helm_hook(obj),
            Kind::Workload(_) => true,
            _ => false,
        }
    }

    /// `kind/namespace/name` for messages.
    pub fn display_name(&self, obj: &Object) -> String {
        format!("{}/{}/{}", obj.kind_name, obj.namespace, obj.name)
    }
}

fn is_list(doc: &Document<'_>, root: NodeId) -> bool {
    doc.str_at(root, &["kind"]).is_some_and(|k| {
        k == "List"
            || k.ends_with("List")
                && doc.get(root, "items").is_some()
                && doc.str_at(root, &["apiVersion"]) == Some("v1")
    })
}

fn describe(doc: &Document<'_>, id: NodeId) -> &'static str {
    match doc.node(doc.resolve(id)).kind {
        NodeKind::Scalar { .. } => "a scalar",
        NodeKind::Sequence { .. } => "a sequence",
        NodeKind::Mapping { .. } => "a mapping",
        NodeKind::Alias { .. } => "an alias",
    }
}

fn object(
    file: usize,
    doc_index: usize,
    doc: &Document<'_>,
    node: NodeId,
    namespace: &str,
    err: &dyn Fn(NodeId, String) -> Error,
) -> Result<Option<Object>> {
    // A mapping without apiVersion and kind (a values file, Chart.yaml) is
    // not a Kubernetes object; it is skipped, not an error.
    let (Some(api_version), Some(kind_name)) =
        (str_of(doc, node, "apiVersion"), str_of(doc, node, "kind"))
    else {
        return Ok(None);
    };
    if let Some(meta) = doc.get(node, "metadata")
        && !doc.is_mapping(meta)
        && doc.scalar_type(meta) != Some(yaml::ScalarType::Null)
    {
        return Err(err(
            meta,
            format!(
                "`metadata` of {kind_name} is {}, not a mapping",
                describe(doc, meta)
            ),
        ));
    }
    let group = api_version
        .rsplit_once('/')
        .map_or("", |(g, _)| g)
        .to_string();
    // Names are shown everywhere: a control character in one (which the API
    // server would refuse anyway) is kept as visible `\u{..}` text.
    let name = escape_control(doc.str_at(node, &["metadata", "name"]).unwrap_or("")).into_owned();
    let kind_name = escape_control(&kind_name).into_owned();
    let (namespace, namespace_defaulted) = match doc.str_at(node, &["metadata", "namespace"]) {
        Some(ns) if !ns.is_empty() => (escape_control(ns).into_owned(), false),
        _ => (namespace.to_string(), true),
    };
    let kind = match (group.as_str(), kind_name.as_str()) {
        ("", "ConfigMap") => Kind::Config(ConfigKind::ConfigMap),
        ("", "Secret") => Kind::Config(ConfigKind::Secret),
        (g, k) => WorkloadKind::from(g, k).map_or(Kind::Other, Kind::Workload),
    };
    let o = Object {
        file,
        doc: doc_index,
        node,
        kind,
        api_version,
        kind_name,
        group,
        name,
        namespace,
        namespace_defaulted,
    };
    if let Kind::Workload(wk) = kind {
        check_workload_shape(doc, node, wk, err)?;
    }
    if let Kind::Config(_) = kind {
        for key in ["data", "binaryData", "stringData"] {
            if let Some(d) = doc.get(node, key)
                && !doc.is_mapping(d)
                && doc.scalar_type(d) != Some(yaml::ScalarType::Null)
            {
                return Err(err(
                    d,
                    format!(
                        "`{key}` of {} `{}` is {}, not a mapping",
                        o.kind_name,
                        o.name,
                        describe(doc, d)
                    ),
                ));
            }
        }
    }
    Ok(Some(o))
}

fn str_of(doc: &Document<'_>, node: NodeId, key: &str) -> Option<String> {
    doc.str_at(node, &[key]).map(str::to_string)
}

/// Shapes the graph relies on: a scalar where a mapping or sequence belongs
/// is an error (the API server rejects the object too).
fn check_workload_shape(
    doc: &Document<'_>,
    node: NodeId,
    kind: WorkloadKind,
    err: &dyn Fn(NodeId, String) -> Error,
) -> Result<()> {
    let mut at = node;
    let mut path = String::new();
    for key in kind.template_path() {
        let Some(next) = doc.get(at, key) else {
            return Ok(());
        };
        path.push_str(if path.is_empty() { "" } else { "." });
        path.push_str(key);
        expect_mapping(doc, next, &path, err)?;
        at = next;
    }
    let template = at;
    if let Some(meta) = doc.get(template, "metadata") {
        expect_mapping(doc, meta, &format!("{path}.metadata"), err)?;
    }
    let Some(spec) = doc.get(template, "spec") else {
        return Ok(());
    };
    let spec_path = if path.is_empty() {
        "spec".to_string()
    } else {
        format!("{path}.spec")
    };
    expect_mapping(doc, spec, &spec_path, err)?;
    for list in [
        "containers",
        "initContainers",
        "ephemeralContainers",
        "volumes",
        "imagePullSecrets",
    ] {
        let Some(seq) = doc.get(spec, list) else {
            continue;
        };
        expect_sequence(doc, seq, &format!("{spec_path}.{list}"), err)?;
        for item in doc.items(seq) {
            expect_mapping(doc, item, &format!("an item of {spec_path}.{list}"), err)?;
            if list.ends_with("ontainers") {
                for inner in ["env", "envFrom", "volumeMounts"] {
                    if let Some(s) = doc.get(item, inner) {
                        expect_sequence(doc, s, &format!("{spec_path}.{list}[].{inner}"), err)?;
                        for i in doc.items(s) {
                            expect_mapping(
                                doc,
                                i,
                                &format!("an item of {spec_path}.{list}[].{inner}"),
                                err,
                            )?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn is_null(doc: &Document<'_>, id: NodeId) -> bool {
    doc.scalar_type(id) == Some(yaml::ScalarType::Null)
}

fn expect_mapping(
    doc: &Document<'_>,
    id: NodeId,
    what: &str,
    err: &dyn Fn(NodeId, String) -> Error,
) -> Result<()> {
    if doc.is_mapping(id) || is_null(doc, id) {
        return Ok(());
    }
    Err(err(
        id,
        format!("`{what}` is {}, but must be a mapping", describe(doc, id)),
    ))
}

fn expect_sequence(
    doc: &Document<'_>,
    id: NodeId,
    what: &str,
    err: &dyn Fn(NodeId, String) -> Error,
) -> Result<()> {
    if matches!(doc.node(doc.resolve(id)).kind, NodeKind::Sequence { .. }) || is_null(doc, id) {
        return Ok(());
    }
    Err(err(
        id,
        format!("`{what}` is {}, but must be a sequence", describe(doc, id)),
    ))
}
