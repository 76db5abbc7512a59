use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Reports a document that lint cannot read as a Kubernetes object: YAML that
    /// does not parse, or a shape the API server refuses (a document that is a
    /// list or a scalar, `metadata` that is not a mapping, containers that are
    /// not a list). Lint reports it where it is and goes on with the other
    /// documents of the file, so their findings are not hidden; `inject` and
    /// `post-render`, which write output, still stop on it.
    ///
    /// A document that may be a Secret is never shown in the snippet.
    ///
    /// ## Why is this bad?
    /// `kubectl apply` and Helm refuse the whole file or release.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// metadata: app-config   # metadata must be a mapping
    /// ```
    /// Use instead: fix the document at the position shown.
    InvalidObject, "invalid-object", Error, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for b in &ctx.analysis.model.broken {
        r.report_broken(
            b,
            "fix the document at this position; `kubectl apply` and Helm refuse it",
        );
    }
}
