//! Finding inputs: paths as given, folders walked for manifests and charts.

use std::path::{Path, PathBuf};

use super::{Input, Source, io_reason, is_chart, read_file, read_stdin};
use crate::error::{Error, Result};

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
        Error::input(format!(
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
            Error::input(format!("cannot walk `{at}`: {why}"))
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
