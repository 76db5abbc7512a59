//! `confsum plan`.
