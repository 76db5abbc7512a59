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
    let starts = document_starts(text);
    (0..starts.len())
        .map(|i| document(&starts, i, text.len()))
        .collect()
}

/// Where each document of `text` starts, in order: half the size of their
/// ranges, which [`document`] makes as they are needed.
pub(super) fn document_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = marker_lines(bytes).unwrap_or_else(|| cuts_line_by_line(bytes));
    // A stream that opens with a marker has no document before it.
    if starts.len() > 1 && starts[1] == 0 {
        starts.remove(0);
    }
    starts
}

/// The byte range of document `i` of [`document_starts`] in a text of `len`.
pub(super) fn document(starts: &[usize], i: usize, len: usize) -> Range<usize> {
    starts[i]..starts.get(i + 1).copied().unwrap_or(len)
}

/// 0 and the start of every `---` marker line after the first line, found
/// by substring search, a block at a time on all cores (the scans are bound
/// by memory bandwidth: each block is read from memory once, then from
/// cache). `None` when a `%` directive or a BOM needs [`cuts_line_by_line`].
fn marker_lines(bytes: &[u8]) -> Option<Vec<usize>> {
    use rayon::prelude::*;
    const BLOCK: usize = 1 << 20;
    if bytes.starts_with(b"%") {
        return None;
    }
    let blocks: Vec<Option<Vec<usize>>> = (0..bytes.len().div_ceil(BLOCK))
        .into_par_iter()
        .map(|n| {
            let start = n * BLOCK;
            let end = (start + BLOCK).min(bytes.len());
            // A pattern that starts in this block may end past it.
            let window = &bytes[start..(end + 3).min(bytes.len())];
            let here = |p: &usize| start + p < end;
            let mut directives = memchr::memmem::find_iter(window, b"\n%");
            let mut boms = memchr::memmem::find_iter(window, "\u{feff}".as_bytes());
            if directives.any(|p| here(&p)) || boms.any(|p| here(&p)) {
                return None;
            }
            Some(
                memchr::memmem::find_iter(window, b"\n---")
                    .filter(here)
                    .map(|p| start + p + 1)
                    .filter(|&line| line_is_marker(&bytes[line..]))
                    .collect(),
            )
        })
        .collect();
    let blocks: Vec<Vec<usize>> = blocks.into_iter().collect::<Option<_>>()?;
    // Sized once: a million documents' starts are 8 MB, not 8 MB and the
    // slack of a doubling vector.
    let mut cuts = Vec::with_capacity(1 + blocks.iter().map(Vec::len).sum::<usize>());
    cuts.push(0);
    for block in blocks {
        cuts.extend(block);
    }
    Some(cuts)
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
                Some(cuts_line_by_line(text.as_bytes())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn markers_across_block_boundaries() {
        // Markers, a directive and a BOM placed across the 1 MiB blocks.
        let mut text = "a: 1\n".repeat(500_000);
        for at in [(1 << 20) - 2, (1 << 20) - 1, 1 << 20, (2 << 20) - 3] {
            let line = text[..at].rfind('\n').unwrap() + 1;
            text.insert_str(line, "---\n");
        }
        let by_lines = cuts_line_by_line(text.as_bytes());
        assert_eq!(by_lines.len(), 5);
        assert_eq!(marker_lines(text.as_bytes()), Some(by_lines));
        let mut directive = text.clone();
        directive.insert_str((1 << 20) - 1, "\n%YAML 1.1\n");
        assert_eq!(marker_lines(directive.as_bytes()), None);
        let mut bom = text.clone();
        bom.insert((1 << 20) - 1, '\u{feff}');
        assert_eq!(marker_lines(bom.as_bytes()), None);
    }

    #[test]
    fn empty_input_is_one_empty_piece() {
        assert_eq!(pieces(""), [""]);
    }
}
