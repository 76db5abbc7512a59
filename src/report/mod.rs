//! The report stage: turns results into text for people and machines.
pub mod graph;
