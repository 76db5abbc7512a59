use confsum::{Error, digest, report};

use super::Status;
use super::args::{DigestArgs, GraphArgs, GraphFormat, InputArgs};

pub fn run(args: GraphArgs, out: &mut Vec<u8>) -> Result<Status, Error> {
    let key = hmac_key(&args.digest)?;
    let sources = load(&args.input)?;
    let namespace = confsum::release_namespace(args.input.namespace.as_deref());
    let analysis = confsum::analyze(&sources, &namespace)?;
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

pub fn load(input: &InputArgs) -> Result<Vec<confsum::load::Source>, Error> {
    confsum::load::load(&input.paths)
}

/// The HMAC key: `--hmac-key-file`, else `$CONFSUM_HMAC_KEY`, else none.
pub fn hmac_key(args: &DigestArgs) -> Result<Option<Vec<u8>>, Error> {
    if let Some(path) = &args.hmac_key_file {
        let mut key = std::fs::read(path).map_err(|e| {
            Error::new(format!(
                "cannot read HMAC key file `{}`: {e}",
                path.display()
            ))
        })?;
        while key.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            key.pop();
        }
        if key.is_empty() {
            return Err(Error::new(format!(
                "HMAC key file `{}` is empty",
                path.display()
            )));
        }
        return Ok(Some(key));
    }
    Ok(std::env::var_os("CONFSUM_HMAC_KEY")
        .filter(|k| !k.is_empty())
        .map(|k| k.into_encoded_bytes()))
}
