//! Property tests for the promises of checksum spec v1: what must never
//! change a checksum, and what always must.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;

/// A release: a ConfigMap and a Secret, and a Deployment that reads some of
/// their keys by env.
#[derive(Debug, Clone)]
struct Release {
    config: BTreeMap<String, String>,
    secret: BTreeMap<String, Vec<u8>>,
    consumed_config: Vec<String>,
    consumed_secret: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Style {
    /// Reverse key order.
    reverse: bool,
    /// Single quotes where possible, else double.
    single: bool,
    /// Secret values that are UTF-8 go to stringData.
    string_data: bool,
    /// ConfigMap values go to binaryData, base64.
    binary_data: bool,
    /// Labels and comments.
    decorate: bool,
}

fn quote(s: &str, single: bool) -> String {
    let plain_single = single
        && s.chars().all(|c| (' '..='~').contains(&c))
        && !s.starts_with(' ')
        && !s.ends_with(' ');
    if plain_single {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        double_quoted(s)
    }
}

/// A YAML double-quoted scalar: everything outside YAML's printable set escaped.
fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            ' '..='~' => out.push(c),
            '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'.. if c != '\u{FEFF}' => {
                out.push(c)
            }
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn render(r: &Release, st: Style) -> String {
    let order = |keys: Vec<String>| {
        if st.reverse {
            keys.into_iter().rev().collect()
        } else {
            keys
        }
    };
    let mut y = String::new();
    y.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n");
    if st.decorate {
        y.push_str("  labels: {team: x}\n# a comment\n");
    }
    y.push_str(if st.binary_data {
        "binaryData:\n"
    } else {
        "data:\n"
    });
    for k in order(r.config.keys().cloned().collect()) {
        let v = &r.config[&k];
        let text = if st.binary_data {
            STANDARD.encode(v.as_bytes())
        } else {
            v.clone()
        };
        y.push_str(&format!(
            "  {}: {}\n",
            quote(&k, st.single),
            quote(&text, st.single)
        ));
    }
    y.push_str("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sec\n");
    let (mut data, mut string_data) = (Vec::new(), Vec::new());
    for k in order(r.secret.keys().cloned().collect()) {
        let v = &r.secret[&k];
        match std::str::from_utf8(v) {
            Ok(s) if st.string_data => string_data.push(format!(
                "  {}: {}\n",
                quote(&k, st.single),
                quote(s, st.single)
            )),
            _ => data.push(format!(
                "  {}: {}\n",
                quote(&k, st.single),
                quote(&STANDARD.encode(v), st.single)
            )),
        }
    }
    if !data.is_empty() {
        y.push_str("data:\n");
        y.push_str(&data.concat());
    }
    if !string_data.is_empty() {
        y.push_str("stringData:\n");
        y.push_str(&string_data.concat());
    }
    y.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n");
    if st.decorate {
        y.push_str("  labels: {app: app}\n");
    }
    y.push_str("spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app\n        env:\n");
    for (i, k) in r.consumed_config.iter().enumerate() {
        y.push_str(&format!("        - name: C{i}\n          valueFrom: {{configMapKeyRef: {{name: cfg, key: {}}}}}\n", quote(k, false)));
    }
    for (i, k) in r.consumed_secret.iter().enumerate() {
        y.push_str(&format!(
            "        - name: S{i}\n          valueFrom: {{secretKeyRef: {{name: sec, key: {}}}}}\n",
            quote(k, false)
        ));
    }
    y.push_str("        - {name: X, value: x}\n");
    y
}

fn checksums(text: &str) -> (Option<String>, Option<String>) {
    let sources = [confsum::source::Source::new("p.yaml", None, text)];
    let a = confsum::analyze(&sources, "default").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let sums = confsum::digest::checksums(&a.model, &a.graph, None).unwrap();
    (sums[0].config.clone(), sums[0].secret.clone())
}

const PLAIN: Style = Style {
    reverse: false,
    single: false,
    string_data: false,
    binary_data: false,
    decorate: false,
};

fn key() -> impl Strategy<Value = String> {
    "[a-zA-Z][-._a-zA-Z0-9]{0,12}"
}

fn release() -> impl Strategy<Value = Release> {
    (
        prop::collection::btree_map(key(), any::<String>(), 1..6),
        prop::collection::btree_map(key(), prop::collection::vec(any::<u8>(), 0..24), 1..6),
    )
        .prop_flat_map(|(config, secret)| {
            let ck: Vec<String> = config.keys().cloned().collect();
            let sk: Vec<String> = secret.keys().cloned().collect();
            (
                Just(config),
                Just(secret),
                prop::sample::subsequence(ck.clone(), 1..=ck.len()),
                prop::sample::subsequence(sk.clone(), 1..=sk.len()),
            )
        })
        .prop_map(
            |(config, secret, consumed_config, consumed_secret)| Release {
                config,
                secret,
                consumed_config,
                consumed_secret,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn presentation_never_changes_a_checksum(r in release(), reverse: bool, single: bool, string_data: bool, binary_data: bool, decorate: bool) {
        let base = checksums(&render(&r, PLAIN));
        let styled = checksums(&render(&r, Style { reverse, single, string_data, binary_data, decorate }));
        prop_assert_eq!(base, styled);
    }

    #[test]
    fn unconsumed_keys_never_change_a_checksum(r in release(), extra in key(), value in any::<String>()) {
        let base = checksums(&render(&r, PLAIN));
        let mut more = r.clone();
        if !more.consumed_config.contains(&extra) {
            more.config.insert(extra.clone(), value.clone());
        }
        if !more.consumed_secret.contains(&extra) {
            more.secret.insert(extra, value.into_bytes());
        }
        prop_assert_eq!(base, checksums(&render(&more, PLAIN)));
    }

    #[test]
    fn any_consumed_byte_changes_its_checksum(r in release(), which in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), secret_side: bool) {
        let base = checksums(&render(&r, PLAIN));
        let mut changed = r.clone();
        if secret_side {
            let k = which.get(&r.consumed_secret).clone();
            let v = changed.secret.get_mut(&k).unwrap();
            if v.is_empty() { v.push(0) } else { let i = at.index(v.len()); v[i] = v[i].wrapping_add(1); }
            let after = checksums(&render(&changed, PLAIN));
            prop_assert_ne!(&base.1, &after.1);
            prop_assert_eq!(&base.0, &after.0);
        } else {
            let k = which.get(&r.consumed_config).clone();
            let v = changed.config.get_mut(&k).unwrap();
            v.push('x');
            let after = checksums(&render(&changed, PLAIN));
            prop_assert_ne!(&base.0, &after.0);
            prop_assert_eq!(&base.1, &after.1);
        }
    }
}

/// The text of every YAML file of the corpus (when it is there) and of the
/// fixtures, read once.
fn yaml_texts() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        for dir in ["../shared/corpus/rendered", "fixtures"] {
            for entry in walkdir::WalkDir::new(root.join(dir))
                .sort_by_file_name()
                .into_iter()
                .flatten()
            {
                let path = entry.into_path();
                if path.extension().is_some_and(|x| x == "yaml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    texts.push(text);
                }
            }
        }
        texts
    })
}

/// Documents to mutate: the small documents of the corpus and every fixture.
fn yaml_documents() -> &'static [String] {
    static DOCS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    DOCS.get_or_init(|| {
        let mut docs = Vec::new();
        for text in yaml_texts() {
            for range in confsum::yaml::split_documents(text) {
                if range.len() <= 8192 {
                    docs.push(text[range].to_string());
                }
            }
        }
        docs
    })
}

/// Whole files (references between their documents kept), up to 64 KiB.
fn yaml_files() -> Vec<&'static String> {
    yaml_texts().iter().filter(|t| t.len() <= 65536).collect()
}

/// One edit of the kind that turns renderer YAML into its edge cases: an
/// indicator or space typed in, bytes deleted, a line indented or
/// dedented, a line repeated, a blank line added.
fn mutate(doc: &mut Vec<u8>, edit: u8, at: usize, pick: usize) {
    const TYPED: &[u8] = b" '\"-:#|>[]{},&*!\n?%@`abc0\\+.~";
    if doc.is_empty() {
        return;
    }
    let at = at % doc.len();
    let line_start = doc[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    match edit % 6 {
        0 | 1 => doc.insert(at, TYPED[pick % TYPED.len()]),
        2 => {
            let n = (1 + pick % 3).min(doc.len() - at);
            doc.drain(at..at + n);
        }
        3 if pick.is_multiple_of(2) => doc.insert(line_start, b' '),
        3 => {
            if doc.get(line_start) == Some(&b' ') {
                doc.remove(line_start);
            }
        }
        4 => {
            let end = doc[at..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(doc.len(), |p| at + p + 1);
            let line = doc[line_start..end].to_vec();
            doc.splice(end..end, line);
        }
        _ => doc.insert(line_start, b'\n'),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20000, failure_persistence: None, ..ProptestConfig::default() })]

    /// The YAML fast path either leaves a document to the general parser or
    /// builds exactly its tree: never a different tree, never a document
    /// the general parser refuses.
    #[test]
    fn yaml_fast_path_agrees_with_the_general_parser(
        doc in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 0..4),
    ) {
        let docs = yaml_documents();
        let mut bytes = doc.get(docs).clone().into_bytes();
        for (edit, at, pick) in edits {
            mutate(&mut bytes, edit, at, pick);
        }
        if let Ok(text) = String::from_utf8(bytes)
            && let Err(e) = confsum::yaml::fast_path_agrees(&text)
        {
            prop_assert!(false, "{text}\n{e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// The post-condition of every inject: the output parses, and injecting
    /// it again changes nothing, whatever the line breaks (LF, CRLF, CR).
    #[test]
    fn inject_output_parses_and_is_a_fixed_point(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 0..3),
        breaks in 0u8..3,
    ) {
        let mut bytes = file.get(&yaml_files()).as_bytes().to_vec();
        for (edit, at, pick) in edits {
            mutate(&mut bytes, edit, at, pick);
        }
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        let text = match breaks {
            0 => text,
            1 => text.replace('\n', "\r\n"),
            _ => text.replace('\n', "\r"),
        };
        let options = confsum::inject::Options::default();
        if let Ok((once, _)) = confsum::inject_str(&text, "default", None, &options) {
            prop_assert!(confsum::yaml::parse_stream(&once).is_ok(), "output does not parse:\n{once}");
            let sources = [confsum::source::Source::new("-", None, once.clone())];
            prop_assert!(confsum::check_fixed_point(&sources, &[Vec::new()], "default", None, &options).is_ok());
            let (twice, _) = confsum::inject_str(&once, "default", None, &options).expect("accepts its own output");
            prop_assert_eq!(twice, once);
        }
    }
}
