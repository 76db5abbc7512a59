use super::configs;
use crate::lint::{Context, Reporter};
use crate::model::ConfigKind;

rule! {
    /// ## What it does
    /// Checks for ConfigMap keys present in both `data` and `binaryData`.
    ///
    /// ## Why is this bad?
    /// The API server rejects the ConfigMap: a key may be in only one of them.
    ///
    /// ## Example
    /// ```yaml
    /// data: {logo.png: ""}
    /// binaryData: {logo.png: iVBORw0KGgo=}
    /// ```
    /// Use instead: keep the key in one map.
    DuplicateDataKey, "duplicate-data-key", Error, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, kind) in configs(ctx) {
        if kind != ConfigKind::ConfigMap {
            continue;
        }
        let doc = ctx.doc(obj);
        let node = ctx.object(obj).node;
        let (Some(data), Some(binary)) = (doc.get(node, "data"), doc.get(node, "binaryData"))
        else {
            continue;
        };
        for &(k, _) in doc.entries(binary) {
            let key = doc.scalar(k).unwrap_or("");
            if doc.get(data, key).is_some() {
                r.report(
                    ctx,
                    obj,
                    k,
                    format!(
                        "ConfigMap `{}` has key `{key}` in both `data` and `binaryData`",
                        ctx.object(obj).name
                    ),
                    "keep each key in either `data` or `binaryData`",
                );
            }
        }
    }
}
