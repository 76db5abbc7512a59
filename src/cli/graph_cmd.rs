use confsum::{Error, digest, report};

use super::Status;
use super::args::{DigestArgs, GraphArgs, GraphFormat, InputArgs};

pub fn run(args: GraphArgs, out: &mut Vec<u8>, err: &mut Vec<u8>) -> Result<Status, Error> {
    let key = hmac_key(&args.digest)?;
    let namespace = confsum::release_namespace(args.input.namespace.as_deref());
    let mut sources = Vec::new();
    let mut helm = None;
    for input in super::discover(&args.input.paths, err)? {
        match input {
            confsum::source::Input::Manifests(s) => sources.push(s),
            confsum::source::Input::Chart(c) => {
                let opts =
                    super::lint_cmd::helm_options(&args.chart, args.input.namespace.as_deref());
                if helm.is_none() {
                    helm = Some(confsum::source::chart::find_helm(opts.helm.as_deref())?);
                }
                sources.push(confsum::source::chart::render(
                    helm.as_ref().expect("found above"),
                    &c,
                    &opts,
                    None,
                )?);
            }
        }
    }
    super::announce(&sources);
    let analysis = confsum::analyze_for_graph(&sources, &namespace)?;
    let sums = digest::checksums(&analysis.model, &analysis.graph, key.as_deref())?;
    let text = match args.format {
        GraphFormat::Json => report::graph::json(&analysis, &sums),
        GraphFormat::Text => report::graph::text(&analysis, &sums),
        GraphFormat::Dot => report::graph::dot(&analysis),
        GraphFormat::Mermaid => report::graph::mermaid(&analysis),
    };
    out.extend_from_slice(text.as_bytes());
    Ok(Status::Clean)
}

/// Manifests to transform: a chart is refused (it is rendered by Helm,
/// which runs confsum as its post-renderer); charts found inside a folder
/// are skipped with a note.
pub fn load_manifests(
    input: &InputArgs,
    notes: &mut Vec<u8>,
) -> Result<Vec<confsum::source::Source>, Error> {
    let mut sources = Vec::new();
    for i in super::discover(&input.paths, notes)? {
        match i {
            confsum::source::Input::Manifests(s) => sources.push(s),
            confsum::source::Input::Chart(c) if input.paths.contains(&c) => {
                return Err(Error::new(format!("`{}` is a Helm chart, and inject works on rendered manifests", c.display()))
                    .with_help("run confsum as Helm's post-renderer: `helm template|install|upgrade RELEASE CHART --post-renderer confsum --post-renderer-args post-render` (README: Helm post-renderer)"));
            }
            confsum::source::Input::Chart(c) => {
                use std::io::Write as _;
                let _ = writeln!(
                    notes,
                    "note: skipped the Helm chart `{}` (use confsum as Helm's post-renderer for charts)",
                    c.display()
                );
            }
        }
    }
    Ok(sources)
}

/// The HMAC key: `--hmac-key-file`, else `$CONFSUM_HMAC_KEY`, else none.
/// An empty key is an error, never a silent fall back to plain SHA-256.
pub fn hmac_key(args: &DigestArgs) -> Result<Option<Vec<u8>>, Error> {
    /// Far more than any real key; a cap so that `/dev/zero` is refused.
    const MAX_KEY: u64 = 4096;
    if let Some(path) = &args.hmac_key_file {
        use std::io::Read as _;
        let fail = |e: std::io::Error| {
            Error::new(format!(
                "cannot read HMAC key file `{}`: {e}",
                path.display()
            ))
        };
        let mut key = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_KEY + 1).read_to_end(&mut key))
            .map_err(fail)?;
        if key.len() as u64 > MAX_KEY {
            return Err(Error::new(format!(
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
                Error::new(format!("HMAC key file `{}` is empty", path.display()))
                    .with_help("write a random key into it: `openssl rand -hex 32 > key`"),
            );
        }
        return Ok(Some(key));
    }
    match std::env::var_os("CONFSUM_HMAC_KEY") {
        None => Ok(None),
        Some(k) if k.is_empty() => Err(Error::new(
            "CONFSUM_HMAC_KEY is set but empty",
        )
        .with_help("set it to a random key (a CI secret), or unset it to use plain SHA-256; an empty secret usually means the CI secret is not available to this job")),
        Some(k) if k.len() as u64 > MAX_KEY => Err(Error::new(format!(
            "CONFSUM_HMAC_KEY is over {MAX_KEY} bytes"
        ))),
        Some(k) => Ok(Some(k.into_encoded_bytes())),
    }
}
