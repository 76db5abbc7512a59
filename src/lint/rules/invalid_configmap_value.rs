use super::configmap_data;
use crate::lint::{Context, Reporter};
use crate::yaml::ScalarType;

rule! {
    /// ## What it does
    /// Checks for ConfigMap `data` values that are not strings under Kubernetes'
    /// YAML 1.1 decoding: plain `on`, `yes`, `true`, `8080`, `0755`, `1.5`, `~` or
    /// an empty value, and nested mappings or lists.
    ///
    /// ## Why is this bad?
    /// `kubectl apply` and Helm send them as JSON booleans, numbers or null, and
    /// the API server rejects the object: `cannot unmarshal bool into Go struct
    /// field ConfigMap.data of type string`.
    ///
    /// ## Example
    /// ```yaml
    /// data:
    ///   FEATURE_X: on
    ///   PORT: 8080
    /// ```
    /// Use instead: quote them, `FEATURE_X: "on"`, `PORT: "8080"`.
    InvalidConfigmapValue, "invalid-configmap-value", Error, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, k, v) in configmap_data(ctx) {
        let doc = ctx.doc(obj);
        let what = match doc.scalar_type(v) {
            Some(ScalarType::Str) => continue,
            Some(ScalarType::Null) => "null",
            Some(ScalarType::Bool) => "a boolean",
            Some(ScalarType::Int) => "an integer",
            Some(ScalarType::Float) => "a number",
            Some(ScalarType::Binary) => "binary",
            None => "a mapping or list",
        };
        let key = doc.scalar(k).unwrap_or("");
        // A nested value starts on the next line: point at its key.
        let at = if what == "a mapping or list" { k } else { v };
        r.report(
            ctx,
            obj,
            at,
            format!(
                "ConfigMap `{}` key `{key}` is {what} in YAML 1.1, not a string",
                ctx.object(obj).name
            ),
            "quote the value so that it stays a string",
        );
    }
}
