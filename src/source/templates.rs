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
    /// Whether a `name:` line calls a random function (`randAlphaNum`...):
    /// its objects' names differ in every render.
    pub names_randomly: bool,
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
                        names_randomly: names_randomly(&text),
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

/// Whether a template file has a `name:` line with a random function.
fn names_randomly(template: &str) -> bool {
    template.lines().any(|line| {
        line.trim_start().starts_with("name:")
            && ["randAlpha", "randNumeric", "randAscii"]
                .iter()
                .any(|f| line.contains(f))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_names_randomly_only_on_a_name_line() {
        assert!(names_randomly(
            "metadata:\n  name: {{ .Release.Name }}-{{ randAlphaNum 5 | lower }}\n"
        ));
        assert!(names_randomly("  name: x-{{ randNumeric 4 }}\n"));
        assert!(!names_randomly(
            "metadata:\n  name: x\ndata:\n  token: {{ randAlphaNum 32 | b64enc }}\n"
        ));
    }
}
