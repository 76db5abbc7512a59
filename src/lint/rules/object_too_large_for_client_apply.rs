use super::name_node;
use crate::lint::{Context, Reporter};
use crate::yaml::Document;

rule! {
    /// ## What it does
    /// Checks for objects whose serialized size exceeds 262,144 bytes, the limit on
    /// the total size of an object's annotations.
    ///
    /// ## Why is this bad?
    /// Client-side `kubectl apply` stores the whole object in the
    /// `kubectl.kubernetes.io/last-applied-configuration` annotation, so applying
    /// it fails with `metadata.annotations: Too long: must have at most 262144
    /// bytes` (large CustomResourceDefinitions and ConfigMaps hit this).
    ///
    /// ## Example
    /// A CRD with a long OpenAPI schema, applied with `kubectl apply -f`.
    /// Use instead: server-side apply (`kubectl apply --server-side`), Helm, or
    /// `kubectl create`/`replace`.
    ObjectTooLargeForClientApply, "object-too-large-for-client-apply", Warning, check, Rendered, None, PerWorkload
}

const LIMIT: usize = 262_144;

/// JSON takes at most this many bytes per byte of YAML (every byte a
/// one-character scalar, quoted and separated): a document under
/// `LIMIT / JSON_PER_YAML_BYTE` bytes cannot be over the limit, and is not
/// walked.
const JSON_PER_YAML_BYTE: usize = 4;

/// Whether a document is long enough that its JSON may pass the limit.
pub(crate) fn may_pass_limit(doc: &Document<'_>) -> bool {
    doc.span().len() * JSON_PER_YAML_BYTE >= LIMIT
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (i, o) in ctx.objects() {
        let doc = ctx.doc(i);
        if !may_pass_limit(doc) {
            continue;
        }
        let size = match doc.pruned_json_len() {
            // Measured before lint let the bulk of its tree go.
            Some(len) if o.node == doc.root().unwrap_or(o.node) => len,
            _ => doc.json_len(o.node, &mut 2_000_000),
        };
        if size > LIMIT {
            r.report(
                ctx,
                i,
                name_node(ctx, i),
                format!("{} `{}` is about {size} bytes as JSON, over the 262144-byte annotation limit of client-side `kubectl apply`", o.kind_name(), o.name),
                "apply it with `kubectl apply --server-side` (or Helm), not client-side apply",
            );
        }
    }
}
