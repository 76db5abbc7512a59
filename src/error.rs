//! Tool errors: what went wrong and where, for a person to fix. Findings
//! (lint results) are not errors; see `lint`.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

pub use crate::source::Location;

/// A failure that stops the run: bad input, an unreadable file, bad options.
#[derive(Debug, Clone)]
pub struct Error {
    pub message: String,
    pub location: Option<Box<Location>>,
    pub help: Option<String>,
    /// The text a renderer may show around the location: the failing
    /// document alone, never its neighbours. Left out when the document may
    /// hold Secret values.
    pub snippet: Option<Snippet>,
    pub span_len: usize,
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
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            location: None,
            help: None,
            snippet: None,
            span_len: 0,
        }
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
