//! One resolved configuration for a run, built once from the parsed flags
//! and the environment: every command reads its settings here, and nothing
//! else reads an environment variable.

use std::ffi::OsString;
use std::io::IsTerminal;

use confsum::Error;
use confsum::inject;
use confsum::lint::LintConfig;
use confsum::source::chart::HelmOptions;

use super::args::{AnnotationArgs, ChartArgs, ColorWhen, DigestArgs, RolloutOn};

/// Settings shared by the commands that read manifests.
pub struct RunConfig {
    /// The namespace of objects that name none.
    pub namespace: String,
    /// The HMAC key for checksums, if any.
    pub hmac_key: Option<Vec<u8>>,
    /// The checksum annotation keys, validated.
    pub inject: inject::Options,
    /// What checksums cover: `--rollout-on` and the opt-outs.
    pub policy: confsum::graph::Policy,
    /// `.confsum.yaml` (`--config`, else found upward), or the defaults.
    pub file: LintConfig,
}

impl RunConfig {
    pub fn resolve(
        namespace: Option<&str>,
        digest: &DigestArgs,
        annotations: Option<&AnnotationArgs>,
    ) -> Result<Self, Error> {
        RunConfig::resolve_with_file(namespace, digest, annotations, None)
    }

    pub fn resolve_with_file(
        namespace: Option<&str>,
        digest: &DigestArgs,
        annotations: Option<&AnnotationArgs>,
        file: Option<&std::path::Path>,
    ) -> Result<Self, Error> {
        let file = match file {
            Some(path) => LintConfig::from_file(path)?,
            None => match std::env::current_dir()
                .ok()
                .and_then(|d| LintConfig::find_upward(&d))
            {
                Some(path) => LintConfig::from_file(&path)?,
                None => LintConfig::default(),
            },
        };
        let mut file = file;
        for written in &digest.assume_exists {
            file.external.push(assumed(written)?);
        }
        let policy = confsum::graph::Policy {
            frozen_only: digest.rollout_on == RolloutOn::Frozen,
            hash_opt_out: file.opt_out_hash.clone(),
            inject_opt_out: file.opt_out_inject.clone(),
            external: file.external.clone(),
        };
        Ok(RunConfig {
            namespace: namespace
                .filter(|n| !n.is_empty())
                .unwrap_or("default")
                .to_string(),
            hmac_key: hmac_key(digest)?,
            inject: annotations
                .map(annotation_keys)
                .transpose()?
                .unwrap_or_default(),
            policy,
            file,
        })
    }
}

/// `--assume-exists KIND/NAME` (any namespace) or `KIND/NAMESPACE/NAME`.
fn assumed(written: &str) -> Result<confsum::model::Selector, Error> {
    let full = match written.split('/').count() {
        2 => written.replacen('/', "/*/", 1),
        3 => written.to_string(),
        _ => {
            return Err(Error::usage(format!(
                "`--assume-exists {written}`: expected KIND/NAME or KIND/NAMESPACE/NAME"
            )));
        }
    };
    confsum::model::Selector::parse(&full)
        .map_err(|e| Error::usage(format!("`--assume-exists {written}`: {e}")))
}

static COLOR: std::sync::OnceLock<ColorWhen> = std::sync::OnceLock::new();

/// `--color`, once per run.
pub fn set_color(when: ColorWhen) {
    let _ = COLOR.set(when);
}

/// Whether a report on standard output gets colours: `--color always` or
/// `never` as given; for `auto`, never with `NO_COLOR`, always with
/// `CLICOLOR_FORCE` or `FORCE_COLOR`, else on a terminal only.
pub fn stdout_color() -> bool {
    match COLOR.get().copied().unwrap_or(ColorWhen::Auto) {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            let force = std::env::var_os("FORCE_COLOR")
                .is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
            if anstyle_query::no_color() {
                false
            } else if anstyle_query::clicolor_force() || force {
                true
            } else {
                std::io::stdout().is_terminal()
            }
        }
    }
}

/// The options for `helm template`, as flags and environment give them.
pub fn helm_options(chart: &ChartArgs, namespace: Option<&str>) -> HelmOptions {
    HelmOptions {
        helm: chart.helm.clone(),
        values: chart.values.clone(),
        set: chart.set.clone(),
        set_string: chart.set_string.clone(),
        release_name: chart.release_name.clone(),
        namespace: namespace.map(str::to_string),
        kube_version: chart.kube_version.clone(),
        api_versions: chart.api_versions.clone(),
        timeout: chart.helm_timeout,
    }
}

/// The checksum annotation keys, valid as Kubernetes annotation keys.
fn annotation_keys(ann: &AnnotationArgs) -> Result<inject::Options, Error> {
    for key in [&ann.config_annotation, &ann.secret_annotation] {
        let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
        let name_ok = !name.is_empty()
            && name.len() <= 63
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name.ends_with(|c: char| c.is_ascii_alphanumeric());
        let prefix_ok = prefix.len() <= 253
            && prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'));
        if !name_ok || !prefix_ok || key.matches('/').count() > 1 {
            return Err(Error::config(format!("`{key}` is not a valid annotation key")).with_help("use `prefix/name` with a DNS prefix and a name of letters, digits, `-`, `_` or `.`, as in `checksum/config`"));
        }
    }
    if ann.config_annotation == ann.secret_annotation {
        return Err(Error::config(
            "the config and secret annotation keys must differ",
        ));
    }
    Ok(inject::Options {
        config_annotation: ann.config_annotation.clone(),
        secret_annotation: ann.secret_annotation.clone(),
    })
}

/// The HMAC key: `--hmac-key-file`, else `$CONFSUM_HMAC_KEY`, else none.
/// An empty key is an error, never a silent fall back to plain SHA-256.
fn hmac_key(args: &DigestArgs) -> Result<Option<Vec<u8>>, Error> {
    /// Far more than any real key; a cap so that `/dev/zero` is refused.
    const MAX_KEY: u64 = 4096;
    if let Some(path) = &args.hmac_key_file {
        use std::io::Read as _;
        let fail = |e: std::io::Error| {
            Error::config(format!(
                "cannot read HMAC key file `{}`: {e}",
                path.display()
            ))
        };
        let mut key = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_KEY + 1).read_to_end(&mut key))
            .map_err(fail)?;
        if key.len() as u64 > MAX_KEY {
            return Err(Error::config(format!(
                "HMAC key file `{}` is over {MAX_KEY} bytes",
                path.display()
            ))
            .with_help("a key is a short random string: `openssl rand -hex 32 > key`"));
        }
        while key.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            key.pop();
        }
        if key.is_empty() {
            return Err(
                Error::config(format!("HMAC key file `{}` is empty", path.display()))
                    .with_help("write a random key into it: `openssl rand -hex 32 > key`"),
            );
        }
        return Ok(Some(key));
    }
    // The one place the key's variable is read: it has no flag, so that a
    // key never shows in a process list.
    match std::env::var_os("CONFSUM_HMAC_KEY") {
        None => Ok(None),
        Some(k) if k.is_empty() => Err(Error::config(
            "CONFSUM_HMAC_KEY is set but empty",
        )
        .with_help("set it to a random key (a CI secret), or unset it to use plain SHA-256; an empty secret usually means the CI secret is not available to this job")),
        Some(k) if k.len() as u64 > MAX_KEY => Err(Error::config(format!(
            "CONFSUM_HMAC_KEY is over {MAX_KEY} bytes"
        ))),
        Some(k) => Ok(Some(OsString::into_encoded_bytes(k))),
    }
}

/// The lint configuration: the run's `.confsum.yaml`, with `--ignore` ids
/// and the run's checksum settings.
pub fn lint_config(ignore: &[String], run: &RunConfig) -> Result<LintConfig, Error> {
    let mut config = run.file.clone();
    for id in ignore {
        config.disable(id)?;
    }
    config.checksum_keys = [
        run.inject.config_annotation.clone(),
        run.inject.secret_annotation.clone(),
    ];
    config.checksums_keyed = run.hmac_key.is_some();
    Ok(config)
}
