use super::*;

#[test]
fn apply_edits_back_to_front_keeps_the_rest() {
    let text = "abcdef";
    let edits = [
        Edit {
            range: 1..1,
            text: "X".into(),
        },
        Edit {
            range: 3..5,
            text: "YZW".into(),
        },
    ];
    assert_eq!(apply(text, &edits), "aXbcYZWf");
    assert_eq!(apply(text, &[]), text);
}

#[test]
fn keys_are_quoted_only_when_needed() {
    assert_eq!(
        yaml_key("confsum.dev/config-checksum"),
        "confsum.dev/config-checksum"
    );
    assert_eq!(yaml_key("checksum/config"), "checksum/config");
    assert_eq!(yaml_key("a: b"), "\"a: b\"");
    assert_eq!(yaml_key("-x"), "\"-x\"");
}
