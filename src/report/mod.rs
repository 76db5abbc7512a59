//! The report stage: turns results into text for people and machines.
pub mod graph;
pub mod lint;

use std::borrow::Cow;

/// A user-controlled string made safe for a terminal or a log: every
/// control character (ESC, CR, LF, NUL, DEL, C1) is shown as `\u{..}`, so
/// that no name can colour, move or split a line of confsum's output.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
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

/// docs/rules.md, generated from the rules' doc comments.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from the rules' doc comments (`confsum explain ID` prints the same text).\nSeverities are defaults; `.confsum.yaml` changes them per rule.\n\n| rule | default | summary |\n|---|---|---|\n",
    );
    for r in crate::lint::rules::ALL {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            r.id,
            r.id,
            r.default.as_str(),
            r.summary().replace('|', "\\|")
        ));
    }
    for r in crate::lint::rules::ALL {
        let doc = r.documentation().replace("## ", "### ");
        out.push_str(&format!(
            "\n## {}\n\nDefault severity: {}.\n\n{}\n",
            r.id,
            r.default.as_str(),
            doc
        ));
    }
    out
}
pub mod plan;
