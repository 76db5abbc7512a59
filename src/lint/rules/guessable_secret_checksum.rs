use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for workloads that carry confsum's secret checksum annotation
    /// computed as plain SHA-256 (no HMAC key is set) over Secret values that
    /// together hold under 80 bits of estimated entropy (a PIN, a dictionary
    /// password, a short token). A render that carries no such annotation is not
    /// reported: `inject` and `post-render` give the same warning as a note at the
    /// moment they would write one.
    ///
    /// ## Why is this bad?
    /// The checksum sits in a pod template annotation, which everyone who can
    /// read Deployments can see: far more people and service accounts than can
    /// read Secrets. A plain hash of a guessable value is an offline guessing
    /// oracle: a 4-digit PIN falls in well under a second. With an HMAC key
    /// (`CONFSUM_HMAC_KEY` or `--hmac-key-file`), the checksum reveals nothing
    /// to anyone without the key.
    ///
    /// Entropy is estimated per value with zxcvbn and added up over every
    /// Secret key the workload consumes; values that are not text count 8 bits
    /// a byte. The finding names Secrets and keys, never a value.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Secret
    /// stringData:
    ///   pin: "4821"
    /// ```
    /// Use instead: run confsum with an HMAC key, kept as a CI secret.
    GuessableSecretChecksum, "guessable-secret-checksum", Warning, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    if ctx.config.checksums_keyed {
        return;
    }
    // Scoring values (zxcvbn) is the cost of this rule: on all cores.
    use rayon::prelude::*;
    // A Secret consumed by many workloads is scored once.
    let cache = crate::secrets::ScoreCache::default();
    let scored: Vec<_> = ctx
        .analysis
        .graph
        .workloads
        .par_iter()
        .filter_map(|w| {
            let model = &ctx.analysis.model;
            let o = &model.objects[w.object];
            let secret_key = &ctx.config.checksum_keys[1];
            // Where to point, if the annotation is there: read from the
            // workload's tree, which lint may have let go.
            let name = model.doc(o).with_tree(|doc| {
                model
                    .pod_template_in(doc, o)
                    .and_then(|t| doc.path(t, &["metadata", "annotations"]))
                    .and_then(|a| doc.get(a, secret_key))?;
                Some(doc.node(super::name_node_in(doc, o)).span)
            })?;
            Some((
                w,
                name,
                crate::secrets::guessable_secret_checksum_cached(model, w, &cache)?,
            ))
        })
        .collect();
    for (w, name, g) in scored {
        let what: Vec<String> = g
            .consumed
            .iter()
            .map(|(name, keys)| format!("Secret `{name}` ({})", keys.join(", ")))
            .collect();
        r.report_span(
            ctx,
            w.object,
            name,
            format!(
                "the secret checksum is plain SHA-256 over about {:.0} bits of Secret data: {}; anyone who can read this workload could guess the values from it",
                g.bits,
                what.join(", ")
            ),
            "give confsum an HMAC key (CONFSUM_HMAC_KEY or --hmac-key-file, from a CI secret), or use long random values",
        );
    }
}
