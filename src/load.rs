//! The load stage: reads files, folders and stdin into [`Source`]s, keeping
//! every byte so that later stages can point back into them by byte span.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Location, Result};

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
    pub origin: Option<crate::chart::ChartOrigin>,
    line_starts: OnceLock<Vec<usize>>,
}

impl Source {
    pub fn new(name: impl Into<String>, path: Option<PathBuf>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            path,
            text: Arc::new(text.into()),
            origin: None,
            line_starts: OnceLock::new(),
        }
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
                let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
                let probe = Source::new(name, path, prefix);
                Err(Error {
                    location: Some(Box::new(probe.location(valid))),
                    ..Error::new(format!("invalid UTF-8 (byte 0x{:02x})", bytes[valid]))
                }
                .with_help("Kubernetes manifests must be UTF-8; re-encode the file"))
            }
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            );
            starts
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let mut start = starts[line];
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

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let starts = self.line_starts();
        let start = starts[line - 1];
        let end = starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
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

/// Find every input. No paths, or `-`, reads standard input. A folder is
/// walked for `*.yaml`/`*.yml`; a chart inside it is one input of its own,
/// and its templates are not read as manifests.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>> {
    if paths.is_empty() {
        return Ok(vec![Input::Manifests(read_stdin()?)]);
    }
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Manifests(read_stdin()?));
        } else if is_chart(path) {
            inputs.push(Input::Chart(path.clone()));
        } else if path.is_dir() {
            let (files, charts) = walk(path)?;
            inputs.extend(charts.into_iter().map(Input::Chart));
            for file in files {
                inputs.push(Input::Manifests(read_file(&file)?));
            }
        } else {
            inputs.push(Input::Manifests(read_file(path)?));
        }
    }
    Ok(inputs)
}

/// Manifests only: every input that is not a chart. (Charts go through
/// `chart::render`.)
pub fn load(paths: &[PathBuf]) -> Result<Vec<Source>> {
    Ok(discover(paths)?
        .into_iter()
        .filter_map(|i| match i {
            Input::Manifests(s) => Some(s),
            Input::Chart(_) => None,
        })
        .collect())
}

pub fn read_stdin() -> Result<Source> {
    let bytes =
        read_stdin_bytes().map_err(|e| Error::new(format!("cannot read standard input: {e}")))?;
    Source::from_bytes("-", None, bytes)
}

fn read_stdin_bytes() -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        // `< file` makes standard input a regular file, read as one.
        use std::os::fd::AsFd;
        read_all(&std::fs::File::from(
            std::io::stdin().as_fd().try_clone_to_owned()?,
        ))
    }
    #[cfg(not(unix))]
    {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// All of `file` from its position: in parts on all cores when it is a
/// large regular file, else as one stream (pipes, terminals).
fn read_all(mut file: &std::fs::File) -> std::io::Result<Vec<u8>> {
    if let Some(bytes) = read_regular(file)? {
        return Ok(bytes);
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A large regular file, from its current position to its end, read in
/// parts on all cores: for a 100 MB input from the page cache, the page
/// faults and the copy are most of the cost, and they divide. `None` for
/// small files, pipes and terminals (and files that shrank meanwhile),
/// which the caller reads in one stream.
#[cfg(unix)]
fn read_regular(file: &std::fs::File) -> std::io::Result<Option<Vec<u8>>> {
    use rayon::prelude::*;
    use std::io::{Seek, SeekFrom};
    use std::os::unix::fs::FileExt;
    const PART: usize = 4 << 20;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    let mut reader = file;
    let start = reader.stream_position()?;
    let Ok(len) = usize::try_from(meta.len().saturating_sub(start)) else {
        return Ok(None);
    };
    if len < 2 * PART {
        return Ok(None);
    }
    // Zeroed by the system, untouched until the parts are read in.
    let mut bytes = vec![0u8; len];
    let read = bytes
        .par_chunks_mut(PART)
        .enumerate()
        .try_for_each(|(i, part)| file.read_exact_at(part, start + (i * PART) as u64));
    match read {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    // Whatever was appended since the length was read.
    reader.seek(SeekFrom::Start(start + len as u64))?;
    reader.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

#[cfg(not(unix))]
fn read_regular(_: &std::fs::File) -> std::io::Result<Option<Vec<u8>>> {
    Ok(None)
}

pub fn read_file(path: &Path) -> Result<Source> {
    let bytes = std::fs::File::open(path)
        .and_then(|f| read_all(&f))
        .map_err(|e| {
            Error::new(format!(
                "cannot read `{}`: {}",
                path.display(),
                io_reason(&e)
            ))
            .with_help("check that the path exists and is readable")
        })?;
    Source::from_bytes(path.display().to_string(), Some(path.to_path_buf()), bytes)
}

fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    // "Permission denied (os error 13)" reads better without the code.
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

/// `*.yaml` and `*.yml` files under `dir`, sorted by path so that every run
/// sees the same order, and the charts found there (not descended into).
pub fn walk(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut files = Vec::new();
    let mut charts = Vec::new();
    let mut it = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = it.next() {
        let entry = entry.map_err(|e| {
            let at = e
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| dir.display().to_string());
            let why = if e.loop_ancestor().is_some() {
                "symbolic link loop".to_string()
            } else {
                e.io_error().map(io_reason).unwrap_or_else(|| e.to_string())
            };
            Error::new(format!("cannot walk `{at}`: {why}"))
        })?;
        let path = entry.path();
        if entry.file_type().is_dir() && entry.depth() > 0 && path.join("Chart.yaml").is_file() {
            charts.push(path.to_path_buf());
            it.skip_current_dir();
            continue;
        }
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if entry.file_type().is_file() && is_yaml {
            files.push(path.to_path_buf());
        }
    }
    Ok((files, charts))
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

    #[test]
    fn invalid_utf8_is_located() {
        let e = Source::from_bytes("f.yaml", None, b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        let loc = e.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 4));
        assert!(e.message.contains("invalid UTF-8"));
    }
}
