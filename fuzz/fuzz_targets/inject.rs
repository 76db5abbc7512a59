#![no_main]
//! inject on any text. Invariants: no panic; the output parses; parsed, it
//! equals the parsed input once confsum's annotations are taken out; and
//! inject(inject(x)) == inject(x).

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const KEYS: [&str; 2] = ["confsum.dev/config-checksum", "confsum.dev/secret-checksum"];

/// Every document as JSON, with confsum's annotations removed from every
/// mapping named `annotations` (and annotations/metadata left empty or null
/// by that, removed too), so input and output compare equal.
fn normalized(text: &str) -> Vec<Value> {
    let docs = confsum::yaml::parse_stream(text).expect("parses");
    docs.iter()
        .map(|d| {
            let mut v = d.root.map_or(Value::Null, |r| d.to_json(r, &mut 1_000_000));
            strip(&mut v);
            v
        })
        .collect()
}

fn strip(v: &mut Value) {
    match v {
        Value::Object(map) => {
            // Children first, so that a metadata emptied below is seen here.
            for (_, child) in map.iter_mut() {
                strip(child);
            }
            if let Some(Value::Object(ann)) = map.get_mut("annotations") {
                for k in KEYS {
                    ann.remove(k);
                }
            }
            for key in ["annotations", "metadata"] {
                let empty = match map.get(key) {
                    Some(Value::Null) => true,
                    Some(Value::Object(m)) => m.is_empty(),
                    _ => false,
                };
                if empty {
                    map.remove(key);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = confsum::inject::Options::default();
    let Ok((once, _)) = confsum::inject_str(text, "default", None, &options) else { return };
    if once == text {
        return;
    }
    assert_eq!(normalized(text), normalized(&once), "only annotations changed");
    let (twice, _) = confsum::inject_str(&once, "default", None, &options).expect("inject accepts its own output");
    assert_eq!(once, twice, "idempotent");
});
