//! Parser tests on synthetic input: every YAML feature the corpus README
//! lists, and those the real files lack (BOM, CRLF, tabs, non-ASCII,
//! anchors, duplicate keys, folded scalars, `...`).

use super::*;

fn one(text: &str) -> Document<'_> {
    let mut docs = parse_stream(text).expect("parses");
    assert_eq!(docs.len(), 1, "one document");
    docs.remove(0)
}

fn span_text<'t>(text: &'t str, doc: &Document<'_>, id: NodeId) -> &'t str {
    &text[doc.node(id).span.clone()]
}

#[test]
fn documents_templates_and_comment_only_documents() {
    let text = "---\n# Source: c/templates/a.yaml\na: 1\n---\n# Source: c/templates/pdb.yaml\n# only a comment\n---\n# Source: c/templates/b.yaml\nb: 2\n";
    let docs = parse_stream(text).unwrap();
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[0].template(), Some("c/templates/a.yaml"));
    assert!(
        docs[1].root().is_none(),
        "comment-only document is kept, empty"
    );
    assert_eq!(docs[1].template(), Some("c/templates/pdb.yaml"));
    assert_eq!(
        &text[docs[1].span()],
        "---\n# Source: c/templates/pdb.yaml\n# only a comment\n"
    );
    assert_eq!(docs[2].span().end, text.len());
}

#[test]
fn spans_are_bytes_under_bom_crlf_and_multibyte() {
    let text = "\u{feff}a: \"é☃\"\r\nb: plain ü\r\nc: [x, 'ÿ']\r\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    assert!(doc.crlf);
    let a = doc.get(root, "a").unwrap();
    assert_eq!(span_text(text, &doc, a), "\"é☃\"");
    assert_eq!(doc.scalar(a), Some("é☃"));
    let b = doc.get(root, "b").unwrap();
    assert_eq!(span_text(text, &doc, b), "plain ü");
    let c = doc.get(root, "c").unwrap();
    assert_eq!(span_text(text, &doc, c), "[x, 'ÿ']");
}

#[test]
fn tabs_inside_scalars_are_content() {
    let doc = one("a: \"x\\ty\"\nb: 'p\tq'\nc: |\n  col1\tcol2\n");
    let root = doc.root().unwrap();
    assert_eq!(doc.str_at(root, &["a"]), Some("x\ty"));
    assert_eq!(doc.str_at(root, &["b"]), Some("p\tq"));
    assert_eq!(doc.str_at(root, &["c"]), Some("col1\tcol2\n"));
}

#[test]
fn block_scalars_literal_folded_keep_and_dashes_inside() {
    let text = "a: |+\n  line\n  ---\n  more\n\nb: >-\n  folded\n  text\nc: |-\n  strip\n";
    let docs = parse_stream(text).unwrap();
    assert_eq!(docs.len(), 1, "an indented --- is content");
    let doc = &docs[0];
    let root = doc.root().unwrap();
    assert_eq!(doc.str_at(root, &["a"]), Some("line\n---\nmore\n\n"));
    assert_eq!(doc.str_at(root, &["b"]), Some("folded text"));
    assert_eq!(doc.str_at(root, &["c"]), Some("strip"));
    let b = doc.get(root, "b").unwrap();
    assert!(matches!(
        doc.node(b).kind,
        NodeKind::Scalar {
            style: ScalarStyle::Folded,
            ..
        }
    ));
}

#[test]
fn multi_line_plain_scalars_fold() {
    let doc = one("description: this is\n  a long\n  description\nnext: x\n");
    assert_eq!(
        doc.str_at(doc.root().unwrap(), &["description"]),
        Some("this is a long description")
    );
}

#[test]
fn flow_collections_and_indentless_sequences() {
    let text =
        "m: {key: a, values: [b, c]}\nempty: {}\nlist: []\nind:\n- one\n- two\nnested:\n  - x: 1\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    let m = doc.get(root, "m").unwrap();
    assert!(matches!(
        doc.node(m).kind,
        NodeKind::Mapping {
            style: CollectionStyle::Flow,
            ..
        }
    ));
    assert_eq!(span_text(text, &doc, m), "{key: a, values: [b, c]}");
    assert_eq!(doc.items(doc.get(m, "values").unwrap()).count(), 2);
    assert_eq!(span_text(text, &doc, doc.get(root, "empty").unwrap()), "{}");
    let ind = doc.get(root, "ind").unwrap();
    assert_eq!(
        doc.items(ind)
            .map(|i| doc.scalar(i).unwrap())
            .collect::<Vec<_>>(),
        ["one", "two"]
    );
    let nested = doc.get(root, "nested").unwrap();
    assert_eq!(doc.items(nested).count(), 1);
}

#[test]
fn quoted_keys_and_trailing_spaces_and_whitespace_lines() {
    let text =
        "\"helm.sh/hook\": pre-install\nsecret: \n  secretName: s\nannotations:\n    \nspec: 1\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    assert_eq!(doc.str_at(root, &["helm.sh/hook"]), Some("pre-install"));
    assert_eq!(doc.str_at(root, &["secret", "secretName"]), Some("s"));
    let ann = doc.get(root, "annotations").unwrap();
    assert_eq!(doc.scalar_type(ann), Some(ScalarType::Null));
}

#[test]
fn comments_less_indented_inside_a_sequence() {
    let text = "volumes:\n  - name: a\n\n# a comment at column 0\n  # and one indented less\n  - name: b\n    \n";
    let doc = one(text);
    let v = doc.get(doc.root().unwrap(), "volumes").unwrap();
    assert_eq!(doc.items(v).count(), 2);
}

#[test]
fn anchors_and_aliases_are_pointers_not_copies() {
    let text = "base: &b {a: 1}\ncopy: *b\nmerged:\n  <<: *b\n  c: 2\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    let copy_entry = doc.get_direct_entry(root, "copy").unwrap().1;
    assert!(matches!(doc.node(copy_entry).kind, NodeKind::Alias { .. }));
    assert_eq!(span_text(text, &doc, copy_entry), "*b");
    assert_eq!(
        doc.str_at(root, &["copy", "a"]),
        Some("1"),
        "lookups follow the alias"
    );
    assert_eq!(
        doc.str_at(root, &["merged", "a"]),
        Some("1"),
        "and the merge key"
    );
    assert!(
        doc.get_direct_entry(doc.get(root, "merged").unwrap(), "a")
            .is_none()
    );
    assert!(doc.node(doc.get(root, "base").unwrap()).anchored);
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in "bcdefghij".chars() {
        text.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
        prev = c;
    }
    let started = std::time::Instant::now();
    let err = parse_stream(&text).unwrap_err();
    assert!(
        err.message.contains("excessive aliasing"),
        "{}",
        err.message
    );
    assert!(started.elapsed().as_millis() < 500);
}

#[test]
fn duplicate_keys_keep_the_last_value_and_are_recorded() {
    // As Helm and Kubernetes decode them: the last value wins.
    let text = "a: 1\nb: 2\na: 3\n";
    let docs = parse_stream(text).unwrap();
    let d = &docs[0];
    let r = d.root().unwrap();
    assert_eq!(d.str_at(r, &["a"]), Some("3"));
    assert_eq!(
        d.get_direct_entry(r, "a").map(|(_, v)| d.scalar(v)),
        Some(Some("3"))
    );
    let &[(first, second)] = d.duplicate_keys() else {
        panic!("{:?}", d.duplicate_keys())
    };
    assert_eq!(
        (d.node(first).span.start, d.node(second).span.start),
        (0, 10)
    );
    // Large mappings take the hashed path.
    let big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect::<String>() + "k7: last\n";
    let docs = parse_stream(&big).unwrap();
    assert_eq!(
        docs[0].str_at(docs[0].root().unwrap(), &["k7"]),
        Some("last")
    );
    assert_eq!(docs[0].duplicate_keys().len(), 1);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse_stream(&text).is_err());
    let block: String = (0..300)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    assert!(parse_stream(&block).is_err());
}

#[test]
fn end_markers_and_several_documents_in_one_chunk() {
    let text = "a: 1\n...\nb: 2\n...\n";
    let docs = parse_stream(text).unwrap();
    let roots: Vec<_> = docs
        .iter()
        .filter_map(|d| d.root().map(|r| d.entries(r).len()))
        .collect();
    assert_eq!(roots, [1, 1]);
}

#[test]
fn empty_input_and_explicit_null_documents() {
    assert!(parse_stream("").unwrap().iter().all(|d| d.root().is_none()));
    assert!(
        parse_stream("---\n~\n")
            .unwrap()
            .iter()
            .all(|d| d.root().is_none())
    );
    assert!(
        parse_stream("---\nnull\n---\n")
            .unwrap()
            .iter()
            .all(|d| d.root().is_none())
    );
}

#[test]
fn scalar_types_follow_kubernetes_decoder() {
    let doc = one("a: on\nb: \"on\"\nc: 0755\nd: !!str 8080\ne: ~\nf: 1.5\ng: text\nh:\n");
    let r = doc.root().unwrap();
    let t = |k| doc.scalar_type(doc.get(r, k).unwrap()).unwrap();
    assert_eq!(t("a"), ScalarType::Bool);
    assert_eq!(t("b"), ScalarType::Str);
    assert_eq!(t("c"), ScalarType::Int);
    assert_eq!(t("d"), ScalarType::Str);
    assert_eq!(t("e"), ScalarType::Null);
    assert_eq!(t("f"), ScalarType::Float);
    assert_eq!(t("g"), ScalarType::Str);
    assert_eq!(t("h"), ScalarType::Null);
}

#[test]
fn syntax_errors_carry_an_absolute_offset() {
    let text = "---\na: 1\n---\nb: [1, 2\n";
    let err = parse_stream(text).unwrap_err();
    assert!(
        err.offset >= 13,
        "offset {} is inside the second document",
        err.offset
    );
}

/// What renderers print: the fast path takes each of these, and builds the
/// general parser's tree, spans and all.
#[test]
fn fast_path_takes_renderer_yaml_and_agrees() {
    let cases = [
        "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\n",
        "--- # comment\na: 1\n",
        "a: 1\nb:\nc: x y  \nd: \"q\\n\\t\\\"\\\\\\u00e9\\x41\\U0001F600\\/\"\ne: 'it''s'\n",
        "a:   \nb: # comment\nc:\n  # comment\n  d: 1\n",
        "k:\n- a\n-\n- \n- # c\n- b: 1\n  c: 2\n- - x\n  - y\n",
        "k:\n  - a: b\n    c:\n    - d\n  -   e: f\n  -\n    g: h\n",
        "k:\n- # c\n  a: b\n- x # c\n",
        "k: |\n  x\n   y\n\n  z\n\n\nl: |-\n    s\nm: |+\n  t\n\n\nn: | # c\n  u\n",
        "k: |\n  x\n    \n  \n",
        "k:\n- |\n  a\n  b\n- |-\n   c\n",
        "a: x\n  y\n\n  z\n  - w\n  [v] 'u'\nb: :c\nc: -d\nd: ?e\ne: a:b\n",
        "k:\n- a\n  b\n",
        "k: 'one\n  two\n\n  three'\nl: \"four\n   five  \n  six\"\n",
        "k: [a, \"b\", 'c', [d], {e: f}, {}, []]\nl: {key: v, operator: In, values: [x, y]}\nm: {}\nn: []\n",
        "args: [--flag=x, -1, -a-b, {k: -v}]\nl: [--, ---, -:x]\n",
        "\"helm.sh/hook\": pre-install\n'q': 1\nurl: http://x/#y\n",
        "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
        "  a: 1\n  b: 2\n",
        "- a\n- b: c\n",
        "k: é ü 日本\n",
        "k: a\n# comment\n\n",
    ];
    for case in cases {
        assert_eq!(fast_path_agrees(case), Ok(true), "{case:?}");
    }
}

/// Everything else goes to the general parser, which also gives every
/// error: the fast path never decides that input is invalid.
#[test]
fn fast_path_leaves_the_rest_to_the_general_parser() {
    let cases = [
        // Features the fast path does not read.
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: >\n  folded\n",
        "a: |2\n   indented\n",
        "a:\tb\n",
        "a: 1\r\nb: 2\r\n",
        "\u{feff}a: 1\n",
        "# only a comment\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: 1\n...\n---\nb: 2\n",
        "a: [b,\n  c]\n",
        "plain scalar document\n",
        "[a, b]\n",
        "{a: b}\n",
        "? complex\n: key\n",
        "a: \"line\\\n  continued\"\n",
        "a: |\n\n  leading empty line\n",
        "a: \u{85}\n",
        // Invalid: the general parser reports them.
        "a: b: c\n",
        "a: 1\n b: 2\n",
        "a:\n  - b\n  c: d\n",
        "a: \"unterminated\n",
        "a: [b, c\n",
        "a: [- b]\n",
        "a: [b, -]\n",
        "a: {b: - c}\n",
        "a: 'x' y\n",
        "- a\nb: c\n",
        // Found by fuzzing: document markers where a key would be.
        "---\n# S\nstringDaged-by: Helm\n---    ap pu.bkernetes.io/part-:les:\n",
        "a: 1\n... b: c\n",
        // Implicit keys longer than YAML allows.
        &format!("'{}': 1\n", "k".repeat(1100)),
        &format!("{}: 1\n", "k".repeat(1100)),
        &format!("a: {{{}: 1}}\n", "k".repeat(1100)),
    ];
    for case in cases {
        assert_eq!(fast_path_agrees(case), Ok(false), "{case:?}");
    }
    // Deeper than the fast path goes (the general parser has the limit).
    let nested: String = (0..100).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let deep = format!("{nested}{}x: 1\n", " ".repeat(100));
    assert_eq!(fast_path_agrees(&deep), Ok(false));
}

/// Every document of the corpus but the comment-only one takes the fast
/// path, with the general parser's tree.
#[test]
#[cfg_attr(
    not(has_corpus),
    ignore = "needs ../shared/corpus (real helm template output, next to the repository)"
)]
fn fast_path_agrees_on_the_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/rendered");
    let mut taken = 0;
    let mut left = Vec::new();
    for entry in std::fs::read_dir(dir).expect("corpus") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for range in split_documents(&text) {
            let chunk = &text[range.clone()];
            match fast_path_agrees(chunk) {
                Ok(true) => taken += 1,
                Ok(false) => left.push(format!("{}:{range:?}", path.display())),
                Err(e) => panic!("{}:{range:?}: {e}", path.display()),
            }
        }
    }
    assert!(taken >= 370, "{taken} documents taken");
    assert_eq!(left.len(), 1, "left to the general parser: {left:?}");
    assert!(left[0].contains("ingress-nginx"), "{left:?}");
}

#[test]
fn pruning_keeps_named_keys_and_the_json_length() {
    fn keys(_: &Document<'_>) -> Keeping {
        Keeping::Prune(&["kind", "metadata"])
    }
    let text = "kind: Big\nmetadata: {name: x, labels: &l {a: b}}\nspec:\n  schema: [1, 2, 3]\n  again: *l\n";
    let full = parse_stream(text).unwrap();
    let whole = full[0].json_len(full[0].root().unwrap(), &mut usize::MAX.clone());
    let pruned = parse_stream_keeping(text, Keep::Decide(keys)).unwrap();
    let d = &pruned.docs[0];
    let root = d.root().unwrap();
    assert_eq!(d.pruned_json_len(), Some(whole));
    assert_eq!(d.str_at(root, &["metadata", "name"]), Some("x"));
    assert_eq!(d.str_at(root, &["metadata", "labels", "a"]), Some("b"));
    assert!(d.get(root, "spec").is_none());
    assert!(d.node_count() < full[0].node_count());
    // A document that shares its chunk (after a `...` end marker) keeps
    // its place in the chunk when pruned.
    let shared =
        "kind: A\nmetadata: {name: a}\n...\nkind: Big\nmetadata: {name: y}\nspec: {s: 1}\n";
    let whole = parse_stream(shared).unwrap();
    let pruned = parse_stream_keeping(shared, Keep::Decide(keys))
        .unwrap()
        .docs;
    assert_eq!(whole.len(), 2);
    assert_ne!(whole[1].span(), 0..shared.len(), "one chunk, two documents");
    for (w, p) in whole.iter().zip(&pruned) {
        assert_eq!(w.span(), p.span());
    }
    assert!(pruned[1].get(pruned[1].root().unwrap(), "spec").is_none());
    // A duplicate key keeps the whole tree: lint reports it where it is.
    let dup = "kind: Big\nkind: Bigger\nspec: {a: 1}\n";
    let kept = parse_stream_keeping(dup, Keep::Decide(keys)).unwrap().docs;
    assert!(kept[0].get(kept[0].root().unwrap(), "spec").is_some());
    assert_eq!(kept[0].pruned_json_len(), None);
}

#[test]
fn a_node_stays_small() {
    // The arena is most of lint's memory: a tag pointer or a wider span
    // per node shows here first.
    assert!(
        std::mem::size_of::<super::Slot>() <= 16,
        "{}",
        std::mem::size_of::<super::Slot>()
    );
    // A stream of a million small documents keeps one each.
    assert!(
        std::mem::size_of::<Document<'_>>() <= 56,
        "{}",
        std::mem::size_of::<Document<'_>>()
    );
}

/// A scalar longer than a slot's length field holds is kept aside, and
/// reads back whole, on the fast path and the general parser.
#[test]
fn a_scalar_longer_than_a_slot_holds_reads_back_whole() {
    let long = "x".repeat(B_MAX as usize + 1);
    for text in [format!("a: {long}\n"), format!("a: &x {long}\nb: *x\n")] {
        let doc = one(&text);
        let value = doc.get(doc.root().unwrap(), "a").unwrap();
        assert_eq!(doc.scalar(value), Some(long.as_str()));
        assert_eq!(span_text(&text, &doc, value), long);
    }
}

#[test]
fn tags_survive_pruning_under_new_ids() {
    let text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: !!map {a: 1}\nmetadata:\n  name: !!str x\n  labels: {n: !!int \"7\"}\n";
    let docs = parse_stream_keeping(text, Keep::Decide(crate::model::keep_for_lint))
        .unwrap()
        .docs;
    let d = &docs[0];
    let root = d.root().unwrap();
    assert!(d.get(root, "spec").is_none(), "pruned");
    let name = d.path(root, &["metadata", "name"]).unwrap();
    assert_eq!(d.tag(name), Some("!!str"));
    let n = d.path(root, &["metadata", "labels", "n"]).unwrap();
    assert_eq!(d.scalar_type(n), Some(ScalarType::Int));
    assert_eq!(d.tags().len(), 2);
}

/// A visitor that releases every tree it may.
struct ReleaseAll;

impl<'a> Visit<'a> for ReleaseAll {
    type Out = usize;
    fn visit(&self, doc: &Document<'a>) -> (usize, bool) {
        (doc.node_count(), true)
    }
}

#[test]
fn a_released_document_reads_again_as_it_was_parsed() {
    // The fast path's subset, the general parser's (anchors, tags, escapes,
    // CRLF), and a chunk of two documents (`...`), which keeps its trees.
    let text = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  k: v\n---\na: &x {b: \"esc\\u00e9\", c: !!str 1}\nd: *x\ne: |\n  folded\n  text\n---\r\nk: v\r\nl: [1, 2]\r\n---\nx: 1\n...\ny: 2\n";
    let whole = parse_stream(text).unwrap();
    let stream = parse_stream_visiting(text, Keep::All, &ReleaseAll).unwrap();
    assert_eq!(stream.docs.len(), whole.len());
    let held: Vec<bool> = stream.docs.iter().map(|d| d.holds_tree()).collect();
    assert_eq!(
        held,
        [false, false, false, true, true],
        "only whole chunks let go"
    );
    for ((released, kept), count) in stream.docs.iter().zip(&whole).zip(&stream.visited) {
        assert_eq!(released.span(), kept.span());
        assert_eq!(released.root, kept.root);
        assert_eq!(released.template(), kept.template());
        // Reading parses again, and keeps what it parsed.
        assert_eq!(released.node_count(), *count);
        assert!(released.holds_tree());
        assert!(released.same_nodes(kept), "{:?}", &text[kept.span()]);
        assert_eq!(released.tags(), kept.tags());
    }
}
