use super::{API_SIZE_LIMIT, all_configs, data_may_pass, data_size, name_node};
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for ConfigMaps and Secrets whose data (keys plus the decoded bytes of
    /// `data`, `binaryData` and `stringData`) exceeds 1 MiB (1,048,576 bytes).
    ///
    /// ## Why is this bad?
    /// The API server rejects such an object, so the release fails at deploy time
    /// (etcd's request size limit).
    ///
    /// ## Example
    /// A ConfigMap that embeds a large dashboard bundle or a binary.
    /// Use instead: split the data over several objects, or ship it in the image
    /// or a volume.
    ObjectTooLarge, "object-too-large", Error, check
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (obj, _) in all_configs(ctx).filter(|&(obj, _)| data_may_pass(ctx, obj, API_SIZE_LIMIT)) {
        let size = data_size(ctx, obj);
        if size > API_SIZE_LIMIT {
            r.report(
                ctx,
                obj,
                name_node(ctx, obj),
                format!("{} holds {size} bytes of data, over the API server's limit of {API_SIZE_LIMIT}", ctx.name(obj)),
                "split the data over several objects, or move large files into the image or a volume",
            );
        }
    }
}
