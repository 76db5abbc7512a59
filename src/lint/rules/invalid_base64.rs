use super::{configs, data_entries};
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
        for (field, k, v) in data_entries(ctx, obj) {
            if !crate::digest::holds_base64(ctx.object(obj).kind, field) {
                continue;
            }
            let value = crate::digest::value_text(&ctx.analysis.model, obj, v);
            if crate::digest::decode_base64(value).is_none() {
                let key = doc.scalar(k).unwrap_or("");
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
