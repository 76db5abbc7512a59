//! Cut a stream into documents at `---` lines, before any parsing, so that
//! documents can be parsed independently (and in parallel).
//!
//! YAML forbids a `---` (or `...`) at the start of a line inside any scalar
//! ("c-forbidden"), so a line that starts with `---` followed by a space, a tab
//! or the line's end always starts a new document. An indented `---`, as in a
//! `|+` block scalar, is content and is not cut.

use std::ops::Range;

/// Byte ranges of the documents of `text`, in order, covering it entirely.
pub fn split_documents(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    // Without directives and BOMs, every marker line cuts: find them with a
    // substring search rather than line by line (this runs on one thread).
    let simple = !bytes.starts_with(b"%")
        && memchr::memmem::find(bytes, b"\n%").is_none()
        && memchr::memmem::find(bytes, "\u{feff}".as_bytes()).is_none();
    let cuts = if simple {
        marker_lines(bytes)
    } else {
        cuts_line_by_line(bytes)
    };
    let mut ranges = Vec::with_capacity(cuts.len());
    for (i, &start) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).copied().unwrap_or(bytes.len());
        ranges.push(start..end);
    }
    if ranges.len() > 1 && ranges[0].is_empty() {
        ranges.remove(0);
    }
    ranges
}

/// 0 and the start of every `---` marker line after the first line.
fn marker_lines(bytes: &[u8]) -> Vec<usize> {
    let mut cuts = vec![0usize];
    for at in memchr::memmem::find_iter(bytes, b"\n---") {
        if line_is_marker(&bytes[at + 1..]) {
            cuts.push(at + 1);
        }
    }
    cuts
}

/// The cuts, reading line by line to keep `%` directives with the `---`
/// below them.
fn cuts_line_by_line(bytes: &[u8]) -> Vec<usize> {
    let mut cuts = vec![0usize];
    // Only directives and comments so far in this chunk: a `---` then
    // belongs to the same document as the `%YAML` directive above it.
    let mut directives_only = true;
    let mut saw_directive = false;
    let mut line_start = 0usize;
    while line_start < bytes.len() {
        let line_end = memchr_newline(bytes, line_start);
        let line = &bytes[line_start..line_end];
        if is_document_start(line) {
            let keep_with_directive = saw_directive && directives_only;
            if line_start != 0 && !keep_with_directive && *cuts.last().unwrap() != line_start {
                cuts.push(line_start);
            }
            directives_only = false;
            saw_directive = false;
        } else if line.first() == Some(&b'%') {
            saw_directive = true;
        } else if line.starts_with(b"...") && line_is_marker(line) {
            directives_only = true;
            saw_directive = false;
        } else if directives_only {
            // Only while no content has been seen: most lines skip this.
            let trimmed = trim_ascii(line);
            if !(trimmed.is_empty() || trimmed.first() == Some(&b'#')) {
                directives_only = false;
            }
        }
        line_start = if line_end < bytes.len() {
            line_end + 1
        } else {
            bytes.len()
        };
    }
    cuts
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |p| from + p)
}

fn is_document_start(line: &[u8]) -> bool {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    line.starts_with(b"---") && line_is_marker(line)
}

fn line_is_marker(line: &[u8]) -> bool {
    matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

fn trim_ascii(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    &line[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split_documents(text)
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn cuts_at_each_marker_line() {
        assert_eq!(
            pieces("---\na: 1\n---\nb: 2\n"),
            ["---\na: 1\n", "---\nb: 2\n"]
        );
        assert_eq!(pieces("a: 1\n--- \nb: 2"), ["a: 1\n", "--- \nb: 2"]);
        assert_eq!(
            pieces("a: 1\r\n---\r\nb: 2\r\n"),
            ["a: 1\r\n", "---\r\nb: 2\r\n"]
        );
    }

    #[test]
    fn indented_or_longer_dashes_are_content() {
        assert_eq!(
            pieces("a: |+\n  ---\n  x\n----\n"),
            ["a: |+\n  ---\n  x\n----\n"]
        );
    }

    #[test]
    fn directive_stays_with_its_document() {
        assert_eq!(
            pieces("%YAML 1.1\n---\na: 1\n---\nb: 1\n"),
            ["%YAML 1.1\n---\na: 1\n", "---\nb: 1\n"]
        );
    }

    #[test]
    fn both_ways_of_cutting_agree_without_directives() {
        for text in [
            "---\na: 1\n---\nb: 2\n",
            "a: 1\n--- \nb: 2\n---\n---\n...\n---\tc\n----\n  ---\n---",
            "---\r\na\r\n---\r\n",
            "",
            "\n---\n",
        ] {
            assert_eq!(
                marker_lines(text.as_bytes()),
                cuts_line_by_line(text.as_bytes()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn empty_input_is_one_empty_piece() {
        assert_eq!(pieces(""), [""]);
    }
}
