//! Tool errors: what went wrong and where, for a person to fix, with a kind
//! for programs and tests. Findings (lint results) are not errors; see
//! `lint`. An error renders through miette as a [`miette::Diagnostic`]:
//! its snippet is the failing document alone.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

pub use crate::source::Location;

/// What kind of failure stopped the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An input that cannot be read as text: missing, a device, not UTF-8.
    Input,
    /// Text that is not valid YAML.
    Yaml,
    /// YAML that is not a valid Kubernetes object where confsum needs one.
    Shape,
    /// Reading or writing failed.
    Io,
    /// helm is missing, failed, or took too long; or a chart is unsafe to render.
    Helm,
    /// A configuration file, key or annotation setting is wrong.
    Config,
    /// The command line asks for something that cannot be done.
    Usage,
    /// A check of confsum's own output failed: a bug in confsum.
    Internal,
}

/// A failure that stops the run: bad input, an unreadable file, bad options.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub location: Option<Box<Location>>,
    pub help: Option<String>,
    /// The text a renderer may show around the location: the failing
    /// document alone, never its neighbours. Left out when the document may
    /// hold Secret values.
    pub snippet: Option<Snippet>,
    pub span_len: usize,
    /// The underlying failure (an I/O error), for `source()`.
    cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// The one document of a source that an error may show.
#[derive(Debug, Clone)]
pub struct Snippet {
    pub text: Arc<String>,
    /// The document's bytes in `text`; the error's offset lies inside.
    pub range: Range<usize>,
    /// 1-based line of `range.start` in the source.
    pub first_line: usize,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            location: None,
            help: None,
            snippet: None,
            span_len: 0,
            cause: None,
        }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Input, message)
    }

    pub fn helm(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Helm, message)
    }

    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Usage, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, message)
    }

    /// An I/O failure, with the system's error as its source.
    pub fn io(message: impl Into<String>, cause: std::io::Error) -> Self {
        Error {
            cause: Some(Arc::new(cause)),
            ..Error::new(ErrorKind::Io, message)
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_template(mut self, template: Option<&str>) -> Self {
        if let Some(loc) = &mut self.location {
            loc.template = template.map(str::to_string);
        }
        self
    }

    pub fn with_len(mut self, len: usize) -> Self {
        self.span_len = len;
        self
    }

    /// The message as shown: each line's control characters made visible
    /// (messages quote keys and names from the input).
    pub fn shown_message(&self) -> String {
        self.message
            .split('\n')
            .map(crate::display::escape_control)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The snippet when one may be shown: not for a very long line (a
    /// minified JSON, a 50 MB scalar), where the location says enough.
    fn shown_snippet(&self) -> Option<(&Location, &Snippet)> {
        let loc = self.location.as_deref()?;
        let s = self.snippet.as_ref()?;
        let doc = &s.text[s.range.clone()];
        let at = (loc.offset - s.range.start).min(doc.len());
        let start = doc[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = doc[at..].find('\n').map_or(doc.len(), |i| at + i);
        (end - start <= 400).then_some((loc, s))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The failing document as miette source code: spans relative to the
/// document, line numbers the file's, control characters made visible, and
/// no context line from a neighbouring document.
#[derive(Debug)]
pub(crate) struct DocumentSource<'t> {
    pub(crate) name: std::borrow::Cow<'t, str>,
    pub(crate) text: std::borrow::Cow<'t, str>,
    /// 1-based line of the first byte of `text` in its file.
    pub(crate) first_line: usize,
}

impl SourceCode for DocumentSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_ref()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line - 1,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// An error with its snippet, ready for miette's renderer.
#[derive(Debug)]
pub struct Report<'e> {
    error: &'e Error,
    message: String,
    source: Option<(DocumentSource<'static>, SourceSpan)>,
}

impl Error {
    /// This error as a miette diagnostic.
    pub fn report(&self) -> Report<'_> {
        let source = self.shown_snippet().map(|(loc, s)| {
            let at = loc.offset - s.range.start;
            let len = self.span_len.min(s.range.end - loc.offset);
            (
                DocumentSource {
                    name: crate::display::escape_control(&loc.file)
                        .into_owned()
                        .into(),
                    text: crate::display::neutralize_controls(&s.text[s.range.clone()])
                        .into_owned()
                        .into(),
                    first_line: s.first_line,
                },
                SourceSpan::from((at, len)),
            )
        });
        Report {
            error: self,
            message: self.shown_message(),
            source,
        }
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|(s, _)| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, span) = self.source.as_ref()?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some("here".into()), *span),
        )))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_keep_their_cause() {
        use std::error::Error as _;
        let e = Error::io(
            "cannot write `x`",
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        assert_eq!(e.kind, ErrorKind::Io);
        assert!(e.source().is_some());
        assert!(Error::usage("x").source().is_none());
    }
}
