//! Rendering of tool errors with miette: location, snippet, help.

use confsum::Error;
use confsum::display::{escape_control, neutralize_controls};
use miette::{
    GraphicalReportHandler, LabeledSpan, MietteDiagnostic, MietteError, MietteSpanContents, Report,
    SourceCode, SourceSpan, SpanContents,
};

pub fn render_error(e: &Error) -> String {
    // Messages may quote keys and names from the input: each of their lines
    // is shown with its control characters as visible text.
    let message: Vec<_> = e.message.split('\n').map(escape_control).collect();
    let message = message.join("\n");
    let mut head = match &e.location {
        Some(loc) => format!("error: {loc}: {message}"),
        None => format!("error: {message}"),
    };
    if let Some(t) = e.location.as_ref().and_then(|l| l.template.as_ref()) {
        head.push_str(&format!("\n  in template {}", escape_control(t)));
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
    let snippet = e.snippet.as_ref().filter(|s| {
        e.location
            .as_ref()
            .is_some_and(|l| short_line(&s.text[s.range.clone()], l.offset - s.range.start))
    });
    let (Some(loc), Some(snippet)) = (&e.location, snippet) else {
        if let Some(h) = &e.help {
            head.push_str(&format!("  help: {h}\n"));
        }
        return head;
    };
    let len = e.span_len.min(snippet.range.end - loc.offset);
    let mut diag = MietteDiagnostic::new(message).with_label(LabeledSpan::new_primary_with_span(
        Some("here".into()),
        (loc.offset - snippet.range.start, len),
    ));
    if let Some(h) = &e.help {
        diag = diag.with_help(h.clone());
    }
    let report = Report::new(diag).with_source_code(DocumentSource {
        name: escape_control(&loc.file).into_owned(),
        text: neutralize_controls(&snippet.text[snippet.range.clone()]).into_owned(),
        first_line: snippet.first_line,
    });
    let mut out = String::new();
    if GraphicalReportHandler::new()
        .render_report(&mut out, report.as_ref())
        .is_err()
    {
        return head;
    }
    head + &out
}

/// One document of a source, as miette's source code: spans are relative
/// to the document, line numbers are the file's, and no context line can
/// come from a neighbouring document.
struct DocumentSource {
    name: String,
    /// The document alone, control characters made visible.
    text: String,
    first_line: usize,
}

impl SourceCode for DocumentSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;

        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line - 1,
            inner.column(),
            inner.line_count(),
        )))
    }
}
