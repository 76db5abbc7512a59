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
        let written = ctx.analysis.model.config_data(obj).written();
        let in_data: std::collections::HashSet<&str> = written
            .iter()
            .filter(|e| e.field() == "data")
            .filter_map(|e| doc.scalar(e.key))
            .collect();
        for e in written.iter().filter(|e| e.field() == "binaryData") {
            let k = e.key;
            let key = doc.scalar(k).unwrap_or("");
            if in_data.contains(key) {
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
