//! Rewriting files in place, all or nothing: `inject --write` and
//! `lint --fix` write through here.

use std::io::Write as _;
use std::path::Path;

use confsum::Error;

/// One file to rewrite: where, its name as shown, the bytes it had when it
/// was read, and its new text.
pub struct Rewrite<'a> {
    pub path: &'a Path,
    pub name: &'a str,
    pub read: &'a [u8],
    pub new: &'a str,
}

/// Write every changed file, each through a temp file in its folder, fsync
/// and rename. Every check and every temp file comes before the first
/// rename, so a refusal or a failure leaves every file as it was. Temp files
/// are closed once written: any number of files needs few descriptors.
/// SECURITY.md says why each file is refused.
pub fn atomically(files: &[Rewrite<'_>]) -> Result<(), Error> {
    let mut staged = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let target = writable_target(file.path)?;
        let tmp = stage(&target, file.new)?;
        staged.push((i, target, tmp));
    }
    for (i, target, _) in &staged {
        let source = &files[*i];
        let now = std::fs::read(target)
            .map_err(|e| Error::io(format!("cannot read `{}` again: {e}", source.name), e))?;
        if now != source.read {
            return Err(Error::new(
                confsum::ErrorKind::Io,
                format!(
                    "`{}` changed while confsum was working on it; no file was written",
                    source.name
                ),
            )
            .with_help("run confsum again once the other edit is saved"));
        }
    }
    for (i, target, tmp) in staged {
        tmp.persist(&target).map_err(|e| {
            Error::new(
                confsum::ErrorKind::Io,
                format!("cannot replace `{}`: {}", files[i].name, e.error),
            )
        })?;
    }
    Ok(())
}

/// The regular file that `path` names (through symbolic links, which stay
/// links), if confsum may replace it: writable by the user, with one link.
fn writable_target(path: &Path) -> Result<std::path::PathBuf, Error> {
    let refuse = |why: String| {
        Error::new(
            confsum::ErrorKind::Io,
            format!(
                "will not rewrite `{}`: {why}; no file was written",
                path.display()
            ),
        )
    };
    let target = std::fs::canonicalize(path).map_err(|e| refuse(e.to_string()))?;
    let meta = std::fs::metadata(&target).map_err(|e| refuse(e.to_string()))?;
    if !meta.is_file() {
        return Err(refuse("it is not a regular file".into()));
    }
    if meta.permissions().readonly() {
        return Err(refuse("it is read-only".into())
            .with_help("make it writable (`chmod u+w`) if it should be rewritten"));
    }
    // Opening for writing (without truncating) asks the system whether this
    // user may write it.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&target)
        .map_err(|e| refuse(format!("it is not writable ({e})")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(refuse(format!(
                "it has {} hard links, which a rewrite would split",
                meta.nlink()
            ))
            .with_help("write the output yourself: `confsum inject FILE > OUT`"));
        }
    }
    Ok(target)
}

/// The new text in a closed temp file beside `target`, with its mode and
/// owner.
fn stage(target: &Path, text: &str) -> Result<tempfile::TempPath, Error> {
    let fail =
        |e: std::io::Error| Error::io(format!("cannot write `{}`: {e}", target.display()), e);
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".confsum-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    let meta = std::fs::metadata(target).map_err(fail)?;
    tmp.as_file()
        .set_permissions(meta.permissions())
        .map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mine = tmp.as_file().metadata().map_err(fail)?;
        if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
            std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid())).map_err(
                |e| {
                    Error::new(confsum::ErrorKind::Io, format!(
                        "will not rewrite `{}`: cannot keep its owner ({e}); no file was written",
                        target.display()
                    ))
                },
            )?;
        }
    }
    tmp.as_file().sync_all().map_err(fail)?;
    Ok(tmp.into_temp_path())
}
