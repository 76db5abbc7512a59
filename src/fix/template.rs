//! Editing a chart's template text, a Go template over YAML, by its lines:
//! find a workload's pod template and add `checksum/*` annotations to it.
//!
//! A template is not YAML until it is rendered, so it is never parsed as
//! such. Its key lines are read by their indentation, its `{{ }}` actions
//! are set aside (and tracked for the blocks they open), and the edit
//! touches only the lines it adds, plus, in one shape, the `annotations:`
//! line it moves out of a conditional block.

use std::ops::Range;

/// One annotation to add: its key and the template file it hashes
/// (`templates/configmap.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub key: String,
    pub hashes: String,
}

impl Annotation {
    /// `checksum/<stem>` for a template path: the path below `templates/`,
    /// without its extension, `/` as `-`, as an annotation name allows.
    pub fn for_template(hashes: &str) -> Annotation {
        let below = hashes.strip_prefix("templates/").unwrap_or(hashes);
        let stem = below
            .strip_suffix(".yaml")
            .or_else(|| below.strip_suffix(".yml"))
            .or_else(|| below.strip_suffix(".tpl"))
            .unwrap_or(below);
        let mut name: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        name = name
            .trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_string();
        name.truncate(63);
        let name = name.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        Annotation {
            key: format!("checksum/{}", if name.is_empty() { "config" } else { name }),
            hashes: hashes.to_string(),
        }
    }
}

/// A replacement of `range` of the template text by `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Range<usize>,
    pub insert: String,
}

/// How the annotations were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Into the pod template's `annotations:` map.
    IntoAnnotations,
    /// A new `annotations:` map under the pod template's `metadata:`.
    NewAnnotations,
    /// A new `metadata:` with `annotations:` under `template:`.
    NewMetadata,
    /// The `annotations:` key moved out of the `{{ with }}`/`{{ if }}`
    /// that guarded it (the `helm create` scaffold), the annotations added
    /// before what the block adds.
    OutOfBlock,
}

impl Shape {
    pub fn describe(self) -> &'static str {
        match self {
            Shape::IntoAnnotations => "added to the pod template's annotations",
            Shape::NewAnnotations => "added an annotations map to the pod template",
            Shape::NewMetadata => "added metadata with annotations to the pod template",
            Shape::OutOfBlock => {
                "moved `annotations:` out of its conditional block and added to it"
            }
        }
    }
}

/// The edit of one template file for one workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub edits: Vec<TextEdit>,
    pub shape: Shape,
    /// Annotations already in the template (nothing to add for them).
    pub present: Vec<String>,
}

impl Edit {
    /// The text with the edits applied.
    pub fn apply(&self, text: &str) -> String {
        apply(text, &self.edits)
    }
}

/// Apply non-overlapping edits to `text`.
pub fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for e in sorted {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.insert);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// What the editor needs to know of the workload.
pub struct Target<'a> {
    /// The workload's kind, as its `kind:` line spells it.
    pub kind: &'a str,
    /// The path from the object to its pod template (`spec`, `template`).
    pub pod_template_path: &'a [&'a str],
    /// Which of the file's objects of that kind (0-based), in render order.
    pub nth: usize,
    /// How many objects of that kind the render has from this file.
    pub rendered: usize,
}

/// Why the editor leaves a template alone: shown to the user as is.
pub type Refusal = String;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind<'t> {
    Blank,
    Comment,
    /// Only template actions (and blanks).
    Action,
    /// A `---` line.
    DocumentStart,
    /// `key:` or `- key:`, with the rest of the line after the colon.
    Key {
        key: &'t str,
        value: &'t str,
    },
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    start: usize,
    /// Where the line's text ends (before `\r\n` or `\n`).
    end: usize,
    /// Where the next line starts.
    next: usize,
    /// The column of its first non-blank character (for a `- key:` line,
    /// of the key).
    indent: usize,
    /// Whether the line starts with `- `.
    dash: bool,
    kind: LineKind<'t>,
}

/// The template's lines, with its actions.
struct Template<'t> {
    text: &'t str,
    lines: Vec<Line<'t>>,
    actions: Vec<Range<usize>>,
}

impl<'t> Template<'t> {
    fn read(text: &'t str) -> Template<'t> {
        let actions = actions(text);
        let mut lines = Vec::new();
        let mut start = 0;
        let mut action_at = 0;
        // Lines inside a block scalar (`key: |`) are content, not keys.
        let mut block_scalar_above: Option<usize> = None;
        while start < text.len() {
            let nl = text[start..].find('\n').map(|i| start + i);
            let next = nl.map_or(text.len(), |i| i + 1);
            let mut end = nl.unwrap_or(text.len());
            if end > start && text.as_bytes()[end - 1] == b'\r' {
                end -= 1;
            }
            let raw = &text[start..end];
            // The line's text with every action blanked: what YAML it is.
            while action_at < actions.len() && actions[action_at].end <= start {
                action_at += 1;
            }
            let mut yaml = String::with_capacity(raw.len());
            let mut had_action = false;
            for (i, c) in raw.char_indices() {
                let at = start + i;
                let inside = actions[action_at..]
                    .iter()
                    .take_while(|a| a.start < end)
                    .any(|a| a.contains(&at));
                if inside {
                    had_action = true;
                    yaml.extend(std::iter::repeat_n(' ', c.len_utf8()));
                } else {
                    yaml.push(c);
                }
            }
            let trimmed = yaml.trim_start();
            let indent = yaml.len() - trimmed.len();
            let mut line = Line {
                start,
                end,
                next,
                indent,
                dash: false,
                kind: LineKind::Other,
            };
            if let Some(above) = block_scalar_above {
                if trimmed.trim().is_empty() && !had_action || indent > above {
                    line.kind = if trimmed.trim().is_empty() {
                        LineKind::Blank
                    } else {
                        LineKind::Other
                    };
                    lines.push(line);
                    start = next;
                    continue;
                }
                block_scalar_above = None;
            }
            line.kind = if trimmed.trim().is_empty() {
                if had_action {
                    line.indent = raw.len() - raw.trim_start().len();
                    LineKind::Action
                } else {
                    LineKind::Blank
                }
            } else if trimmed.starts_with('#') {
                LineKind::Comment
            } else if indent == 0 && (trimmed == "---" || trimmed.starts_with("--- ")) {
                LineKind::DocumentStart
            } else {
                let (dash, body) = match trimmed.strip_prefix("- ") {
                    Some(rest) => (true, rest.trim_start()),
                    None => (false, trimmed),
                };
                let body_at = start + indent + (trimmed.len() - body.len());
                // Actions are blanked: a key an action writes is no key here.
                match key_of(body) {
                    Some((k, v)) => {
                        line.dash = dash;
                        line.indent = body_at - start;
                        let key = &text[body_at..body_at + k.len()];
                        let value_at = body_at + k.len() + 1;
                        let value = &text[value_at.min(end)..end];
                        let bare = strip_comment(v).trim();
                        if bare.starts_with('|') || bare.starts_with('>') {
                            block_scalar_above = Some(line.indent);
                        }
                        LineKind::Key { key, value }
                    }
                    _ => LineKind::Other,
                }
            };
            lines.push(line);
            start = next;
        }
        Template {
            text,
            lines,
            actions,
        }
    }

    /// The line ranges of the template's documents (split at `---`).
    fn documents(&self) -> Vec<Range<usize>> {
        let mut docs = Vec::new();
        let mut from = 0;
        for (i, l) in self.lines.iter().enumerate() {
            if l.kind == LineKind::DocumentStart {
                docs.push(from..i);
                from = i + 1;
            }
        }
        docs.push(from..self.lines.len());
        docs
    }

    /// The child key line `key` of the line `parent` (or of the document's
    /// top level), within `doc`.
    fn child(&self, doc: &Range<usize>, parent: Option<usize>, key: &str) -> Option<usize> {
        self.children(doc, parent).into_iter().find(
            |&i| matches!(self.lines[i].kind, LineKind::Key { key: k, .. } if unquote(k) == key),
        )
    }

    /// The key lines directly below `parent` (or the document's top level).
    fn children(&self, doc: &Range<usize>, parent: Option<usize>) -> Vec<usize> {
        let (from, parent_indent) = match parent {
            Some(p) => (p + 1, Some(self.lines[p].indent)),
            None => (doc.start, None),
        };
        let mut child_indent = None;
        let mut out = Vec::new();
        for i in from..doc.end {
            let l = &self.lines[i];
            if !matches!(l.kind, LineKind::Key { .. } | LineKind::Other) {
                continue;
            }
            let column = if l.dash { l.indent - 2 } else { l.indent };
            if let Some(p) = parent_indent
                && (column < p || (column == p && !l.dash))
            {
                break;
            }
            let LineKind::Key { .. } = l.kind else {
                continue;
            };
            match child_indent {
                None => {
                    child_indent = Some(l.indent);
                    out.push(i);
                }
                Some(c) if l.indent == c && !l.dash => out.push(i),
                Some(c) if l.indent < c => break,
                _ => {}
            }
        }
        out
    }

    /// The last line of `parent`'s block (its own line when it has none).
    fn block_end(&self, doc: &Range<usize>, parent: usize) -> usize {
        let p = self.lines[parent].indent;
        let mut last = parent;
        for i in parent + 1..doc.end {
            let l = &self.lines[i];
            match l.kind {
                LineKind::Key { .. } | LineKind::Other => {
                    let column = if l.dash { l.indent - 2 } else { l.indent };
                    if column < p || (column == p && !l.dash) {
                        break;
                    }
                    last = i;
                }
                LineKind::Action if l.indent > p => last = i,
                _ => {}
            }
        }
        last
    }

    /// The blocks (`if`, `with`, `range`, `define`, `block`) open at
    /// `offset`, outermost first: (keyword, the action's range).
    fn open_blocks(&self, offset: usize) -> Vec<(&'t str, Range<usize>)> {
        let mut stack = Vec::new();
        for a in self.actions.iter().take_while(|a| a.end <= offset) {
            match keyword(&self.text[a.clone()]) {
                word @ ("if" | "with" | "range" | "define" | "block") => {
                    stack.push((word, a.clone()));
                }
                "end" => {
                    stack.pop();
                }
                _ => {}
            }
        }
        stack
    }

    /// The first helper that lines `lines` include, if any.
    fn first_include(&self, lines: impl IntoIterator<Item = usize>) -> Option<&'t str> {
        lines
            .into_iter()
            .filter(|&i| self.lines[i].kind == LineKind::Action)
            .flat_map(|i| self.includes(i))
            .next()
    }

    fn newline(&self, line: usize) -> &'static str {
        let l = &self.lines[line];
        match &self.text[l.end..l.next] {
            "" => self.newline_of_file(),
            "\r\n" => "\r\n",
            _ => "\n",
        }
    }

    /// The offset where lines inserted after `line` go, and the text that
    /// must precede them (a newline, when `line` is the file's last and has
    /// none).
    fn after(&self, line: usize) -> (usize, &'static str) {
        let l = &self.lines[line];
        if l.next == l.end {
            (l.end, self.newline_of_file())
        } else {
            (l.next, "")
        }
    }

    fn newline_of_file(&self) -> &'static str {
        if self.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// The include names (`include "x.y"`, `template "x.y"`) of line `i`'s actions.
    fn includes(&self, i: usize) -> Vec<&'t str> {
        let l = &self.lines[i];
        let mut names = Vec::new();
        for a in self
            .actions
            .iter()
            .filter(|a| a.start < l.end && a.end > l.start)
        {
            let inner = &self.text[a.clone()];
            for word in ["include", "template"] {
                let mut rest = inner;
                while let Some(at) = rest.find(word) {
                    rest = rest[at + word.len()..].trim_start();
                    if let Some(r) = rest.strip_prefix('"')
                        && let Some(close) = r.find('"')
                    {
                        names.push(&r[..close]);
                    }
                }
            }
        }
        names
    }

    fn action_text(&self, i: usize) -> &'t str {
        let l = &self.lines[i];
        self.text[l.start..l.end].trim()
    }
}

/// `key` and the rest of a `key: value` line, if it is one.
fn key_of(body: &str) -> Option<(&str, &str)> {
    let bytes = body.as_bytes();
    let key_end = if let Some(q @ (b'"' | b'\'')) = bytes.first().copied() {
        let close = body[1..].find(q as char)? + 1;
        close + 1
    } else {
        body.find(':')?
    };
    let rest = &body[key_end..];
    let after = rest.strip_prefix(':')?;
    if !(after.is_empty() || after.starts_with(' ') || after.starts_with('\t')) {
        return None;
    }
    let key = &body[..key_end];
    if key.is_empty()
        || key.starts_with(['{', '[', '&', '*', '!', '|', '>', '%', '@', '`'])
        || key.contains(' ')
    {
        return None;
    }
    Some((key, after))
}

/// The first word of an action (`if`, `end`, `include`, ...), trim markers
/// and spaces aside; empty for a comment.
fn keyword(action: &str) -> &str {
    let inner = action
        .trim_start_matches("{{")
        .trim_end_matches("}}")
        .trim_start_matches('-')
        .trim_end_matches('-')
        .trim();
    if inner.starts_with("/*") {
        return "";
    }
    inner
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
}

fn unquote(key: &str) -> &str {
    key.trim_matches(|c| c == '"' || c == '\'')
}

fn strip_comment(value: &str) -> &str {
    match value.find(" #") {
        Some(i) => &value[..i],
        None if value.trim_start().starts_with('#') => "",
        None => value,
    }
}

/// The byte ranges of the `{{ ... }}` actions of `text`, strings and
/// comments inside them skipped.
fn actions(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(open) = memchr::memmem::find(&bytes[i..], b"{{").map(|o| i + o) {
        let mut j = open + 2;
        let mut closed = None;
        while j < bytes.len() {
            match bytes[j] {
                b'"' => {
                    j += 1;
                    while j < bytes.len() && bytes[j] != b'"' && bytes[j] != b'\n' {
                        j += if bytes[j] == b'\\' { 2 } else { 1 };
                    }
                    j += 1;
                }
                b'`' => {
                    j += 1;
                    while j < bytes.len() && bytes[j] != b'`' {
                        j += 1;
                    }
                    j += 1;
                }
                b'/' if bytes.get(j + 1) == Some(&b'*') => {
                    match memchr::memmem::find(&bytes[j + 2..], b"*/") {
                        Some(e) => j += 2 + e + 2,
                        None => j = bytes.len(),
                    }
                }
                b'}' if bytes.get(j + 1) == Some(&b'}') => {
                    closed = Some(j + 2);
                    break;
                }
                _ => j += 1,
            }
        }
        let Some(end) = closed else { break };
        out.push(open..end.min(bytes.len()));
        i = end.min(bytes.len());
    }
    out
}

/// Add `annotations` to the pod template of the workload `target` in the
/// template `text`. `helper_writes_annotations` says, for a helper name,
/// whether its `define` writes an `annotations:` key (`None`: unknown).
pub fn add_annotations(
    text: &str,
    target: &Target<'_>,
    annotations: &[Annotation],
    helper_writes_annotations: &dyn Fn(&str) -> Option<bool>,
) -> Result<Edit, Refusal> {
    let t = Template::read(text);
    let docs = t.documents();
    let kind_value = |d: &Range<usize>| {
        t.child(d, None, "kind")
            .and_then(|k| match t.lines[k].kind {
                LineKind::Key { value, .. } => Some(strip_comment(value).trim()),
                _ => None,
            })
    };
    let mut of_kind: Vec<&Range<usize>> = docs
        .iter()
        .filter(|d| kind_value(d).is_some_and(|v| v.trim_matches(['"', '\'']) == target.kind))
        .collect();
    if of_kind.is_empty() {
        // A computed kind that can be this one
        // (`kind: {{ ternary "StatefulSet" "Deployment" .Values.x }}`).
        let quoted = format!("\"{}\"", target.kind);
        of_kind = docs
            .iter()
            .filter(|d| kind_value(d).is_some_and(|v| v.contains("{{") && v.contains(&quoted)))
            .collect();
    }
    if of_kind.is_empty() {
        let computed = docs
            .iter()
            .any(|d| kind_value(d).is_some_and(|v| v.contains("{{")));
        let helper = t
            .first_include(docs.iter().flat_map(|d| d.clone()))
            .filter(|_| !computed);
        return Err(match helper {
            Some(h) => format!(
                "the template has no `kind: {}` line: the object comes from the helper `{h}`; add the annotations where that helper writes the pod template",
                target.kind
            ),
            None => format!(
                "the template has no `kind: {}` line (the kind is computed): add the annotations by hand",
                target.kind
            ),
        });
    }
    if of_kind.len() != target.rendered {
        return Err(format!(
            "the template writes {} `kind: {}` objects and the render has {} from it: which one is the workload is not certain; add the annotations by hand",
            of_kind.len(),
            target.kind,
            target.rendered
        ));
    }
    let doc = of_kind[target.nth];
    // Down to the pod template.
    let mut parent = None;
    for key in target.pod_template_path {
        let Some(next) = t.child(doc, parent, key) else {
            let helper = parent.and_then(|p| t.first_include(p + 1..=t.block_end(doc, p)));
            let path = target.pod_template_path.join(".");
            return Err(match helper {
                Some(h) => format!(
                    "`{path}` is not written in the template: it comes from the helper `{h}`; add the annotations where that helper writes the pod template"
                ),
                None => format!(
                    "`{path}` is not written in the template as a block; add the annotations by hand"
                ),
            });
        };
        parent = Some(next);
    }
    let template_line = parent.expect("a workload kind has a pod template path");
    if let LineKind::Key { value, .. } = t.lines[template_line].kind
        && !strip_comment(value).trim().is_empty()
    {
        return Err(format!(
            "the pod template is written inline (`{}`); add the annotations by hand",
            t.action_text(template_line)
        ));
    }
    let step = {
        let own = t.lines[template_line].indent;
        t.children(doc, Some(template_line))
            .first()
            .map(|&c| t.lines[c].indent.saturating_sub(own))
            .filter(|&s| s > 0)
            .unwrap_or(2)
    };
    let Some(metadata) = t.child(doc, Some(template_line), "metadata") else {
        let indent = t.lines[template_line].indent + step;
        let (at, lead) = t.after(template_line);
        let nl = t.newline(template_line);
        let mut insert = format!(
            "{lead}{pad}metadata:{nl}{pad}{step_pad}annotations:{nl}",
            pad = " ".repeat(indent),
            step_pad = " ".repeat(step)
        );
        let context = context_at(&t, at);
        push_lines(&mut insert, annotations, indent + 2 * step, context, nl);
        return finish(&t, at, insert, Shape::NewMetadata, Vec::new(), lead);
    };
    if let LineKind::Key { value, .. } = t.lines[metadata].kind
        && !strip_comment(value).trim().is_empty()
    {
        return Err(format!(
            "the pod template's metadata is written inline (`{}`); add the annotations by hand",
            t.action_text(metadata)
        ));
    }
    let m_indent = t.lines[metadata].indent;
    let children = t.children(doc, Some(metadata));
    let child_indent = children
        .first()
        .map(|&c| t.lines[c].indent)
        .unwrap_or(m_indent + step);
    let child_step = child_indent.saturating_sub(m_indent).max(1);
    let nl = t.newline(metadata);
    let Some(ann) = t.child(doc, Some(metadata), "annotations") else {
        // A helper or a values dump at the metadata level may write
        // `annotations:` itself: a second key would be a duplicate.
        let end = t.block_end(doc, metadata);
        for i in metadata + 1..=end {
            if t.lines[i].kind != LineKind::Action || t.lines[i].indent > child_indent {
                continue;
            }
            // Blocks of any kind at this level are fine; what they hold is checked line by line.
            let text_of = t.action_text(i);
            for name in t.includes(i) {
                match helper_writes_annotations(name) {
                    Some(false) => {}
                    Some(true) => {
                        return Err(format!(
                            "the pod template's metadata comes partly from the helper `{name}`, which writes `annotations:`; add the annotations in that helper (or pass them to it)"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "the pod template's metadata comes partly from the helper `{name}`, which confsum cannot read; add the annotations by hand"
                        ));
                    }
                }
            }
            if text_of.contains("toYaml")
                || text_of.contains(".Values") && !is_block_action(text_of)
            {
                return Err(format!(
                    "the pod template's metadata comes partly from `{text_of}`, which may write `annotations:`; add the annotations by hand"
                ));
            }
        }
        let (at, lead) = t.after(metadata);
        let mut insert = format!("{lead}{}annotations:{nl}", " ".repeat(child_indent));
        let context = context_at(&t, at);
        push_lines(
            &mut insert,
            annotations,
            child_indent + child_step,
            context,
            nl,
        );
        return finish(&t, at, insert, Shape::NewAnnotations, Vec::new(), lead);
    };
    let LineKind::Key { value, .. } = t.lines[ann].kind else {
        unreachable!("child() returns key lines")
    };
    if !strip_comment(value).trim().is_empty() {
        return Err(format!(
            "the pod template's annotations are written inline (`{}`); write them as a block, or add the annotations by hand",
            t.action_text(ann)
        ));
    }
    let keys_below = t.children(doc, Some(ann));
    let present: Vec<String> = annotations
        .iter()
        .filter(|a| {
            keys_below.iter().any(
                |&k| matches!(t.lines[k].kind, LineKind::Key { key, .. } if unquote(key) == a.key),
            )
        })
        .map(|a| a.key.clone())
        .collect();
    let missing: Vec<Annotation> = annotations
        .iter()
        .filter(|a| !present.contains(&a.key))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Err(format!(
            "the pod template already has {}; it does not hash what the workload reads: fix its expression by hand",
            present
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let ann_indent = t.lines[ann].indent;
    let entry_indent = keys_below
        .first()
        .map(|&k| t.lines[k].indent)
        .unwrap_or(ann_indent + child_step);
    // Blocks opened between `metadata:` and `annotations:` guard the map.
    let metadata_blocks = t.open_blocks(t.lines[metadata].next).len();
    let guards = t.open_blocks(t.lines[ann].start);
    if guards.len() > metadata_blocks {
        let guarding = &guards[metadata_blocks..];
        if guarding.len() > 1 {
            return Err(
                "the pod template's `annotations:` is inside nested template blocks; add the annotations by hand"
                    .into(),
            );
        }
        let (word, open) = &guarding[0];
        // The guard must be alone on its line, hold nothing but the
        // annotations, and close right after them.
        let open_line = (metadata + 1..ann)
            .find(|&i| t.lines[i].start <= open.start && open.end <= t.lines[i].end)
            .filter(|&i| t.lines[i].kind == LineKind::Action);
        let Some(open_line) = open_line else {
            return Err(format!(
                "the pod template's `annotations:` is inside a `{word}` block that is not on a line of its own; add the annotations by hand"
            ));
        };
        let siblings_inside =
            (open_line + 1..ann).any(|i| matches!(t.lines[i].kind, LineKind::Key { .. }));
        let end = t.block_end(doc, ann);
        let closes_after = (end + 1..doc.end)
            .take_while(|&i| !matches!(t.lines[i].kind, LineKind::Key { .. }))
            .any(|i| t.open_blocks(t.lines[i].next).len() <= metadata_blocks);
        if siblings_inside || !closes_after {
            return Err(format!(
                "the pod template's `annotations:` shares a `{word}` block with other keys; add the annotations by hand"
            ));
        }
        let at = t.lines[open_line].start;
        let mut insert = format!("{}annotations:{nl}", " ".repeat(ann_indent));
        let context = context_at(&t, at);
        push_lines(&mut insert, &missing, entry_indent, context, nl);
        let a = &t.lines[ann];
        return Ok(Edit {
            edits: vec![
                TextEdit {
                    range: at..at,
                    insert,
                },
                TextEdit {
                    range: a.start..a.next,
                    insert: String::new(),
                },
            ],
            shape: Shape::OutOfBlock,
            present,
        });
    }
    let (at, lead) = t.after(ann);
    let mut insert = lead.to_string();
    let context = context_at(&t, at);
    push_lines(&mut insert, &missing, entry_indent, context, nl);
    finish(&t, at, insert, Shape::IntoAnnotations, present, lead)
}

fn is_block_action(action: &str) -> bool {
    matches!(keyword(action), "if" | "with" | "range" | "else" | "end")
}

/// `.` where it is the chart's root context, `$` inside `with` and `range`.
fn context_at(t: &Template<'_>, offset: usize) -> &'static str {
    if t.open_blocks(offset)
        .iter()
        .any(|(w, _)| matches!(*w, "with" | "range"))
    {
        "$"
    } else {
        "."
    }
}

fn push_lines(
    out: &mut String,
    annotations: &[Annotation],
    indent: usize,
    context: &str,
    nl: &str,
) {
    for a in annotations {
        let below = a.hashes.strip_prefix("templates/").unwrap_or(&a.hashes);
        out.push_str(&format!(
            "{}{}: {{{{ include (print $.Template.BasePath \"/{below}\") {context} | sha256sum }}}}{nl}",
            " ".repeat(indent),
            a.key
        ));
    }
}

fn finish(
    t: &Template<'_>,
    at: usize,
    mut insert: String,
    shape: Shape,
    present: Vec<String>,
    lead: &str,
) -> Result<Edit, Refusal> {
    // Inserted at the end of a file without a final newline: the lines
    // keep the file's state (no final newline).
    if !lead.is_empty() && insert.ends_with('\n') {
        let nl = t.newline_of_file();
        insert.truncate(insert.len() - nl.len());
    }
    Ok(Edit {
        edits: vec![TextEdit {
            range: at..at,
            insert,
        }],
        shape,
        present,
    })
}

/// Whether a helper's `define` in `text` writes an `annotations:` key:
/// `None` when `text` has no `define` of that name.
pub fn define_writes_annotations(text: &str, name: &str) -> Option<bool> {
    // Only the actions matter: no need to read the lines.
    let actions = actions(text);
    let quoted = format!("\"{name}\"");
    let open = actions.iter().position(|a| {
        let action = &text[a.clone()];
        keyword(action) == "define" && action.contains(&quoted)
    })?;
    let start = actions[open].end;
    let mut depth = 1;
    let mut end = text.len();
    for a in &actions[open + 1..] {
        match keyword(&text[a.clone()]) {
            "if" | "with" | "range" | "define" | "block" => depth += 1,
            "end" => {
                depth -= 1;
                if depth == 0 {
                    end = a.start;
                    break;
                }
            }
            _ => {}
        }
    }
    let body = &text[start..end];
    // Any mention counts: a helper that writes the key in any way would
    // make a second one a duplicate.
    Some(body.contains("annotations:"))
}

#[cfg(test)]
mod tests;
