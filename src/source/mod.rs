//! The load stage: reads files, folders and stdin into [`Source`]s, keeping
//! every byte so that later stages can point back into them by byte span.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result, Snippet};

pub mod chart;
pub mod git;
mod read;
pub mod scope;
mod templates;
mod walk;

pub use chart::ChartOrigin;
pub use read::{read_file, read_stdin};
pub use templates::{TemplateFile, TemplateFiles};
pub use walk::{Discovered, Walk, discover, load, walk};

/// One input: a file, or standard input (named `-`).
#[derive(Debug)]
pub struct Source {
    /// The name shown to users: the path as given, or `-`.
    pub name: String,
    /// The file's path, when it is a file (None for stdin).
    pub path: Option<PathBuf>,
    /// Shared, not copied: a `String` moves into the `Arc` without a second buffer.
    pub text: Arc<String>,
    /// The chart this source was rendered from, if any.
    pub origin: Option<ChartOrigin>,
    /// The scope the source deploys with (see [`scope`]): empty for a
    /// stream, else its folder as shown.
    pub scope: String,
    /// Whether the scope is only the file's folder (no kustomization, no
    /// `scopes:` entry): its files might be alternatives, not one release.
    pub scope_is_folder: bool,
    /// Read only to resolve references of the given files (`--whole-scope`):
    /// never written, and its objects are not reported on.
    pub context: bool,
    line_starts: OnceLock<LineStarts>,
}

/// The byte offset of every [`STRIDE`]th line's start, and the number of
/// lines: a line's start is its sample's, then at most `STRIDE - 1` line
/// breaks on. 4 bytes per 16 lines for any text under 4 GiB: an index of
/// every line was 7 MB for 18 MB of short lines, held beside every finding
/// while lint reports.
#[derive(Debug)]
struct LineStarts {
    samples: Samples,
    lines: usize,
}

#[derive(Debug)]
enum Samples {
    Narrow(Vec<u32>),
    Wide(Vec<usize>),
}

/// Lines per sample of [`LineStarts`].
const STRIDE: usize = 16;

impl LineStarts {
    fn of(bytes: &[u8]) -> LineStarts {
        let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        let mut lines = 0;
        let mut sampled = starts.inspect(|_| lines += 1).step_by(STRIDE);
        let samples = if u32::try_from(bytes.len()).is_ok() {
            let mut v = Vec::with_capacity(bytes.len() / (40 * STRIDE) + 1);
            v.extend(sampled.by_ref().map(|i| i as u32));
            v.shrink_to_fit();
            Samples::Narrow(v)
        } else {
            Samples::Wide(sampled.by_ref().collect())
        };
        // `step_by` stops at the last sample: the lines after it count too.
        sampled.for_each(drop);
        LineStarts { samples, lines }
    }

    fn len(&self) -> usize {
        self.lines
    }

    fn sample(&self, at: usize) -> usize {
        match &self.samples {
            Samples::Narrow(v) => v[at] as usize,
            Samples::Wide(v) => v[at],
        }
    }

    /// Where 0-based line `line` starts in `bytes`, the text indexed.
    fn get(&self, bytes: &[u8], line: usize) -> Option<usize> {
        if line >= self.lines {
            return None;
        }
        let from = self.sample(line / STRIDE);
        match line % STRIDE {
            0 => Some(from),
            n => memchr::memchr_iter(b'\n', &bytes[from..])
                .nth(n - 1)
                .map(|i| from + i + 1),
        }
    }

    /// The 0-based line holding `offset` of `bytes`.
    fn line_of(&self, bytes: &[u8], offset: usize) -> usize {
        let at = match &self.samples {
            Samples::Narrow(v) => v.partition_point(|&s| s as usize <= offset),
            Samples::Wide(v) => v.partition_point(|&s| s <= offset),
        } - 1;
        let from = self.sample(at);
        at * STRIDE + memchr::memchr_iter(b'\n', &bytes[from..offset]).count()
    }
}

impl Source {
    pub fn new(name: impl Into<String>, path: Option<PathBuf>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            path,
            text: Arc::new(text.into()),
            origin: None,
            scope: String::new(),
            scope_is_folder: false,
            context: false,
            line_starts: OnceLock::new(),
        }
    }

    /// The same input (name, path, scope, origin) with another text: what
    /// a transformation of it reads as.
    pub fn with_text(&self, text: impl Into<String>) -> Self {
        let mut s = Source::new(self.name.clone(), self.path.clone(), text);
        s.origin = self.origin.clone();
        s.scope = self.scope.clone();
        s.scope_is_folder = self.scope_is_folder;
        s.context = self.context;
        s
    }

    /// Decode bytes as UTF-8; an invalid byte is an error at its position.
    pub fn from_bytes(
        name: impl Into<String>,
        path: Option<PathBuf>,
        bytes: Vec<u8>,
    ) -> Result<Self> {
        let name = name.into();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Source::new(name, path, text)),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let what = format!("invalid UTF-8 (byte 0x{:02x})", bytes[valid]);
                Err(invalid_byte(&name, path.as_deref(), &bytes, valid, &what)
                    .with_help("Kubernetes manifests must be UTF-8; re-encode the file"))
            }
        }
    }

    /// The line index, made once per source (a vectorised newline
    /// search), so that every position lookup is a binary search and a
    /// walk of under 16 lines, not a scan from the start.
    fn line_starts(&self) -> &LineStarts {
        self.line_starts
            .get_or_init(|| LineStarts::of(self.text.as_bytes()))
    }

    /// The bytes of lines `first..=last` (1-based, clamped), line breaks
    /// included: the window a snippet of those lines needs.
    pub fn lines_range(&self, first: usize, last: usize) -> std::ops::Range<usize> {
        let (starts, bytes) = (self.line_starts(), self.text.as_bytes());
        let first = first.clamp(1, starts.len());
        let last = last.clamp(first, starts.len());
        let start = starts.get(bytes, first - 1).unwrap_or(0);
        let end = starts.get(bytes, last).unwrap_or(self.text.len());
        start..end
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let (starts, bytes) = (self.line_starts(), self.text.as_bytes());
        let line = starts.line_of(bytes, offset);
        let mut start = starts.get(bytes, line).unwrap_or(0);
        while !self.text.is_char_boundary(start) {
            start += 1;
        }
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end.max(start)].chars().count() + 1;
        (line + 1, col)
    }

    pub fn location(&self, offset: usize) -> Location {
        let (line, column) = self.line_col(offset);
        Location {
            file: self.name.clone(),
            line,
            column,
            offset,
            template: None,
        }
    }

    /// An error at byte `offset`. `shown` is the document a snippet may be
    /// cut from: `None` when it may hold a Secret value.
    pub fn error_at(
        &self,
        kind: crate::error::ErrorKind,
        message: impl Into<String>,
        offset: usize,
        shown: Option<std::ops::Range<usize>>,
    ) -> Error {
        let mut e = Error::new(kind, message);
        e.location = Some(Box::new(self.location(offset)));
        e.snippet = shown
            .filter(|r| r.start <= offset && offset <= r.end && r.end <= self.text.len())
            .map(|range| Snippet {
                text: self.text.clone(),
                first_line: self.line_col(range.start).0,
                range,
            });
        e
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let (starts, bytes) = (self.line_starts(), self.text.as_bytes());
        let start = starts.get(bytes, line - 1).unwrap_or(self.text.len());
        let end = starts.get(bytes, line).unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

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

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = crate::display::escape_control(&self.file);
        write!(f, "{file}:{}:{}", self.line, self.column)
    }
}

/// An error at the first byte of `bytes` that cannot be read as YAML text,
/// located by line and column of the text before it.
pub(crate) fn invalid_byte(
    name: &str,
    path: Option<&Path>,
    bytes: &[u8],
    at: usize,
    what: &str,
) -> Error {
    let prefix = String::from_utf8_lossy(&bytes[..at]).into_owned();
    let probe = Source::new(name, path.map(Path::to_path_buf), prefix);
    Error::input(what).at(probe.location(at))
}

/// One input: manifests to read, or a Helm chart to render.
#[derive(Debug)]
pub enum Input {
    Manifests(Source),
    /// A folder holding `Chart.yaml`, or a packaged chart (`.tgz`).
    Chart(PathBuf),
}

/// Whether `path` is a Helm chart: a folder with `Chart.yaml`, or a `.tgz`.
pub fn is_chart(path: &Path) -> bool {
    if path.is_dir() {
        return path.join("Chart.yaml").is_file();
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.is_file() && (name.ends_with(".tgz") || name.ends_with(".tar.gz"))
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    // "Permission denied (os error 13)" reads better without the code.
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let s = Source::new("x", None, "ab\nçé: x\r\nz");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        assert_eq!(s.line_col(7), (2, 3)); // after the two 2-byte characters
        assert_eq!(s.line_col(12), (3, 1));
        assert_eq!(s.line_text(2), "çé: x");
    }

    /// The sampled index gives each line's start and each offset's line
    /// as an index of every line does, at and around every sample.
    #[test]
    fn sampled_line_starts_agree_with_every_line() {
        for text in [
            String::new(),
            "\n".repeat(40),
            (0..100)
                .map(|i| format!("{}\n", "x".repeat(i % 7)))
                .collect(),
            (0..50).map(|i| format!("line {i}\r\n")).collect::<String>() + "tail",
        ] {
            let bytes = text.as_bytes();
            let every: Vec<usize> = std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1))
                .collect();
            let index = LineStarts::of(bytes);
            assert_eq!(index.len(), every.len());
            for (line, &start) in every.iter().enumerate() {
                assert_eq!(index.get(bytes, line), Some(start), "{line}");
            }
            assert_eq!(index.get(bytes, every.len()), None);
            for offset in 0..=bytes.len() {
                let line = every.partition_point(|&s| s <= offset) - 1;
                assert_eq!(index.line_of(bytes, offset), line, "{offset}");
            }
        }
    }

    #[test]
    fn invalid_utf8_is_located() {
        let e = Source::from_bytes("f.yaml", None, b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        let loc = e.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 4));
        assert_eq!(e.kind, crate::error::ErrorKind::Input);
    }
}
