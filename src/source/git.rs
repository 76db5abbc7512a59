//! A git revision's files, for `plan --git`: the tree at a revision written
//! into a temporary folder through a private index, so that the repository
//! (its index, work tree and worktree list) is never touched.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The files of a revision, in a folder removed on drop.
pub struct Checkout {
    dir: tempfile::TempDir,
    /// The top of the repository in the work tree.
    pub top: PathBuf,
}

impl Checkout {
    /// The folder the revision's tree is written to.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("tree")
    }

    /// Where `path` (of the work tree) is in the checkout.
    pub fn path_of(&self, path: &Path) -> Result<PathBuf> {
        let full = std::fs::canonicalize(path).map_err(|e| {
            Error::input(format!(
                "cannot read `{}`: {}",
                path.display(),
                super::io_reason(&e)
            ))
        })?;
        let rel = full.strip_prefix(&self.top).map_err(|_| {
            Error::usage(format!(
                "`{}` is not in the git work tree `{}`",
                path.display(),
                self.top.display()
            ))
        })?;
        Ok(self.dir.path().join("tree").join(rel))
    }
}

fn git(git: &Path, dir: &Path, args: &[&str], index: Option<&Path>) -> Result<String> {
    let mut cmd = Command::new(git);
    cmd.current_dir(dir).args(args);
    if let Some(i) = index {
        cmd.env("GIT_INDEX_FILE", i);
    }
    let out = cmd
        .output()
        .map_err(|e| Error::input(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(Error::input(format!(
            "git {} failed: {}",
            args.first().copied().unwrap_or(""),
            crate::display::escape_control(stderr.trim())
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The tree of `rev` in the repository that holds `cwd`, written out.
pub fn checkout(rev: &str, cwd: &Path) -> Result<Checkout> {
    if rev.starts_with('-') || rev.is_empty() {
        return Err(Error::usage(format!("`{rev}` is not a git revision")));
    }
    let bin = which::which("git")
        .map_err(|_| Error::input("git is not installed (plan --git needs it on PATH)"))?;
    let top = PathBuf::from(git(&bin, cwd, &["rev-parse", "--show-toplevel"], None)?);
    let tree = git(
        &bin,
        &top,
        &[
            "rev-parse",
            "--verify",
            "--end-of-options",
            &format!("{rev}^{{tree}}"),
        ],
        None,
    )
    .map_err(|e| {
        Error::usage(format!(
            "`{}` is not a revision of this repository ({})",
            crate::display::escape_control(rev),
            e.message
        ))
        .with_help("name a commit, branch or tag of this repository (`main`, `HEAD~1`, a SHA)")
    })?;
    let dir = tempfile::tempdir()
        .map_err(|e| Error::io(format!("cannot make a temporary folder: {e}"), e))?;
    let index = dir.path().join("index");
    let out = dir.path().join("tree");
    std::fs::create_dir(&out)
        .map_err(|e| Error::io(format!("cannot make a temporary folder: {e}"), e))?;
    git(&bin, &top, &["read-tree", &tree], Some(&index))?;
    let prefix = format!("--prefix={}/", out.display());
    git(
        &bin,
        &top,
        &["checkout-index", "--all", "--force", &prefix],
        Some(&index),
    )?;
    Ok(Checkout {
        dir,
        top: std::fs::canonicalize(&top).unwrap_or(top),
    })
}
