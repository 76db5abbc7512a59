//! Lint findings as text: human (miette, with redacted snippets), json,
//! sarif (2.1.0), github (workflow commands) and markdown (job summaries).
//! No format ever shows a Secret value or a flagged ConfigMap value.

use std::collections::BTreeMap;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};
use serde_json::{Value, json};

use crate::Analysis;
use crate::lint::{Finding, Severity, counts, redact, rules};

/// Where a finding is, in terms a reader can open.
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub template: Option<String>,
    /// The finding's first line, masked.
    pub snippet: String,
}

/// Everything the formats need, computed once per run.
pub struct Rendered<'r, 'a> {
    pub analysis: &'r Analysis<'a>,
    pub findings: &'r [Finding],
    masked: Vec<Arc<str>>,
}

impl<'r, 'a> Rendered<'r, 'a> {
    pub fn new(analysis: &'r Analysis<'a>, findings: &'r [Finding]) -> Self {
        let spans = redact::sensitive_spans(analysis);
        let masked = analysis
            .model
            .files
            .iter()
            .zip(&spans)
            .map(|(f, s)| redact::mask(&f.source.text, s))
            .collect();
        Rendered {
            analysis,
            findings,
            masked,
        }
    }

    pub fn place(&self, f: &Finding) -> Place {
        let source = self.analysis.model.files[f.file].source;
        let (line, column) = source.line_col(f.span.start);
        let (end_line, end_column) = source.line_col(f.span.end.max(f.span.start));
        let obj = &self.analysis.model.objects[f.object];
        let masked = &self.masked[f.file];
        let start = masked[..f.span.start].rfind('\n').map_or(0, |i| i + 1);
        let end = masked[f.span.start..]
            .find('\n')
            .map_or(masked.len(), |i| f.span.start + i);
        let snippet: String = masked[start..end]
            .trim_end_matches('\r')
            .chars()
            .take(300)
            .collect();
        Place {
            file: source.name.clone(),
            line,
            column,
            end_line,
            end_column,
            template: self.analysis.model.doc(obj).template.map(str::to_string),
            snippet,
        }
    }

    fn object_json(&self, f: &Finding) -> Value {
        let o = &self.analysis.model.objects[f.object];
        json!({"kind": o.kind_name, "namespace": o.namespace, "name": o.name})
    }

    /// rustc-style diagnostics with a snippet of the rendered stream.
    pub fn human(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
        let mut out = String::new();
        for f in self.findings {
            let place = self.place(f);
            let source = self.analysis.model.files[f.file].source;
            let severity = match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            };
            let label = match &place.template {
                Some(t) => format!("from {t}"),
                None => "here".to_string(),
            };
            let long_line = place.snippet.chars().count() >= 300;
            let mut diag = MietteDiagnostic::new(f.message.clone())
                .with_severity(severity)
                .with_help(f.help.clone());
            if !long_line {
                let len = if place.end_line == place.line {
                    f.span.len()
                } else {
                    0
                };
                diag = diag.with_label(LabeledSpan::new_primary_with_span(
                    Some(label),
                    (f.span.start, len),
                ));
            }
            out.push_str(&format!(
                "{}:{}:{}: {}[{}]",
                place.file,
                place.line,
                place.column,
                f.severity.as_str(),
                f.rule
            ));
            if let Some(t) = &place.template {
                out.push_str(&format!(" (template {t})"));
            }
            out.push('\n');
            let report = Report::new(diag).with_source_code(NamedSource::new(
                source.name.clone(),
                self.masked[f.file].clone(),
            ));
            let mut block = String::new();
            if handler.render_report(&mut block, report.as_ref()).is_ok() {
                out.push_str(&block);
            }
            out.push('\n');
        }
        out.push_str(&summary_line(self.findings));
        out
    }

    pub fn json(&self) -> String {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                let p = self.place(f);
                json!({
                    "rule": f.rule,
                    "severity": f.severity.as_str(),
                    "message": f.message,
                    "help": f.help,
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "end_line": p.end_line,
                    "end_column": p.end_column,
                    "template": p.template,
                    "object": self.object_json(f),
                })
            })
            .collect();
        let [info, warning, error] = counts(self.findings);
        let v = json!({
            "version": 1,
            "findings": findings,
            "summary": {"error": error, "warning": warning, "info": info},
        });
        let mut s = serde_json::to_string_pretty(&v).expect("json values serialize");
        s.push('\n');
        s
    }

    pub fn sarif(&self) -> String {
        let descriptors: Vec<Value> = rules::ALL
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "name": camel(r.id),
                    "shortDescription": {"text": r.summary()},
                    "fullDescription": {"text": r.full_description()},
                    "help": {"text": r.documentation(), "markdown": r.documentation()},
                    "defaultConfiguration": {"level": sarif_level(r.default)},
                })
            })
            .collect();
        let results: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                let p = self.place(f);
                let index = rules::ALL.iter().position(|r| r.id == f.rule).unwrap_or(0);
                let mut result = json!({
                    "ruleId": f.rule,
                    "ruleIndex": index,
                    "level": sarif_level(f.severity),
                    "message": {"text": format!("{} ({})", f.message, f.help)},
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri(&p.file)},
                            "region": {
                                "startLine": p.line,
                                "startColumn": p.column,
                                "snippet": {"text": p.snippet},
                            }
                        }
                    }],
                });
                if let Some(t) = &p.template {
                    result["properties"] = json!({"template": t});
                }
                result
            })
            .collect();
        let v = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "confsum",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/confsum/confsum",
                    "rules": descriptors,
                }},
                "results": results,
            }],
        });
        let mut s = serde_json::to_string_pretty(&v).expect("json values serialize");
        s.push('\n');
        s
    }

    /// GitHub Actions workflow commands: one annotation per finding.
    pub fn github(&self) -> String {
        let mut out = String::new();
        for f in self.findings {
            let p = self.place(f);
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut message = format!("{} ({})", f.message, f.help);
            if let Some(t) = &p.template {
                message.push_str(&format!(" [template {t}]"));
            }
            out.push_str(&format!(
                "::{level} file={},line={},col={},endLine={},title={}::{}\n",
                escape_property(&p.file),
                p.line,
                p.column,
                p.end_line,
                escape_property(f.rule),
                escape_data(&message)
            ));
        }
        out
    }

    /// A job summary: counts per rule and the first findings.
    pub fn markdown(&self) -> String {
        let [info, warning, error] = counts(self.findings);
        let mut out = String::from("## confsum lint\n\n");
        if self.findings.is_empty() {
            out.push_str("No findings.\n");
            return out;
        }
        out.push_str(&format!(
            "**{error}** errors, **{warning}** warnings, **{info}** info\n\n"
        ));
        out.push_str("| rule | severity | findings |\n|---|---|---|\n");
        let mut per_rule: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
        for f in self.findings {
            per_rule.entry(f.rule).or_insert((f.severity, 0)).1 += 1;
        }
        for (rule, (sev, n)) in &per_rule {
            out.push_str(&format!("| `{rule}` | {} | {n} |\n", sev.as_str()));
        }
        out.push_str("\n### Top findings\n\n");
        let mut top: Vec<&Finding> = self.findings.iter().collect();
        top.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in top.into_iter().take(20) {
            let p = self.place(f);
            let tpl = p
                .template
                .as_ref()
                .map(|t| format!(" (template `{t}`)"))
                .unwrap_or_default();
            out.push_str(&format!(
                "- **{}** `{}` {}:{}{} — {}\n",
                f.severity.as_str(),
                f.rule,
                p.file,
                p.line,
                tpl,
                md_escape(&f.message)
            ));
        }
        if self.findings.len() > 20 {
            out.push_str(&format!("\n…and {} more.\n", self.findings.len() - 20));
        }
        out
    }
}

pub fn summary_line(findings: &[Finding]) -> String {
    let [info, warning, error] = counts(findings);
    if findings.is_empty() {
        return "no findings\n".to_string();
    }
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    format!(
        "found {}, {}, {}\n",
        plural(error, "error"),
        plural(warning, "warning"),
        info_count(info)
    )
}

fn info_count(n: usize) -> String {
    format!("{n} info")
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn camel(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A relative path stays relative (SARIF resolves it against the checkout).
fn uri(path: &str) -> String {
    let p = path.strip_prefix("./").unwrap_or(path);
    p.replace(' ', "%20")
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "&lt;")
}
