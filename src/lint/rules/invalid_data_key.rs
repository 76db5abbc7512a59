use super::configs;
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for ConfigMap and Secret keys that do not match `[-._a-zA-Z0-9]+`,
    /// are `.` or `..`, or are longer than 253 characters.
    ///
    /// ## Why is this bad?
    /// The API server rejects the object: keys become file names in volumes.
    ///
    /// ## Example
    /// ```yaml
    /// data:
    ///   config/app.yaml: ...
    /// ```
    /// Use instead: `app.yaml`, and `items[].path` to place the file.
    InvalidDataKey, "invalid-data-key", Error, check
}

pub fn is_valid_data_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key != "."
        && key != ".."
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, kind) in configs(ctx) {
        let doc = ctx.doc(obj);
        for e in ctx.analysis.model.config_data(obj).written() {
            let (field, k) = (e.field(), e.key);
            let key = doc.scalar(k).unwrap_or("");
            if !is_valid_data_key(key) {
                let shown: String = key.chars().take(60).collect();
                r.report(
                    ctx,
                    obj,
                    k,
                    format!("{} `{}` has an invalid key `{shown}` in `{field}`", kind.as_str(), ctx.object(obj).name),
                    "use only letters, digits, `-`, `_` and `.` (at most 253), and place files with `items[].path`",
                );
            }
        }
    }
}
