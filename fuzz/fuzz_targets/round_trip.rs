#![no_main]
//! The post-condition of every write, on any text and with every line-break
//! style (LF, CRLF, bare CR): when inject succeeds, its output parses, and
//! injecting it again changes nothing (`confsum::check_fixed_point`).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&style, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let text = match style % 3 {
        0 => text.to_string(),
        1 => text.replace('\n', "\r\n"),
        _ => text.replace('\n', "\r"),
    };
    let options = confsum::inject::Options::default();
    let Ok((once, _)) = confsum::inject_str(&text, "default", None, &options) else { return };
    confsum::yaml::parse_stream(&once).expect("the output parses");
    let sources = [confsum::source::Source::new("-", None, once.clone())];
    confsum::check_fixed_point(&sources, &[Vec::new()], "default", None, &options)
        .expect("injecting the output again changes nothing");
});
