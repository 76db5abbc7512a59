//! Config that changes in place, without a restart: sidecars that watch a
//! mounted ConfigMap or Secret and tell the app to reload, and controllers
//! that roll workloads themselves. A checksum over such config would turn
//! every reload into a full restart, so confsum leaves it out (see
//! docs/rules.md and the README's "Reload in place").
//!
//! Sidecars, by image (the repository's last path segment), as widely used
//! charts run them:
//! - `configmap-reload` (jimmidyson, Prometheus and Alertmanager charts)
//! - `prometheus-config-reloader` (prometheus-operator)
//! - `k8s-sidecar` (kiwigrid; Grafana's dashboards and datasources sidecars)
//! - `config-reloader`, `vmconfig-reloader`, `operator` with a
//!   `config-reloader` tag (VictoriaMetrics)
//! - `thanos` run as `sidecar` with `--reloader.*` flags (Thanos)
//! - `reloader` images of Grafana's `grafana-reloader`
//!
//! Controllers, by the workload annotations they read: Stakater Reloader
//! (`reloader.stakater.com/*`, `configmap.reloader.stakater.com/reload`,
//! `secret.reloader.stakater.com/reload`) and Wave
//! (`wave.pusher.com/update-on-config-change`).

use crate::yaml::{Document, NodeId};

const SIDECAR_IMAGES: [&str; 6] = [
    "configmap-reload",
    "prometheus-config-reloader",
    "k8s-sidecar",
    "config-reloader",
    "vmconfig-reloader",
    "grafana-reloader",
];

/// Whether the container at `container` reloads config in place.
pub fn is_reloader_sidecar(doc: &Document<'_>, container: NodeId) -> bool {
    let image = doc.str_at(container, &["image"]).unwrap_or("");
    // `registry/org/name:tag@digest` → `name`, and the tag.
    let without_digest = image.split('@').next().unwrap_or("");
    let last = without_digest.rsplit('/').next().unwrap_or("");
    let (name, tag) = last.split_once(':').unwrap_or((last, ""));
    if SIDECAR_IMAGES.contains(&name) || (name == "operator" && tag.starts_with("config-reloader"))
    {
        return true;
    }
    if name == "thanos" {
        let args: Vec<&str> = ["args", "command"]
            .iter()
            .filter_map(|f| doc.get(container, f))
            .flat_map(|l| doc.items(l).filter_map(|i| doc.scalar(i)))
            .collect();
        return args.contains(&"sidecar") && args.iter().any(|a| a.starts_with("--reloader."));
    }
    false
}

/// The annotation by which a controller rolls this workload itself, if any.
pub fn external_roller(doc: &Document<'_>, workload: NodeId) -> Option<String> {
    let annotations = doc.path(workload, &["metadata", "annotations"])?;
    doc.entries(annotations).iter().find_map(|&(k, _)| {
        let key = doc.scalar(k)?;
        let rolls = key.starts_with("reloader.stakater.com/")
            || key == "configmap.reloader.stakater.com/reload"
            || key == "secret.reloader.stakater.com/reload"
            || key == "wave.pusher.com/update-on-config-change";
        rolls.then(|| key.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(yaml: &str) -> bool {
        let docs = crate::yaml::parse_stream(yaml).unwrap();
        is_reloader_sidecar(&docs[0], docs[0].root().unwrap())
    }

    #[test]
    fn known_reloader_images() {
        assert!(container("image: jimmidyson/configmap-reload:v0.8.0"));
        assert!(container(
            "image: ghcr.io/jimmidyson/configmap-reload:v0.14.0"
        ));
        assert!(container(
            "image: quay.io/prometheus-operator/prometheus-config-reloader:v0.75.0"
        ));
        assert!(container(
            "image: quay.io/kiwigrid/k8s-sidecar:1.27.4@sha256:abc"
        ));
        assert!(container(
            "image: victoriametrics/operator:config-reloader-v0.42.0"
        ));
        assert!(container(
            "image: quay.io/thanos/thanos:v0.35.0\nargs: [sidecar, --reloader.config-file=/etc/p.yaml]"
        ));
        assert!(!container(
            "image: quay.io/thanos/thanos:v0.35.0\nargs: [query]"
        ));
        assert!(!container("image: prom/prometheus:v2.53.0"));
        assert!(!container("image: victoriametrics/operator:v0.42.0"));
    }
}
