//! Scopes: which files deploy together. References, checksums and the
//! rules that compare objects resolve within a scope, never across, so two
//! variant folders that reuse names never see each other's objects.
//!
//! A stream (stdin, a chart's render) is one scope. A file's scope is the
//! outermost folder above it that a `scopes:` glob of `.confsum.yaml`
//! names, else its kustomization root (the nearest folder at or above it
//! with a `kustomization.yaml`, not crossing a git work tree's top), else
//! its own folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A folder that is one scope, as identity (canonical) and as shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScopeDir {
    pub canonical: PathBuf,
    /// Relative to the working folder when inside it (`.` for itself).
    pub shown: String,
    /// Only a folder: neither declared in `scopes:` nor a kustomization
    /// root, so its files may as well be alternatives (install variants).
    pub just_a_folder: bool,
}

/// The `scopes:` globs of `.confsum.yaml`, relative to its folder.
#[derive(Debug, Clone, Default)]
pub struct ScopeRules {
    base: Option<PathBuf>,
    set: Option<globset::GlobSet>,
}

impl ScopeRules {
    /// The same patterns, for a copy of the tree: a folder `from` of the
    /// rules' tree is `to` in the copy.
    pub fn rebased(&self, from: &Path, to: &Path) -> ScopeRules {
        let base = self.base.as_ref().map(|b| match b.strip_prefix(from) {
            Ok(rel) => to.join(rel),
            Err(_) => b.clone(),
        });
        ScopeRules {
            base,
            set: self.set.clone(),
        }
    }

    /// `patterns` name folders relative to `base` (`apps/*`, or `.` for the
    /// whole tree as one scope).
    pub fn new(base: &Path, patterns: &[globset::Glob]) -> Result<Self, globset::Error> {
        let mut set = globset::GlobSetBuilder::new();
        for p in patterns {
            set.add(p.clone());
        }
        Ok(ScopeRules {
            base: Some(std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf())),
            set: Some(set.build()?),
        })
    }

    /// The outermost folder of `dir`'s ancestors (itself included) that a
    /// pattern names.
    fn declared(&self, dir: &Path) -> Option<PathBuf> {
        let (base, set) = (self.base.as_ref()?, self.set.as_ref()?);
        let mut found = None;
        for a in dir.ancestors() {
            let Ok(rel) = a.strip_prefix(base) else {
                break;
            };
            let rel = if rel.as_os_str().is_empty() {
                Path::new(".")
            } else {
                rel
            };
            if set.is_match(rel) {
                found = Some(a.to_path_buf());
            }
        }
        found
    }
}

/// Set the scope of each file; a stream keeps the empty scope (its own).
pub fn assign(sources: &mut [super::Source], scoper: &mut Scoper) {
    for s in sources {
        if let Some(p) = &s.path {
            let scope = scoper.scope_of(p);
            s.scope = scope.shown;
            s.scope_is_folder = scope.just_a_folder;
        }
    }
}

/// The other manifest files of the scopes of `given` (the files of a
/// run), which a partial run reads (read-only) so that references resolve
/// as in a full run: each scope's folder walked, keeping the files of that
/// same scope that are not in `given`.
pub fn context_files(given: &[&Path], scoper: &mut Scoper) -> crate::error::Result<super::Walk> {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let known: std::collections::HashSet<PathBuf> = given.iter().map(|p| canonical(p)).collect();
    let mut scopes: Vec<ScopeDir> = Vec::new();
    for p in given {
        let scope = scoper.scope_of(p);
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let mut found = super::Walk::default();
    for scope in &scopes {
        let walked = super::walk(&scope.canonical)?;
        found.notes.extend(walked.notes);
        // A file has one scope: no file is found twice.
        for f in walked.files {
            if !known.contains(&canonical(&f)) && scoper.scope_of(&f) == *scope {
                found.files.push(f);
            }
        }
    }
    let cwd = scoper.cwd.clone();
    for f in &mut found.files {
        if let Ok(rel) = f.strip_prefix(&cwd) {
            *f = rel.to_path_buf();
        }
    }
    Ok(found)
}

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Finds the scope of files, remembering each folder's answer.
#[derive(Debug)]
pub struct Scoper {
    rules: ScopeRules,
    cwd: PathBuf,
    /// Where the search for a kustomization root stops, besides a `.git`.
    top: Option<PathBuf>,
    by_dir: HashMap<PathBuf, ScopeDir>,
}

impl Scoper {
    pub fn new(rules: ScopeRules) -> Self {
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .unwrap_or_default();
        Scoper {
            rules,
            cwd,
            top: None,
            by_dir: HashMap::new(),
        }
    }

    /// Scopes shown relative to `top` (a repository's top, or a checkout
    /// of it), searched for no higher than it: two trees of one repository
    /// give their files the same scope names.
    pub fn relative_to(rules: ScopeRules, top: &Path) -> Self {
        let top = std::fs::canonicalize(top).unwrap_or_else(|_| top.to_path_buf());
        Scoper {
            rules,
            cwd: top.clone(),
            top: Some(top),
            by_dir: HashMap::new(),
        }
    }

    /// The scope of the file at `path`.
    pub fn scope_of(&mut self, path: &Path) -> ScopeDir {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let dir = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
        if let Some(s) = self.by_dir.get(&dir) {
            return s.clone();
        }
        let known = self
            .rules
            .declared(&dir)
            .or_else(|| kustomization_root(&dir, self.top.as_deref()));
        let just_a_folder = known.is_none();
        let canonical = known.unwrap_or_else(|| dir.clone());
        let shown = match canonical.strip_prefix(&self.cwd) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => rel.display().to_string(),
            Err(_) => canonical.display().to_string(),
        };
        let scope = ScopeDir {
            canonical,
            shown,
            just_a_folder,
        };
        self.by_dir.insert(dir, scope.clone());
        scope
    }
}

/// The nearest folder at or above `dir` with a kustomization, stopping at
/// the top of a git work tree.
fn kustomization_root(dir: &Path, top: Option<&Path>) -> Option<PathBuf> {
    for a in dir.ancestors() {
        if KUSTOMIZATION_FILES.iter().any(|f| a.join(f).is_file()) {
            return Some(a.to_path_buf());
        }
        if a.join(".git").exists() || Some(a) == top {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn kustomization_root_else_folder() {
        let t = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(t.path()).unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        touch(&root.join("base/kustomization.yaml"));
        touch(&root.join("base/sub/deploy.yaml"));
        touch(&root.join("plain/a.yaml"));
        let mut s = Scoper::new(ScopeRules::default());
        assert_eq!(
            s.scope_of(&root.join("base/sub/deploy.yaml")).canonical,
            root.join("base")
        );
        assert_eq!(
            s.scope_of(&root.join("plain/a.yaml")).canonical,
            root.join("plain")
        );
    }

    #[test]
    fn declared_scopes_take_the_outermost_match() {
        let t = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(t.path()).unwrap();
        touch(&root.join("apps/web/prod/a.yaml"));
        touch(&root.join("other/b.yaml"));
        let glob = |p: &str| crate::model::path_glob(p).unwrap();
        let rules = ScopeRules::new(&root, &[glob("apps/*")]).unwrap();
        let mut s = Scoper::new(rules);
        assert_eq!(
            s.scope_of(&root.join("apps/web/prod/a.yaml")).canonical,
            root.join("apps/web")
        );
        assert_eq!(
            s.scope_of(&root.join("other/b.yaml")).canonical,
            root.join("other")
        );
        let whole = ScopeRules::new(&root, &[glob(".")]).unwrap();
        let mut s = Scoper::new(whole);
        assert_eq!(s.scope_of(&root.join("other/b.yaml")).canonical, root);
    }
}
