//! Which consumed ConfigMaps and Secrets a pod template's annotations roll:
//! confsum's own checksums, or a chart's `checksum/*` annotations matched to
//! the objects they hash. config-change-no-rollout and subpath-no-refresh
//! ask here, so that an annotation counts only for what it covers.

use crate::graph::Workload;
use crate::lint::Context;
use crate::model::{ConfigKind, Kind, ObjId};

/// Whether, and how surely, an annotation rolls a workload on a change of
/// one consumed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cover {
    /// confsum's checksum, a content-hashed name, or a chart template's
    /// `include ... | sha256sum` of the object's template.
    Rolled,
    /// Some `checksum` annotation is there; by its name it may cover the
    /// object (a guess: confsum cannot see what a rendered value hashes).
    LikelyRolled,
    /// The chart's template hashes these template files, and the object's
    /// is not among them: it is not rolled.
    NotHashed(Vec<String>),
    /// The annotations the template has (by name) do not cover it: it is
    /// not rolled, as far as the render shows.
    NotByName(Vec<String>),
    /// No annotation at all changes with config.
    Nothing,
}

/// The pod template's annotations of `w` whose key names a checksum.
fn checksum_keys<'c>(ctx: &'c Context<'_, '_>, w: &Workload) -> Vec<&'c str> {
    let doc = ctx.doc(w.object);
    let Some(ann) = ctx
        .pod_template(w.object)
        .and_then(|t| doc.path(t, &["metadata", "annotations"]))
    else {
        return Vec::new();
    };
    doc.entries(ann)
        .iter()
        .filter_map(|&(k, _)| doc.scalar(k))
        .filter(|k| k.to_ascii_lowercase().contains("checksum"))
        .collect()
}

/// The template files (`templates/...` paths) a workload's chart template
/// hashes with `include (print $.Template.BasePath "/x.yaml") . | sha256sum`,
/// when the chart's template file was read.
fn hashed_templates(ctx: &Context<'_, '_>, w: &Workload) -> Option<Vec<String>> {
    let model = &ctx.analysis.model;
    let o = &model.objects[w.object];
    let template = model.doc(o).template()?;
    let file = ctx.templates?.get(&model.source(o).name, template)?;
    let mut found = Vec::new();
    for line in file.text.lines().filter(|l| l.contains("sha256sum")) {
        let mut rest = line;
        while let Some(at) = rest.find("BasePath") {
            rest = &rest[at + "BasePath".len()..];
            let Some(open) = rest.find('"') else { break };
            let Some(len) = rest[open + 1..].find('"') else {
                break;
            };
            found.push(
                rest[open + 1..open + 1 + len]
                    .trim_start_matches('/')
                    .to_string(),
            );
            rest = &rest[open + 1 + len..];
        }
    }
    Some(found)
}

/// What a workload's pod-template annotations can roll, read once per
/// workload and asked per consumed object.
pub struct Annotations<'c> {
    /// Whether confsum's config and secret checksums are there.
    ours: [bool; 2],
    /// The chart's `checksum` keys (confsum's own left out).
    chart_keys: Vec<&'c str>,
    /// The template files the chart's template hashes, when it was read
    /// and names some.
    hashed: Option<Vec<String>>,
}

impl<'c> Annotations<'c> {
    pub fn of(ctx: &'c Context<'_, '_>, w: &Workload) -> Self {
        let keys = checksum_keys(ctx, w);
        let ours = ctx
            .config
            .checksum_keys
            .each_ref()
            .map(|c| keys.contains(&c.as_str()));
        let chart_keys: Vec<&str> = keys
            .into_iter()
            .filter(|k| !ctx.config.checksum_keys.iter().any(|c| c == k))
            .collect();
        let hashed = if chart_keys.is_empty() {
            None
        } else {
            hashed_templates(ctx, w).filter(|h| !h.is_empty())
        };
        Annotations {
            ours,
            chart_keys,
            hashed,
        }
    }

    /// How a change of `target` (consumed by the workload) rolls its pods.
    pub fn cover(&self, ctx: &Context<'_, '_>, target: ObjId) -> Cover {
        let t = &ctx.analysis.model.objects[target];
        let Kind::Config(kind) = t.kind else {
            return Cover::Rolled;
        };
        if crate::model::has_content_hash(&t.name) {
            return Cover::Rolled;
        }
        let ours = match kind {
            ConfigKind::ConfigMap => self.ours[0],
            ConfigKind::Secret => self.ours[1],
        };
        if ours {
            return Cover::Rolled;
        }
        if self.chart_keys.is_empty() {
            return Cover::Nothing;
        }
        cover_by_chart(ctx, t, kind, &self.chart_keys, self.hashed.as_deref())
    }
}

/// A chart's `checksum` keys over `t`: by the templates they hash when
/// known, else by their names.
fn cover_by_chart(
    ctx: &Context<'_, '_>,
    t: &crate::model::Object,
    kind: ConfigKind,
    chart_keys: &[&str],
    hashed: Option<&[String]>,
) -> Cover {
    let model = &ctx.analysis.model;
    let source = model.doc(t).template().unwrap_or("");
    if let Some(hashed) = hashed {
        return if hashed.iter().any(|h| source.ends_with(h.as_str())) {
            Cover::Rolled
        } else {
            Cover::NotHashed(hashed.to_vec())
        };
    }
    let stem = source
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .to_ascii_lowercase();
    let name = t.name.to_ascii_lowercase();
    let covers = |key: &str| {
        let what = key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase();
        let what = what
            .trim_start_matches("checksum-")
            .trim_start_matches("checksum_");
        let generic = match kind {
            ConfigKind::ConfigMap => {
                matches!(
                    what,
                    "config" | "configmap" | "configmaps" | "configuration" | "cm"
                )
            }
            ConfigKind::Secret => matches!(what, "secret" | "secrets"),
        };
        generic
            || what.is_empty()
            || what.contains("checksum")
            || name.contains(what)
            || (!stem.is_empty() && (stem.contains(what) || what.contains(stem.as_str())))
    };
    if chart_keys.iter().any(|k| covers(k)) {
        Cover::LikelyRolled
    } else {
        Cover::NotByName(chart_keys.iter().map(|k| k.to_string()).collect())
    }
}

/// Whether a workload's pods start afresh for each run, so that they always
/// read the current config: a CronJob's Jobs, a Job, a Helm hook (deleted
/// and created again on each upgrade).
pub fn runs_afresh(ctx: &Context<'_, '_>, w: &Workload) -> bool {
    use crate::model::WorkloadKind;
    let model = &ctx.analysis.model;
    let o = &model.objects[w.object];
    matches!(
        o.kind,
        Kind::Workload(WorkloadKind::Job | WorkloadKind::CronJob)
    ) || ctx.is_helm_hook(w.object)
}
