//! Lint findings as text: human (miette, with redacted snippets), json,
//! sarif (2.1.0), github (workflow commands) and markdown (job summaries).
//! No format ever shows a Secret value or a flagged ConfigMap value.
//!
//! Findings are first turned into [`Item`]s, self-contained values that
//! carry their location in the rendered stream and, for a chart, in the
//! chart's template: the formats render items, whatever run produced them.

use compact_str::CompactString;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use crate::display::escape_control;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde_json::{Value, json};

use crate::Analysis;
use crate::lint::{Finding, Severity, rules};
use crate::secrets::redact;

/// One finding, ready to print.
#[derive(Debug, Clone)]
pub struct Item {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: std::borrow::Cow<'static, str>,
    /// The rendered stream's name (shared by its items), and the position
    /// in it (1-based).
    pub file: Arc<str>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The template path from `# Source:`.
    pub template: Option<String>,
    /// For a chart: the template file in the repository, and the line there
    /// when the offending rendered line occurs exactly once in it.
    pub template_file: Option<String>,
    pub template_line: Option<usize>,
    /// Whether the template names its object with a random suffix
    /// (`randAlphaNum` on a `name:` line): renders differ in it.
    random_name: bool,
    /// For a chart: the values that produced the finding.
    pub values: Vec<String>,
    pub object: [CompactString; 3],
    /// Secondary places.
    pub related: Vec<RelatedItem>,
    /// The scope of the object: a folder of committed manifests, or a
    /// chart (none for a stream).
    pub scope: Option<String>,
    /// The edit of the chart's template that fixes it, when one is known.
    /// Boxed: few items have one.
    pub fix: Option<Box<crate::fix::FileEdit>>,
    /// The lines a snippet shows (the finding's, one more on each side),
    /// sensitive values masked: rendering reads these, never the whole file.
    window_text: Arc<str>,
    span: Range<usize>,
    /// Where `window_text` is in the source.
    window: Range<usize>,
}

/// Turn one run's findings into items, letting go of the analysis' trees
/// (see [`crate::model::Model::release_trees`]).
pub fn items(
    analysis: &mut Analysis<'_>,
    findings: Vec<Finding>,
    templates: &crate::source::TemplateFiles,
) -> Vec<Item> {
    Items::new(analysis, templates)
        .batches(findings)
        .flatten()
        .collect()
}

/// Makes report items from one run's findings. Items read the source
/// text, names and templates, never a tree: the trees go when it is made,
/// before the items come.
pub struct Items<'r, 'a> {
    analysis: &'r Analysis<'a>,
    /// Each file's sensitive spans, sorted and merged, so that the spans
    /// of a window are found by binary search: no masked copy of a whole
    /// file is made.
    spans: Vec<Vec<Range<usize>>>,
    /// Each file's name as shown, shared by its items.
    names: Vec<Arc<str>>,
    templates: &'r crate::source::TemplateFiles,
}

impl<'r, 'a> Items<'r, 'a> {
    pub fn new(
        analysis: &'r mut Analysis<'a>,
        templates: &'r crate::source::TemplateFiles,
    ) -> Self {
        let spans = redact::sensitive_spans(analysis)
            .into_iter()
            .map(merged)
            .collect();
        analysis.model.release_trees();
        let analysis = &*analysis;
        let names = analysis
            .model
            .files
            .iter()
            .map(|f| Arc::from(escape_control(&f.source.name)))
            .collect();
        Items {
            analysis,
            spans,
            names,
            templates,
        }
    }

    /// The items of `findings`, in their order, made on all cores a batch
    /// at a time: a report written as they come holds one batch of items,
    /// not all of them (250k findings made 96 MB of items).
    pub fn batches(&self, findings: Vec<Finding>) -> impl Iterator<Item = Vec<Item>> + '_ {
        use rayon::prelude::*;
        const BATCH: usize = 4096;
        let mut findings = findings.into_iter();
        std::iter::from_fn(move || {
            let batch: Vec<Finding> = findings.by_ref().take(BATCH).collect();
            (!batch.is_empty()).then(|| batch.into_par_iter().map(|f| self.item(f)).collect())
        })
    }

    /// One finding as a report item: positions, template, masked snippet.
    pub fn item(&self, f: Finding) -> Item {
        let file = f.file();
        item(
            self.analysis,
            f,
            &self.spans[file],
            self.names[file].clone(),
            self.templates,
        )
    }
}

/// Ranges sorted by start, overlapping ones joined.
fn merged(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for r in spans {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// `window` of `text`, with the (merged, sorted) sensitive spans masked and
/// control characters neutralised.
fn masked_window(text: &str, window: Range<usize>, spans: &[Range<usize>]) -> Arc<str> {
    let first = spans.partition_point(|s| s.end <= window.start);
    let inside: Vec<Range<usize>> = spans[first..]
        .iter()
        .take_while(|s| s.start < window.end)
        .map(|s| s.start.max(window.start) - window.start..s.end.min(window.end) - window.start)
        .collect();
    let m = redact::mask(&text[window], &inside);
    match crate::display::neutralize_controls(&m) {
        std::borrow::Cow::Borrowed(_) => m,
        std::borrow::Cow::Owned(n) => Arc::from(n),
    }
}

/// One finding as a report item: positions, template, masked snippet.
fn item(
    analysis: &Analysis<'_>,
    f: Finding,
    spans: &[Range<usize>],
    file: Arc<str>,
    templates: &crate::source::TemplateFiles,
) -> Item {
    let source = analysis.model.files[f.file()].source;
    let obj = f.object().map(|o| &analysis.model.objects[o]);
    let span = f.span();
    let (line, column) = source.line_col(span.start);
    let (end_line, end_column) = source.line_col(span.end);
    let window = source.lines_range(line.saturating_sub(1), end_line + 1);
    let window_text = masked_window(&source.text, window.clone(), spans);
    let template = obj.and_then(|o| analysis.model.doc(o).template());
    let template_file = template.and_then(|t| templates.get(&source.name, t));
    // The unmasked line: it is compared, never printed.
    let template_line = template_file.and_then(|f| templates.line_of(f, source.line_text(line)));
    let shown = |s: &str| escape_control(s).into_owned();
    // A text with nothing to escape is moved, not copied.
    let shown_owned = |s: String| match escape_control(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(escaped) => escaped,
    };
    let related = f
        .related()
        .iter()
        .map(|r| {
            let other = analysis.model.files[r.file].source;
            let (line, column) = other.line_col(r.span.start);
            RelatedItem {
                file: shown(&other.name),
                line,
                column,
                label: shown(&r.label),
            }
        })
        .collect();
    let (rule, severity) = (f.rule(), f.severity);
    let (message, help) = f.into_texts(obj);
    Item {
        rule,
        severity,
        message: shown_owned(message),
        help: match escape_control(&help) {
            std::borrow::Cow::Owned(escaped) => std::borrow::Cow::Owned(escaped),
            std::borrow::Cow::Borrowed(_) => help,
        },
        file,
        line,
        column,
        end_line,
        end_column,
        template: template.map(shown),
        template_file: template_file.map(|f| shown(&f.path)),
        template_line,
        random_name: template_file.is_some_and(|f| f.names_randomly),
        values: source.origin.iter().map(|o| o.values_label()).collect(),
        object: obj
            .map(|o| {
                [
                    o.kind_name().as_str().into(),
                    o.namespace.as_str().into(),
                    o.name.clone(),
                ]
            })
            .unwrap_or_default(),
        related,
        scope: (!source.scope.is_empty()).then(|| shown(&source.scope)),
        fix: None,
        window_text,
        span,
        window,
    }
}

/// A secondary place of an item.
#[derive(Debug, Clone)]
pub struct RelatedItem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub label: String,
}

/// Where a finding is best shown: in the chart's template file when it is
/// known (and the line, when the rendered line occurs once there), else in
/// the rendered file, by line and column.
pub struct Place<'i> {
    pub file: &'i str,
    pub line: Option<usize>,
    /// Column and end line: only in the rendered file.
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub in_template: bool,
}

impl Item {
    /// The offending line (its first 300 characters), with sensitive
    /// values masked: made when shown, from the window.
    pub fn snippet(&self) -> String {
        let line: String = self.line_text().chars().take(300).collect();
        escape_control(&line).into_owned()
    }

    /// Whether [`Item::snippet`] is under 300 characters, mostly told by
    /// the line's bytes, without making it.
    fn snippet_is_short(&self) -> bool {
        let line = self.line_text();
        let plain = line.len() < 300 && line.bytes().all(|b| (0x20..0x7f).contains(&b));
        plain || self.snippet().chars().count() < 300
    }

    /// The finding's line of the window, without its line break.
    fn line_text(&self) -> &str {
        let text = &self.window_text;
        let at = self.span.start - self.window.start;
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        text[start..end].trim_end_matches('\r')
    }

    pub fn place(&self) -> Place<'_> {
        match &self.template_file {
            Some(f) => Place {
                file: f,
                line: self.template_line,
                column: None,
                end_line: None,
                in_template: true,
            },
            None => Place {
                file: &self.file,
                line: Some(self.line),
                column: Some(self.column),
                end_line: Some(self.end_line),
                in_template: false,
            },
        }
    }
}

impl Place<'_> {
    /// `file:line`, or `file` when no line is known.
    pub fn short(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.file),
            None => self.file.to_string(),
        }
    }
}

/// Merge the items of several renderings of one chart: a finding that
/// appears under several values files is reported once, naming them all.
/// A finding is the same when its rule, template file and line, and object
/// name agree, with Helm's random name suffixes (`randAlphaNum`) set aside;
/// where the template line is not known, its message must agree too.
pub fn merge(items: Vec<Item>) -> Vec<Item> {
    type Identity = (&'static str, String, Option<usize>, String, String);
    let mut out: Vec<Item> = Vec::new();
    let mut at: std::collections::HashMap<Identity, usize> = Default::default();
    for item in items {
        let place = item.template_file.clone().or_else(|| item.template.clone());
        let Some(place) = place.filter(|_| !item.values.is_empty()) else {
            out.push(item);
            continue;
        };
        let name = without_random_suffix(&item.object[2], item.random_name);
        let message = if item.template_line.is_some() {
            String::new()
        } else {
            item.message.replace(item.object[2].as_str(), &name)
        };
        let id = (item.rule, place, item.template_line, name, message);
        match at.get(&id) {
            Some(&i) => {
                let o = &mut out[i];
                for v in item.values {
                    if !o.values.contains(&v) {
                        o.values.push(v);
                    }
                }
            }
            None => {
                at.insert(id, out.len());
                out.push(item);
            }
        }
    }
    out
}

/// A name without a final `-xxxxx` segment that is Helm's
/// `randAlphaNum`/`randAlpha`/`randNumeric` output: 4 to 16 letters and
/// digits, when the template is known to name randomly; else only with a
/// digit or upper case (names are lower case otherwise), as `| lower`
/// output cannot be told from a word.
fn without_random_suffix(name: &str, random: bool) -> String {
    match name.rsplit_once('-') {
        Some((stem, tail))
            if (4..=16).contains(&tail.len())
                && tail.chars().all(|c| c.is_ascii_alphanumeric())
                && (random
                    || tail.chars().any(|c| c.is_ascii_digit())
                    || tail.chars().any(|c| c.is_ascii_uppercase())) =>
        {
            format!("{stem}-*")
        }
        _ => name.to_string(),
    }
}

fn counts(items: &[Item]) -> [usize; 3] {
    severity_counts(items.iter().map(|i| i.severity))
}

/// How many of each severity (info, warning, error) there are.
pub fn severity_counts(severities: impl Iterator<Item = Severity>) -> [usize; 3] {
    let mut c = [0; 3];
    for s in severities {
        c[s as usize] += 1;
    }
    c
}

/// Whether any item is at or above `threshold`.
pub fn any_at_least(items: &[Item], threshold: Severity) -> bool {
    items.iter().any(|i| i.severity >= threshold)
}

/// rustc-style diagnostics with a snippet of the rendered stream.
/// The human report; `summary` adds the closing count line.
pub fn human(items: &[Item], color: bool, summary: bool) -> String {
    // Findings grouped by scope, in order of first appearance, when there
    // are several: each is its own deploy target.
    let order = scope_order(items.iter().map(|i| i.scope.as_deref()));
    let mut ordered: Vec<&Item> = items.iter().collect();
    ordered.sort_by_key(|i| order.rank(i.scope.as_deref()));
    super::into_string(|out| {
        human_batches(
            std::iter::once(ordered),
            color,
            summary.then(|| counts(items)),
            order.grouped(),
            out,
        )
    })
}

/// The scopes of a run in order of first appearance.
pub struct ScopeOrder<'s>(Vec<Option<&'s str>>);

/// The order of the scopes of `scopes`, as they first appear.
pub fn scope_order<'s>(scopes: impl Iterator<Item = Option<&'s str>>) -> ScopeOrder<'s> {
    let mut seen: Vec<Option<&str>> = Vec::new();
    for s in scopes {
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    ScopeOrder(seen)
}

impl ScopeOrder<'_> {
    /// Where `scope` comes among the scopes.
    pub fn rank(&self, scope: Option<&str>) -> usize {
        self.0
            .iter()
            .position(|&s| s == scope)
            .unwrap_or(self.0.len())
    }

    /// Whether the report shows its items by scope: there are several.
    pub fn grouped(&self) -> bool {
        self.0.len() > 1
    }
}

/// Put the findings of each scope together, scopes in order of first
/// appearance, as [`human`] shows them (a stable reorder): whether there
/// are several scopes.
pub fn group_by_scope(model: &crate::model::Model<'_>, findings: &mut [Finding]) -> bool {
    // Each file's scope as items show it.
    let scopes: Vec<Option<std::borrow::Cow<'_, str>>> = model
        .files
        .iter()
        .map(|f| (!f.source.scope.is_empty()).then(|| escape_control(&f.source.scope)))
        .collect();
    let order = scope_order(findings.iter().map(|f| scopes[f.file()].as_deref()));
    if order.grouped() {
        let ranks: Vec<usize> = scopes.iter().map(|s| order.rank(s.as_deref())).collect();
        crate::lint::sort_in_place(findings, |f| ranks[f.file()]);
    }
    order.grouped()
}

/// [`human`] of items that come a batch at a time, already grouped by
/// scope when `grouped`: each batch's blocks are rendered on all cores, then
/// written in order. `summary` has the counts of each severity (info,
/// warning, error), for the closing line.
pub fn human_batches<I: std::borrow::Borrow<Item> + Sync, B: AsRef<[I]>>(
    batches: impl Iterator<Item = B>,
    color: bool,
    summary: Option<[usize; 3]>,
    grouped: bool,
    mut w: impl std::io::Write,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let handlers = Handlers::new(color);
    let mut current: Option<Option<String>> = None;
    for batch in batches {
        let batch = batch.as_ref();
        let blocks: Vec<String> = batch
            .par_iter()
            .map(|i| human_block(&handlers, i.borrow()))
            .collect();
        for (i, block) in batch.iter().zip(blocks) {
            let scope = &i.borrow().scope;
            if grouped && current.as_ref() != Some(scope) {
                writeln!(w, "== scope {} ==\n", scope.as_deref().unwrap_or("-"))?;
                current = Some(scope.clone());
            }
            w.write_all(block.as_bytes())?;
        }
    }
    if let Some(counts) = summary {
        w.write_all(summary_of(counts).as_bytes())?;
    }
    Ok(())
}

/// miette's handler as the human report sets it up, and the same without
/// line wrapping, for items whose texts need none.
struct Handlers {
    wrapping: GraphicalReportHandler,
    plain: GraphicalReportHandler,
    /// Whether blocks are drawn without colour, so that the common one may
    /// be written straight out ([`super::snippet::write_plain`]).
    colorless: bool,
}

impl Handlers {
    fn new(color: bool) -> Self {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let wrapping = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
        Handlers {
            plain: wrapping.clone().with_wrap_lines(false),
            wrapping,
            colorless: !color,
        }
    }

    /// The handler: wrapping (textwrap measures every word of every text,
    /// most of the human report's cost over JSON's) only when a text may
    /// need it ([`wraps`]).
    fn of(&self, wrap: bool) -> &GraphicalReportHandler {
        if wrap { &self.wrapping } else { &self.plain }
    }
}

/// Whether an item's texts may need wrapping.
fn wraps(item: &Item) -> bool {
    !(needs_no_wrapping(&item.message) && needs_no_wrapping(&item.help))
}

/// Widest text line that miette shows unwrapped, with its widest indent
/// (8 columns) within its default width (200, less a margin of 2).
const UNWRAPPED_WIDTH: usize = 190;

/// Whether wrapping `text` would leave it as it is: one line of printable
/// ASCII, not blank, not over [`UNWRAPPED_WIDTH`], with no whitespace at an
/// end or run of it (which wrapping trims or may break at). One pass over
/// its bytes: every finding's texts are asked.
fn needs_no_wrapping(text: &str) -> bool {
    let bytes = text.as_bytes();
    let ends = |b: Option<&u8>| b.is_some_and(|&b| b != b' ');
    bytes.len() <= UNWRAPPED_WIDTH
        && ends(bytes.first())
        && ends(bytes.last())
        && bytes.iter().all(|&b| b.is_ascii_graphic() || b == b' ')
        && !bytes.windows(2).any(|w| w == b"  ")
}

/// One item's block of the human report.
fn human_block(handlers: &Handlers, i: &Item) -> String {
    let wrap = wraps(i);
    let handler = handlers.of(wrap);
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}:{}:{}: {}[{}]",
        i.file,
        i.line,
        i.column,
        i.severity.as_str(),
        i.rule
    );
    let place = i.place();
    if place.in_template {
        let _ = writeln!(out, "  template: {}", place.short());
    } else if let Some(t) = &i.template {
        let _ = writeln!(out, "  template: {t}");
    }
    if !i.values.is_empty() {
        let _ = writeln!(out, "  values: {}", i.values.join(", "));
    }
    let shown = Shown::of(i);
    let written = handlers.colorless && !wrap && shown.write_plain(&mut out);
    if !written {
        let _ = handler.render_report(&mut out, &shown);
    }
    // Secondary places as notes, as rustc shows them: each one line.
    for r in &i.related {
        let _ = writeln!(
            out,
            "  note: {}:{}:{}: {}",
            r.file, r.line, r.column, r.label
        );
    }
    out.push('\n');
    out
}

/// An item as a miette diagnostic, rendered straight by the handler (a
/// `miette::Report` looked up its default handler, and the terminal, per
/// finding).
struct Shown<'i> {
    item: &'i Item,
    severity: miette::Severity,
    label: Option<LabeledSpan>,
    window: crate::error::DocumentSource<'i>,
}

impl<'i> Shown<'i> {
    /// `item` with its snippet: only the lines around the finding, so that
    /// a snippet costs its window, not a scan of the file from its start
    /// (linear in findings).
    fn of(item: &'i Item) -> Self {
        let severity = match item.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        };
        let label = item.snippet_is_short().then(|| {
            let len = if item.end_line == item.line {
                item.span.len()
            } else {
                0
            };
            LabeledSpan::new_primary_with_span(
                Some("here".into()),
                (item.span.start - item.window.start, len),
            )
        });
        Shown {
            item,
            severity,
            label,
            window: crate::error::DocumentSource {
                name: std::borrow::Cow::Borrowed(&item.file),
                text: std::borrow::Cow::Borrowed(&item.window_text),
                first_line: item.line.saturating_sub(1).max(1),
            },
        }
    }

    /// Write the block as miette's colourless handler would, without it,
    /// when it is a case [`super::snippet::write_plain`] knows.
    fn write_plain(&self, out: &mut String) -> bool {
        let icon = match self.severity {
            miette::Severity::Error => "×",
            miette::Severity::Warning => "⚠",
            miette::Severity::Advice => "☞",
        };
        self.label.as_ref().is_some_and(|label| {
            super::snippet::write_plain(
                out,
                icon,
                &self.item.message,
                &self.window,
                *label.inner(),
                label.label().unwrap_or_default(),
                &self.item.help,
            )
        })
    }
}

impl std::fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.item.message)
    }
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.item.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.item.help))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.window)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = self.label.clone()?;
        Some(Box::new(std::iter::once(label)))
    }
}

/// The JSON report, serialised straight from the items (no value tree per
/// finding). Keys in alphabetical order, as they always were.
pub fn json(items: &[Item]) -> String {
    super::into_string(|out| json_to(items, out))
}

/// [`json`], written to `w` as it is made: no copy of the report is held,
/// however many findings it has.
pub fn json_to(items: &[Item], w: &mut impl std::io::Write) -> std::io::Result<()> {
    json_batches(counts(items), std::iter::once(items), w)
}

/// [`json_to`] of items that come a batch at a time ([`Items::batches`]),
/// with `counts` of each severity (info, warning, error) known ahead:
/// one batch of items is held at a time.
pub fn json_batches<B: IntoIterator<Item = E>, E: std::borrow::Borrow<Item>>(
    counts: [usize; 3],
    batches: impl Iterator<Item = B>,
    mut w: impl std::io::Write,
) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Object<'i> {
        kind: &'i str,
        name: &'i str,
        namespace: &'i str,
    }
    #[derive(serde::Serialize)]
    struct Related<'i> {
        column: usize,
        file: &'i str,
        label: &'i str,
        line: usize,
    }
    #[derive(serde::Serialize)]
    struct Edit<'i> {
        column: usize,
        end_column: usize,
        end_line: usize,
        line: usize,
        text: &'i str,
    }
    #[derive(serde::Serialize)]
    struct Fix<'i> {
        description: &'i str,
        edits: Vec<Edit<'i>>,
        file: &'i str,
    }
    #[derive(serde::Serialize)]
    struct Finding<'i> {
        column: usize,
        end_column: usize,
        end_line: usize,
        file: &'i str,
        #[serde(skip_serializing_if = "Option::is_none")]
        fix: Option<Fix<'i>>,
        help: &'i str,
        line: usize,
        message: &'i str,
        object: Object<'i>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        related: Vec<Related<'i>>,
        rule: &'i str,
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<&'i str>,
        severity: &'i str,
        template: Option<&'i str>,
        template_file: Option<&'i str>,
        template_line: Option<usize>,
        values: &'i [String],
    }
    #[derive(serde::Serialize)]
    struct Summary {
        error: usize,
        info: usize,
        warning: usize,
    }
    /// An item as its finding's JSON, made when it is written.
    struct AsJson<E>(E);
    impl<E: std::borrow::Borrow<Item>> serde::Serialize for AsJson<E> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            finding(self.0.borrow()).serialize(s)
        }
    }
    #[derive(serde::Serialize)]
    struct Report<I: serde::Serialize> {
        findings: I,
        summary: Summary,
        version: u32,
    }
    fn finding(i: &Item) -> Finding<'_> {
        Finding {
            column: i.column,
            end_column: i.end_column,
            end_line: i.end_line,
            file: &i.file,
            fix: i.fix.as_ref().map(|f| Fix {
                description: &f.description,
                edits: f
                    .replacements
                    .iter()
                    .map(|r| Edit {
                        column: r.column,
                        end_column: r.end_column,
                        end_line: r.end_line,
                        line: r.line,
                        text: &r.text,
                    })
                    .collect(),
                file: &f.file,
            }),
            help: &i.help,
            line: i.line,
            message: &i.message,
            object: Object {
                kind: &i.object[0],
                name: &i.object[2],
                namespace: &i.object[1],
            },
            related: i
                .related
                .iter()
                .map(|r| Related {
                    column: r.column,
                    file: &r.file,
                    label: &r.label,
                    line: r.line,
                })
                .collect(),
            rule: i.rule,
            scope: i.scope.as_deref(),
            severity: i.severity.as_str(),
            template: i.template.as_deref(),
            template_file: i.template_file.as_deref(),
            template_line: i.template_line,
            values: &i.values,
        }
    }
    let [info, warning, error] = counts;
    let report = Report {
        findings: super::LazySeq::new(batches.flatten().map(AsJson)),
        summary: Summary {
            error,
            info,
            warning,
        },
        version: 1,
    };
    serde_json::to_writer_pretty(&mut w, &report).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

pub fn sarif(items: &[Item]) -> String {
    let rule_index: std::collections::HashMap<&str, usize> = rules::ALL
        .iter()
        .enumerate()
        .map(|(n, r)| (r.id, n))
        .collect();
    let descriptors: Vec<Value> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": camel(r.id),
                "shortDescription": {"text": r.summary()},
                "fullDescription": {"text": r.full_description()},
                "help": {"text": r.remediation(), "markdown": r.documentation()},
                "helpUri": r.docs_url(),
                "defaultConfiguration": {"level": sarif_level(r.default)},
            })
        })
        .collect();
    let results: Vec<Value> = items
        .iter()
        .map(|i| sarif_result(i, rule_index[i.rule]))
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "confsum",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/confsum/confsum",
                "rules": descriptors,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&v).expect("json values serialize");
    s.push('\n');
    s
}

/// One SARIF result: a chart's finding points at the template file in the
/// repository, a rendered one at its line and column.
fn sarif_result(i: &Item, index: usize) -> Value {
    let place = i.place();
    let mut location = json!({"artifactLocation": {"uri": uri(place.file)}});
    match (place.line, place.column) {
        (Some(l), Some(c)) => {
            location["region"] =
                json!({"startLine": l, "startColumn": c, "snippet": {"text": i.snippet()}});
        }
        (Some(l), None) => location["region"] = json!({"startLine": l}),
        _ => {}
    }
    let mut properties = serde_json::Map::new();
    if let Some(t) = &i.template {
        properties.insert("template".into(), json!(t));
    }
    if !i.values.is_empty() {
        properties.insert("values".into(), json!(i.values));
    }
    let mut result = json!({
        "ruleId": i.rule,
        "ruleIndex": index,
        "level": sarif_level(i.severity),
        "message": {"text": format!("{} ({})", i.message, i.help)},
        "locations": [{"physicalLocation": location}],
    });
    if !i.related.is_empty() && !place.in_template {
        result["relatedLocations"] = i
            .related
            .iter()
            .enumerate()
            .map(|(n, r)| {
                json!({
                    "id": n,
                    "message": {"text": r.label},
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&r.file)},
                        "region": {"startLine": r.line, "startColumn": r.column},
                    },
                })
            })
            .collect();
    }
    if !properties.is_empty() {
        result["properties"] = Value::Object(properties);
    }
    if let Some(f) = &i.fix {
        result["fixes"] = json!([{
            "description": {"text": f.description},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri(&f.file)},
                "replacements": f.replacements.iter().map(|r| json!({
                    "deletedRegion": {
                        "startLine": r.line,
                        "startColumn": r.column,
                        "endLine": r.end_line,
                        "endColumn": r.end_column,
                    },
                    "insertedContent": {"text": r.text},
                })).collect::<Vec<_>>(),
            }],
        }]);
    }
    result
}

/// GitHub Actions workflow commands: one annotation per finding.
pub fn github(items: &[Item]) -> String {
    let mut out = String::new();
    for i in items {
        let level = match i.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = format!("{} ({})", i.message, i.help);
        if let Some(t) = &i.template {
            message.push_str(&format!(" [template {t}]"));
        }
        if !i.values.is_empty() {
            message.push_str(&format!(" [values {}]", i.values.join(", ")));
        }
        let place = i.place();
        let mut location = format!("file={}", escape_property(place.file));
        for (name, value) in [
            ("line", place.line),
            ("col", place.column),
            ("endLine", place.end_line),
        ] {
            if let Some(v) = value {
                location.push_str(&format!(",{name}={v}"));
            }
        }
        out.push_str(&format!(
            "::{level} {location},title={}::{}\n",
            escape_property(i.rule),
            escape_data(&message)
        ));
    }
    out
}

/// GitLab Code Quality: the JSON array GitLab reads from a `codequality`
/// report artifact. A chart's finding points at the template file; the
/// fingerprint is stable across runs for the same finding.
pub fn gitlab(items: &[Item]) -> String {
    use sha2::{Digest, Sha256};
    let issues: Vec<Value> = items
        .iter()
        .map(|i| {
            let place = i.place();
            let mut h = Sha256::new();
            for part in [i.rule, place.file, &i.object.join("/"), &i.message] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            json!({
                "description": i.message,
                "check_name": i.rule,
                "fingerprint": hex::encode(h.finalize()),
                "severity": match i.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "location": {"path": place.file, "lines": {"begin": place.line.unwrap_or(1)}},
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).expect("json values serialize");
    s.push('\n');
    s
}

/// JUnit XML, as CI systems show test reports: one failed test case per
/// finding, named by rule and place; one passing case when there is none.
pub fn junit(items: &[Item]) -> String {
    use quick_xml::escape::escape;
    let mut cases = String::new();
    for i in items {
        let place = i.place();
        cases.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}: {}[{}]: {} ({})</failure>\n    </testcase>\n",
            escape(format!("{} {}", i.rule, place.short())),
            escape(place.file),
            escape(i.rule),
            escape(&i.message),
            escape(place.short()),
            i.severity.as_str(),
            escape(i.rule),
            escape(&i.message),
            escape(i.help.as_ref()),
        ));
    }
    if items.is_empty() {
        cases.push_str("    <testcase name=\"no findings\" classname=\"confsum\"/>\n");
    }
    let tests = items.len().max(1);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"confsum\" tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"confsum lint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n{cases}  </testsuite>\n</testsuites>\n",
        failures = items.len(),
    )
}

/// A job summary: counts per rule and the first findings.
pub fn markdown(items: &[Item]) -> String {
    let [info, warning, error] = counts(items);
    let mut out = String::from("## confsum lint\n\n");
    if items.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    out.push_str(&format!(
        "**{error}** errors, **{warning}** warnings, **{info}** info\n\n"
    ));
    out.push_str("| rule | severity | findings |\n|---|---|---|\n");
    let mut per_rule: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
    for i in items {
        per_rule.entry(i.rule).or_insert((i.severity, 0)).1 += 1;
    }
    for (rule, (sev, n)) in &per_rule {
        out.push_str(&format!("| `{rule}` | {} | {n} |\n", sev.as_str()));
    }
    out.push_str("\n### Top findings\n\n");
    let mut top: Vec<&Item> = items.iter().collect();
    top.sort_by_key(|i| std::cmp::Reverse(i.severity));
    for i in top.into_iter().take(20) {
        let at = i.place().short();
        out.push_str(&format!(
            "- **{}** `{}` {} — {}\n",
            i.severity.as_str(),
            i.rule,
            at,
            md_escape(&i.message)
        ));
    }
    if items.len() > 20 {
        out.push_str(&format!("\n…and {} more.\n", items.len() - 20));
    }
    out
}

pub fn summary_line(items: &[Item]) -> String {
    summary_of(counts(items))
}

/// The closing line of a report with `counts` of each severity (info,
/// warning, error).
pub fn summary_of(counts: [usize; 3]) -> String {
    if counts == [0; 3] {
        return "no findings\n".to_string();
    }
    let [info, warning, error] = counts;
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    format!(
        "found {}, {}, {info} info\n",
        plural(error, "error"),
        plural(warning, "warning")
    )
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn camel(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A relative path stays relative (SARIF resolves it against the checkout).
fn uri(path: &str) -> String {
    path.strip_prefix("./")
        .unwrap_or(path)
        .replace('%', "%25")
        .replace(' ', "%20")
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Leaving out wrapping, and miette for the blocks written straight
    /// out ([`Shown::write_plain`]), changes no block: every finding of
    /// every rule fixture, and texts made to be long or odd, render alike
    /// through miette with wrapping whenever [`needs_no_wrapping`] says so
    /// (and it says so for most, and most are written straight out).
    #[test]
    fn blocks_written_plainly_equal_miettes() {
        let handlers = Handlers::new(false);
        // miette alone, wrapping every text.
        let miette = Handlers {
            plain: handlers.wrapping.clone(),
            wrapping: handlers.wrapping.clone(),
            colorless: false,
        };
        let both = |i: &Item| (human_block(&miette, i), human_block(&handlers, i));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
        let (mut plain, mut all, mut real, mut real_plain, mut real_direct) = (0, 0, 0, 0, 0);
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let path = entry.unwrap().into_path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            // Some fixtures are not UTF-8, on purpose.
            let Ok(source) = crate::source::read_file(&path) else {
                continue;
            };
            let sources = [source];
            let Ok(mut a) = crate::analyze_lenient(&sources, "default", &Default::default()) else {
                continue;
            };
            let sums = crate::digest::checksums_lenient(&a.model, &a.graph, None);
            let findings = crate::lint::run(&a, &sums, &Default::default());
            let mut items = items(&mut a, findings, &Default::default());
            real += items.len();
            real_plain += items.iter().filter(|i| !wraps(i)).count();
            real_direct += items
                .iter()
                .filter(|i| !wraps(i) && Shown::of(i).write_plain(&mut String::new()))
                .count();
            let odd = [
                "word ".repeat(60),
                "a  b".into(),
                " lead".into(),
                "trail ".into(),
                "two\n\nparas".into(),
                "ünïcode ".repeat(30),
                "x".repeat(UNWRAPPED_WIDTH),
                format!("{} tail", "y".repeat(UNWRAPPED_WIDTH - 4)),
            ];
            if let Some(first) = items.first().cloned() {
                items.extend(odd.iter().map(|text| Item {
                    message: text.clone(),
                    help: text.clone().into(),
                    ..first.clone()
                }));
            }
            for i in &items {
                all += 1;
                if wraps(i) {
                    continue;
                }
                plain += 1;
                let (wrapped, unwrapped) = both(i);
                assert_eq!(wrapped, unwrapped, "{}", i.message);
            }
        }
        assert!(plain > 100, "{plain} of {all} unwrapped");
        assert!(
            real > 100 && real_plain * 10 > real * 9,
            "{real_plain} of {real} findings unwrapped"
        );
        assert!(
            real_direct * 10 > real * 8,
            "{real_direct} of {real} findings written without miette"
        );
    }

    #[test]
    fn a_random_suffix_is_set_aside_by_its_look_or_by_the_template() {
        assert_eq!(
            without_random_suffix("rel-test-aB3xYz", false),
            "rel-test-*"
        );
        assert_eq!(
            without_random_suffix("rel-test-x7kq2m", false),
            "rel-test-*"
        );
        // `randAlpha 6 | lower` looks like a word: only the template tells.
        assert_eq!(
            without_random_suffix("rel-test-qwerty", false),
            "rel-test-qwerty"
        );
        assert_eq!(without_random_suffix("rel-test-qwerty", true), "rel-test-*");
        assert_eq!(without_random_suffix("rel-test-db", true), "rel-test-db");
        assert_eq!(without_random_suffix("plain", true), "plain");
    }
}
