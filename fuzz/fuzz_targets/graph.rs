#![no_main]
//! Load, model, graph, checksums and every lint rule on any text: errors
//! are fine, panics are not.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources = [confsum::source::Source::new("fuzz.yaml", None, text)];
    let Ok(analysis) = confsum::analyze(&sources, "default") else { return };
    let _ = confsum::digest::checksums(&analysis.model, &analysis.graph, None);
    let sums = confsum::digest::checksums_lenient(&analysis.model, &analysis.graph, None);
    let findings = confsum::lint::run(&analysis, &sums, &confsum::lint::LintConfig::default());
    let items = confsum::report::lint::items(&analysis, &findings);
    let _ = confsum::report::lint::sarif(&items);
    let _ = confsum::report::graph::json(&analysis, &sums);
});
