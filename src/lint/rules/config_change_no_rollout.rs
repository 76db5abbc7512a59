use super::Listing;
use crate::graph::Via;
use crate::lint::coverage::{Annotations, Cover, runs_afresh};
use crate::lint::{Context, Reporter};

rule! {
    /// ## What it does
    /// Checks for workloads that consume a ConfigMap or Secret of the input through
    /// `env`, `envFrom`, or a volume mounted with `subPath` (none of which a
    /// running container ever sees change), while no annotation of the pod
    /// template changes with that object. Volumes mounted without `subPath` are
    /// not flagged: the kubelet refreshes their files.
    ///
    /// An annotation counts only for what it covers: confsum's config checksum
    /// covers ConfigMaps and its secret checksum Secrets. A chart's `checksum/*`
    /// annotation covers the templates its expression hashes
    /// (`include (print $.Template.BasePath "/configmap.yaml") . | sha256sum`)
    /// when the chart is linted; on a render alone, the objects its key names
    /// (`checksum/cmd-params` covers `argocd-cmd-params-cm`, `checksum/config`
    /// any ConfigMap, `checksum/secret` any Secret). An object only a guess
    /// leaves uncovered is reported as information, saying so. A name with a
    /// content hash (kustomize's `app-config-k9tf8bmtbg`) rolls by itself. Jobs,
    /// CronJobs and Helm hooks are not checked: each run starts new pods, which
    /// read the current config.
    ///
    /// ## Why is this bad?
    /// A config change leaves the running pods on the old values until something
    /// else restarts them, so a release "succeeds" without taking effect.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - envFrom: [{configMapRef: {name: app-config}}]
    /// ```
    /// Use instead: run confsum as the Helm post-renderer or in the pipeline
    /// (`confsum inject`), or add
    /// `checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}`
    /// to the pod template's annotations: `confsum lint --fix CHART` writes
    /// it into the chart's templates once a render with helm proves it.
    ConfigChangeNoRollout, "config-change-no-rollout", Warning, check, Rendered, None, PerWorkload
}

fn check(ctx: &Context<'_, '_>, r: &mut Reporter) {
    for (w, _) in ctx.workloads() {
        let o = ctx.object(w.object);
        if !ctx.is_injectable(w.object) || runs_afresh(ctx, w) {
            continue;
        }
        // Stakater Reloader or Wave rolls it on every config change.
        if matches!(
            w.left_alone,
            Some(crate::graph::LeftAlone::RolledByController(_))
        ) {
            continue;
        }
        // A reference is frozen at container start when one of its uses
        // is: read into env (its `via` says so), or mounted with subPath,
        // which few uses are (one pass over them, not one per reference).
        let sub_path: std::collections::HashSet<(crate::model::ConfigKind, &str)> = w
            .uses
            .iter()
            .filter(|u| !u.sub_path_mounts().is_empty())
            .map(|u| (u.kind, u.name.as_str()))
            .collect();
        let frozen = |rf: &crate::graph::Ref| {
            rf.via.contains(Via::Env)
                || rf.via.contains(Via::EnvFrom)
                || sub_path.contains(&(rf.kind, rf.name.as_str()))
        };
        let mut nothing = Listing::default();
        let mut not_hashed = Listing::default();
        let mut hashed = Listing::default();
        let mut by_name = Listing::default();
        let mut keys = Listing::default();
        let mut uncovered = Vec::new();
        // Sets beside the vectors keep first-seen order and stay linear in
        // references (50,000 `envFrom` entries are one container's). A
        // workload's references are one per object, so its targets need none.
        let mut seen_files = std::collections::HashSet::new();
        let mut seen_keys = std::collections::HashSet::new();
        let annotations = Annotations::of(ctx, w);
        for rf in w
            .refs
            .iter()
            .filter(|rf| rf.via.iter().any(|v| v != Via::ImagePullSecrets) && frozen(rf))
        {
            let Some(target) = rf.target else {
                continue;
            };
            let what = || format!("{} `{}`", rf.kind.as_str(), rf.name);
            let cover = annotations.cover(ctx, target);
            if !matches!(cover, Cover::Rolled | Cover::LikelyRolled) {
                uncovered.push(target);
            }
            match cover {
                Cover::Rolled | Cover::LikelyRolled => {}
                Cover::Nothing => nothing.push(what),
                Cover::NotHashed(files) => {
                    not_hashed.push(what);
                    for f in files {
                        if seen_files.insert(f.clone()) {
                            hashed.push(|| format!("`{f}`"));
                        }
                    }
                }
                Cover::NotByName(k) => {
                    by_name.push(what);
                    for k in k {
                        if seen_keys.insert(k.clone()) {
                            keys.push(|| format!("`{k}`"));
                        }
                    }
                }
            }
        }
        if nothing.count > 0 {
            r.report(
                ctx,
                w.object,
                super::name_node(ctx, w.object),
                format!("{} `{}` reads {} at container start, and no checksum annotation rolls its pods when they change", o.kind_name(), o.name, nothing.text()),
                "run confsum as the Helm post-renderer or `confsum inject` in the pipeline, or add a `checksum/config` annotation to the pod template (`confsum lint --fix CHART` writes it)",
            );
        } else if not_hashed.count > 0 {
            r.report(
                ctx,
                w.object,
                super::name_node(ctx, w.object),
                format!(
                    "{} `{}` reads {} at container start, and its checksum annotations hash only {}, so a change of {} does not roll its pods",
                    o.kind_name(),
                    o.name,
                    not_hashed.text(),
                    hashed.text(),
                    if not_hashed.count == 1 { "it" } else { "them" }
                ),
                "add `checksum/<name>: {{ include (print $.Template.BasePath \"/<its template>\") . | sha256sum }}` for it (`confsum lint --fix CHART` writes it), or run confsum inject",
            );
        } else if by_name.count > 0 {
            r.report(
                ctx,
                w.object,
                super::name_node(ctx, w.object),
                format!(
                    "{} `{}` reads {} at container start, and its checksum annotations ({}) do not seem to cover {}: judged by their names and the templates they hash, as far as the render shows",
                    o.kind_name(),
                    o.name,
                    by_name.text(),
                    keys.text(),
                    if by_name.count == 1 { "it" } else { "them" }
                ),
                "add a `checksum/...` annotation over the uncovered object's template, or run confsum inject, which covers every consumed object",
            );
            r.at_most(crate::lint::Severity::Info);
        }
        if !uncovered.is_empty() {
            r.fix(
                ctx,
                crate::lint::FixRequest {
                    workload: w.object,
                    objects: uncovered,
                },
            );
        }
    }
}
