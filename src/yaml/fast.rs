//! A fast path for the YAML that renderers print.
//!
//! `helm template` and `kustomize build` print a narrow, regular subset of
//! YAML: block mappings and sequences, plain and quoted scalars on one line,
//! literal block scalars, one-line flow collections, comments. This module
//! reads that subset straight from the bytes, several times faster than the
//! general parser, and feeds the same [`Builder`], so the tree, its spans and
//! every check on it (duplicate keys, nesting) are the general path's.
//!
//! It never reports an error. At anything outside the subset, or anything
//! that might be invalid, it gives up on the document ([`Bail`]) and the
//! general parser reads it from the start, so errors and rare constructs
//! (anchors, tags, folded or multi-line quoted scalars, tabs, CRLF) keep
//! one implementation. A differential test holds the two paths to the same
//! trees on the corpus and on mutations of it.

use std::borrow::Cow;

use super::{Builder, CollectionStyle, NodeKind, ScalarStyle};

/// This document is not for the fast path.
#[derive(Debug)]
pub(super) struct Bail;

type Step<T> = Result<T, Bail>;

/// Longest implicit key taken, in bytes: YAML allows 1024 characters.
const MAX_KEY: usize = 1000;

/// Recursion guard: deeper documents go to the general parser.
const MAX_DEPTH: usize = 64;

/// Parse a chunk holding one document, or give up.
pub(super) fn parse(chunk: &str, base: usize) -> Option<Builder<'_>> {
    if !plain_bytes(chunk.as_bytes()) {
        return None;
    }
    let mut fast = Fast {
        src: chunk,
        b: chunk.as_bytes(),
        base,
        // Renderer output holds about a node per 16 bytes.
        builder: Builder::without_aliases(chunk, base, chunk.len() / 16 + 8),
        depth: 0,
    };
    fast.document().ok()?;
    Some(fast.builder)
}

/// No byte that needs the general parser's care: tabs, carriage returns,
/// other control characters, and the lead bytes of C1 controls, BOMs and
/// noncharacters (`0xC2`, `0xEF`; checked exactly when present).
fn plain_bytes(b: &[u8]) -> bool {
    // Branch-free per block so that it vectorizes; the exact check runs only
    // on blocks that need it.
    let flag = |c: u8| (c < 0x20 && c != b'\n') | (c == 0x7F) | (c == 0xC2) | (c == 0xEF);
    for (n, block) in b.chunks(32).enumerate() {
        let flagged = block
            .iter()
            .map(|&c| u8::from(flag(c)))
            .fold(0u8, |a, f| a | f);
        if flagged != 0 {
            let at = n * 32;
            for (i, &c) in block.iter().enumerate() {
                let next = |k: usize| b.get(at + i + k).copied().unwrap_or(0);
                let bad = match c {
                    0xC2 => (0x80..=0x9F).contains(&next(1)),
                    0xEF => {
                        (next(1) == 0xBB && next(2) == 0xBF)
                            || (next(1) == 0xBF && matches!(next(2), 0xBE | 0xBF))
                    }
                    _ => flag(c),
                };
                if bad {
                    return false;
                }
            }
        }
    }
    true
}

struct Fast<'a> {
    src: &'a str,
    b: &'a [u8],
    base: usize,
    builder: Builder<'a>,
    depth: usize,
}

/// Characters that may not start a plain scalar here (or that this path
/// leaves to the general parser): indicators, anchors, tags, quotes.
fn special_start(c: u8) -> bool {
    matches!(
        c,
        b'?' | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

impl<'a> Fast<'a> {
    fn len(&self) -> usize {
        self.b.len()
    }

    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(b'\n')
    }

    /// End of the line holding `i` (its `\n`, or the end of the chunk).
    fn line_end(&self, i: usize) -> usize {
        memchr::memchr(b'\n', &self.b[i..]).map_or(self.len(), |p| i + p)
    }

    /// Start of the line after the one holding `i`.
    fn next_line(&self, i: usize) -> usize {
        (self.line_end(i) + 1).min(self.len())
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        // Eight bytes at a time: indentation is most of what this skips.
        while let Some(word) = self.b.get(i..i + 8) {
            let other =
                u64::from_le_bytes(word.try_into().expect("8 bytes")) ^ 0x2020_2020_2020_2020;
            if other != 0 {
                return i + (other.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while self.b.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    }

    /// At a line start: skip blank and comment lines; the start and
    /// indentation of the next line with content, if any.
    fn next_content(&self, mut line: usize) -> Option<(usize, usize)> {
        while line < self.len() {
            let i = self.skip_spaces(line);
            match self.b.get(i) {
                None => return None,
                Some(b'\n') => line = i + 1,
                Some(b'#') => line = self.next_line(i),
                Some(_) => return Some((line, i - line)),
            }
        }
        None
    }

    /// After a token at `i`: only spaces, then the line's end or a comment.
    /// Returns the next line's start.
    fn end_of_line(&self, i: usize) -> Step<usize> {
        let j = self.skip_spaces(i);
        match self.at(j) {
            b'\n' => Ok((j + 1).min(self.len())),
            b'#' if j > i => Ok(self.next_line(j)),
            _ => Err(Bail),
        }
    }

    /// Whether a plain scalar may start at `i` (block context).
    fn plain_start(&self, i: usize) -> bool {
        match self.at(i) {
            b'-' | b'?' | b':' => !matches!(self.at(i + 1), b' ' | b'\n'),
            c => !special_start(c) && c != b' ' && c != b'\n',
        }
    }

    /// A `-` that starts a block sequence entry.
    fn is_entry(&self, i: usize) -> bool {
        self.at(i) == b'-' && matches!(self.at(i + 1), b' ' | b'\n')
    }

    fn enter(&mut self) -> Step<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Bail);
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        value: Cow<'a, str>,
        style: ScalarStyle,
        from: usize,
        to: usize,
    ) -> Step<()> {
        let span = self.base + from..self.base + to;
        self.builder
            .scalar(value, style, span, None, 0)
            .map_err(|_| Bail)
    }

    /// A plain scalar that is the source text from `from` to `to`.
    fn plain_text(&mut self, from: usize, to: usize) -> Step<()> {
        self.scalar(
            Cow::Borrowed(&self.src[from..to]),
            ScalarStyle::Plain,
            from,
            to,
        )
    }

    fn start(&mut self, is_map: bool, style: CollectionStyle, from: usize, to: usize) -> Step<()> {
        self.enter()?;
        let span = self.base + from..self.base + to;
        self.builder
            .start(is_map, style, span, None, 0)
            .map_err(|_| Bail)
    }

    fn end(&mut self, from: usize, to: usize) -> Step<()> {
        self.depth -= 1;
        let span = self.base + from..self.base + to;
        self.builder.end(span).map_err(|_| Bail)
    }

    fn document(&mut self) -> Step<()> {
        let mut line = 0;
        let mut marker = false;
        loop {
            let (start, indent) = self.next_content(line).ok_or(Bail)?;
            let first = start + indent;
            if indent == 0
                && self.b[start..].starts_with(b"---")
                && matches!(self.at(start + 3), b' ' | b'\n')
            {
                if marker {
                    return Err(Bail);
                }
                marker = true;
                line = self.end_of_line(start + 3)?;
                continue;
            }
            let next = self.node(start, first, 0)?;
            // A document that is a scalar or a flow collection is rare: the
            // general parser's.
            let root = self.builder.root.ok_or(Bail)?;
            let collection = matches!(
                self.builder.node(root).kind,
                NodeKind::Mapping {
                    style: CollectionStyle::Block,
                    ..
                } | NodeKind::Sequence {
                    style: CollectionStyle::Block,
                    ..
                }
            );
            return match self.next_content(next) {
                None if collection => Ok(()),
                _ => Err(Bail),
            };
        }
    }

    /// The node at `at` (`line` is the start of its line), inside a block
    /// collection indented `indent`: a block sequence or mapping that starts
    /// there, or a scalar. Returns the start of the first line after it.
    fn node(&mut self, line: usize, at: usize, indent: usize) -> Step<usize> {
        if self.is_entry(at) {
            return self.block_sequence(at - line, at, false);
        }
        match self.key(at)? {
            Some(key) => self.block_mapping(at - line, at, key),
            None => self.inline_value(at, indent),
        }
    }

    /// If a simple key starts at `i`: its value and style, and where it
    /// ends, right before its `:`.
    fn key(&self, i: usize) -> Step<Option<Key<'a>>> {
        let column_0 = i == 0 || self.b[i - 1] == b'\n';
        if column_0
            && (self.b[i..].starts_with(b"---") || self.b[i..].starts_with(b"..."))
            && matches!(self.at(i + 3), b' ' | b'\n')
        {
            // A document marker: the general parser's business.
            return Err(Bail);
        }
        let (value, style, end) = match self.at(i) {
            q @ (b'"' | b'\'') => {
                let Some((v, end)) = self.quoted(i, None)? else {
                    return Ok(None);
                };
                (v, quoted_style(q), end)
            }
            _ if !self.plain_start(i) => return Ok(None),
            _ => {
                let mut j = i;
                loop {
                    let Some(p) = memchr::memchr3(b'\n', b':', b'#', &self.b[j..]) else {
                        return Ok(None);
                    };
                    let p = j + p;
                    match self.b[p] {
                        b':' if matches!(self.at(p + 1), b' ' | b'\n') => {
                            if self.b[p - 1] == b' ' || p - i > MAX_KEY {
                                return Err(Bail);
                            }
                            let key = Key {
                                value: Cow::Borrowed(&self.src[i..p]),
                                style: ScalarStyle::Plain,
                                end: p,
                            };
                            return Ok(Some(key));
                        }
                        b'#' if self.b[p - 1] == b' ' => return Ok(None),
                        b'\n' => return Ok(None),
                        _ => j = p + 1,
                    }
                }
            }
        };
        if self.at(end) == b':' && matches!(self.at(end + 1), b' ' | b'\n') {
            if end - i > MAX_KEY {
                return Err(Bail);
            }
            return Ok(Some(Key { value, style, end }));
        }
        let j = self.skip_spaces(end);
        if self.at(j) == b':' {
            return Err(Bail);
        }
        Ok(None)
    }

    fn block_mapping(&mut self, indent: usize, at: usize, first: Key<'a>) -> Step<usize> {
        self.start(true, CollectionStyle::Block, at, at)?;
        let (mut key, mut key_at) = (first, at);
        let next = loop {
            self.scalar(key.value, key.style, key_at, key.end)?;
            let next = self.mapping_value(key.end, indent)?;
            match self.next_content(next) {
                Some((line, i)) if i == indent => {
                    key_at = line + i;
                    key = self.key(key_at)?.ok_or(Bail)?;
                }
                Some((line, i)) if i < indent => break line,
                Some(_) => return Err(Bail),
                None => break self.len(),
            }
        };
        self.end(next, next)?;
        Ok(next)
    }

    /// The value after a block mapping key's `:`.
    fn mapping_value(&mut self, colon: usize, indent: usize) -> Step<usize> {
        let i = self.skip_spaces(colon + 1);
        if !matches!(self.at(i), b'\n' | b'#') {
            return self.inline_value(i, indent);
        }
        let after = self.next_line(i);
        match self.next_content(after) {
            Some((line, n)) if n > indent => self.node(line, line + n, indent),
            // `key:` then `- item` at the key's own indentation.
            Some((line, n)) if n == indent && self.is_entry(line + n) => {
                self.block_sequence(indent, line + n, true)
            }
            _ => {
                self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, colon, colon)?;
                Ok(after)
            }
        }
    }

    /// A block sequence whose first `-` is at `at`, in column `indent`;
    /// `indentless` when it is a mapping value at the key's indentation.
    fn block_sequence(&mut self, indent: usize, at: usize, indentless: bool) -> Step<usize> {
        let mut dash = at;
        let mut first = true;
        let next = loop {
            let mut i = self.skip_spaces(dash + 1);
            let item = if matches!(self.at(i), b'\n' | b'#') {
                // After a comment, as the general parser's spans do.
                i = self.line_end(i);
                match self.next_content(self.next_line(i)) {
                    Some((line, n)) if n > indent => Some((line, line + n)),
                    _ => None,
                }
            } else {
                Some((dash - indent, i))
            };
            if first {
                // Where the general parser's span starts: the first `-`, or
                // for an indentless sequence what follows it.
                let start = if indentless { i } else { at };
                self.start(false, CollectionStyle::Block, start, start)?;
                first = false;
            }
            let next = match item {
                Some((line, at)) => self.node(line, at, indent)?,
                None => {
                    self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, i, i)?;
                    self.next_line(i)
                }
            };
            match self.next_content(next) {
                Some((line, n)) if n == indent && self.is_entry(line + n) => dash = line + n,
                Some((line, n)) if n <= indent => break line,
                Some(_) => return Err(Bail),
                None => break self.len(),
            }
        };
        self.end(next, next)?;
        Ok(next)
    }

    /// A scalar or flow collection at `at`, inside a block collection
    /// indented `indent`.
    fn inline_value(&mut self, at: usize, indent: usize) -> Step<usize> {
        match self.at(at) {
            b'|' => self.literal(at, indent),
            q @ (b'"' | b'\'') => {
                let (v, end) = self.quoted(at, Some(indent))?.ok_or(Bail)?;
                self.scalar(v, quoted_style(q), at, end)?;
                self.end_of_line(end)
            }
            b'[' | b'{' => {
                let end = self.flow_node(at)?;
                self.end_of_line(end)
            }
            _ if self.plain_start(at) => self.plain(at, indent),
            _ => Err(Bail),
        }
    }

    /// A plain scalar in block context, perhaps continued on more-indented
    /// lines (folded: one line break becomes a space, n+1 become n).
    fn plain(&mut self, at: usize, indent: usize) -> Step<usize> {
        let (end, comment) = self.plain_line(at)?;
        if comment {
            let next = self.next_line(end);
            self.plain_text(at, end)?;
            return Ok(next);
        }
        let mut value: Option<String> = None;
        let mut last_end = end;
        let mut next = self.next_line(end);
        let mut line = next;
        let mut breaks = 0usize;
        while line < self.len() {
            let i = self.skip_spaces(line);
            match self.at(i) {
                b'\n' if i < self.len() => {
                    breaks += 1;
                    line = i + 1;
                    continue;
                }
                b'\n' => break,
                b'#' => break,
                // Any other character goes on the text, indicators too.
                _ if i - line > indent => {
                    let (e, comment) = self.plain_line(i)?;
                    if comment {
                        return Err(Bail);
                    }
                    let v = value.get_or_insert_with(|| self.src[at..last_end].to_string());
                    if breaks == 0 {
                        v.push(' ');
                    } else {
                        v.extend(std::iter::repeat_n('\n', breaks));
                    }
                    v.push_str(&self.src[i..e]);
                    breaks = 0;
                    last_end = e;
                    next = self.next_line(e);
                    line = next;
                }
                _ => break,
            }
        }
        let v = match value {
            Some(v) => Cow::Owned(v),
            None => Cow::Borrowed(&self.src[at..last_end]),
        };
        self.scalar(v, ScalarStyle::Plain, at, last_end)?;
        Ok(next)
    }

    /// One line of a plain scalar from `at`: where its text ends (trailing
    /// spaces trimmed) and whether a comment follows.
    fn plain_line(&self, at: usize) -> Step<(usize, bool)> {
        let mut j = at;
        let (stop, comment) = loop {
            match memchr::memchr3(b'\n', b':', b'#', &self.b[j..]) {
                None => break (self.len(), false),
                Some(p) => {
                    let p = j + p;
                    match self.b[p] {
                        b'\n' => break (p, false),
                        b':' if matches!(self.at(p + 1), b' ' | b'\n') => return Err(Bail),
                        b'#' if self.b[p - 1] == b' ' => break (p, true),
                        _ => j = p + 1,
                    }
                }
            }
        };
        let mut end = stop;
        while end > at && self.b[end - 1] == b' ' {
            end -= 1;
        }
        Ok((end, comment))
    }

    /// A quoted scalar at `at` (`"..."` or `'...'`): its value and the end
    /// after the closing quote. `fold` is the indentation of the enclosing
    /// block collection when the scalar may go on over more lines (folded:
    /// one line break is a space, n+1 are n); `None` for a key or a flow
    /// item, which end on their line or are `Ok(None)`.
    fn quoted(&self, at: usize, fold: Option<usize>) -> Step<Option<(Cow<'a, str>, usize)>> {
        let double = self.b[at] == b'"';
        let mut owned: Option<String> = None;
        let mut seg = at + 1;
        let mut i = at + 1;
        loop {
            let rest = &self.b[i..];
            let found = if double {
                memchr::memchr3(b'"', b'\\', b'\n', rest)
            } else {
                memchr::memchr2(b'\'', b'\n', rest)
            };
            let p = i + found.ok_or(Bail)?;
            match self.b[p] {
                b'\n' => {
                    let Some(indent) = fold else {
                        return Ok(None);
                    };
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(self.src[seg..p].trim_end_matches(' '));
                    let mut breaks = 0;
                    let mut line = p + 1;
                    let next = loop {
                        let j = self.skip_spaces(line);
                        if j >= self.len() {
                            return Err(Bail);
                        }
                        if self.b[j] == b'\n' {
                            breaks += 1;
                            line = j + 1;
                            continue;
                        }
                        if j - line <= indent {
                            return Err(Bail);
                        }
                        break j;
                    };
                    if breaks == 0 {
                        s.push(' ');
                    } else {
                        s.extend(std::iter::repeat_n('\n', breaks));
                    }
                    i = next;
                    seg = next;
                }
                b'\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.src[seg..p]);
                    let (c, len) = self.escape(p + 1)?;
                    s.push(c);
                    i = p + 1 + len;
                    seg = i;
                }
                b'\'' if !double && self.at(p + 1) == b'\'' => {
                    owned
                        .get_or_insert_with(String::new)
                        .push_str(&self.src[seg..p + 1]);
                    i = p + 2;
                    seg = i;
                }
                _ => {
                    let v = match owned {
                        Some(mut s) => {
                            s.push_str(&self.src[seg..p]);
                            Cow::Owned(s)
                        }
                        None => Cow::Borrowed(&self.src[seg..p]),
                    };
                    return Ok(Some((v, p + 1)));
                }
            }
        }
    }

    /// The escape after a `\` at `at`: the character and the escape's length.
    fn escape(&self, at: usize) -> Step<(char, usize)> {
        let simple = match self.at(at) {
            b'0' => '\0',
            b'a' => '\x07',
            b'b' => '\x08',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\x0B',
            b'f' => '\x0C',
            b'r' => '\r',
            b'e' => '\x1B',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{A0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' => return self.hex(at + 1, 2),
            b'u' => return self.hex(at + 1, 4),
            b'U' => return self.hex(at + 1, 8),
            _ => return Err(Bail),
        };
        Ok((simple, 1))
    }

    fn hex(&self, at: usize, digits: usize) -> Step<(char, usize)> {
        let text = self.src.get(at..at + digits).ok_or(Bail)?;
        if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(Bail);
        }
        let code = u32::from_str_radix(text, 16).map_err(|_| Bail)?;
        Ok((char::from_u32(code).ok_or(Bail)?, 1 + digits))
    }

    /// A literal block scalar (`|`, `|-`, `|+`) whose header is at `at`,
    /// inside a block collection indented `indent`.
    fn literal(&mut self, at: usize, indent: usize) -> Step<usize> {
        #[derive(PartialEq)]
        enum Chomp {
            Clip,
            Strip,
            Keep,
        }
        let mut i = at + 1;
        let chomp = match self.at(i) {
            b'-' => Chomp::Strip,
            b'+' => Chomp::Keep,
            _ => Chomp::Clip,
        };
        if chomp != Chomp::Clip {
            i += 1;
        }
        let mut line = self.end_of_line(i)?;
        let first = self.skip_spaces(line);
        let k = first - line;
        if first >= self.len() || self.b[first] == b'\n' || k <= indent {
            // Empty, or leading empty lines: left to the general parser.
            return Err(Bail);
        }
        let mut value = String::new();
        let mut breaks = 0usize;
        // Where the scalar ends, after the indentation of the line that ends
        // it, as the general parser's span does; and that line's start.
        let (end, next) = loop {
            if line >= self.len() {
                break (self.len(), self.len());
            }
            let i = self.skip_spaces(line);
            let n = i - line;
            let blank = i >= self.len() || self.b[i] == b'\n';
            if blank && n <= k {
                if i >= self.len() {
                    break (self.len(), self.len());
                }
                breaks += 1;
                line = i + 1;
                continue;
            }
            if n < k {
                break (i, line);
            }
            let e = self.line_end(line);
            if e >= self.len() {
                // A last line without a line break: left to the general parser.
                return Err(Bail);
            }
            value.extend(std::iter::repeat_n('\n', breaks));
            value.push_str(&self.src[line + k..e]);
            breaks = 1;
            line = e + 1;
        };
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => value.push('\n'),
            Chomp::Keep => value.extend(std::iter::repeat_n('\n', breaks)),
        }
        self.scalar(Cow::Owned(value), ScalarStyle::Literal, first, end)?;
        Ok(next)
    }

    /// A flow collection or flow scalar on one line; returns its end.
    fn flow_node(&mut self, at: usize) -> Step<usize> {
        match self.at(at) {
            b'[' => self.flow_collection(at, false),
            b'{' => self.flow_collection(at, true),
            q @ (b'"' | b'\'') => {
                let (v, end) = self.quoted(at, None)?.ok_or(Bail)?;
                self.scalar(v, quoted_style(q), at, end)?;
                Ok(end)
            }
            // `-` starts a plain scalar when what follows is safe in flow
            // context (`--flag`, `-1`), as YAML's `ns-plain-first` has it.
            b'-' if matches!(
                self.at(at + 1),
                b' ' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
            ) =>
            {
                Err(Bail)
            }
            c if special_start(c) || c == b' ' || c == b'\n' => Err(Bail),
            _ => {
                let mut end = at;
                loop {
                    match self.at(end) {
                        b',' | b'[' | b']' | b'{' | b'}' => break,
                        b':' if matches!(
                            self.at(end + 1),
                            b' ' | b',' | b'[' | b']' | b'{' | b'}' | b'\n'
                        ) =>
                        {
                            break;
                        }
                        b'#' if self.b[end - 1] == b' ' => return Err(Bail),
                        b'\n' => return Err(Bail),
                        _ => end += 1,
                    }
                }
                while self.b[end - 1] == b' ' {
                    end -= 1;
                }
                self.plain_text(at, end)?;
                Ok(end)
            }
        }
    }

    fn flow_collection(&mut self, at: usize, is_map: bool) -> Step<usize> {
        let close = if is_map { b'}' } else { b']' };
        self.start(is_map, CollectionStyle::Flow, at, at + 1)?;
        let mut i = self.skip_spaces(at + 1);
        if self.at(i) != close {
            loop {
                if is_map {
                    if matches!(self.at(i), b'[' | b'{') {
                        return Err(Bail);
                    }
                    let key = i;
                    i = self.flow_node(i)?;
                    if i - key > MAX_KEY || !(self.at(i) == b':' && self.at(i + 1) == b' ') {
                        return Err(Bail);
                    }
                    i = self.skip_spaces(i + 1);
                    if matches!(self.at(i), b',' | b'}') {
                        return Err(Bail);
                    }
                }
                i = self.flow_node(i)?;
                i = self.skip_spaces(i);
                match self.at(i) {
                    b',' => {
                        i = self.skip_spaces(i + 1);
                        if matches!(self.at(i), b']' | b'}') {
                            return Err(Bail);
                        }
                    }
                    c if c == close => break,
                    _ => return Err(Bail),
                }
            }
        }
        self.end(i, i + 1)?;
        Ok(i + 1)
    }
}

fn quoted_style(quote: u8) -> ScalarStyle {
    if quote == b'"' {
        ScalarStyle::DoubleQuoted
    } else {
        ScalarStyle::SingleQuoted
    }
}

struct Key<'a> {
    value: Cow<'a, str>,
    style: ScalarStyle,
    /// The key's end, where its `:` is.
    end: usize,
}
