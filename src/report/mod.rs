//! The report stage: turns results into text for people and machines.
pub mod graph;
pub mod lint;
mod snippet;

pub use crate::display::{escape_control, neutralize_controls};

/// A report that is written as it is made, made into a string instead
/// (for `--output`, charts and tests).
pub(crate) fn into_string(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

/// A JSON array serialised from its elements as they come: a report holds
/// one element at a time, not all of them.
pub(crate) struct LazySeq<I>(std::cell::Cell<Option<I>>);

impl<I> LazySeq<I> {
    pub(crate) fn new(elements: I) -> Self {
        LazySeq(std::cell::Cell::new(Some(elements)))
    }
}

impl<T: serde::Serialize, I: Iterator<Item = T>> serde::Serialize for LazySeq<I> {
    /// Once: the elements are consumed.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        for element in self.0.take().into_iter().flatten() {
            seq.serialize_element(&element)?;
        }
        seq.end()
    }
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
