//! The report stage: turns results into text for people and machines.
pub mod graph;
pub mod lint;

pub use crate::display::{escape_control, neutralize_controls};

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
