//! Reading bytes into [`Source`]s: regular files in parts on all cores,
//! pipes and stdin as streams that stop at the first byte that is not text.

use std::io::Read;
use std::path::Path;

use super::{Source, io_reason};
use crate::error::{Error, Result};

pub fn read_stdin() -> Result<Source> {
    let fail = |e: std::io::Error| Error::input(format!("cannot read standard input: {e}"));
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
        crate::progress::read(n);
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
    super::invalid_byte(name, path, bytes, at, what)
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
        .try_for_each(|(i, part)| {
            let read = file.read_exact_at(part, start + (i * PART) as u64);
            crate::progress::read(part.len());
            read
        });
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
        Error::input(format!(
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
        return Err(Error::input(format!(
            "`{}` is not a regular file",
            path.display()
        ))
        .with_help("name manifest files or folders; to read a device or a socket, pipe it to confsum on standard input"));
    }
    read_all(file, &path.display().to_string(), Some(path)).map_err(|e| e.into_error(fail))
}
