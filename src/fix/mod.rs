//! The fix stage: `lint --fix CHART` writes into a chart's templates the
//! `checksum/<stem>` annotations config-change-no-rollout asks for.
//!
//! The lint stage says, in terms of the render, which workload should hash
//! which objects ([`crate::lint::FixRequest`]). Here that becomes a
//! [`Wanted`] (the chart's template files involved, or why a fix cannot be
//! made there), then an edit of the workload's template ([`template`]),
//! and [`verify`] proves it by rendering the edited chart with helm.

pub mod template;
pub mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::lint::FixRequest;
use crate::model::{Kind, Model};
use crate::source::chart::{ChartOrigin, in_chart};

pub use template::{Annotation, Edit, Refusal, Shape, TextEdit};

/// The text files of a chart's `templates/` folder, by path relative to
/// the chart (`templates/deployment.yaml`): what edits start from, and
/// where helpers' `define`s are looked up.
#[derive(Debug, Default, Clone)]
pub struct ChartFiles {
    pub root: PathBuf,
    pub files: BTreeMap<String, String>,
}

impl ChartFiles {
    /// Read `templates/` of the chart folder `root` (not its subcharts).
    pub fn read(root: &Path) -> ChartFiles {
        let mut files = BTreeMap::new();
        for entry in walkdir::WalkDir::new(root.join("templates"))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let Ok(rel) = entry.path().strip_prefix(root) else {
                continue;
            };
            let Some(rel) = rel.to_str() else { continue };
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                files.insert(rel.replace('\\', "/"), text);
            }
        }
        ChartFiles {
            root: root.to_path_buf(),
            files,
        }
    }

    /// Whether the helper `name`'s `define` writes `annotations:`; `None`
    /// when no template of the chart defines it.
    pub fn helper_writes_annotations(&self, name: &str) -> Option<bool> {
        self.files
            .values()
            .find_map(|text| template::define_writes_annotations(text, name))
    }
}

/// What one workload's template needs, in the chart's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The workload's template, relative to the chart.
    pub template: String,
    /// `Deployment `name``.
    pub workload: String,
    pub kind: String,
    pub pod_template_path: &'static [&'static str],
    /// Which of the template's objects of that kind, and how many the
    /// render has.
    pub nth: usize,
    pub rendered: usize,
    /// The annotations to add, one per hashed template file.
    pub annotations: Vec<Annotation>,
    /// Consumed objects that no annotation of this template can cover,
    /// with the reason and the manual alternative.
    pub refused: Vec<String>,
}

impl Wanted {
    /// The edit of the template's text, or why none can be made.
    pub fn edit(&self, files: &ChartFiles) -> Result<Edit, Refusal> {
        let Some(text) = files.files.get(&self.template) else {
            return Err(format!("`{}` cannot be read", self.template));
        };
        if self.annotations.is_empty() {
            return Err(self.refused.join("; "));
        }
        let target = template::Target {
            kind: &self.kind,
            pod_template_path: self.pod_template_path,
            nth: self.nth,
            rendered: self.rendered,
        };
        template::add_annotations(text, &target, &self.annotations, &|name| {
            files.helper_writes_annotations(name)
        })
    }
}

/// The subchart a chart-relative path belongs to, if any.
fn subchart(rel: &str) -> Option<&str> {
    rel.strip_prefix("charts/")?.split('/').next()
}

/// Make `request` concrete for the chart of `origin`; `Err` when the
/// workload's own template cannot carry the fix.
pub fn wanted(
    model: &Model<'_>,
    request: &FixRequest,
    origin: &ChartOrigin,
) -> Result<Wanted, Refusal> {
    let o = &model.objects[request.workload];
    let workload = format!("{} `{}`", o.kind_name(), o.name);
    let Kind::Workload(kind) = o.kind else {
        return Err(format!("{workload} is no workload"));
    };
    let Some(source) = model.doc(o).template() else {
        return Err(format!(
            "{workload} has no `# Source:` line: not rendered from a template"
        ));
    };
    let Some(template) = in_chart(&origin.name, source) else {
        return Err(format!(
            "{workload} comes from `{source}`, outside the chart `{}`",
            origin.name
        ));
    };
    if let Some(sub) = subchart(template) {
        return Err(format!(
            "{workload} is rendered by the subchart `{sub}` (`{template}`): the parent chart cannot edit it; set its pod annotations through the subchart's values (`{sub}.podAnnotations`, if it has them), fix the subchart, or run confsum as the post-renderer"
        ));
    }
    if !template.starts_with("templates/") {
        return Err(format!(
            "{workload} comes from `{template}`, outside `templates/`; add the annotations by hand"
        ));
    }
    // Which of the template's objects of this kind it is, in render order.
    let same: Vec<usize> = model
        .objects
        .iter()
        .enumerate()
        .filter(|(_, x)| {
            x.file() == o.file()
                && x.kind_name() == o.kind_name()
                && model.doc(x).template() == Some(source)
        })
        .map(|(i, _)| i)
        .collect();
    let nth = same
        .iter()
        .position(|&i| i == request.workload)
        .unwrap_or(0);
    let mut annotations: Vec<Annotation> = Vec::new();
    let mut refused = Vec::new();
    for &obj in &request.objects {
        let t = &model.objects[obj];
        let what = format!("{} `{}`", t.kind_name(), t.name);
        let hashed = model
            .doc(t)
            .template()
            .and_then(|s| in_chart(&origin.name, s));
        match hashed {
            None => refused.push(format!(
                "{what} is not rendered from a template of this chart: no template to hash; add an annotation over the values it is made from, or run confsum as the post-renderer"
            )),
            Some(h) if h == template => refused.push(format!(
                "{what} is in the workload's own template `{h}`, which cannot include itself; move it to a template of its own"
            )),
            Some(h) if subchart(h).is_some() => refused.push(format!(
                "{what} is rendered by the subchart `{}` (`{h}`): the parent cannot include a subchart's template with the subchart's values; hash the values it is made from (`checksum/{}: {{{{ .Values.{} | toYaml | sha256sum }}}}`), or run confsum as the post-renderer",
                subchart(h).unwrap_or(""),
                subchart(h).unwrap_or(""),
                subchart(h).unwrap_or("")
            )),
            Some(h) if !h.starts_with("templates/") => refused.push(format!(
                "{what} comes from `{h}`, outside `templates/`; add an annotation by hand"
            )),
            Some(h) => {
                if !annotations.iter().any(|a| a.hashes == h) {
                    annotations.push(Annotation::for_template(h));
                }
            }
        }
    }
    // Two templates with one stem would give one key: keep them apart.
    let mut seen = std::collections::HashSet::new();
    for a in &mut annotations {
        if !seen.insert(a.key.clone()) {
            a.key = format!("{}-{}", a.key, seen.len());
            seen.insert(a.key.clone());
        }
    }
    Ok(Wanted {
        template: template.to_string(),
        workload,
        kind: o.kind_name().to_string(),
        pod_template_path: kind.template_path(),
        nth,
        rendered: same.len(),
        annotations,
        refused,
    })
}

/// The fixes of one template file: each workload's edit, combined.
pub fn edit_file(text: &str, edits: &[&Edit]) -> String {
    let all: Vec<TextEdit> = edits.iter().flat_map(|e| e.edits.iter().cloned()).collect();
    template::apply(text, &all)
}

/// A fix as reports carry it (JSON `fix`, SARIF `fixes`): the template
/// file and its replacements, by line and column, unproven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// The template file, as shown.
    pub file: String,
    pub description: String,
    pub replacements: Vec<Replacement>,
}

/// Replace from (line, column) up to (end_line, end_column), 1-based, the
/// end not included, with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub text: String,
}

impl FileEdit {
    /// The edit of `wanted`, for a report; `None` when none can be made.
    pub fn of(wanted: &Wanted, files: &ChartFiles) -> Option<FileEdit> {
        let edit = wanted.edit(files).ok()?;
        let text = files.files.get(&wanted.template)?;
        let position = |offset: usize| {
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
                .chars()
                .count()
                + 1;
            (line, column)
        };
        let keys: Vec<&str> = wanted
            .annotations
            .iter()
            .filter(|a| !edit.present.contains(&a.key))
            .map(|a| a.key.as_str())
            .collect();
        Some(FileEdit {
            file: files.root.join(&wanted.template).display().to_string(),
            description: format!(
                "{}: add {} to the pod template's annotations (`confsum lint --fix` proves it with helm before writing)",
                wanted.workload,
                keys.join(", ")
            ),
            replacements: edit
                .edits
                .iter()
                .map(|e| {
                    let (line, column) = position(e.range.start);
                    let (end_line, end_column) = position(e.range.end);
                    Replacement {
                        line,
                        column,
                        end_line,
                        end_column,
                        text: e.insert.clone(),
                    }
                })
                .collect(),
        })
    }
}
