//! Shape checks: a scalar where the graph needs a mapping or a sequence is
//! an error, as it is for the API server.

use super::kinds::{CONTAINER_FIELDS, WorkloadKind};
use super::{describe, is_null};
use crate::error::{Error, Result};
use crate::yaml::{Document, NodeId, NodeKind};

/// Shapes the graph relies on: a scalar where a mapping or sequence belongs
/// is an error (the API server rejects the object too).
pub(super) fn check_workload_shape(
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
    let lists = CONTAINER_FIELDS
        .iter()
        .chain(&["volumes", "imagePullSecrets"]);
    for &list in lists {
        let Some(seq) = doc.get(spec, list) else {
            continue;
        };
        expect_sequence(doc, seq, &format!("{spec_path}.{list}"), err)?;
        for item in doc.items(seq) {
            expect_mapping(doc, item, &format!("an item of {spec_path}.{list}"), err)?;
            if CONTAINER_FIELDS.contains(&list) {
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

pub(super) fn expect_mapping(
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
