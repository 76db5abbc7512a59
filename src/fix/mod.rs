//! The fix stage: `lint --fix CHART` writes into a chart's templates the
//! `checksum/<stem>` annotations config-change-no-rollout asks for.
//! `template` edits a template's text; this module turns the lint stage's
//! fix requests into edits of files.

pub mod template;
