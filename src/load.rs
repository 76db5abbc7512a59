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

/// The inputs of a run, and what was passed over on the way (for stderr).
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Why files of a folder walk were skipped: dangling links, links that
    /// leave the folder.
    pub notes: Vec<String>,
}

/// Find every input. No paths, or `-`, reads standard input. A folder is
/// walked for `*.yaml`/`*.yml`; a chart inside it is one input of its own,
/// and its templates are not read as manifests.
pub fn discover(paths: &[PathBuf]) -> Result<Discovered> {
    let mut found = Discovered::default();
    if paths.is_empty() {
        found.inputs.push(Input::Manifests(read_stdin()?));
        return Ok(found);
    }
    for path in paths {
        if path.as_os_str() == "-" {
            found.inputs.push(Input::Manifests(read_stdin()?));
        } else if is_chart(path) {
            found.inputs.push(Input::Chart(path.clone()));
        } else if path.is_dir() {
            let walked = walk(path)?;
            found.notes.extend(walked.notes);
            found
                .inputs
                .extend(walked.charts.into_iter().map(Input::Chart));
            for file in walked.files {
                found.inputs.push(Input::Manifests(read_file(&file)?));
            }
        } else {
            found.inputs.push(Input::Manifests(read_file(path)?));
        }
    }
    Ok(found)
}

/// Manifests only: every input that is not a chart. (Charts go through
/// `chart::render`.)
pub fn load(paths: &[PathBuf]) -> Result<Vec<Source>> {
    Ok(discover(paths)?
        .inputs
        .into_iter()
        .filter_map(|i| match i {
            Input::Manifests(s) => Some(s),
            Input::Chart(_) => None,
        })
        .collect())
}

pub fn read_stdin() -> Result<Source> {
    let fail = |e: std::io::Error| Error::new(format!("cannot read standard input: {e}"));
    #[cfg(unix)]
    let file = {
        // `< file` makes standard input a regular file, read as one.
        use std::os::fd::AsFd;
        std::fs::File::from(
            std::io::stdin()
                .as_fd()
                .try_clone_to_owned()
                .map_err(fail)?,
        )
    };
    #[cfg(not(unix))]
    let file = std::io::stdin();
    read_all(file, "-", None).map_err(|e| e.into_error(fail))
}

/// Why reading stopped early.
enum ReadStop {
    Io(std::io::Error),
    /// Invalid UTF-8 (or NUL, which no YAML holds) at this offset of what
    /// was read so far: the error is located there, and nothing more is read.
    Invalid(Error),
}

impl ReadStop {
    fn into_error(self, io: impl FnOnce(std::io::Error) -> Error) -> Error {
        match self {
            ReadStop::Io(e) => io(e),
            ReadStop::Invalid(e) => e,
        }
    }
}

impl From<std::io::Error> for ReadStop {
    fn from(e: std::io::Error) -> Self {
        ReadStop::Io(e)
    }
}

/// All of `file` from its position, as a [`Source`]: in parts on all cores
/// when it is a large regular file, else as a stream (pipes, terminals)
/// that stops at the first byte that cannot be YAML, so that `/dev/urandom`
/// or `/dev/zero` fail at once instead of filling memory.
#[cfg(unix)]
fn read_all(file: std::fs::File, name: &str, path: Option<&Path>) -> Result<Source, ReadStop> {
    if let Some(bytes) = read_regular(&file)? {
        return Source::from_bytes(name, path.map(Path::to_path_buf), bytes)
            .map_err(ReadStop::Invalid);
    }
    read_stream(file, name, path)
}

#[cfg(not(unix))]
fn read_all(file: impl Read, name: &str, path: Option<&Path>) -> Result<Source, ReadStop> {
    read_stream(file, name, path)
}

fn read_stream(mut reader: impl Read, name: &str, path: Option<&Path>) -> Result<Source, ReadStop> {
    const CHUNK: usize = 1 << 16;
    let mut bytes: Vec<u8> = Vec::new();
    // Bytes before `checked` are valid UTF-8 with no NUL.
    let mut checked = 0;
    loop {
        let start = bytes.len();
        bytes.resize(start + CHUNK, 0);
        let n = match reader.read(&mut bytes[start..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(ReadStop::Io(e)),
        };
        bytes.truncate(start + n);
        let end_of_input = n == 0;
        let (valid, complete) = match std::str::from_utf8(&bytes[checked..]) {
            Ok(_) => (bytes.len(), true),
            // A character cut at the end of a read is completed by the next.
            Err(e) if e.error_len().is_none() && !end_of_input => (checked + e.valid_up_to(), true),
            Err(e) => (checked + e.valid_up_to(), false),
        };
        if let Some(nul) = memchr::memchr(0, &bytes[checked..valid]) {
            let at = checked + nul;
            return Err(ReadStop::Invalid(invalid_byte(
                name,
                path,
                &bytes,
                at,
                "a NUL byte",
            )));
        }
        if !complete {
            let what = format!("invalid UTF-8 (byte 0x{:02x})", bytes[valid]);
            return Err(ReadStop::Invalid(invalid_byte(
                name, path, &bytes, valid, &what,
            )));
        }
        checked = valid;
        if end_of_input {
            break;
        }
    }
    bytes.shrink_to_fit();
    Source::from_bytes(name, path.map(Path::to_path_buf), bytes).map_err(ReadStop::Invalid)
}

/// An error at the first byte that cannot be read as YAML text.
fn invalid_byte(name: &str, path: Option<&Path>, bytes: &[u8], at: usize, what: &str) -> Error {
    let prefix = String::from_utf8_lossy(&bytes[..at]).into_owned();
    let probe = Source::new(name, path.map(Path::to_path_buf), prefix);
    Error {
        location: Some(Box::new(probe.location(at))),
        ..Error::new(what)
    }
    .with_help("Kubernetes manifests are UTF-8 text; re-encode the file, or check that the path names a manifest")
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

/// Read a manifest file. Regular files and pipes (`<(helm template ...)`)
/// are read; devices and sockets are refused, since they may never end.
pub fn read_file(path: &Path) -> Result<Source> {
    let fail = |e: std::io::Error| {
        Error::new(format!(
            "cannot read `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
        .with_help("check that the path exists and is readable")
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    let kind = file.metadata().map_err(fail)?.file_type();
    #[cfg(unix)]
    let is_pipe = std::os::unix::fs::FileTypeExt::is_fifo(&kind);
    #[cfg(not(unix))]
    let is_pipe = false;
    if !kind.is_file() && !is_pipe {
        return Err(Error::new(format!(
            "`{}` is not a regular file",
            path.display()
        ))
        .with_help("name manifest files or folders; to read a device or a socket, pipe it to confsum on standard input"));
    }
    read_all(file, &path.display().to_string(), Some(path)).map_err(|e| e.into_error(fail))
}

fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    // "Permission denied (os error 13)" reads better without the code.
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

/// What a folder walk found.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<PathBuf>,
    pub charts: Vec<PathBuf>,
    pub notes: Vec<String>,
}

/// `*.yaml` and `*.yml` files under `dir`, sorted by path so that every run
/// sees the same order, and the charts found there (not descended into).
/// Symbolic links are not followed out of `dir`: a link to a file inside
/// is read, a link that leaves the folder or leads nowhere is skipped with
/// a note, and nothing it points at is ever read or shown.
pub fn walk(dir: &Path) -> Result<Walk> {
    let mut found = Walk::default();
    let root = std::fs::canonicalize(dir).map_err(|e| {
        Error::new(format!(
            "cannot walk `{}`: {}",
            dir.display(),
            io_reason(&e)
        ))
    })?;
    let mut it = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = it.next() {
        let entry = entry.map_err(|e| {
            let at = e
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| dir.display().to_string());
            let why = e.io_error().map(io_reason).unwrap_or_else(|| e.to_string());
            Error::new(format!("cannot walk `{at}`: {why}"))
        })?;
        let path = entry.path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if entry.path_is_symlink() && entry.depth() > 0 {
            match std::fs::canonicalize(path) {
                Err(_) => found.notes.push(format!(
                    "skipped `{}`: a symbolic link to nothing",
                    path.display()
                )),
                Ok(target) if !target.starts_with(&root) => found.notes.push(format!(
                    "skipped `{}`: a symbolic link that leaves `{}`",
                    path.display(),
                    dir.display()
                )),
                // A link to a folder inside the tree: its files are walked
                // where they are.
                Ok(target) if target.is_file() && is_yaml => found.files.push(path.to_path_buf()),
                Ok(_) => {}
            }
            continue;
        }
        if entry.file_type().is_dir() && entry.depth() > 0 && path.join("Chart.yaml").is_file() {
            found.charts.push(path.to_path_buf());
            it.skip_current_dir();
            continue;
        }
        if entry.file_type().is_file() && is_yaml {
            found.files.push(path.to_path_buf());
        }
    }
    Ok(found)
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
