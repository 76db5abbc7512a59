//! The human report's block of a finding, written straight out for the
//! common case, exactly as miette's graphical handler (unicode, no colour)
//! renders it: one labelled span on one line of plain ASCII, one-line
//! texts. miette draws it through a general layout (gutters, multi-line
//! spans, styles, highlighting) that cost more than the rest of the human
//! report; anything else goes to miette. A test renders every rule
//! fixture's findings both ways and finds them equal.

use std::fmt::Write as _;

use miette::{SourceCode, SourceSpan};

/// One line of a snippet's window, as miette splits it: `offset` and
/// `length` (line break included) in the window's text.
struct Line<'t> {
    number: usize,
    offset: usize,
    length: usize,
    text: &'t str,
}

/// Write the block of a diagnostic with `icon` (the severity's), `message`,
/// one label of `label_text` over `label` in `source`, and `help`, as
/// miette would; or write nothing and return false when the case is not
/// one this knows to be the same. The texts are one line each, and need no
/// wrapping (the caller has asked).
pub(crate) fn write_plain(
    out: &mut String,
    icon: &str,
    message: &str,
    source: &dyn SourceCode,
    label: SourceSpan,
    label_text: &str,
    help: &str,
) -> bool {
    debug_assert!(!message.contains('\n') && !help.contains('\n'));
    if label.is_empty() {
        return false;
    }
    let Ok(context) = source.read_span(&label, 1, 1) else {
        return false;
    };
    let Ok(data) = std::str::from_utf8(context.data()) else {
        return false;
    };
    if !data.is_ascii() || data.contains(['\t', '\r']) {
        return false;
    }
    let lines = lines(data, context.line(), context.span().offset());
    let (start, end) = (label.offset(), label.offset() + label.len());
    let Some(at) = lines
        .iter()
        .position(|l| start >= l.offset && end <= l.offset + l.length)
    else {
        return false;
    };
    let Ok(primary) = source.read_span(&label, 0, 0) else {
        return false;
    };
    let Some(name) = primary.name() else {
        return false;
    };
    let width = lines.last().map_or(0, |l| l.number).to_string().len();
    let _ = writeln!(out, "  {icon} {message}");
    let _ = writeln!(
        out,
        "{:pad$}╭─[{name}:{}:{}]",
        "",
        primary.line() + 1,
        primary.column() + 1,
        pad = width + 2
    );
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(out, " {:>width$} │ {}", line.number, line.text);
        if i != at {
            continue;
        }
        // Columns as miette counts them: past the text is one past its end.
        let column = |offset: usize| {
            let index = offset - line.offset;
            if index > line.text.len() {
                line.text.len() + 1
            } else {
                index
            }
        };
        let from = column(start);
        let to = column(end).max(from + 1);
        let bar = (from + to) / 2;
        let _ = writeln!(
            out,
            " {:width$} · {:from$}{}┬{}",
            "",
            "",
            "─".repeat(bar - from),
            "─".repeat(to - bar - 1),
        );
        let _ = writeln!(out, " {:width$} · {:bar$}╰── {label_text}", "", "");
    }
    let _ = writeln!(out, "{:pad$}╰────", "", pad = width + 2);
    let _ = writeln!(out, "  help: {help}");
    true
}

/// The lines of `data`, which starts at `offset` on line `line` (0-based),
/// numbered and measured as miette's handler does.
fn lines(data: &str, mut line: usize, mut offset: usize) -> Vec<Line<'_>> {
    let mut lines = Vec::with_capacity(3);
    let mut line_offset = offset;
    let mut text_start = 0;
    let bytes = data.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        offset += 1;
        let last = i + 1 == bytes.len();
        let mut at_end_of_file = false;
        let mut column_zero = false;
        if b == b'\n' {
            at_end_of_file = last;
            line += 1;
            column_zero = true;
        }
        if last && !at_end_of_file {
            line += 1;
        }
        if column_zero || last {
            let text_end = if b == b'\n' { i } else { i + 1 };
            lines.push(Line {
                number: line,
                offset: line_offset,
                length: offset - line_offset,
                text: &data[text_start..text_end],
            });
            text_start = i + 1;
            line_offset = offset;
        }
    }
    lines
}
