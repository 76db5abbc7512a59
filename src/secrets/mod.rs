//! Secret values: which bytes may never be shown (redaction), what looks
//! like a credential, and how guessable a checksum over Secret values is.
//! Read by lint, report and the inject CLI alike.

mod credential;
mod entropy;
pub mod redact;

pub use credential::{is_credential_name, is_literal_value, known_token, looks_like_credential};
pub use entropy::{
    GUESSABLE_BELOW_BITS, ScoreCache, SecretGuessability, guessable_secret_checksum,
    guessable_secret_checksum_cached, looks_generated,
};
