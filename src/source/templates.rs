//! The chart templates behind a render: for each `# Source:` path of a
//! rendered chart, the template file in the chart folder and its text, read
//! once, so that reports can point into templates without reading files.

use std::collections::HashMap;

use super::Source;

/// One chart template file, as read.
#[derive(Debug)]
pub struct TemplateFile {
    /// The path shown to users.
    pub path: String,
    pub text: String,
}

/// Template files by (rendered source name, `# Source:` path).
#[derive(Debug, Default)]
pub struct TemplateFiles {
    files: HashMap<(String, String), Option<TemplateFile>>,
}

impl TemplateFiles {
    /// Read the template file of every (source, `# Source:` path) pair whose
    /// source was rendered from a chart folder; each file once.
    pub fn read<'s>(templates: impl IntoIterator<Item = (&'s Source, &'s str)>) -> TemplateFiles {
        let mut files = HashMap::new();
        for (source, template) in templates {
            let Some(origin) = &source.origin else {
                continue;
            };
            files
                .entry((source.name.clone(), template.to_string()))
                .or_insert_with(|| {
                    let path = origin.template_file(template)?;
                    let text = std::fs::read_to_string(&path).ok()?;
                    Some(TemplateFile {
                        path: path.display().to_string(),
                        text,
                    })
                });
        }
        TemplateFiles { files }
    }

    /// The template file of `template` in the render `source`, if read.
    pub fn get(&self, source: &str, template: &str) -> Option<&TemplateFile> {
        self.files
            .get(&(source.to_string(), template.to_string()))
            .and_then(Option::as_ref)
    }

    /// The 1-based line of `template` that reads `rendered_line` (trimmed),
    /// when exactly one line does.
    pub fn line_of(&self, file: &TemplateFile, rendered_line: &str) -> Option<usize> {
        let rendered = rendered_line.trim();
        if rendered.is_empty() {
            return None;
        }
        let mut hits = file
            .text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim() == rendered);
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Some(i + 1),
            _ => None,
        }
    }
}
