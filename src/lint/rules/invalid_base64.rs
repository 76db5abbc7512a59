use super::configs;
use crate::lint::{Context, Reporter};
use crate::model::ConfigKind;

rule! {
    /// ## What it does
    /// Checks for Secret `data` and ConfigMap `binaryData` values that are not
    /// valid standard base64 (with padding; line breaks are ignored).
    ///
    /// ## Why is this bad?
    /// The API server rejects the object. A common cause is putting the plain
    /// value in `data` instead of `stringData`.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Secret
    /// data:
    ///   password: hunter2
    /// ```
    /// Use instead: `stringData: {password: hunter2}`, or encode with `base64 -w0`.
    InvalidBase64, "invalid-base64", Error, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, kind) in configs(ctx) {
        let doc = ctx.doc(obj);
        for e in ctx.analysis.model.config_data(obj).written() {
            let (field, v) = (e.field(), e.value);
            if !e.base64 {
                continue;
            }
            if ctx.analysis.model.entry_bytes(obj, e).is_err() {
                let key = doc.scalar(e.key).unwrap_or("");
                r.report(
                    ctx,
                    obj,
                    v,
                    format!(
                        "{} `{}` has invalid base64 in `{field}.{key}`",
                        kind.as_str(),
                        ctx.object(obj).name
                    ),
                    if kind == ConfigKind::Secret {
                        "put the plain value under `stringData`, or encode it with `base64 -w0`"
                    } else {
                        "encode the value with `base64 -w0`, or move text to `data`"
                    },
                );
            }
        }
    }
}
