//! The proof of a fix: the edited chart, rendered by the real helm with
//! the defaults and each `ci/*-values.yaml`, must render, carry the new
//! annotations, change them when what they hash changes, and differ from
//! the original render in nothing else, byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use base64::Engine as _;

use super::Wanted;
use crate::error::{Error, Result};
use crate::model::{Kind, Model};
use crate::source::Source;
use crate::source::chart::{self, HelmOptions};

/// What the renders showed, per template file: the checks passed, or the
/// first check that failed.
#[derive(Debug, Default)]
pub struct Proof {
    pub files: BTreeMap<String, std::result::Result<Vec<String>, String>>,
}

impl Proof {
    fn fail(&mut self, template: &str, why: String) {
        let entry = self
            .files
            .entry(template.to_string())
            .or_insert_with(|| Ok(Vec::new()));
        if entry.is_ok() {
            *entry = Err(why);
        }
    }

    fn show(&mut self, template: &str, what: String) {
        if let Ok(shown) = self
            .files
            .entry(template.to_string())
            .or_insert_with(|| Ok(Vec::new()))
            && !shown.contains(&what)
        {
            shown.push(what);
        }
    }

    pub fn passed(&self, template: &str) -> bool {
        matches!(self.files.get(template), Some(Ok(_)))
    }
}

/// A chart and how to render it.
pub struct Renderer<'a> {
    pub helm: &'a Path,
    pub chart: &'a Path,
    pub options: &'a HelmOptions,
    /// `None` for the defaults, else a `ci/*-values.yaml`.
    pub variants: &'a [Option<PathBuf>],
    /// Two renders of the unedited chart with each variant, made once:
    /// the lines that differ between them are generated on every render.
    pub originals: &'a [[Source; 2]],
}

/// The model of one render.
fn model_of(render: &Source) -> Result<Model<'_>> {
    Model::build_lenient(crate::model::parse_lenient(
        std::slice::from_ref(render),
        "default",
        crate::model::Release::Nothing,
    )?)
}

fn label(variant: &Option<PathBuf>, chart: &Path) -> String {
    match variant {
        None => "the defaults".to_string(),
        Some(v) => format!("`{}`", v.strip_prefix(chart).unwrap_or(v).display()),
    }
}

/// Prove the `changes` (new texts of template files) that make the
/// `wanted` fixes. An `Err` is a failure to run at all (no temp folder,
/// an original render that no longer parses).
pub fn prove(
    r: &Renderer<'_>,
    chart_name: &str,
    wanted: &[Wanted],
    changes: &BTreeMap<String, String>,
) -> Result<Proof> {
    let mut proof = Proof::default();
    let work = tempfile::tempdir()
        .map_err(|e| Error::io(format!("cannot make a temporary folder: {e}"), e))?;
    let copy = work.path().join("chart");
    copy_chart(r.chart, &copy)?;
    for (template, text) in changes {
        write(&copy.join(template), text)?;
    }
    let keys_of: BTreeMap<&str, BTreeSet<&str>> =
        wanted.iter().fold(BTreeMap::new(), |mut m, w| {
            m.entry(w.template.as_str())
                .or_insert_with(BTreeSet::new)
                .extend(w.annotations.iter().map(|a| a.key.as_str()));
            m
        });
    let mut probed: BTreeSet<(String, String)> = BTreeSet::new();
    for (variant, [before, again]) in r.variants.iter().zip(r.originals) {
        let label = label(variant, r.chart);
        let after = match chart::render(r.helm, &copy, r.options, variant.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                for t in changes.keys() {
                    proof.fail(
                        t,
                        format!(
                            "the edited chart does not render with {label}: {}",
                            e.message
                        ),
                    );
                }
                continue;
            }
        };
        let (before_m, again_m, after_m) = (model_of(before)?, model_of(again)?, model_of(&after)?);
        let (before_m, again_m, after_m) = (&before_m, &again_m, &after_m);
        for t in changes.keys() {
            proof.show(t, format!("renders with {label}"));
        }
        // Hashed templates that change on every render would roll the pods
        // on every upgrade.
        for w in wanted {
            for a in &w.annotations {
                let source = format!("{chart_name}/{}", a.hashes);
                if template_text(before_m, &source) != template_text(again_m, &source) {
                    proof.fail(
                        &w.template,
                        format!(
                            "`{}` renders differently on every render (random values?): a checksum of it would roll the pods on every upgrade",
                            a.hashes
                        ),
                    );
                }
            }
        }
        // The annotations are there.
        let mut values_now: BTreeMap<(usize, String), String> = BTreeMap::new();
        for (wi, w) in wanted.iter().enumerate() {
            let Some(obj) = nth_workload(
                after_m,
                &format!("{chart_name}/{}", w.template),
                &w.kind,
                w.nth,
            ) else {
                continue;
            };
            for a in &w.annotations {
                match annotation(after_m, obj, &a.key) {
                    Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                        proof.show(&w.template, format!("{} carries `{}`", w.workload, a.key));
                        values_now.insert((wi, a.key.clone()), v);
                    }
                    Some(_) => proof.fail(
                        &w.template,
                        format!(
                            "with {label}, `{}` of {} is not a sha256 checksum",
                            a.key, w.workload
                        ),
                    ),
                    None => proof.fail(
                        &w.template,
                        format!(
                            "with {label}, the render of {} has no `{}`",
                            w.workload, a.key
                        ),
                    ),
                }
            }
        }
        // Nothing else changed.
        if let Err((line, template)) =
            same_but_annotations(before_m, again_m, after_m, chart_name, &keys_of)
        {
            let why = format!(
                "with {label}, the render changed besides the annotations (line {line} of the render{})",
                template
                    .as_deref()
                    .map(|t| format!(", from `{t}`"))
                    .unwrap_or_default()
            );
            let owner = template
                .as_deref()
                .and_then(|t| chart::in_chart(chart_name, t))
                .filter(|t| changes.contains_key(*t));
            match owner {
                Some(t) => proof.fail(t, why),
                None => {
                    for t in changes.keys() {
                        proof.fail(t, why.clone());
                    }
                }
            }
        } else {
            for t in changes.keys() {
                proof.show(t, format!("nothing else changed with {label}"));
            }
        }
        let dup = |m: &Model<'_>| {
            m.files
                .iter()
                .flat_map(|f| &f.docs)
                .map(|d| d.duplicate_keys().len())
                .sum::<usize>()
        };
        if dup(after_m) > dup(before_m) {
            for t in changes.keys() {
                proof.fail(t, format!("with {label}, the edit makes a duplicate key"));
            }
        }
        // A change of what each annotation hashes changes it: once per
        // (workload template, hashed template), in the first values that
        // render the workload.
        for (wi, w) in wanted.iter().enumerate() {
            for a in &w.annotations {
                let Some(old) = values_now.get(&(wi, a.key.clone())) else {
                    continue;
                };
                if !probed.insert((w.template.clone(), a.hashes.clone())) {
                    continue;
                }
                match changes_with(
                    r,
                    &copy,
                    work.path(),
                    variant,
                    chart_name,
                    w,
                    a,
                    old,
                    after_m,
                )? {
                    Ok(evidence) => proof.show(&w.template, evidence),
                    Err(why) => proof.fail(&w.template, format!("with {label}, {why}")),
                }
            }
        }
    }
    for w in wanted {
        for a in &w.annotations {
            if !probed.contains(&(w.template.clone(), a.hashes.clone())) {
                proof.fail(
                    &w.template,
                    format!("no values render {} with `{}`", w.workload, a.key),
                );
            }
        }
    }
    Ok(proof)
}

/// Show that `a` of the workload changes with what it hashes: with a value
/// of the chart that the hashed template's data shows, mutated, when one
/// is found; else with the template's output changed by a comment.
#[allow(clippy::too_many_arguments)]
fn changes_with(
    r: &Renderer<'_>,
    copy: &Path,
    work: &Path,
    variant: &Option<PathBuf>,
    chart_name: &str,
    w: &Wanted,
    a: &super::Annotation,
    old: &str,
    after: &Model<'_>,
) -> Result<std::result::Result<String, String>> {
    let source = format!("{chart_name}/{}", a.hashes);
    let workload_source = format!("{chart_name}/{}", w.template);
    let value_after = |m: &Model<'_>| {
        nth_workload(m, &workload_source, &w.kind, w.nth).and_then(|o| annotation(m, o, &a.key))
    };
    // A value of the chart that the hashed objects' data shows.
    let data = data_values(after, &source);
    let mut leaves = Vec::new();
    for file in std::iter::once(r.chart.join("values.yaml")).chain(variant.clone()) {
        if let Ok(text) = std::fs::read_to_string(&file) {
            value_leaves(&text, &mut leaves);
        }
    }
    let candidates: Vec<&(Vec<String>, serde_json::Value)> = leaves
        .iter()
        .filter(|(_, v)| {
            let s = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            !s.is_empty() && data.iter().any(|d| d == &s)
        })
        .take(3)
        .collect();
    let before_text = template_text(after, &source);
    for (path, value) in candidates {
        let mutated = match value {
            serde_json::Value::String(s) => serde_json::Value::String(format!("{s}-confsum")),
            serde_json::Value::Bool(b) => serde_json::Value::Bool(!b),
            serde_json::Value::Number(n) if n.is_i64() => {
                serde_json::json!(n.as_i64().unwrap_or(0) + 1)
            }
            _ => continue,
        };
        let mut tree = mutated;
        for key in path.iter().rev() {
            tree = serde_json::json!({ key: tree });
        }
        let file = work.join("confsum-mutation-values.yaml");
        write(&file, &tree.to_string())?;
        let mut options = r.options.clone();
        options.values.extend(variant.clone());
        let Ok(render) = chart::render(r.helm, copy, &options, Some(&file)) else {
            continue;
        };
        let m = model_of(&render)?;
        if template_text(&m, &source) == before_text {
            continue;
        }
        let shown = path.join(".");
        return Ok(match value_after(&m) {
            Some(new) if new != old => Ok(format!(
                "setting `{shown}` changes `{}` and `{}`",
                a.hashes, a.key
            )),
            _ => Err(format!(
                "setting `{shown}` changes `{}` but not `{}`",
                a.hashes, a.key
            )),
        });
    }
    // No value found: change the template's output itself.
    let hashed = copy.join(&a.hashes);
    let original = std::fs::read_to_string(&hashed)
        .map_err(|e| Error::io(format!("cannot read `{}`: {e}", hashed.display()), e))?;
    // An action's output, which no `{{- ... -}}` trim marker can eat; a
    // comment line at the top level, which no object gains.
    let probe = format!("{original}{{{{ \"\\n# confsum: a change of this template\\n\" }}}}");
    write(&hashed, &probe)?;
    let render = chart::render(r.helm, copy, r.options, variant.as_deref());
    write(&hashed, &original)?;
    let render = match render {
        Ok(s) => s,
        Err(e) => {
            return Ok(Err(format!(
                "a change of `{}`'s output does not render: {}",
                a.hashes, e.message
            )));
        }
    };
    let m = model_of(&render)?;
    Ok(match value_after(&m) {
        Some(new) if new != old => Ok(format!(
            "a change of `{}`'s output changes `{}` (no value of the chart shows in its data)",
            a.hashes, a.key
        )),
        _ => Err(format!(
            "a change of `{}`'s output does not change `{}`",
            a.hashes, a.key
        )),
    })
}

/// The text of the documents rendered from `source`, in order.
fn template_text(m: &Model<'_>, source: &str) -> Vec<String> {
    m.files
        .iter()
        .flat_map(|f| {
            f.docs
                .iter()
                .filter(|d| d.template() == Some(source))
                .map(|d| f.source.text[d.span()].to_string())
        })
        .collect()
}

/// The `nth` object of `kind` rendered from `source`.
fn nth_workload(m: &Model<'_>, source: &str, kind: &str, nth: usize) -> Option<usize> {
    m.objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind_name().as_str() == kind && m.doc(o).template() == Some(source))
        .map(|(i, _)| i)
        .nth(nth)
}

/// The value of a pod template annotation.
fn annotation(m: &Model<'_>, obj: usize, key: &str) -> Option<String> {
    let o = &m.objects[obj];
    let doc = m.doc(o);
    let t = m.pod_template(o)?;
    let ann = doc.path(t, &["metadata", "annotations"])?;
    doc.entries(ann)
        .iter()
        .find(|&&(k, _)| doc.scalar(k) == Some(key))
        .and_then(|&(_, v)| doc.scalar(v))
        .map(str::to_string)
}

/// The data values (decoded) of the ConfigMaps and Secrets rendered from `source`.
fn data_values(m: &Model<'_>, source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, o) in m.objects.iter().enumerate() {
        if !matches!(o.kind, Kind::Config(_)) || m.doc(o).template() != Some(source) {
            continue;
        }
        let doc = m.doc(o);
        for e in m.config_data(i).written().iter() {
            let Some(v) = doc.scalar(e.value) else {
                continue;
            };
            let v = if e.base64 {
                match base64::engine::general_purpose::STANDARD.decode(v.trim()) {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(_) => continue,
                }
            } else {
                v.to_string()
            };
            out.push(v.trim().to_string());
        }
    }
    out
}

/// The scalar leaves of a values file reached through mappings only, with
/// their paths, as JSON values typed as YAML types them.
fn value_leaves(text: &str, out: &mut Vec<(Vec<String>, serde_json::Value)>) {
    let Ok(docs) = crate::yaml::parse_stream(text) else {
        return;
    };
    for d in &docs {
        let Some(root) = d.root() else { continue };
        let mut stack = vec![(root, Vec::<String>::new())];
        while let Some((node, path)) = stack.pop() {
            if d.is_mapping(node) {
                for &(k, v) in d.entries(node).iter().rev() {
                    if let Some(k) = d.scalar(k) {
                        let mut p = path.clone();
                        p.push(k.to_string());
                        stack.push((v, p));
                    }
                }
                continue;
            }
            let Some(s) = d.scalar(node) else { continue };
            use crate::yaml::ScalarType;
            let value = match d.scalar_type(node) {
                Some(ScalarType::Str) => serde_json::Value::String(s.to_string()),
                Some(ScalarType::Bool) => {
                    serde_json::Value::Bool(matches!(s, "true" | "True" | "TRUE"))
                }
                Some(ScalarType::Int) => match s.parse::<i64>() {
                    Ok(n) => serde_json::json!(n),
                    Err(_) => continue,
                },
                _ => continue,
            };
            if !path.is_empty() {
                out.push((path, value));
            }
        }
    }
}

/// Whether `after` is `before` plus the added annotations, line by line,
/// where lines that differ between two renders of the original (random
/// values) may differ. `Err` has the first differing line of `after`
/// (1-based) and the template it comes from.
fn same_but_annotations(
    before: &Model<'_>,
    again: &Model<'_>,
    after: &Model<'_>,
    chart_name: &str,
    keys_of: &BTreeMap<&str, BTreeSet<&str>>,
) -> std::result::Result<(), (usize, Option<String>)> {
    let after_src: &Source = after.files[0].source;
    let text = after_src.text.as_str();
    // Byte ranges of `after` that the fix added.
    let mut added: Vec<std::ops::Range<usize>> = Vec::new();
    for o in &after.objects {
        let doc = after.doc(o);
        let Some(keys) = doc
            .template()
            .and_then(|t| chart::in_chart(chart_name, t))
            .and_then(|t| keys_of.get(t))
        else {
            continue;
        };
        let Some(t) = after.pod_template(o) else {
            continue;
        };
        let Some((meta_key, meta)) = doc.get_entry(t, "metadata") else {
            continue;
        };
        let Some((ann_key, ann)) = doc.get_entry(meta, "annotations") else {
            continue;
        };
        let entries = doc.entries(ann);
        let ours: Vec<_> = entries
            .iter()
            .filter(|(k, _)| doc.scalar(*k).is_some_and(|k| keys.contains(k)))
            .collect();
        for &&(k, v) in &ours {
            added.push(lines_of(text, doc.node(k).span.start, doc.node(v).span.end));
        }
        if !ours.is_empty() && ours.len() == entries.len() {
            added.push(lines_of(
                text,
                doc.node(ann_key).span.start,
                doc.node(ann_key).span.end,
            ));
            if doc.entries(meta).len() == 1 {
                added.push(lines_of(
                    text,
                    doc.node(meta_key).span.start,
                    doc.node(meta_key).span.end,
                ));
            }
        }
    }
    added.sort_by_key(|r| r.start);
    let mut kept: Vec<(usize, &str)> = Vec::new();
    let mut line_no = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        line_no += 1;
        let range = at..at + line.len();
        at += line.len();
        if !added
            .iter()
            .any(|a| a.start <= range.start && range.end <= a.end)
        {
            kept.push((line_no, line));
        }
    }
    let before_lines: Vec<&str> = before.files[0].source.text.split_inclusive('\n').collect();
    let again_lines: Vec<&str> = again.files[0].source.text.split_inclusive('\n').collect();
    let volatile =
        |i: usize| before_lines.len() == again_lines.len() && before_lines[i] != again_lines[i];
    let template_at = |line: usize| {
        let offset = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum::<usize>();
        after.files[0]
            .docs
            .iter()
            .find(|d| d.span().contains(&offset))
            .and_then(|d| d.template())
            .map(str::to_string)
    };
    for (i, (no, line)) in kept.iter().enumerate() {
        match before_lines.get(i) {
            Some(b) if b == line || volatile(i) => {}
            _ => return Err((*no, template_at(*no))),
        }
    }
    if kept.len() != before_lines.len() {
        let no = kept.last().map_or(1, |(n, _)| n + 1);
        return Err((no, None));
    }
    Ok(())
}

/// The whole lines from the one holding `start` to the one holding `end`.
fn lines_of(text: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let from = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = end.max(start);
    let to = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    from..to
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)
        .map_err(|e| Error::io(format!("cannot write `{}`: {e}", path.display()), e))
}

/// Copy a chart folder (its files, not its links out of the tree).
fn copy_chart(from: &Path, to: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(from).follow_links(false) {
        let entry = entry.map_err(|e| {
            Error::new(
                crate::ErrorKind::Io,
                format!("cannot read the chart `{}`: {e}", from.display()),
            )
        })?;
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        if rel.components().any(|c| c.as_os_str() == ".git") {
            continue;
        }
        let dest = to.join(rel);
        let io = |e: std::io::Error| {
            Error::io(format!("cannot copy `{}`: {e}", entry.path().display()), e)
        };
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).map_err(io)?;
        } else if entry.path().is_file() {
            std::fs::copy(entry.path(), &dest).map_err(io)?;
        }
    }
    Ok(())
}
