//! The model stage: turns parsed documents into Kubernetes objects, knows
//! every workload kind and where its pod template lives, flattens `kind:
//! List`, and fills in the release namespace. It hands [`Model`] to `graph`.

use compact_str::CompactString;

use crate::display::escape_control;
use crate::error::{Error, Result};
use crate::source::Source;
use crate::yaml::{self, Document, Keeping, NodeId, NodeKind};

mod config_data;
mod kinds;
pub mod rbac;
pub mod reloaders;
mod shape;

pub use config_data::{BadValue, ConfigData, DataEntry, decode_base64};
pub use kinds::{
    ALL_DATA_FIELDS, CONTAINER_FIELDS, ConfigKind, ConfigKinds, Kind, NotInjectable, WorkloadKind,
    data_fields, has_content_hash, is_cluster_scoped,
};
use shape::check_workload_shape;

/// A source and its parsed documents.
pub struct ParsedSource<'a> {
    pub source: &'a Source,
    pub docs: Vec<Document<'a>>,
    /// Why a committed file that does not parse was left out: it is not a
    /// manifest (a Go template, another tool's configuration).
    pub unparsed: Option<&'static str>,
    /// Documents that did not parse, in a lenient parse (lint).
    pub broken: Vec<Broken>,
    /// Documents parsed and let go, by [`Tally`].
    pub dropped: [usize; yaml::TALLIES],
    /// What each kept document yields, read as it was parsed; taken by
    /// [`Model::build`].
    read: Vec<Found>,
    /// Index of the file's scope in [`Model::scopes`] ([`Model::scope_of`]).
    scope_at: u32,
}

/// Why a parse let a document go (the tallies of [`yaml::Keeping::Drop`]).
#[derive(Debug, Clone, Copy)]
pub enum Tally {
    /// An object of a kind no mode reads.
    Object = 0,
    /// A mapping with no `kind`: no Kubernetes object.
    NotAnObject = 1,
    /// Only comments, or null.
    Empty = 2,
}

impl Tally {
    fn drop(self) -> Keeping {
        Keeping::Drop {
            tally: self as usize,
        }
    }
}

impl<'a> ParsedSource<'a> {
    fn parsed(source: &'a Source, stream: yaml::Stream<'a, Found>, broken: Vec<Broken>) -> Self {
        ParsedSource {
            source,
            docs: stream.docs,
            unparsed: None,
            broken,
            dropped: stream.dropped,
            read: stream.visited,
            scope_at: 0,
        }
    }

    /// Index of the file's scope in [`Model::scopes`].
    pub fn scope(&self) -> usize {
        self.scope_at as usize
    }

    /// Documents parsed and let go because `why`.
    pub fn dropped(&self, why: Tally) -> usize {
        self.dropped[why as usize]
    }

    /// A file that does not parse and is no manifest: left out, saying why.
    fn not_a_manifest(source: &'a Source, why: &'static str) -> Self {
        ParsedSource {
            source,
            docs: Vec::new(),
            unparsed: Some(why),
            broken: Vec::new(),
            dropped: [0; yaml::TALLIES],
            read: Vec::new(),
            scope_at: 0,
        }
    }
}

/// A document lint could not read as an object: invalid YAML, or a shape
/// the API server refuses. Reported as the finding `invalid-object`.
#[derive(Debug, Clone)]
pub struct Broken {
    /// Index of the source.
    pub file: usize,
    /// Where the problem is.
    pub offset: usize,
    /// The document's bytes.
    pub document: std::ops::Range<usize>,
    pub message: String,
    /// Whether the document may be shown in a snippet (not a Secret).
    pub shown: bool,
}

/// Parse every source and read its objects. The first error stops the
/// run, located in its file. `namespace` is the release namespace, for
/// objects that name none.
pub fn parse<'a>(sources: &'a [Source], namespace: &str) -> Result<Vec<ParsedSource<'a>>> {
    parse_keeping(sources, yaml::Keep::All, namespace, Release::Nothing)
}

/// [`parse`] for the graph alone (inject, graph, plan): every document is
/// parsed and checked, but only ConfigMaps, Secrets, workloads and lists
/// are kept, and a ConfigMap's or Secret's tree is let go once its object
/// is read: only the checksum of a consumed one reads it again.
pub fn parse_for_graph<'a>(
    sources: &'a [Source],
    namespace: &str,
) -> Result<Vec<ParsedSource<'a>>> {
    parse_keeping(
        sources,
        yaml::Keep::Decide(keep_for_graph),
        namespace,
        Release::Configs,
    )
}

/// Which trees a parse lets go as soon as their objects are read (a later
/// read parses the document again).
#[derive(Clone, Copy)]
pub enum Release {
    /// None: every stage may walk every tree.
    Nothing,
    /// ConfigMaps' and Secrets': the graph reads one only when a checksum
    /// covers it.
    Configs,
    /// The trees of objects the predicate calls inert, which are marked
    /// [`Object::inert`]: the caller reads nothing of them but their names;
    /// and those of workloads whose tree outweighs twice their text, which
    /// the caller reads with [`Document::with_tree`].
    Inert(fn(&Document<'_>, &Object) -> bool),
}

/// How many times its text a workload's tree may take and be kept in graph
/// mode ([`Release::Configs`]) and by lint ([`Release::Inert`]).
const DENSE: usize = 2;

/// What the model reads of each document as it is parsed: its objects,
/// and whether it counts as a manifest.
struct Reader<'s> {
    source: &'s Source,
    file: usize,
    namespace: &'s str,
    release: Release,
}

impl<'s> Reader<'s> {
    /// A reader for each source, with the source and its index.
    fn each<'a: 's>(
        sources: &'a [Source],
        namespace: &'s str,
        release: Release,
    ) -> impl Iterator<Item = (usize, &'a Source, Reader<'s>)> {
        sources.iter().enumerate().map(move |(file, source)| {
            let reader = Reader {
                source,
                file,
                namespace,
                release,
            };
            (file, source, reader)
        })
    }
}

impl<'a> yaml::Visit<'a> for Reader<'_> {
    type Out = Found;
    fn visit(&self, doc: &Document<'a>) -> (Found, bool) {
        let mut found = document_objects(self.source, self.file, doc, self.namespace)
            .unwrap_or_else(|e| Found::Failed(Box::new(e), Facts::of(self.source, doc)));
        let release = match (&mut found, self.release) {
            (Found::One(o), Release::Configs) => match o.kind {
                Kind::Config(_) => true,
                // The graph and inject read a workload's tree in one place
                // each ([`Document::with_tree`]): one that would hold over
                // twice the input's bytes is parsed there again instead.
                Kind::Workload(_) => doc.tree_outweighs(DENSE),
                Kind::Other => false,
            },
            (Found::One(o), Release::Inert(inert)) => {
                // Read while the tree is here: an inert object's data is
                // read after its tree has gone.
                let held = if let Kind::Config(_) = o.kind {
                    // A text that is not the source's (a block scalar) is
                    // not copied: an inert config's is parsed again if it
                    // is ever read, as the rest of its tree.
                    let text = &self.source.text;
                    Some(Held::Config(ConfigData::read(
                        doc, o.node, o.kind, text, false,
                    )))
                } else if rbac::is_rbac(o) {
                    Some(Held::Rbac(rbac::RbacFacts::read(doc, o)))
                } else {
                    None
                };
                if let Some(held) = held {
                    o.data = once_cell::race::OnceBox::with_value(Box::new(held));
                }
                o.inert = inert(doc, o);
                let keep = match o.data.get() {
                    // Lint reads an inert ConfigMap's labels and, if
                    // something consumes it, its keys: with no labels, the
                    // data is read again then, and not held for the
                    // quarter of a million that nothing consumes.
                    Some(Held::Config(data)) => !o.inert || data.has_labels(),
                    // A role or binding that keeps its tree is read there.
                    Some(Held::Rbac(_)) => o.inert,
                    None => true,
                };
                if !keep {
                    o.data = once_cell::race::OnceBox::new();
                }
                // Lint reads a workload's tree in its graph, its usage and
                // its pass of the rules ([`crate::lint::Rule::per_workload`]),
                // each with [`Document::with_tree`]: a dense one is parsed
                // there again rather than held (flow style, three times its
                // text), as in graph mode.
                let dense = matches!(o.kind, Kind::Workload(_)) && doc.tree_outweighs(DENSE);
                o.inert || dense
            }
            _ => false,
        };
        (found, release)
    }
}

/// What a document tells of its file, beside its objects. Read from the
/// tree only for a document that is not one object ([`Found::facts`]).
#[derive(Clone, Copy)]
struct Facts {
    manifest: Manifest,
    /// A kustomization, whose generators name ConfigMaps and Secrets.
    kustomization: bool,
}

impl Facts {
    fn of(source: &Source, doc: &Document<'_>) -> Facts {
        Facts {
            manifest: manifest_kind(doc),
            kustomization: is_kustomization(source, doc),
        }
    }
}

/// What a kept document is, to tell a file of manifests from another
/// tool's YAML ([`not_manifests`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Manifest {
    /// No mapping with `apiVersion` and `kind`.
    None,
    Object,
    /// An object of kustomize's own configuration.
    Kustomize,
}

fn manifest_kind(doc: &Document<'_>) -> Manifest {
    let Some(root) = doc.root().filter(|&r| doc.is_mapping(r)) else {
        return Manifest::None;
    };
    match (
        doc.str_at(root, &["apiVersion"]),
        doc.str_at(root, &["kind"]),
    ) {
        (Some(api), Some(_)) if api.starts_with("kustomize.config.k8s.io/") => Manifest::Kustomize,
        (Some(_), Some(_)) => Manifest::Object,
        _ => Manifest::None,
    }
}

/// Whether a kind can matter to the graph: ConfigMaps, Secrets, workloads,
/// and lists (which may hold them).
pub fn matters_to_graph(kind: &str) -> bool {
    matches!(kind, "ConfigMap" | "Secret" | "Kustomization")
        || WorkloadKind::is_kind_name(kind)
        || kind.ends_with("List")
}

/// What graph mode keeps of a document: a kind that can matter to the
/// graph, or a `metadata` that is not a mapping (an error for the model to
/// report, so that every mode fails alike), whole; the rest is counted.
pub fn keep_for_graph(doc: &Document<'_>) -> Keeping {
    let root = match object_root(doc) {
        Ok(root) => root,
        Err(settled) => return settled,
    };
    let odd_metadata = doc
        .get(root, "metadata")
        .is_some_and(|m| !doc.is_mapping(m) && !is_null(doc, m));
    if doc.str_at(root, &["kind"]).is_some_and(matters_to_graph) || odd_metadata {
        Keeping::Whole
    } else {
        Tally::Object.drop()
    }
}

/// What lint keeps of a document: all of an object, but of a
/// CustomResourceDefinition only `apiVersion`, `kind` and `metadata`. Its
/// schema, often two thirds of a chart's bytes, is read by no rule once its
/// JSON length is known.
pub fn keep_for_lint(doc: &Document<'_>) -> Keeping {
    let root = match object_root(doc) {
        Ok(root) => root,
        Err(settled) => return settled,
    };
    let crd = doc.str_at(root, &["kind"]) == Some("CustomResourceDefinition")
        && doc
            .str_at(root, &["apiVersion"])
            .is_some_and(|a| a.starts_with("apiextensions.k8s.io/"));
    if crd {
        Keeping::Prune(&["apiVersion", "kind", "metadata"])
    } else {
        Keeping::Whole
    }
}

/// The root of a document that each mode decides on by its kind, or what
/// every mode keeps alike: an empty document, only counted; a root that
/// is no mapping, whole (an error for the model to report); a mapping with
/// no `kind` (a values file, a playbook; no object, for no mode), only
/// counted, unless it may be a kustomization (by its `apiVersion`; a
/// `kustomization.yaml` file is kept whole by [`keep_for_source`]).
fn object_root(doc: &Document<'_>) -> std::result::Result<NodeId, Keeping> {
    let Some(root) = doc.root() else {
        return Err(Tally::Empty.drop());
    };
    if !doc.is_mapping(root) {
        return Err(Keeping::Whole);
    }
    if doc.get(root, "kind").is_some() {
        return Ok(root);
    }
    let kustomize = doc
        .str_at(root, &["apiVersion"])
        .is_some_and(|a| a.starts_with("kustomize.config.k8s.io/"));
    Err(if kustomize {
        Keeping::Whole
    } else {
        Tally::NotAnObject.drop()
    })
}

/// `keep` for one source: a kustomization file keeps every document,
/// since its kind is optional.
fn keep_for_source(source: &Source, keep: yaml::Keep) -> yaml::Keep {
    if is_kustomization_file(source) {
        yaml::Keep::All
    } else {
        keep
    }
}

fn is_kustomization_file(source: &Source) -> bool {
    source
        .path
        .as_deref()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "kustomization.yaml" || n == "kustomization.yml")
}

fn is_null(doc: &Document<'_>, id: NodeId) -> bool {
    doc.scalar_type(id) == Some(yaml::ScalarType::Null)
}

/// Parse every source, going on past documents that do not parse: they are
/// kept as [`Broken`], for lint to report.
pub fn parse_lenient<'a>(
    sources: &'a [Source],
    namespace: &str,
    release: Release,
) -> Result<Vec<ParsedSource<'a>>> {
    Ok(Reader::each(sources, namespace, release)
        .map(|(fi, source, reader)| {
            let (docs, errors) = yaml::parse_stream_lenient(
                &source.text,
                keep_for_source(source, yaml::Keep::Decide(keep_for_lint)),
                &reader,
            );
            if let Some((_, e)) = errors.first()
                && let Some(why) = not_a_manifest_file(source, e.offset)
            {
                return ParsedSource::not_a_manifest(source, why);
            }
            let broken = errors
                .into_iter()
                .map(|(range, e)| Broken {
                    file: fi,
                    offset: e.offset,
                    shown: unparsed_kind_may_be_shown(&source.text[range.clone()]),
                    document: range,
                    message: format!("invalid YAML: {}", tidy_parser_message(&e.message)),
                })
                .collect();
            ParsedSource::parsed(source, docs, broken)
        })
        .collect())
}

/// Parse every source, keeping the trees `keep` asks for.
fn parse_keeping<'a>(
    sources: &'a [Source],
    keep: yaml::Keep,
    namespace: &str,
    release: Release,
) -> Result<Vec<ParsedSource<'a>>> {
    Reader::each(sources, namespace, release)
        .map(|(_, source, reader)| {
            let parsed = yaml::parse_stream_visiting(
                &source.text,
                keep_for_source(source, keep),
                &reader,
            );
            if let Err(e) = &parsed
                && let Some(why) = not_a_manifest_file(source, e.offset)
            {
                return Ok(ParsedSource::not_a_manifest(source, why));
            }
            let docs = parsed.map_err(|e| {
                let range = document_around(&source.text, e.offset);
                let doc_text = &source.text[range.clone()];
                source.error_at(
                    crate::error::ErrorKind::Yaml,
                    format!("invalid YAML: {}", tidy_parser_message(&e.message)),
                    e.offset,
                    unparsed_kind_may_be_shown(doc_text).then_some(range),
                )
                .with_template(template_of(doc_text))
                .with_help("fix the YAML syntax at this position (`helm template` output is a good reference)")
            })?;
            Ok(ParsedSource::parsed(source, docs, Vec::new()))
        })
        .collect()
}

/// For a file (never a stream) that does not parse, at `offset`: why it is
/// not a manifest, if it plainly is not. A Go template (`{{` on the line
/// that broke the parse) or a file with no top-level `apiVersion:` or
/// `kind:` line is committed next to manifests, not deployed. A file that
/// looks like a manifest still fails, located.
fn not_a_manifest_file(source: &Source, offset: usize) -> Option<&'static str> {
    source.path.as_ref()?;
    let text = source.text.as_str();
    if source.line_text(source.line_col(offset).0).contains("{{") {
        return Some("it does not parse as YAML, and is a template (`{{ }}`), not a manifest");
    }
    let top_level = |key: &str| text.lines().any(|l| l.starts_with(key));
    if !top_level("apiVersion:") && !top_level("kind:") {
        return Some(
            "it does not parse as YAML, and has no `apiVersion:` or `kind:`: not a manifest",
        );
    }
    None
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
                .and_then(|d| d.root().and_then(|r| d.str_at(r, &["kind"])))
            else {
                return false;
            };
            kind = Some(k.to_string());
        }
    }
    kind.is_some_and(|k| kind_may_be_shown(&k))
}

/// A text that many objects share (a kind, a namespace): one copy for the
/// whole run, never freed, compared and read through a pointer.
pub type Interned = internment::Intern<CompactString>;

/// One Kubernetes object of the input.
#[derive(Debug, Clone)]
pub struct Object {
    /// Index of the source in the model's sources ([`Object::file`]):
    /// 32 bits, as are the document's and the scope's, so that an object
    /// is 8 bytes smaller (a million objects are held at once).
    file_at: u32,
    /// Index of the document in its source ([`Object::doc`]).
    doc_at: u32,
    /// The object's mapping node (an item, for a `List`).
    pub node: NodeId,
    pub kind: Kind,
    // Names are short: held inline, with no allocation per object (a
    // million small objects must not cost a million times five).
    // Kinds, API versions and namespaces repeat across objects: each is
    // held once for the run ([`Interned`]), a pointer per object.
    /// The API version and kind, interned as a pair: one pointer.
    type_names: internment::Intern<TypeNames>,
    pub name: CompactString,
    pub namespace: Interned,
    /// [`Object::namespace_defaulted`] and [`Object::hash_off`], a bit
    /// each: one byte, which keeps an object at 64 bytes.
    flags: u8,
    /// Whether lint reads nothing of the object but its names (see
    /// [`Release::Inert`]): its tree was let go as it was parsed.
    pub inert: bool,
    /// A ConfigMap's or Secret's data ([`Model::config_data`]): read on
    /// first use, or as it is parsed for a config whose tree goes then;
    /// or what RBAC says of an inert role or binding
    /// ([`Model::rbac_facts`]). Two threads that fill it at once read the
    /// same value; one is kept.
    data: once_cell::race::OnceBox<Held>,
}

/// What an object holds that was read from its tree.
#[derive(Debug, Clone)]
enum Held {
    Config(ConfigData),
    /// Inline, not boxed: no bigger than a config's data, and there is
    /// one per role and binding (25k roles and bindings held 1.6 MB of
    /// boxes).
    Rbac(rbac::RbacFacts),
}

/// The data of an object that is no config.
static NO_DATA: std::sync::LazyLock<ConfigData> = std::sync::LazyLock::new(ConfigData::default);

/// `bit` if `set`.
fn flag(bit: u8, set: bool) -> u8 {
    if set { bit } else { 0 }
}

/// An object's API version and kind, as written (a kind with control
/// characters escaped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TypeNames {
    api_version: CompactString,
    kind: CompactString,
}

impl Object {
    /// `apiVersion`, as written.
    #[inline]
    pub fn api_version(&self) -> &CompactString {
        &self.type_names.api_version
    }

    /// `kind`, as shown.
    #[inline]
    pub fn kind_name(&self) -> &CompactString {
        &self.type_names.kind
    }

    const NAMESPACE_DEFAULTED: u8 = 1;
    const HASH_OFF: u8 = 2;

    /// Whether `metadata.namespace` was absent (the release namespace applies).
    pub fn namespace_defaulted(&self) -> bool {
        self.flags & Self::NAMESPACE_DEFAULTED != 0
    }

    /// Whether a ConfigMap or Secret says `confsum.dev/hash: "false"`: no
    /// checksum covers it. Read as it is parsed, so that the graph reads
    /// no config's data for this.
    pub fn hash_off(&self) -> bool {
        self.flags & Self::HASH_OFF != 0
    }

    /// Index of the source in the model's sources.
    #[inline]
    pub fn file(&self) -> usize {
        self.file_at as usize
    }

    /// Index of the document in its source.
    #[inline]
    pub fn doc(&self) -> usize {
        self.doc_at as usize
    }

    /// A config's data if it has been read ([`Model::config_data`] reads it).
    pub fn data_read(&self) -> Option<&ConfigData> {
        match self.data.get()? {
            Held::Config(data) => Some(data),
            Held::Rbac(_) => None,
        }
    }

    /// The API group: `apiVersion` before its `/` (empty for the core group).
    pub fn group(&self) -> &str {
        group_of(self.api_version())
    }
}

/// The scalars of the object at `node` under a key that names a Secret or
/// ConfigMap (`secretName`, `configMapRef`, `secrets`, an RBAC rule's
/// `resourceNames`), wherever they are, with the kinds the key can mean:
/// (name, kinds), a `namespace/` dropped, in the order met.
pub fn references_in(doc: &Document<'_>, node: NodeId) -> Vec<(CompactString, ConfigKinds)> {
    let mut found = Vec::new();
    let mut stack: Vec<(NodeId, ConfigKinds)> = vec![(node, ConfigKinds::default())];
    while let Some((node, kinds)) = stack.pop() {
        match doc.node(doc.resolve(node)).kind {
            yaml::NodeKind::Mapping { entries, .. } => {
                for &(k, v) in entries {
                    let key = doc.scalar(k).unwrap_or("").to_ascii_lowercase();
                    let mut here = kinds;
                    if key.contains("secret") {
                        here = here.with(ConfigKind::Secret);
                    }
                    if key.contains("configmap") {
                        here = here.with(ConfigKind::ConfigMap);
                    }
                    if key == "resourcenames" {
                        here = ConfigKinds::BOTH;
                    }
                    stack.push((v, here));
                }
            }
            yaml::NodeKind::Sequence { items, .. } => {
                stack.extend(items.iter().map(|&n| (n, kinds)));
            }
            yaml::NodeKind::Scalar { value, .. } if !kinds.is_empty() && value.len() <= 253 => {
                // `namespace/name` (cert-manager's inject-ca-from-secret).
                let name = value.rsplit('/').next().unwrap_or(value);
                found.push((name.into(), kinds));
            }
            _ => {}
        }
    }
    found
}

/// An index of a file, document, scope or object, in 32 bits: a stream of
/// over 4G documents is over 16 GB.
pub(crate) fn index32(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 files, documents, scopes and objects")
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Whether `obj`, in `doc`, is a Helm hook.
pub fn is_helm_hook_in(doc: &Document<'_>, obj: &Object) -> bool {
    doc.str_at(obj.node, &["metadata", "annotations", "helm.sh/hook"])
        .is_some()
}

/// Every object of the input, in stream order.
pub struct Model<'a> {
    pub files: Vec<ParsedSource<'a>>,
    pub objects: Vec<Object>,
    /// Files read from disk that hold no Kubernetes object (an Ansible
    /// playbook, a compose file, Helm values, a kustomization): left out,
    /// with the reason, for `--verbose`.
    pub skipped: Vec<(usize, &'static str)>,
    /// The scopes of the input, as shown (empty for a stream), in order of
    /// first appearance.
    pub scopes: Vec<String>,
    /// ConfigMaps and Secrets that a kustomization of a scope generates
    /// (`configMapGenerator`, `secretGenerator`): they exist once built, under
    /// a name with a content hash, so a change rolls their consumers.
    pub generated: std::collections::HashSet<(usize, ConfigKind, String)>,
    /// Documents lint could not read as objects (lenient builds only).
    pub broken: Vec<Broken>,
}

/// `confsum.dev/inject: "false"` on a workload: inject leaves it alone.
pub const INJECT_ANNOTATION: &str = "confsum.dev/inject";
/// `confsum.dev/hash: "false"` on a ConfigMap or Secret: no checksum covers it.
pub const HASH_ANNOTATION: &str = "confsum.dev/hash";

/// An object selector of `.confsum.yaml`: `Kind/namespace/name` with
/// globs (`Secret/*/legacy-*`), or a label `key=value`.
#[derive(Debug, Clone)]
pub struct Selector {
    written: String,
    matcher: SelectorMatch,
}

#[derive(Debug, Clone)]
enum SelectorMatch {
    Path(globset::GlobMatcher),
    Label(String, String),
}

/// A pattern of `.confsum.yaml` as a glob: `*` within one path segment,
/// `**` across segments, as in `.gitignore` and ripgrep.
pub fn path_glob(pattern: &str) -> std::result::Result<globset::Glob, String> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("`{pattern}` is not a valid pattern: {e}"))
}

impl Selector {
    pub fn parse(written: &str) -> std::result::Result<Selector, String> {
        let matcher = match written.split_once('=') {
            Some((k, v)) if !written.contains('/') || k.contains('/') && !v.contains('/') => {
                SelectorMatch::Label(k.trim().to_string(), v.trim().to_string())
            }
            _ => SelectorMatch::Path(path_glob(written)?.compile_matcher()),
        };
        Ok(Selector {
            written: written.to_string(),
            matcher,
        })
    }

    /// Whether the selector names `kind/namespace/name`, an object known
    /// only by a reference to it (a label selector never does).
    pub fn names(&self, kind: &str, namespace: &str, name: &str) -> bool {
        match &self.matcher {
            SelectorMatch::Path(m) => m.is_match(format!("{kind}/{namespace}/{name}")),
            SelectorMatch::Label(..) => false,
        }
    }

    pub fn matches(&self, model: &Model<'_>, o: &Object) -> bool {
        match &self.matcher {
            SelectorMatch::Path(m) => {
                m.is_match(format!("{}/{}/{}", o.kind_name(), o.namespace, o.name))
            }
            SelectorMatch::Label(k, v) => {
                model.doc(o).str_at(o.node, &["metadata", "labels", k]) == Some(v.as_str())
            }
        }
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.written)
    }
}

/// The annotation keys confsum writes by default: read by inject, lint
/// and plan alike.
pub const DEFAULT_CONFIG_ANNOTATION: &str = "confsum.dev/config-checksum";
pub const DEFAULT_SECRET_ANNOTATION: &str = "confsum.dev/secret-checksum";

/// The bytes of each key of a ConfigMap or Secret, as the API server stores them.
pub type EffectiveData = std::collections::BTreeMap<String, Vec<u8>>;

pub type ObjId = usize;

impl<'a> Model<'a> {
    /// Build the model from sources parsed by [`parse`] or
    /// [`parse_for_graph`].
    pub fn build(files: Vec<ParsedSource<'a>>) -> Result<Self> {
        Model::build_with(files, false)
    }

    /// [`Model::build`] that goes on past a document it cannot read as an
    /// object, keeping it in [`Model::broken`] (lint reports it).
    pub fn build_lenient(files: Vec<ParsedSource<'a>>) -> Result<Self> {
        Model::build_with(files, true)
    }

    fn build_with(mut files: Vec<ParsedSource<'a>>, lenient: bool) -> Result<Self> {
        let foreign: Vec<Option<&'static str>> = files.iter().map(not_manifests).collect();
        let skipped = foreign
            .iter()
            .enumerate()
            .filter_map(|(fi, why)| Some((fi, (*why)?)))
            .collect();
        let mut scopes: Vec<String> = Vec::new();
        let file_scope: Vec<usize> = files
            .iter()
            .map(|f| match scopes.iter().position(|s| *s == f.source.scope) {
                Some(i) => i,
                None => {
                    scopes.push(f.source.scope.clone());
                    scopes.len() - 1
                }
            })
            .collect();
        for (file, &scope) in files.iter_mut().zip(&file_scope) {
            file.scope_at = index32(scope);
        }
        let generated = kustomize_generated(&files, &file_scope);
        let mut broken: Vec<Broken> = files.iter().flat_map(|f| f.broken.clone()).collect();
        let simple = |read: &[Found]| {
            read.iter()
                .all(|r| matches!(r, Found::Nothing(_) | Found::One(_)))
        };
        let objects: Vec<Object> = if let [file] = files.as_mut_slice()
            && foreign[0].is_none()
            && simple(&file.read)
        {
            // Nearly every document of a stream is one object: what was read
            // is turned into the objects in the same buffer, no second copy.
            let mut objects: Vec<Object> = std::mem::take(&mut file.read)
                .into_iter()
                .enumerate()
                .filter_map(|(di, r)| match r {
                    Found::One(mut o) => {
                        o.doc_at = index32(di);
                        Some(o)
                    }
                    _ => None,
                })
                .collect();
            // The buffer was sized for what was read, which is larger.
            objects.shrink_to_fit();
            objects
        } else {
            let mut objects = Vec::new();
            for (fi, file) in files.iter_mut().enumerate() {
                let read = std::mem::take(&mut file.read);
                if foreign[fi].is_some() {
                    continue;
                }
                for (di, r) in read.into_iter().enumerate() {
                    let doc = &file.docs[di];
                    match r {
                        Found::Nothing(_) => {}
                        Found::One(mut o) => {
                            o.doc_at = index32(di);
                            objects.push(o);
                        }
                        Found::Many(found, _) => objects.extend(found.into_iter().map(|mut o| {
                            o.doc_at = index32(di);
                            o
                        })),
                        Found::Failed(e, _) if lenient => broken.push(Broken {
                            file: fi,
                            offset: e.location.as_ref().map_or(doc.span().start, |l| l.offset),
                            document: doc.span(),
                            message: e.message,
                            shown: doc
                                .root()
                                .and_then(|r| doc.str_at(r, &["kind"]))
                                .is_some_and(kind_may_be_shown),
                        }),
                        Found::Failed(e, _) => return Err(*e),
                    }
                }
            }
            objects.shrink_to_fit();
            objects
        };
        broken.sort_by_key(|b| (b.file, b.offset));
        Ok(Model {
            files,
            objects,
            skipped,
            scopes,
            generated,
            broken,
        })
    }

    /// Let go of what the model read from trees (each document's nodes, each
    /// config's data), once no stage will walk them: a later read parses
    /// the document again. For a report made of many findings, which reads
    /// the source text, names and templates only.
    pub fn release_trees(&mut self) {
        for file in &mut self.files {
            file.docs.iter_mut().for_each(Document::release);
        }
        self.objects
            .iter_mut()
            .for_each(|o| o.data = Default::default());
    }

    pub fn doc(&self, obj: &Object) -> &Document<'a> {
        &self.files[obj.file()].docs[obj.doc()]
    }

    /// Index of the object's scope in [`Model::scopes`]: objects resolve
    /// references only within their scope. The scope is its file's.
    #[inline]
    pub fn scope_of(&self, obj: &Object) -> usize {
        self.files[obj.file()].scope()
    }

    pub fn source(&self, obj: &Object) -> &'a Source {
        self.files[obj.file()].source
    }

    /// The pod template of a workload: `spec.template`, CronJob's
    /// `spec.jobTemplate.spec.template`, or a Pod itself.
    pub fn pod_template(&self, obj: &Object) -> Option<NodeId> {
        self.pod_template_in(self.doc(obj), obj)
    }

    /// [`Model::pod_template`] in `doc`, the object's document as held for
    /// a scope ([`Document::with_tree`]).
    pub fn pod_template_in(&self, doc: &Document<'_>, obj: &Object) -> Option<NodeId> {
        let Kind::Workload(kind) = obj.kind else {
            return None;
        };
        doc.path(obj.node, kind.template_path())
    }

    /// The pod spec of a workload in `doc`, its document: the template's
    /// `spec`.
    pub fn pod_spec_in(&self, doc: &Document<'_>, obj: &Object) -> Option<NodeId> {
        doc.get(self.pod_template_in(doc, obj)?, "spec")
    }

    /// Whether a workload in `doc`, its document, is a Helm test
    /// (`helm.sh/hook: test`, `test-success`, `test-failure`): run once by
    /// `helm test`, never rolled, so nothing to report about its checksum.
    pub fn is_helm_test_in(&self, doc: &Document<'_>, obj: &Object) -> bool {
        doc.str_at(obj.node, &["metadata", "annotations", "helm.sh/hook"])
            .is_some_and(|hooks| {
                hooks
                    .split(',')
                    .any(|h| matches!(h.trim(), "test" | "test-success" | "test-failure"))
            })
    }

    /// Whether confsum writes checksums into this workload's pod template.
    pub fn is_injectable(&self, obj: &Object) -> bool {
        self.is_injectable_in(self.doc(obj), obj)
    }

    /// [`Model::is_injectable`] in `doc`, the object's document.
    pub fn is_injectable_in(&self, doc: &Document<'_>, obj: &Object) -> bool {
        matches!(obj.kind, Kind::Workload(_)) && self.not_injectable_in(doc, obj).is_none()
    }

    /// Why a workload in `doc`, its document, takes no checksum: plain
    /// Jobs are immutable and bare Pods never restart on an annotation.
    pub fn not_injectable_in(&self, doc: &Document<'_>, obj: &Object) -> Option<NotInjectable> {
        match obj.kind {
            Kind::Workload(WorkloadKind::Pod) => Some(NotInjectable::BarePod),
            Kind::Workload(WorkloadKind::Job) if !is_helm_hook_in(doc, obj) => {
                Some(NotInjectable::PlainJob)
            }
            _ => None,
        }
    }

    /// The data of a ConfigMap or Secret (empty for any other object).
    pub fn config_data(&self, obj: ObjId) -> &ConfigData {
        match self.objects[obj]
            .data
            .get_or_init(|| Box::new(Held::Config(self.read_config_data(obj))))
        {
            Held::Config(data) => data,
            Held::Rbac(_) => &NO_DATA,
        }
    }

    /// What RBAC object `obj` says: held for an inert one, else read from
    /// its tree; `None` for an object of another API group.
    pub fn rbac_facts(&self, obj: ObjId) -> Option<std::borrow::Cow<'_, rbac::RbacFacts>> {
        let o = &self.objects[obj];
        if !rbac::is_rbac(o) {
            return None;
        }
        Some(match o.data.get() {
            Some(Held::Rbac(facts)) => std::borrow::Cow::Borrowed(facts),
            _ => std::borrow::Cow::Owned(rbac::RbacFacts::read(self.doc(o), o)),
        })
    }

    /// Where a config's `metadata.name` value is. An inert ConfigMap that
    /// holds no data has it read from its document, parsed for this and
    /// let go: nothing consumes most of them, and their data is not read
    /// for this.
    pub fn config_name(&self, obj: ObjId) -> Option<std::ops::Range<usize>> {
        let o = &self.objects[obj];
        let doc = self.doc(o);
        match o.data.get() {
            None if o.inert => doc.with_tree(|doc| {
                doc.path(o.node, &["metadata", "name"])
                    .map(|n| doc.node(n).span)
            }),
            _ => self.config_data(obj).name(doc.span().start),
        }
    }

    fn read_config_data(&self, obj: ObjId) -> ConfigData {
        // A released tree is parsed for this and let go again: the data is
        // all a checksum reads of a config, so its texts that are not the
        // source's are copied.
        let o = &self.objects[obj];
        let doc = self.doc(o);
        let copy_texts = !doc.holds_tree();
        doc.with_tree(|doc| {
            let text = &self.source(o).text;
            ConfigData::read(doc, o.node, o.kind, text, copy_texts)
        })
    }

    /// The text of a data entry of `obj` (see [`config_data::value_text`]),
    /// read without the object's tree unless the tree is kept.
    pub fn entry_text(&self, obj: ObjId, e: &DataEntry) -> &str {
        self.entry_text_in(obj, self.config_data(obj), e)
    }

    /// [`Model::entry_text`] of `data`, the data of `obj`, held or not.
    pub fn entry_text_in<'d>(&'d self, obj: ObjId, data: &'d ConfigData, e: &DataEntry) -> &'d str {
        let o = &self.objects[obj];
        let text = &self.source(o).text;
        let document = &text[self.doc(o).span()];
        data.text(e, document)
            .unwrap_or_else(|| config_data::value_text(self.doc(o), e.value, text))
    }

    /// Call `f` with the data of config `obj`: the data held, or, when
    /// none is and `once` says it is read once, data read for this alone
    /// and let go (its texts copied, so that no tree is read again). A
    /// checksum reads the data of a config that one workload consumes
    /// once: 50k of them were held until the run ended.
    pub fn with_config_data<R>(
        &self,
        obj: ObjId,
        once: bool,
        f: impl FnOnce(&ConfigData) -> R,
    ) -> R {
        match self.objects[obj].data.get() {
            None if once => f(&self.read_config_data(obj)),
            _ => f(self.config_data(obj)),
        }
    }

    /// The bytes of a data entry, decoded when base64.
    pub fn entry_bytes(&self, obj: ObjId, e: &DataEntry) -> Result<Vec<u8>, BadValue> {
        let text = self.entry_text(obj, e);
        if !e.base64 {
            return Ok(text.as_bytes().to_vec());
        }
        decode_base64(text).ok_or_else(|| BadValue {
            field: e.field(),
            key: self
                .doc(&self.objects[obj])
                .scalar(e.key)
                .unwrap_or_default()
                .to_string(),
            node: e.value,
        })
    }

    /// The effective data as bytes; the first value that does not decode
    /// is an error.
    pub fn effective_data(&self, obj: ObjId) -> Result<EffectiveData, BadValue> {
        let data = self.config_data(obj);
        if let Some(bad) = data.bad_base64() {
            return Err(BadValue::clone(bad));
        }
        data.effective()
            .iter()
            .map(|(k, e)| Ok((k.to_string(), self.entry_bytes(obj, e)?)))
            .collect()
    }

    /// `kind/namespace/name` for messages.
    pub fn display_name(&self, obj: &Object) -> String {
        format!("{}/{}/{}", obj.kind_name(), obj.namespace, obj.name)
    }
}

/// Why a file read from disk is not Kubernetes manifests, if it is not: no
/// document is an object (a mapping with `apiVersion` and `kind`), or its
/// objects are kustomize's own configuration. Such files sit next to
/// manifests in repositories (playbooks, compose files, values, CI
/// workflows) and are left out, never an error. Standard input and chart
/// renders are always manifests.
/// The names that the kustomizations among `files` generate, per scope.
fn kustomize_generated(
    files: &[ParsedSource<'_>],
    file_scope: &[usize],
) -> std::collections::HashSet<(usize, ConfigKind, String)> {
    let mut found = std::collections::HashSet::new();
    for (fi, file) in files.iter().enumerate() {
        for (doc, _) in file
            .docs
            .iter()
            .zip(&file.read)
            .filter(|(_, r)| r.facts().kustomization)
        {
            let Some(root) = doc.root() else {
                continue;
            };
            for (field, kind) in [
                ("configMapGenerator", ConfigKind::ConfigMap),
                ("secretGenerator", ConfigKind::Secret),
            ] {
                let Some(list) = doc.get(root, field) else {
                    continue;
                };
                for item in doc.items(list) {
                    if let Some(name) = doc.str_at(item, &["name"]) {
                        found.insert((file_scope[fi], kind, name.to_string()));
                    }
                }
            }
        }
    }
    found
}

/// Whether a document is a kustomization: kustomize's `apiVersion`, or no
/// `kind` in a `kustomization.yaml`.
fn is_kustomization(source: &Source, doc: &Document<'_>) -> bool {
    let Some(root) = doc.root().filter(|&r| doc.is_mapping(r)) else {
        return false;
    };
    doc.str_at(root, &["apiVersion"])
        .is_some_and(|a| a.starts_with("kustomize.config.k8s.io/"))
        || (doc.str_at(root, &["kind"]).is_none() && is_kustomization_file(source))
}

fn not_manifests(file: &ParsedSource<'_>) -> Option<&'static str> {
    file.source.path.as_ref()?;
    if file.unparsed.is_some() {
        return file.unparsed;
    }
    let mut objects = file.dropped(Tally::Object);
    let mut kustomize = 0;
    for r in &file.read {
        match r.facts().manifest {
            Manifest::None => {}
            Manifest::Object => objects += 1,
            Manifest::Kustomize => {
                objects += 1;
                kustomize += 1;
            }
        }
    }
    let has_content = file.docs.iter().any(|d| d.root().is_some())
        || file.dropped(Tally::Object) + file.dropped(Tally::NotAnObject) > 0;
    if objects == 0 && has_content {
        Some("no document is a Kubernetes object")
    } else if objects > 0 && objects == kustomize {
        Some("a kustomize configuration, not manifests")
    } else {
        None
    }
}

/// What one document yields, and what it tells of its file.
enum Found {
    Nothing(Facts),
    One(Object),
    /// A `List`'s items.
    Many(Vec<Object>, Facts),
    Failed(Box<Error>, Facts),
}

impl Found {
    fn facts(&self) -> Facts {
        match self {
            Found::Nothing(f) | Found::Many(_, f) | Found::Failed(_, f) => *f,
            // A document that is one object: its apiVersion tells.
            Found::One(o) => {
                let kustomization = o.api_version().starts_with("kustomize.config.k8s.io/");
                Facts {
                    manifest: if kustomization {
                        Manifest::Kustomize
                    } else {
                        Manifest::Object
                    },
                    kustomization,
                }
            }
        }
    }
}

/// The objects of one document: the document itself, or a List's items.
/// An error is returned, for the caller to keep as [`Found::Failed`] or
/// stop on.
fn document_objects(
    source: &Source,
    fi: usize,
    doc: &Document<'_>,
    namespace: &str,
) -> Result<Found> {
    let facts = || Facts::of(source, doc);
    let Some(root) = doc.root() else {
        return Ok(Found::Nothing(facts()));
    };
    let err = |id: NodeId, msg: String| {
        let shown = doc
            .root()
            .and_then(|r| doc.str_at(r, &["kind"]))
            .is_some_and(kind_may_be_shown);
        source
            .error_at(
                crate::error::ErrorKind::Shape,
                msg,
                doc.node(id).span.start,
                shown.then(|| doc.span()),
            )
            .with_template(doc.template())
    };
    if !doc.is_mapping(root) {
        return Err(err(
            root,
            format!(
                "a document is {}, not a Kubernetes object",
                describe(doc, root)
            ),
        )
        .with_help("each YAML document must be a mapping with apiVersion, kind and metadata"));
    }
    if !is_list(doc, root) {
        let found = object(fi, doc, root, namespace, &err)?;
        return Ok(found.map_or_else(|| Found::Nothing(facts()), Found::One));
    }
    let Some(items) = doc.get(root, "items") else {
        return Ok(Found::Nothing(facts()));
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
    let mut found = Vec::new();
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
        found.extend(object(fi, doc, item, namespace, &err)?);
    }
    Ok(Found::Many(found, facts()))
}

fn is_list(doc: &Document<'_>, root: NodeId) -> bool {
    let api = doc.str_at(root, &["apiVersion"]).unwrap_or("");
    doc.str_at(root, &["kind"]).is_some_and(|k| {
        k == "List"
            || k == "ResourceList" && api.starts_with("config.kubernetes.io/")
            || k.ends_with("List")
                && doc.get(root, "items").is_some()
                && doc.str_at(root, &["apiVersion"]) == Some("v1")
    })
}

pub(crate) fn describe(doc: &Document<'_>, id: NodeId) -> &'static str {
    match doc.node(doc.resolve(id)).kind {
        NodeKind::Scalar { .. } => "a scalar",
        NodeKind::Sequence { .. } => "a sequence",
        NodeKind::Mapping { .. } => "a mapping",
        NodeKind::Alias { .. } => "an alias",
    }
}

/// An object of a document; its `doc` index is set once the document's
/// place among those kept is known.
fn object(
    file: usize,
    doc: &Document<'_>,
    node: NodeId,
    namespace: &str,
    err: &dyn Fn(NodeId, String) -> Error,
) -> Result<Option<Object>> {
    // A mapping without apiVersion and kind (a values file, Chart.yaml) is
    // not a Kubernetes object; it is skipped, not an error.
    let (Some(api_version), Some(kind_name)) = (
        doc.str_at(node, &["apiVersion"]),
        doc.str_at(node, &["kind"]),
    ) else {
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
    // Names are shown everywhere: a control character in one (which the API
    // server would refuse anyway) is kept as visible `\u{..}` text.
    let shown = |s: &str| CompactString::from(escape_control(s).as_ref());
    let interned = |s: &str| Interned::from_ref(escape_control(s).as_ref());
    let name = shown(doc.str_at(node, &["metadata", "name"]).unwrap_or(""));
    let kind_name = interned(kind_name);
    let (namespace, namespace_defaulted) = match doc.str_at(node, &["metadata", "namespace"]) {
        Some(ns) if !ns.is_empty() => (interned(ns), false),
        _ => (Interned::from_ref(namespace), true),
    };
    let kind = match (group_of(api_version), kind_name.as_str()) {
        ("", "ConfigMap") => Kind::Config(ConfigKind::ConfigMap),
        ("", "Secret") => Kind::Config(ConfigKind::Secret),
        (g, k) => WorkloadKind::from(g, k).map_or(Kind::Other, Kind::Workload),
    };
    let o = Object {
        file_at: index32(file),
        doc_at: 0,
        node,
        kind,
        type_names: internment::Intern::new(TypeNames {
            api_version: api_version.into(),
            kind: kind_name.as_str().into(),
        }),
        name,
        namespace,
        flags: flag(Object::NAMESPACE_DEFAULTED, namespace_defaulted)
            | flag(
                Object::HASH_OFF,
                matches!(kind, Kind::Config(_))
                    && doc
                        .str_at(node, &["metadata", "annotations", HASH_ANNOTATION])
                        .is_some_and(|v| v.eq_ignore_ascii_case("false")),
            ),
        inert: false,
        data: Default::default(),
    };
    if let Kind::Workload(wk) = kind {
        check_workload_shape(doc, node, wk, err)?;
    }
    if let Kind::Config(_) = kind {
        for key in ALL_DATA_FIELDS {
            if let Some(d) = doc.get(node, key)
                && !doc.is_mapping(d)
                && doc.scalar_type(d) != Some(yaml::ScalarType::Null)
            {
                return Err(err(
                    d,
                    format!(
                        "`{key}` of {} `{}` is {}, not a mapping",
                        o.kind_name(),
                        o.name,
                        describe(doc, d)
                    ),
                ));
            }
        }
    }
    Ok(Some(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream of a million small documents holds an object each.
    #[test]
    fn an_object_stays_small() {
        let size = std::mem::size_of::<Object>();
        assert!(size <= 64, "{size}");
        assert_eq!(
            std::mem::size_of::<Held>(),
            std::mem::size_of::<ConfigData>(),
            "a config's data costs nothing for the RBAC facts beside it"
        );
        assert_eq!(
            std::mem::size_of::<Found>(),
            size,
            "a result is an object's size"
        );
    }
    use crate::yaml::{Keep, parse_stream, parse_stream_keeping};

    /// Graph mode drops the trees of documents it does not keep: every input gives the
    /// same result, error for error, as the full parse.
    #[test]
    fn validate_only_documents_fail_exactly_like_full_parses() {
        let mut bomb = String::from(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nx:\n  a: &a [x, x, x, x, x, x, x, x, x]\n",
        );
        let mut prev = 'a';
        for c in "bcdefghij".chars() {
            bomb.push_str(&format!(
                "  {c}: &{c} [{}]\n",
                vec![format!("*{prev}"); 9].join(", ")
            ));
            prev = c;
        }
        let cases = [
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {a: 1, a: 2}\n".to_string(),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  name: t\n".to_string(),
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: [1, 2\n".to_string(),
            format!(
                "apiVersion: v1\nkind: Service\nspec: {}{}\n",
                "[".repeat(300),
                "]".repeat(300)
            ),
            bomb,
            "apiVersion: v1\nkind: Service\nmetadata: oops\n".to_string(),
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  x: &r {y: *r}\n"
                .to_string(),
            "---\nkind: \"Service\" # quoted, with a comment\nmetadata: {name: s}\n<<: {a: 1}\n"
                .to_string(),
            "kind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n".to_string(),
            "kind: Service\r\nmetadata: {name: s}\r\nspec: {ports: [{port: 80}]}\r\n".to_string(),
            "kind: Service\nmetadata: {name: s}\n...\nkind: ConfigMap\nmetadata: {name: c}\n"
                .to_string(),
            "a: 1\n---\n# only a comment\n---\nkind: Service\nmetadata: {name: s}\n---\napiVersion: kustomize.config.k8s.io/v1beta1\nresources: [a.yaml]\n".to_string(),
            "a: 1\n---\n[1, 2]\n".to_string(),
        ];
        for text in &cases {
            let full = parse_stream(text);
            let kept = parse_stream_keeping(text, Keep::Decide(keep_for_graph));
            match (&full, &kept) {
                (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
                (Ok(a), Ok(b)) => {
                    // Every document is kept whole or counted, in order.
                    let mut kept = b.docs.iter();
                    let mut dropped = [0; yaml::TALLIES];
                    for x in a {
                        match keep_for_graph(x) {
                            Keeping::Whole => {
                                let y = kept.next().expect("kept");
                                assert_eq!(x.span(), y.span(), "{text}");
                                assert!(x.same_nodes(y), "kept: {text}");
                            }
                            Keeping::Drop { tally } => dropped[tally] += 1,
                            Keeping::Prune(_) => panic!("graph mode prunes nothing"),
                        }
                    }
                    assert!(kept.next().is_none(), "{text}");
                    assert_eq!(dropped, b.dropped, "{text}");
                }
                _ => panic!(
                    "full {:?} vs kept {:?} for {text}",
                    full.is_ok(),
                    kept.is_ok()
                ),
            }
        }
    }
}
