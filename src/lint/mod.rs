//! The lint stage.
