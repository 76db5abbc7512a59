#![no_main]
//! The YAML stage on any bytes: never panics; every span it returns is
//! inside the input and on character boundaries; and graph mode (which only
//! validates documents of unwanted kinds) fails exactly when, and where, the
//! full parse fails.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let full = confsum::yaml::parse_stream(text);
    if let Ok(docs) = &full {
        for doc in docs {
            assert!(doc.span.end <= text.len());
            for node in &doc.nodes {
                assert!(node.span.start <= node.span.end && node.span.end <= text.len());
                assert!(text.is_char_boundary(node.span.start) && text.is_char_boundary(node.span.end));
            }
        }
    }
    let lean = confsum::yaml::parse_stream_keeping(text, confsum::yaml::Keep::Kinds(confsum::model::matters_to_graph));
    match (&full, &lean) {
        (Err(a), Err(b)) => assert_eq!(a, b),
        (Ok(a), Ok(b)) => assert_eq!(a.len(), b.len()),
        _ => panic!("graph mode disagrees with the full parse: {:?} vs {:?}", full.as_ref().err(), lean.as_ref().err()),
    }
});
