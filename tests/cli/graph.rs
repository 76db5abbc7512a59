//! `confsum graph`: the JSON contract, the text tree, and the promises of
//! checksum spec v1.

use crate::common::*;

fn graph_json(input: &str) -> serde_json::Value {
    let out = confsum()
        .args(["graph", "--format", "json"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sums(input: &str) -> serde_json::Value {
    graph_json(input)["workloads"][0]["checksums"].clone()
}

const BASE: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  labels: {a: b}
data:
  used: "hello"
  other: world
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  password: aHVudGVyMg==
  spare: eA==
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      imagePullSecrets:
      - name: registry
      containers:
      - name: web
        image: web:1
        env:
        - name: USED
          valueFrom:
            configMapKeyRef: {name: app, key: used}
        - name: PASSWORD
          valueFrom:
            secretKeyRef: {name: creds, key: password}
        - name: MISSING
          valueFrom:
            secretKeyRef: {name: elsewhere, key: k, optional: true}
"#;

#[test]
fn contract_fields() {
    let g = graph_json(BASE);
    let w = &g["workloads"][0];
    assert_eq!(w["kind"], "Deployment");
    assert_eq!(w["namespace"], "default");
    assert_eq!(w["injectable"], true);
    let refs = w["refs"].as_array().unwrap();
    assert_eq!(refs.len(), 4);
    assert_eq!(
        refs[0],
        serde_json::json!({"kind": "ConfigMap", "name": "app", "keys": ["used"], "optional": false, "via": ["env"], "found": true})
    );
    assert_eq!(refs[1]["name"], "creds");
    assert_eq!(refs[2]["name"], "elsewhere");
    assert_eq!(refs[2]["found"], false);
    assert_eq!(refs[2]["optional"], true);
    assert_eq!(refs[3]["name"], "registry");
    assert_eq!(refs[3]["via"], serde_json::json!(["imagePullSecrets"]));
    assert_eq!(w["checksums"]["config"].as_str().unwrap().len(), 64);
    assert_eq!(w["checksums"]["secret"].as_str().unwrap().len(), 64);
    let objects = g["objects"].as_array().unwrap();
    assert_eq!(
        objects[0],
        serde_json::json!({"kind": "ConfigMap", "namespace": "default", "name": "app", "consumers": 1, "file": "-"})
    );
}

#[test]
fn unconsumed_keys_labels_comments_quoting_and_order_change_nothing() {
    let base = sums(BASE);
    let variants = [
        BASE.replace("other: world", "other: changed"),
        BASE.replace("spare: eA==", "spare: eQ=="),
        BASE.replace("labels: {a: b}", "labels: {a: c}"),
        BASE.replace(
            "  used: \"hello\"\n  other: world\n",
            "  other: world\n  used: hello # a comment\n",
        ),
        BASE.replace(
            "  password: aHVudGVyMg==\n",
            "  password: \"aHVudGVy\\nMg==\"\n",
        ),
        BASE.replace(
            "data:\n  password: aHVudGVyMg==\n",
            "stringData:\n  password: hunter2\ndata:\n",
        ),
        BASE.replace(
            "data:\n  used: \"hello\"\n",
            "binaryData:\n  used: aGVsbG8=\ndata:\n",
        ),
    ];
    for v in &variants {
        assert_eq!(sums(v), base, "changed checksum for:\n{v}");
    }
}

#[test]
fn consumed_changes_change_the_checksum_of_their_kind_only() {
    let base = sums(BASE);
    let cm = sums(&BASE.replace("used: \"hello\"", "used: \"hello!\""));
    assert_ne!(cm["config"], base["config"]);
    assert_eq!(cm["secret"], base["secret"]);
    let sec = sums(&BASE.replace("aHVudGVyMg==", "aHVudGVyMw=="));
    assert_ne!(sec["secret"], base["secret"]);
    assert_eq!(sec["config"], base["config"]);
    let removed = sums(&BASE.replace("  used: \"hello\"\n", ""));
    assert_ne!(
        removed["config"], base["config"],
        "a consumed key disappearing changes the checksum"
    );
}

#[test]
fn references_resolve_in_the_workload_namespace() {
    let moved = BASE.replace("  name: web\n", "  name: web\n  namespace: other\n");
    let g = graph_json(&moved);
    assert_eq!(g["workloads"][0]["checksums"], serde_json::json!({}));
    assert!(
        g["workloads"][0]["refs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["found"] == false)
    );
    let out = confsum()
        .args(["graph", "--format", "json", "--namespace", "other"])
        .write_stdin(BASE)
        .output()
        .unwrap();
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(g["workloads"][0]["namespace"], "other");
    assert_eq!(g["workloads"][0]["refs"][0]["found"], true);
}

#[test]
fn every_reference_path_and_container_kind() {
    let input = std::fs::read_to_string(fixture("graph/all-paths.yaml")).unwrap();
    let g = graph_json(&input);
    let refs = g["workloads"][0]["refs"].as_array().unwrap().clone();
    let find = |name: &str| {
        refs.iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {refs:?}"))
            .clone()
    };
    assert_eq!(find("init-env")["via"], serde_json::json!(["env"]));
    assert_eq!(find("eph-envfrom")["keys"], "*");
    assert_eq!(find("vol-items")["keys"], serde_json::json!(["a", "b"]));
    assert_eq!(find("vol-all")["keys"], "*");
    assert_eq!(find("proj-cm")["via"], serde_json::json!(["projected"]));
    assert_eq!(find("proj-secret")["keys"], serde_json::json!(["tls.crt"]));
    assert_eq!(find("secret-vol")["via"], serde_json::json!(["volume"]));
    let merged = find("shared");
    assert_eq!(
        merged["keys"], "*",
        "env of one key plus envFrom of all is all"
    );
    assert_eq!(merged["via"], serde_json::json!(["env", "envFrom"]));
    assert_eq!(merged["optional"], false, "optional only when every use is");
}

#[test]
fn text_tree_snapshot() {
    let out = confsum()
        .arg("graph")
        .arg(fixture("graph/all-paths.yaml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn yaml_1_1_booleans_count_for_optional() {
    let input = BASE.replace("optional: true", "optional: yes");
    let g = graph_json(&input);
    assert_eq!(g["workloads"][0]["refs"][2]["optional"], true);
}

#[test]
fn pictures_dot_and_mermaid_and_the_readme_example() {
    let out = confsum()
        .args(["graph", "--format", "mermaid"])
        .arg("fixtures/example/app.yaml")
        .current_dir(root())
        .output()
        .unwrap();
    let mermaid = stdout(&out);
    assert!(mermaid.starts_with("flowchart LR\n"));
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```mermaid\n{mermaid}```")),
        "README's mermaid example is stale:\n{mermaid}"
    );
    let dot = stdout(
        &confsum()
            .args(["graph", "--format", "dot"])
            .arg(fixture("graph/all-paths.yaml"))
            .output()
            .unwrap(),
    );
    assert!(dot.starts_with("digraph confsum {"));
    assert!(dot.contains("style=dashed"), "missing objects are marked");
    assert!(dot.contains("[label=\"volume: a,b\"]"), "{dot}");
}
