#![no_main]
//! The YAML fast path against the general parser on any text: it leaves
//! the text to the general parser, or builds exactly its tree. Never a
//! different tree, never a tree for text the general parser refuses.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = confsum::yaml::fast_path_agrees(text) {
        panic!("{e}");
    }
});
