use crate::lint::{Context, IGNORE_ANNOTATION, Reporter};

rule! {
    /// ## What it does
    /// Checks the rule ids of `confsum.dev/ignore` annotations (on an object or
    /// its pod template): an id that names no rule silences nothing, and the
    /// finding names the closest rule id.
    ///
    /// ## Why is this bad?
    /// A misspelt id (`secret-in-evn`) looks like a suppression in review but
    /// changes nothing, so the finding it was meant to silence still shows,
    /// or a later one is silenced by accident when the spelling is fixed.
    /// `.confsum.yaml` and `--ignore` already refuse unknown ids.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     confsum.dev/ignore: "secret-in-evn"
    /// ```
    /// Use instead: `confsum.dev/ignore: "secret-in-env"` (`confsum rules` lists every id).
    UnknownRuleInIgnore, "unknown-rule-in-ignore", Warning, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, o) in ctx.objects().filter(|(_, o)| !o.inert) {
        let doc = ctx.doc(obj);
        for at in [Some(o.node), ctx.pod_template(obj)].into_iter().flatten() {
            let Some(node) = doc.path(at, &["metadata", "annotations", IGNORE_ANNOTATION]) else {
                continue;
            };
            let Some(ids) = doc.scalar(node) else {
                continue;
            };
            for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
                if id == "all" || super::find(id).is_some() {
                    continue;
                }
                let closest = super::ALL
                    .iter()
                    .map(|rule| (strsim::damerau_levenshtein(id, rule.id), rule.id))
                    .min()
                    .map(|(_, id)| id)
                    .unwrap_or_default();
                r.report(
                    ctx,
                    obj,
                    node,
                    format!(
                        "`{IGNORE_ANNOTATION}` names no rule `{id}`; did you mean `{closest}`?"
                    ),
                    format!("write `{closest}`, or see `confsum rules` for every id"),
                );
            }
        }
    }
}
