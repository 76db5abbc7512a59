#![no_main]
//! The YAML stage on any bytes: never panics, and every span it returns is
//! inside the input and on character boundaries.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(docs) = confsum::yaml::parse_stream(text) {
        for doc in &docs {
            assert!(doc.span.end <= text.len());
            for node in &doc.nodes {
                assert!(node.span.start <= node.span.end && node.span.end <= text.len());
                assert!(text.is_char_boundary(node.span.start) && text.is_char_boundary(node.span.end));
            }
        }
    }
});
