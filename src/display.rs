//! Text from the input made safe to show: on a terminal, in a CI log, in a
//! markdown summary. Names, keys and paths come from manifests that anyone
//! may have written; none of them may colour, move or split a line of
//! confsum's output.

use std::borrow::Cow;

/// Every control character (ESC, CR, LF, NUL, DEL, C1) shown as `\u{..}`.
/// For names, keys, paths and messages: one line in, one line out.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !may_have_control(s, |_| true) || !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `s` may hold a control character (of the C0 bytes, those
/// `c0` accepts): control characters are C0 bytes, DEL, or C1
/// (U+0080..U+009F, which UTF-8 writes after a 0xC2 byte), so a byte scan
/// rules most text out.
fn may_have_control(s: &str, c0: impl Fn(u8) -> bool) -> bool {
    s.bytes()
        .any(|b| (b < 0x20 && c0(b)) || b == 0x7f || b == 0xc2)
}

/// Source text for a snippet, with the same byte length (offsets stay
/// valid): each control character but tab and line breaks becomes `?`s,
/// one per byte.
pub fn neutralize_controls(s: &str) -> Cow<'_, str> {
    let is_bad = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let may_have = may_have_control(s, |b| !matches!(b, b'\t' | b'\n' | b'\r'));
    if !may_have || !s.chars().any(is_bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if is_bad(c) {
                    "?".repeat(c.len_utf8())
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A line of stderr that a CI runner would read as a command (`::error`,
/// `::add-mask`, ...) gets a visible prefix: only `--format github` on stdout
/// writes such lines, on purpose.
pub fn guard_workflow_commands(text: &str) -> Cow<'_, str> {
    if !text.contains("::") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("::") {
            out.push_str("| ");
        }
        out.push_str(line);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(escape_control("a\x1b[31mb\nc"), "a\\u{1b}[31mb\\u{a}c");
        assert_eq!(escape_control("plain-name"), "plain-name");
        assert_eq!(escape_control("x\u{9b}y"), "x\\u{9b}y");
    }

    #[test]
    fn neutralized_text_keeps_its_length_and_lines() {
        let s = "a: \x1b[2J\u{9b}\n\tb: c\r\n";
        let n = neutralize_controls(s);
        assert_eq!(n.len(), s.len());
        assert_eq!(n, "a: ?[2J??\n\tb: c\r\n");
    }

    #[test]
    fn no_stderr_line_starts_a_workflow_command() {
        let g = guard_workflow_commands("error: x\n  ::error file=a::owned\nok ::x\n");
        assert_eq!(g, "error: x\n|   ::error file=a::owned\nok ::x\n");
        assert!(g.lines().all(|l| !l.trim_start().starts_with("::")));
    }
}
