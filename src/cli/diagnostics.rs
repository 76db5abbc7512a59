//! Rendering of tool errors with miette: location, snippet, help.

use confsum::Error;
use miette::{GraphicalReportHandler, LabeledSpan, MietteDiagnostic, NamedSource, Report};

pub fn render_error(e: &Error) -> String {
    let mut head = format!("error: {e}");
    if let Some(t) = e.location.as_ref().and_then(|l| l.template.as_ref()) {
        head.push_str(&format!("\n  in template {t}"));
    }
    head.push('\n');
    // A snippet of a very long line (a minified JSON, a 50 MB scalar) helps
    // nobody: the location says where.
    let short_line = |text: &str, offset: usize| {
        let offset = offset.min(text.len());
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        end - start <= 400
    };
    let snippet = e
        .snippet_source
        .as_ref()
        .filter(|t| e.location.as_ref().is_some_and(|l| short_line(t, l.offset)));
    let (Some(loc), Some(text)) = (&e.location, snippet) else {
        if let Some(h) = &e.help {
            head.push_str(&format!("  help: {h}\n"));
        }
        return head;
    };
    let mut diag = MietteDiagnostic::new(e.message.clone()).with_label(
        LabeledSpan::new_primary_with_span(Some("here".into()), (loc.offset, e.span_len)),
    );
    if let Some(h) = &e.help {
        diag = diag.with_help(h.clone());
    }
    let report =
        Report::new(diag).with_source_code(NamedSource::new(loc.file.clone(), text.to_string()));
    let mut out = String::new();
    if GraphicalReportHandler::new()
        .render_report(&mut out, report.as_ref())
        .is_err()
    {
        return head;
    }
    head + &out
}
