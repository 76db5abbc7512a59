use super::{API_SIZE_LIMIT, all_configs, data_may_pass, data_size, name_node};
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for ConfigMaps and Secrets whose data is above a share of the 1 MiB
    /// limit (90% by default; `settings: {near-size-limit: 0.8}` in
    /// `.confsum.yaml` changes it) but not over it.
    ///
    /// ## Why is this bad?
    /// The next few additions push the object over the limit, and the release then
    /// fails at deploy time.
    ///
    /// ## Example
    /// A generated dashboards ConfigMap at 980 KiB.
    /// Use instead: split it before it grows over the limit.
    ObjectNearSizeLimit, "object-near-size-limit", Warning, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    let threshold = (API_SIZE_LIMIT as f64 * ctx.config.near_size_share) as usize;
    for (obj, _) in all_configs(ctx).filter(|&(obj, _)| data_may_pass(ctx, obj, threshold)) {
        let size = data_size(ctx, obj);
        if size > threshold && size <= API_SIZE_LIMIT {
            let pct = size * 100 / API_SIZE_LIMIT;
            r.report(
                ctx,
                obj,
                name_node(ctx, obj),
                format!(
                    "{} holds {size} bytes of data, {pct}% of the API server's 1 MiB limit",
                    ctx.name(obj)
                ),
                "split the data over several objects before it grows over the limit",
            );
        }
    }
}
