use super::*;

const DEPLOYMENT: Target<'static> = Target {
    kind: "Deployment",
    pod_template_path: &["spec", "template"],
    nth: 0,
    rendered: 1,
};

fn config() -> Vec<Annotation> {
    vec![Annotation::for_template("templates/configmap.yaml")]
}

fn no_helpers(_: &str) -> Option<bool> {
    Some(false)
}

fn fixed(text: &str) -> (String, Shape) {
    let edit = add_annotations(text, &DEPLOYMENT, &config(), &no_helpers).expect("fixable");
    (edit.apply(text), edit.shape)
}

const LINE: &str = r#"checksum/configmap: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}"#;

#[test]
fn the_helm_create_scaffold_gets_its_annotations_out_of_the_with_block() {
    let text = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "demo.fullname" . }}
spec:
  template:
    metadata:
      {{- with .Values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      labels:
        {{- include "demo.labels" . | nindent 8 }}
    spec:
      containers:
        - name: app
"#;
    let (out, shape) = fixed(text);
    assert_eq!(shape, Shape::OutOfBlock);
    let want = format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "demo.fullname" . }}}}
spec:
  template:
    metadata:
      annotations:
        {LINE}
      {{{{- with .Values.podAnnotations }}}}
        {{{{- toYaml . | nindent 8 }}}}
      {{{{- end }}}}
      labels:
        {{{{- include "demo.labels" . | nindent 8 }}}}
    spec:
      containers:
        - name: app
"#
    );
    assert_eq!(out, want);
}

#[test]
fn an_existing_map_gets_the_line_first_at_its_indentation() {
    let text = "kind: Deployment\nspec:\n    template:\n        metadata:\n            annotations:\n                a: b\n        spec: {}\n";
    let (out, shape) = fixed(text);
    assert_eq!(shape, Shape::IntoAnnotations);
    assert_eq!(
        out,
        format!(
            "kind: Deployment\nspec:\n    template:\n        metadata:\n            annotations:\n                {LINE}\n                a: b\n        spec: {{}}\n"
        )
    );
}

#[test]
fn metadata_without_annotations_gets_a_map() {
    let text = "kind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: x}\n    spec: {}\n";
    let (out, shape) = fixed(text);
    assert_eq!(shape, Shape::NewAnnotations);
    assert_eq!(
        out,
        format!(
            "kind: Deployment\nspec:\n  template:\n    metadata:\n      annotations:\n        {LINE}\n      labels: {{app: x}}\n    spec: {{}}\n"
        )
    );
}

#[test]
fn a_template_without_metadata_gets_metadata() {
    let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers: []";
    let (out, shape) = fixed(text);
    assert_eq!(shape, Shape::NewMetadata);
    assert_eq!(
        out,
        format!(
            "kind: Deployment\nspec:\n  template:\n    metadata:\n      annotations:\n        {LINE}\n    spec:\n      containers: []"
        )
    );
}

#[test]
fn crlf_lines_stay_crlf() {
    let text = "kind: Deployment\r\nspec:\r\n  template:\r\n    metadata:\r\n      annotations:\r\n        a: b\r\n";
    let (out, _) = fixed(text);
    assert_eq!(
        out,
        format!(
            "kind: Deployment\r\nspec:\r\n  template:\r\n    metadata:\r\n      annotations:\r\n        {LINE}\r\n        a: b\r\n"
        )
    );
}

#[test]
fn an_if_guard_around_the_object_changes_nothing_but_a_range_needs_the_root() {
    let guarded = "{{- if .Values.enabled }}\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {}\n{{- end }}\n";
    let (out, _) = fixed(guarded);
    assert!(
        out.contains(&format!("      annotations:\n        {LINE}\n")),
        "{out}"
    );
    let ranged = "{{- range .Values.workers }}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {}\n{{- end }}\n";
    let edit = add_annotations(ranged, &DEPLOYMENT, &config(), &no_helpers).unwrap();
    let out = edit.apply(ranged);
    assert!(out.contains(r#""/configmap.yaml") $ | sha256sum"#), "{out}");
}

#[test]
fn the_right_document_of_several_is_edited() {
    let text = "kind: ConfigMap\ndata:\n  template:\n    metadata: x\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {}\n";
    let second = Target {
        nth: 1,
        rendered: 2,
        ..DEPLOYMENT
    };
    let edit = add_annotations(text, &second, &config(), &no_helpers).unwrap();
    let out = edit.apply(text);
    let at = out.find("checksum/configmap").unwrap();
    assert!(at > text.rfind("kind: Deployment").unwrap());
    assert_eq!(out.matches("checksum/configmap").count(), 1);
    // The render has one of the two: which one is not certain.
    let unsure = Target {
        nth: 0,
        rendered: 1,
        ..DEPLOYMENT
    };
    assert!(add_annotations(text, &unsure, &config(), &no_helpers).is_err());
}

#[test]
fn a_helper_inside_the_annotations_map_is_fine_one_that_writes_the_map_is_refused() {
    let inside = "kind: Deployment\nspec:\n  template:\n    metadata:\n      annotations:\n        {{- include \"x.annotations\" . | nindent 8 }}\n";
    let (out, shape) = fixed(inside);
    assert_eq!(shape, Shape::IntoAnnotations);
    assert!(out.contains(&format!(
        "      annotations:\n        {LINE}\n        {{{{- include"
    )));
    let writes = "kind: Deployment\nspec:\n  template:\n    metadata:\n      {{- include \"x.podMetadata\" . | nindent 6 }}\n    spec: {}\n";
    let helper = |name: &str| (name == "x.podMetadata").then_some(true);
    let why = add_annotations(writes, &DEPLOYMENT, &config(), &helper).unwrap_err();
    assert!(why.contains("x.podMetadata"), "{why}");
    let labels_only = |name: &str| (name == "x.podMetadata").then_some(false);
    assert!(add_annotations(writes, &DEPLOYMENT, &config(), &labels_only).is_ok());
}

#[test]
fn inline_annotations_and_a_helper_made_object_are_refused() {
    let inline = "kind: Deployment\nspec:\n  template:\n    metadata:\n      annotations: {{ toYaml .Values.podAnnotations | nindent 8 }}\n";
    let why = add_annotations(inline, &DEPLOYMENT, &config(), &no_helpers).unwrap_err();
    assert!(why.contains("inline"), "{why}");
    let helper = "{{ include \"common.deployment\" . }}\n";
    let why = add_annotations(helper, &DEPLOYMENT, &config(), &no_helpers).unwrap_err();
    assert!(why.contains("common.deployment"), "{why}");
}

#[test]
fn block_scalars_and_actions_that_look_like_keys_are_content() {
    let text = "kind: Deployment\nspec:\n  script: |\n    template:\n      metadata:\n  template:\n    metadata:\n      {{ .Values.key }}: x\n      labels: {}\n";
    let (out, _) = fixed(text);
    assert!(
        out.contains(&format!(
            "  template:\n    metadata:\n      annotations:\n        {LINE}\n"
        )),
        "{out}"
    );
}

#[test]
fn present_annotations_are_not_added_twice() {
    let text = format!(
        "kind: Deployment\nspec:\n  template:\n    metadata:\n      annotations:\n        {LINE}\n"
    );
    let why = add_annotations(&text, &DEPLOYMENT, &config(), &no_helpers).unwrap_err();
    assert!(why.contains("already has"), "{why}");
}

#[test]
fn names_for_templates() {
    assert_eq!(
        Annotation::for_template("templates/configmap.yaml").key,
        "checksum/configmap"
    );
    assert_eq!(
        Annotation::for_template("templates/app/secret.yml").key,
        "checksum/app-secret"
    );
}

#[test]
fn helper_defines_are_read() {
    let helpers = "{{- define \"x.labels\" -}}\napp: x\n{{- end }}\n{{- define \"x.meta\" -}}\n{{- if .a }}\nannotations:\n  a: b\n{{- end }}\n{{- end }}\n";
    assert_eq!(define_writes_annotations(helpers, "x.labels"), Some(false));
    assert_eq!(define_writes_annotations(helpers, "x.meta"), Some(true));
    assert_eq!(define_writes_annotations(helpers, "x.other"), None);
}

#[test]
fn a_computed_kind_that_names_the_workload_is_found() {
    let text = "kind: {{ ternary \"StatefulSet\" \"Deployment\" .Values.sts }}\nspec:\n  template:\n    metadata:\n      labels: {}\n";
    let (out, _) = fixed(text);
    assert!(
        out.contains(&format!("      annotations:\n        {LINE}\n")),
        "{out}"
    );
    let other = "kind: {{ .Values.kind }}\nspec:\n  template:\n    metadata: {}\n";
    let why = add_annotations(other, &DEPLOYMENT, &config(), &no_helpers).unwrap_err();
    assert!(why.contains("computed"), "{why}");
}
