//! CLI and integration tests: the real binary on real input.

mod atomic;
mod browser;
mod charts;
mod common;
mod corpus;
mod errors;
mod fix;
mod graph;
mod inject;
mod integrations;
mod leak;
mod lint;
mod plan;
mod polish;
mod release;
mod scopes;
mod security;
