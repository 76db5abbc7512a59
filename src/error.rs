//! Tool errors: what went wrong and where, for a person to fix. Findings
//! (lint results) are not errors; see `lint`.

use std::fmt;
use std::sync::Arc;

use crate::load::Source;

/// A located position in a source, 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Byte offset in the source.
    pub offset: usize,
    /// The Helm template the document came from (`# Source:`), if any.
    pub template: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A failure that stops the run: bad input, an unreadable file, bad options.
#[derive(Debug, Clone)]
pub struct Error {
    pub message: String,
    pub location: Option<Box<Location>>,
    pub help: Option<String>,
    /// The source text, so that a renderer can show a snippet. Left out when
    /// the document may hold secret values.
    pub snippet_source: Option<Arc<String>>,
    pub span_len: usize,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            location: None,
            help: None,
            snippet_source: None,
            span_len: 0,
        }
    }

    /// An error at byte `offset` of `source`. The snippet is kept only when
    /// `may_show` (the document holds no Secret).
    pub fn at(message: impl Into<String>, source: &Source, offset: usize, may_show: bool) -> Self {
        let mut e = Error::new(message);
        e.location = Some(Box::new(source.location(offset)));
        if may_show {
            e.snippet_source = Some(source.text.clone());
        }
        e
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
