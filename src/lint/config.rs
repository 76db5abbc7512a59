//! Lint configuration: `.confsum.yaml` (found upward from the working
//! folder), merged with command-line choices into one resolved value.
//!
//! ```yaml
//! rules:
//!   missing-object: error     # off | info | warning | error
//!   unused-config: off
//! ignore:
//!   - vendor/*.yaml           # paths (globs with `*`)
//!   - Secret/*/legacy-*       # or kind/namespace/name patterns
//! settings:
//!   near-size-limit: 0.8      # share of 1 MiB for object-near-size-limit
//! scopes:                     # folders that deploy together (else each
//!   - apps/*                  # kustomization root, else each folder)
//! external:                   # objects that exist outside the input
//!   - Secret/*/tls-*
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::lint::{Rule, Severity, rules};
use crate::model::Object;
use crate::source::Source;
use crate::yaml::{self, Document, NodeId, NodeKind};

#[derive(Debug, Clone)]
pub struct LintConfig {
    /// Per rule id: a severity, or `None` for off.
    pub rules: HashMap<String, Option<Severity>>,
    /// Path or `kind/namespace/name` patterns to skip.
    pub ignore: Vec<String>,
    /// `ignore`, compiled once.
    ignore_set: globset::GlobSet,
    /// Share of the 1 MiB limit above which object-near-size-limit fires.
    pub near_size_share: f64,
    /// The checksum annotation keys inject writes (config, secret).
    pub checksum_keys: [String; 2],
    /// Whether checksums are keyed (HMAC): then no Secret value can be
    /// guessed from one.
    pub checksums_keyed: bool,
    /// `opt-out.inject`: workloads inject leaves alone.
    pub opt_out_inject: Vec<crate::model::Selector>,
    /// `opt-out.hash`: ConfigMaps and Secrets no checksum covers.
    pub opt_out_hash: Vec<crate::model::Selector>,
    /// `scopes:`, relative to the configuration file's folder.
    pub scopes: crate::source::scope::ScopeRules,
    /// `external:` (and `--assume-exists`): ConfigMaps and Secrets that exist
    /// in the cluster without being in the input.
    pub external: Vec<crate::model::Selector>,
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig {
            rules: HashMap::new(),
            ignore: Vec::new(),
            ignore_set: globset::GlobSet::empty(),
            near_size_share: 0.9,
            checksum_keys: [
                crate::model::DEFAULT_CONFIG_ANNOTATION.into(),
                crate::model::DEFAULT_SECRET_ANNOTATION.into(),
            ],
            checksums_keyed: false,
            opt_out_inject: Vec::new(),
            opt_out_hash: Vec::new(),
            scopes: Default::default(),
            external: Vec::new(),
        }
    }
}

/// An error at a node of the configuration file.
type ErrAt<'e> = dyn Fn(NodeId, String) -> crate::error::Error + 'e;

impl LintConfig {
    /// The severity of `rule`, or `None` when it is off.
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        self.rules
            .get(rule.id)
            .copied()
            .unwrap_or(Some(rule.default))
    }

    /// Turn a rule off (`--ignore ID`); an unknown id is an error.
    pub fn disable(&mut self, id: &str) -> Result<()> {
        check_rule_id(id)?;
        self.rules.insert(id.to_string(), None);
        Ok(())
    }

    /// Whether an `ignore:` pattern names `kind/namespace/name`: an object
    /// known only by references to it is silenced with them.
    pub fn ignores_name(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.ignore_set
            .is_match(format!("{kind}/{namespace}/{name}"))
    }

    pub fn ignores(&self, source: &Source, obj: &Object) -> bool {
        let ident = format!("{}/{}/{}", obj.kind_name(), obj.namespace, obj.name);
        self.ignore_set.is_match(&ident) || self.ignores_source(source)
    }

    /// Whether an `ignore:` path pattern names the source.
    pub fn ignores_source(&self, source: &Source) -> bool {
        let path = source
            .path
            .as_deref()
            .map(|p| p.to_string_lossy().into_owned());
        let set = &self.ignore_set;
        set.is_match(&source.name)
            || path
                .as_deref()
                .is_some_and(|p| set.is_match(p) || set.is_match(p.trim_start_matches("./")))
    }

    /// Read a configuration file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let source = crate::source::read_file(path)?;
        Self::from_source(&source)
    }

    pub fn from_source(source: &Source) -> Result<Self> {
        let mut config = LintConfig::default();
        let docs = yaml::parse_stream(&source.text).map_err(|e| {
            source.error_at(
                crate::error::ErrorKind::Config,
                format!("invalid YAML in configuration: {}", e.message),
                e.offset,
                Some(0..source.text.len()),
            )
        })?;
        let Some(doc) = docs.iter().find(|d| d.root().is_some()) else {
            return Ok(config);
        };
        let root = doc.root().expect("found a root");
        let err = |node: NodeId, msg: String| {
            source
                .error_at(
                    crate::error::ErrorKind::Config,
                    msg,
                    doc.node(node).span.start,
                    Some(0..source.text.len()),
                )
                .with_help("see `confsum lint --help` for the configuration format")
        };
        if !doc.is_mapping(root) {
            return Err(err(root, "the configuration must be a mapping".into()));
        }
        for &(k, v) in doc.entries(root) {
            match doc.scalar(k).unwrap_or("") {
                "rules" | "settings" if !doc.is_mapping(v) => {
                    return Err(err(
                        v,
                        format!("`{}` must be a mapping", doc.scalar(k).unwrap_or("")),
                    ));
                }
                "rules" => config.read_rules(doc, v, &err)?,
                "ignore" => config.read_ignore(doc, v, &err)?,
                "settings" => config.read_settings(doc, v, &err)?,
                "opt-out" => config.read_opt_out(doc, v, &err)?,
                "scopes" => config.read_scopes(source, doc, v, &err)?,
                "external" => {
                    for item in doc.items(v) {
                        let written = doc.scalar(item).unwrap_or("");
                        config.external.push(
                            crate::model::Selector::parse(written).map_err(|e| err(item, e))?,
                        );
                    }
                }
                other => {
                    return Err(err(
                        k,
                        format!(
                            "unknown configuration key `{other}`: expected rules, ignore, settings, opt-out, scopes or external"
                        ),
                    ));
                }
            }
        }
        Ok(config)
    }

    /// `rules: {id: level}`.
    fn read_rules(&mut self, doc: &Document<'_>, v: NodeId, err: &ErrAt<'_>) -> Result<()> {
        for &(rk, rv) in doc.entries(v) {
            let id = doc.scalar(rk).unwrap_or("");
            check_rule_id(id).map_err(|e| err(rk, e.message))?;
            let level = match doc.scalar(rv) {
                Some("off") | Some("false") => None,
                Some(s) => Some(Severity::parse(s).ok_or_else(|| {
                    err(
                        rv,
                        format!("`{s}` is not a level: use off, info, warning or error"),
                    )
                })?),
                None => {
                    return Err(err(
                        rv,
                        "a rule's level must be off, info, warning or error".into(),
                    ));
                }
            };
            self.rules.insert(id.to_string(), level);
        }
        Ok(())
    }

    /// `ignore: [pattern]`, compiled once.
    fn read_ignore(&mut self, doc: &Document<'_>, v: NodeId, err: &ErrAt<'_>) -> Result<()> {
        if !matches!(doc.node(doc.resolve(v)).kind, NodeKind::Sequence { .. }) {
            return Err(err(v, "`ignore` must be a list of patterns".into()));
        }
        let mut set = globset::GlobSetBuilder::new();
        for item in doc.items(v) {
            let Some(pattern) = doc.scalar(item) else {
                continue;
            };
            set.add(crate::model::path_glob(pattern).map_err(|e| err(item, e))?);
            self.ignore.push(pattern.to_string());
        }
        self.ignore_set = set
            .build()
            .map_err(|e| err(v, format!("invalid `ignore` patterns: {e}")))?;
        Ok(())
    }

    /// `scopes: [folder pattern]`, relative to the file's folder; `.` is
    /// the whole tree.
    fn read_scopes(
        &mut self,
        source: &Source,
        doc: &Document<'_>,
        v: NodeId,
        err: &ErrAt<'_>,
    ) -> Result<()> {
        if !matches!(doc.node(doc.resolve(v)).kind, NodeKind::Sequence { .. }) {
            return Err(err(v, "`scopes` must be a list of folder patterns".into()));
        }
        let mut globs = Vec::new();
        for item in doc.items(v) {
            let pattern = doc.scalar(item).unwrap_or("");
            let pattern = pattern.trim_end_matches('/').trim_start_matches("./");
            let pattern = if pattern.is_empty() { "." } else { pattern };
            globs.push(crate::model::path_glob(pattern).map_err(|e| err(item, e))?);
        }
        let base = source
            .path
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.scopes = crate::source::scope::ScopeRules::new(base, &globs)
            .map_err(|e| err(v, format!("invalid `scopes` patterns: {e}")))?;
        Ok(())
    }

    /// Whether `kind/namespace/name` is declared to exist outside the input.
    pub fn is_external(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.external.iter().any(|s| s.names(kind, namespace, name))
    }

    /// `opt-out: {inject: [selector], hash: [selector]}`: a selector is
    /// `Kind/namespace/name` with globs, or a label `key=value`.
    fn read_opt_out(&mut self, doc: &Document<'_>, v: NodeId, err: &ErrAt<'_>) -> Result<()> {
        for &(k, list) in doc.entries(v) {
            let into = match doc.scalar(k).unwrap_or("") {
                "inject" => &mut self.opt_out_inject,
                "hash" => &mut self.opt_out_hash,
                other => {
                    return Err(err(
                        k,
                        format!("unknown opt-out `{other}`: expected inject or hash"),
                    ));
                }
            };
            for item in doc.items(list) {
                let written = doc.scalar(item).unwrap_or("");
                into.push(crate::model::Selector::parse(written).map_err(|e| err(item, e))?);
            }
        }
        Ok(())
    }

    /// `settings: {near-size-limit: share}`.
    fn read_settings(&mut self, doc: &Document<'_>, v: NodeId, err: &ErrAt<'_>) -> Result<()> {
        for &(sk, sv) in doc.entries(v) {
            match doc.scalar(sk).unwrap_or("") {
                "near-size-limit" => {
                    self.near_size_share = doc
                        .scalar(sv)
                        .and_then(|s| s.parse().ok())
                        .filter(|s| (0.0..=1.0).contains(s))
                        .ok_or_else(|| {
                            err(
                                sv,
                                "`near-size-limit` must be a number between 0 and 1".into(),
                            )
                        })?;
                }
                other => return Err(err(sk, format!("unknown setting `{other}`"))),
            }
        }
        Ok(())
    }

    /// `.confsum.yaml` in `start` or the nearest folder above it.
    pub fn find_upward(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|d| d.join(".confsum.yaml"))
            .find(|p| p.is_file())
    }
}

fn check_rule_id(id: &str) -> Result<()> {
    if rules::ALL.iter().any(|r| r.id == id) {
        Ok(())
    } else {
        Err(Error::config(format!("unknown rule `{id}`"))
            .with_help("`confsum rules` lists every rule id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Match `text` against a glob `pattern`: `*` within one path segment,
    /// `**` across segments, as in `.gitignore` and ripgrep.
    fn glob(pattern: &str, text: &str) -> bool {
        crate::model::path_glob(pattern).is_ok_and(|g| g.compile_matcher().is_match(text))
    }

    #[test]
    fn glob_matches_paths_and_objects() {
        assert!(glob("vendor/*.yaml", "vendor/b.yaml"));
        assert!(
            !glob("vendor/*.yaml", "vendor/a/b.yaml"),
            "`*` stays in one folder"
        );
        assert!(glob("vendor/**/*.yaml", "vendor/a/b.yaml"));
        assert!(glob("Secret/*/legacy-*", "Secret/prod/legacy-db"));
        assert!(!glob("Secret/*/legacy-*", "ConfigMap/prod/legacy-db"));
        assert!(glob("*", "anything"));
        assert!(!glob("*", "a/b"));
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn parses_rules_ignore_and_settings() {
        let src = Source::new(
            ".confsum.yaml",
            None,
            "rules:\n  missing-object: error\n  unused-config: off\nignore: [\"vendor/*\"]\nsettings:\n  near-size-limit: 0.5\n",
        );
        let c = LintConfig::from_source(&src).unwrap();
        assert_eq!(c.rules["missing-object"], Some(Severity::Error));
        assert_eq!(c.rules["unused-config"], None);
        assert_eq!(c.ignore, ["vendor/*"]);
        assert_eq!(c.near_size_share, 0.5);
    }

    #[test]
    fn unknown_rule_is_a_located_error() {
        let src = Source::new(".confsum.yaml", None, "rules:\n  no-such-rule: off\n");
        let e = LintConfig::from_source(&src).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Config);
        assert_eq!(e.location.unwrap().line, 2);
    }
}
