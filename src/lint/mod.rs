//! The lint stage: rules over the graph, each in its own file under
//! `rules/`, each reporting on its own object with a byte span. Hands a
//! sorted list of [`Finding`]s to `report`.

pub mod config;
pub mod coverage;
pub mod rules;
pub mod usage;

use std::borrow::Cow;
use std::ops::Range;

use crate::Analysis;
use crate::digest::Checksums;
use crate::model::{ObjId, Object};
use crate::yaml::{Document, NodeId};

pub use config::LintConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// What a rule needs to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Rendered manifests (files, stdin, a chart's render).
    Rendered,
    /// A chart: its templates as well as its render.
    Chart,
}

/// Where the rules' documentation is published; each rule has an anchor.
pub const DOCS_BASE: &str = "https://github.com/confsum/confsum/blob/main/docs/rules.md";

/// A rule: its id, default severity, documentation, scope and check. The
/// doc comment is the single source of its texts: summary, remediation and
/// the pages of `confsum explain` and docs/rules.md come from it.
pub struct Rule {
    pub id: &'static str,
    pub default: Severity,
    /// The rule's doc comment, verbatim (`## What it does` ...).
    pub doc: &'static str,
    pub check: fn(&Context<'_, '_>, &mut Reporter),
    pub scope: Scope,
    /// The texts of a rule that may report on every object of a kind
    /// ([`Reporter::report_fixed`]).
    pub fixed: Option<&'static Fixed>,
    /// Whether the rule's check runs once per workload, with its tree,
    /// and once over the other objects: every rule that reads workloads'
    /// trees and compares none, so that lint holds one dense tree at a
    /// time, not all of them. Such a rule reads objects only through
    /// [`Context::workloads`] and [`Context::objects`]. Any other rule
    /// runs once over every object, and reads a workload's tree, if at
    /// all, for a moment ([`Document::with_tree`]).
    pub per_workload: bool,
}

impl Rule {
    /// The doc comment with the leading space of each line removed.
    pub fn documentation(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// What to do instead: the `Use instead:` paragraph of the example.
    pub fn remediation(&self) -> String {
        let doc = self.documentation();
        let Some(at) = doc.find("Use instead:") else {
            return String::new();
        };
        doc[at + "Use instead:".len()..]
            .split("\n\n")
            .next()
            .unwrap_or("")
            .trim()
            .replace('\n', " ")
    }

    /// The rule's page: its section of docs/rules.md.
    pub fn docs_url(&self) -> String {
        format!("{DOCS_BASE}#{}", self.id)
    }

    /// The first sentence of `## What it does`.
    pub fn summary(&self) -> String {
        let doc = self.documentation();
        let body = doc.split("## What it does").nth(1).unwrap_or(&doc);
        let para: String = body
            .trim()
            .split("\n\n")
            .next()
            .unwrap_or("")
            .replace('\n', " ");
        match para.find(". ") {
            Some(i) => para[..=i].to_string(),
            None => para,
        }
    }

    /// The `## What it does` and `## Why is this bad?` sections, for SARIF's full description.
    pub fn full_description(&self) -> String {
        let doc = self.documentation();
        let end = doc.find("## Example").unwrap_or(doc.len());
        doc[..end]
            .replace("## What it does\n", "")
            .replace("## Why is this bad?\n", "")
            .trim()
            .to_string()
    }
}

/// One problem found. 32 bytes: a rule that reports on every object
/// (unused-config on 250k ConfigMaps) holds one per object until the
/// report is written. Its rule is an index; its span's length 32 bits (a
/// span is within one document, under 4 GiB); its texts are the rule's
/// fixed texts ([`Rule::fixed`]), or its own, boxed with what few
/// findings have (other places, a fix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    span_start: usize,
    span_len: u32,
    /// Index of the source ([`Finding::file`]).
    file_at: u32,
    /// The object reported on ([`Finding::object`]), or [`NO_OBJECT`].
    object_at: u32,
    /// Index of the rule in [`rules::ALL`] ([`Finding::rule`]).
    rule_at: u8,
    pub severity: Severity,
    /// Its own texts; none for the rule's fixed texts.
    own: Option<Box<Own>>,
}

/// [`Finding::object_at`] of a finding on a document that is no object.
const NO_OBJECT: u32 = u32::MAX;

/// A finding's own texts, exact in size, and what fewer findings have.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Own {
    message: Box<str>,
    help: Help,
    extra: Option<Box<Extra>>,
}

impl Own {
    /// Texts with no other place and no fix, yet.
    fn boxed(message: Box<str>, help: Help) -> Box<Own> {
        Box::new(Own {
            message,
            help,
            extra: None,
        })
    }
}

/// Other places and a fix.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Extra {
    related: Vec<Related>,
    fix: Option<FixRequest>,
}

/// Fixed texts about a finding's object, for a rule that may report on
/// every object of a kind (unused-config on 250k ConfigMaps): no text is
/// held per finding, and the object's kind and name are put in
/// ([`OBJECT`]) when it is shown.
#[derive(Debug, PartialEq, Eq)]
pub struct Fixed {
    /// [`OBJECT`] in the text stands for the object's kind and name.
    pub message: &'static str,
    pub help: &'static str,
}

impl Finding {
    /// The rule's id.
    pub fn rule(&self) -> &'static str {
        self.of_rule().id
    }

    fn of_rule(&self) -> &'static Rule {
        rules::ALL[self.rule_at as usize]
    }

    /// The bytes it points at in its source.
    pub fn span(&self) -> Range<usize> {
        self.span_start..self.span_start + self.span_len as usize
    }

    /// The rule's fixed texts, for a finding with none of its own.
    fn fixed(&self) -> &'static Fixed {
        self.of_rule()
            .fixed
            .expect("a finding without texts of its own is of a rule with fixed texts")
    }

    /// What the finding says, as shown.
    pub fn message<'m>(&'m self, model: &crate::model::Model<'_>) -> Cow<'m, str> {
        match &self.own {
            Some(own) => Cow::Borrowed(&own.message),
            None => Cow::Owned(about(
                self.fixed().message,
                self.object().map(|o| &model.objects[o]),
            )),
        }
    }

    /// How to fix it.
    pub fn help(&self) -> &str {
        match &self.own {
            Some(own) => &own.help,
            None => self.fixed().help,
        }
    }

    /// The message and help as shown, moved out of the finding (`object`
    /// is the one it reports on): an own text is not copied.
    pub fn into_texts(self, object: Option<&Object>) -> (String, Cow<'static, str>) {
        match self.own {
            Some(own) => (own.message.into_string(), own.help.into()),
            None => {
                let fixed = self.fixed();
                (about(fixed.message, object), Cow::Borrowed(fixed.help))
            }
        }
    }

    /// Index of the source.
    pub fn file(&self) -> usize {
        self.file_at as usize
    }

    /// The object reported on; none for a document that is no object
    /// (`invalid-object`).
    pub fn object(&self) -> Option<ObjId> {
        (self.object_at != NO_OBJECT).then_some(self.object_at as usize)
    }

    /// Other places that explain the finding (the object that lacks a key).
    pub fn related(&self) -> &[Related] {
        self.own
            .as_ref()
            .and_then(|own| own.extra.as_ref())
            .map_or(&[], |extra| &extra.related)
    }

    /// What would fix it in a chart's templates, when the rule knows.
    pub fn fix(&self) -> Option<&FixRequest> {
        self.own.as_ref()?.extra.as_ref()?.fix.as_ref()
    }

    /// The finding's other places and fix, with its own texts made from
    /// the fixed ones when it has none.
    fn extra(&mut self, objects: &[Object]) -> &mut Extra {
        if self.own.is_none() {
            let fixed = self.fixed();
            let object = self.object().map(|o| &objects[o]);
            self.own = Some(Own::boxed(
                about(fixed.message, object).into(),
                Help::Fixed(fixed.help),
            ));
        }
        let own = self.own.as_mut().expect("made above");
        own.extra.get_or_insert_default()
    }
}

/// How to fix a finding: most rules' help is a fixed text, borrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Help {
    Fixed(&'static str),
    Own(Box<str>),
}

impl std::ops::Deref for Help {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Help::Fixed(text) => text,
            Help::Own(text) => text,
        }
    }
}

impl std::fmt::Display for Help {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl From<&'static str> for Help {
    fn from(text: &'static str) -> Self {
        Help::Fixed(text)
    }
}

impl From<String> for Help {
    fn from(text: String) -> Self {
        Help::Own(text.into())
    }
}

impl From<Help> for Cow<'static, str> {
    fn from(help: Help) -> Self {
        match help {
            Help::Fixed(text) => Cow::Borrowed(text),
            Help::Own(text) => Cow::Owned(text.into_string()),
        }
    }
}

/// Where a [`Fixed`] message names its object.
pub const OBJECT: &str = "{object}";

fn about(text: &str, object: Option<&Object>) -> String {
    text.replace(OBJECT, &object.map(object_name).unwrap_or_default())
}

/// A fix in terms of the render: the workload whose template should hash
/// the templates of the objects it reads (config-change-no-rollout). The
/// fix stage makes it an edit of the chart's files, or says why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixRequest {
    pub workload: ObjId,
    /// The objects whose templates to hash.
    pub objects: Vec<ObjId>,
}

/// A secondary place of a finding, with what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub file: usize,
    pub span: Range<usize>,
    pub label: String,
}

/// What rules see: the analysis, the checksums, the configuration, and
/// which objects this call of the check is about ([`Pass`]).
pub struct Context<'m, 'a> {
    pub analysis: &'m Analysis<'a>,
    pub checksums: &'m [Checksums],
    pub config: &'m LintConfig,
    /// A second render of the same chart with the same values, for rules of
    /// `Scope::Chart` that compare renders.
    pub rerender: Option<&'m Analysis<'m>>,
    /// The chart's template files behind the render, when linting a chart.
    pub templates: Option<&'m crate::source::TemplateFiles>,
    /// How config is used besides the graph's references, indexed on first
    /// use and shared by every pass.
    usage: &'m std::sync::OnceLock<usage::Index>,
    pass: Pass<'m, 'a>,
}

/// Which objects one call of a rule's check sees.
#[derive(Clone, Copy)]
enum Pass<'m, 'a> {
    /// Every object, for a rule that compares them ([`Rule::per_workload`]
    /// unset).
    Whole,
    /// One workload, `graph.workloads[at]`, with its tree: held, or parsed
    /// for this pass alone, so that lint holds one dense tree at a time.
    Workload { at: usize, doc: &'m Document<'a> },
    /// Every object but the workloads, each of which had its own pass.
    Rest,
}

/// What every pass of the rules reads: the analysis, the checksums, the
/// configuration, a second render and the chart's template files.
type Shared<'m, 'a> = (
    &'m Analysis<'a>,
    &'m [Checksums],
    &'m LintConfig,
    Option<&'m Analysis<'m>>,
    Option<&'m crate::source::TemplateFiles>,
);

impl<'m, 'a> Context<'m, 'a> {
    /// A context of the rest's pass, asking `usage`.
    fn new(
        (analysis, checksums, config, rerender, templates): Shared<'m, 'a>,
        usage: &'m std::sync::OnceLock<usage::Index>,
    ) -> Self {
        Context {
            analysis,
            checksums,
            config,
            rerender,
            templates,
            usage,
            pass: Pass::Rest,
        }
    }

    /// This context for another pass.
    fn in_pass<'p>(&'p self, pass: Pass<'p, 'a>) -> Context<'p, 'a> {
        Context {
            analysis: self.analysis,
            checksums: self.checksums,
            config: self.config,
            rerender: self.rerender,
            templates: self.templates,
            usage: self.usage,
            pass,
        }
    }

    /// How config is used besides the graph's references.
    pub fn usage(&self) -> usage::Usage<'_, 'a> {
        let model = &self.analysis.model;
        usage::Usage::new(model, self.usage.get_or_init(|| usage::Index::build(model)))
    }

    /// The object's document: in a workload's pass, that workload's with
    /// its tree.
    pub fn doc(&self, obj: ObjId) -> &Document<'a> {
        match self.pass {
            Pass::Workload { at, doc } if self.analysis.graph.workloads[at].object == obj => doc,
            _ => self.analysis.model.doc(&self.analysis.model.objects[obj]),
        }
    }

    pub fn object(&self, obj: ObjId) -> &Object {
        &self.analysis.model.objects[obj]
    }

    /// The workloads this pass sees, with their checksums: one in a
    /// workload's pass, none in the rest's, all in the whole's.
    pub fn workloads(&self) -> impl Iterator<Item = (&crate::graph::Workload, &Checksums)> {
        let workloads = &self.analysis.graph.workloads;
        let seen = match self.pass {
            Pass::Whole => 0..workloads.len(),
            Pass::Workload { at, .. } => at..at + 1,
            Pass::Rest => 0..0,
        };
        debug_assert_eq!(
            workloads.len(),
            self.checksums.len(),
            "a checksum per workload"
        );
        workloads[seen.clone()].iter().zip(&self.checksums[seen])
    }

    /// The objects this pass sees, with their index: in a workload's pass
    /// that workload, in the rest's every other object.
    pub fn objects(&self) -> impl Iterator<Item = (ObjId, &Object)> {
        let objects = &self.analysis.model.objects;
        let (seen, all_kinds) = match self.pass {
            Pass::Whole => (0..objects.len(), true),
            Pass::Workload { at, .. } => {
                let obj = self.analysis.graph.workloads[at].object;
                (obj..obj + 1, true)
            }
            Pass::Rest => (0..objects.len(), false),
        };
        objects[seen.clone()]
            .iter()
            .zip(seen)
            .filter(move |(o, _)| all_kinds || !matches!(o.kind, crate::model::Kind::Workload(_)))
            .map(|(o, i)| (i, o))
    }

    pub fn name(&self, obj: ObjId) -> String {
        object_name(self.object(obj))
    }

    /// The workload's pod template ([`crate::model::Model::pod_template`]),
    /// read in this pass's tree.
    pub fn pod_template(&self, obj: ObjId) -> Option<NodeId> {
        self.analysis
            .model
            .pod_template_in(self.doc(obj), self.object(obj))
    }

    /// The workload's pod spec ([`crate::model::Model::pod_spec_in`]), read
    /// in this pass's tree.
    pub fn pod_spec(&self, obj: ObjId) -> Option<NodeId> {
        self.analysis
            .model
            .pod_spec_in(self.doc(obj), self.object(obj))
    }

    /// [`crate::model::Model::not_injectable_in`], in this pass's tree.
    pub fn not_injectable(&self, obj: ObjId) -> Option<crate::model::NotInjectable> {
        self.analysis
            .model
            .not_injectable_in(self.doc(obj), self.object(obj))
    }

    /// Whether confsum writes checksums into this workload's pod template
    /// ([`crate::model::Model::is_injectable`]), in this pass's tree.
    pub fn is_injectable(&self, obj: ObjId) -> bool {
        self.analysis
            .model
            .is_injectable_in(self.doc(obj), self.object(obj))
    }

    /// [`crate::model::Model::is_helm_test_in`], in this pass's tree.
    pub fn is_helm_test(&self, obj: ObjId) -> bool {
        self.analysis
            .model
            .is_helm_test_in(self.doc(obj), self.object(obj))
    }

    /// Whether the object is a Helm hook ([`crate::model::is_helm_hook_in`]),
    /// in this pass's tree.
    pub fn is_helm_hook(&self, obj: ObjId) -> bool {
        crate::model::is_helm_hook_in(self.doc(obj), self.object(obj))
    }
}

/// How findings name an object: its kind and name.
fn object_name(o: &Object) -> String {
    format!("{} `{}`", o.kind_name(), o.name)
}

/// Collects the findings of one rule.
pub struct Reporter {
    /// Index of the rule in [`rules::ALL`].
    rule_at: u8,
    severity: Severity,
    found: Vec<Finding>,
}

impl Reporter {
    /// Report on `obj`, pointing at `node` of its document.
    pub fn report(
        &mut self,
        ctx: &Context<'_, '_>,
        obj: ObjId,
        node: NodeId,
        message: impl Into<String>,
        help: impl Into<Help>,
    ) {
        let span = ctx.doc(obj).node(node).span.clone();
        self.report_span(ctx, obj, span, message, help);
    }

    pub fn report_span(
        &mut self,
        ctx: &Context<'_, '_>,
        obj: ObjId,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<Help>,
    ) {
        let own = Own::boxed(message.into().into(), help.into());
        self.push(ctx.object(obj).file(), Some(obj), span, Some(own));
    }

    /// Report on `obj`, at `span`, with the rule's fixed texts
    /// ([`Rule::fixed`]): no text is held per finding.
    pub fn report_fixed(&mut self, ctx: &Context<'_, '_>, obj: ObjId, span: Range<usize>) {
        self.push(ctx.object(obj).file(), Some(obj), span, None);
    }

    /// Report a document that is no object: at `offset` of source `file`.
    pub fn report_broken(&mut self, b: &crate::model::Broken, help: impl Into<Help>) {
        let own = Own::boxed(b.message.as_str().into(), help.into());
        self.push(b.file, None, b.offset..b.offset, Some(own));
    }

    fn push(&mut self, file: usize, obj: Option<ObjId>, span: Range<usize>, own: Option<Box<Own>>) {
        self.found.push(Finding {
            span_start: span.start,
            span_len: u32::try_from(span.len()).expect("a span within a document, under 4 GiB"),
            file_at: crate::model::index32(file),
            object_at: obj.map_or(NO_OBJECT, crate::model::index32),
            rule_at: self.rule_at,
            severity: self.severity,
            own,
        });
    }

    /// Attach a fix to the finding just reported.
    pub fn fix(&mut self, ctx: &Context<'_, '_>, request: FixRequest) {
        if let Some(f) = self.found.last_mut() {
            f.extra(&ctx.analysis.model.objects).fix = Some(request);
        }
    }

    /// Lower the finding just reported to at most `severity`: for a case
    /// the rule cannot be sure of.
    pub fn at_most(&mut self, severity: Severity) {
        if let Some(f) = self.found.last_mut() {
            f.severity = f.severity.min(severity);
        }
    }

    /// Add a secondary place to the finding just reported: `node` of
    /// `obj`'s document, labelled.
    pub fn related(&mut self, ctx: &Context<'_, '_>, obj: ObjId, node: NodeId, label: String) {
        let span = ctx.doc(obj).node(node).span;
        self.related_span(ctx, obj, span, label);
    }

    /// [`Reporter::related`] at `span` of `obj`'s document.
    pub fn related_span(
        &mut self,
        ctx: &Context<'_, '_>,
        obj: ObjId,
        span: Range<usize>,
        label: String,
    ) {
        if let Some(f) = self.found.last_mut() {
            f.extra(&ctx.analysis.model.objects).related.push(Related {
                file: ctx.object(obj).file(),
                span,
                label,
            });
        }
    }
}

/// Run every enabled rule, drop suppressed findings, sort by position.
pub fn run(analysis: &Analysis<'_>, checksums: &[Checksums], config: &LintConfig) -> Vec<Finding> {
    run_with_rerender(analysis, checksums, config, None)
}

/// [`run`], with a second render of the same chart and values for the
/// rules that compare renders (nondeterministic-config).
pub fn run_with_rerender(
    analysis: &Analysis<'_>,
    checksums: &[Checksums],
    config: &LintConfig,
    rerender: Option<&Analysis<'_>>,
) -> Vec<Finding> {
    run_with(analysis, checksums, config, rerender, None)
}

/// [`run_with_rerender`], with the chart's template files, which rules
/// read to see what a `checksum/*` annotation hashes.
pub fn run_with(
    analysis: &Analysis<'_>,
    checksums: &[Checksums],
    config: &LintConfig,
    rerender: Option<&Analysis<'_>>,
    templates: Option<&crate::source::TemplateFiles>,
) -> Vec<Finding> {
    let enabled: Vec<(u8, &Rule, Severity)> = rules::ALL
        .iter()
        .enumerate()
        .filter_map(|(at, rule)| {
            let at = u8::try_from(at).expect("under 256 rules");
            Some((at, *rule, config.severity(rule)?))
        })
        .collect();
    // Rules are independent: run them on all cores, then sort. Each rule
    // once, over the objects it sees then; and the rules that read
    // workloads once per workload, which holds its tree for that alone.
    use rayon::prelude::*;
    let shared = (analysis, checksums, config, rerender, templates);
    let usage = std::sync::OnceLock::new();
    let ctx = Context::new(shared, &usage);
    let mut found: Vec<Vec<Finding>> = enabled
        .par_iter()
        .map(|&(at, rule, severity)| {
            let pass = if rule.per_workload {
                Pass::Rest
            } else {
                Pass::Whole
            };
            check(&ctx.in_pass(pass), at, rule, severity)
        })
        .collect();
    // Only whole-input rules ask how config is used (unused-config,
    // missing-object): its index goes before the workloads' passes add
    // their findings (a rule that asked there would index it again).
    drop(usage);
    let usage = std::sync::OnceLock::new();
    let ctx = Context::new(shared, &usage);
    let per_workload: Vec<_> = enabled.iter().filter(|(_, r, _)| r.per_workload).collect();
    let model = &analysis.model;
    found.extend(
        (0..analysis.graph.workloads.len())
            .into_par_iter()
            .fold(Vec::new, |mut found, at| {
                let o = &model.objects[analysis.graph.workloads[at].object];
                model.doc(o).with_tree(|doc| {
                    let ctx = ctx.in_pass(Pass::Workload { at, doc });
                    for &&(rule_at, rule, severity) in &per_workload {
                        found.append(&mut check(&ctx, rule_at, rule, severity));
                    }
                });
                found
            })
            .collect::<Vec<_>>(),
    );
    // Into the largest buffer, which grows in place: no second copy of
    // 250k findings of one rule.
    let largest = (0..found.len()).max_by_key(|&i| found[i].len());
    let mut findings = largest.map_or_else(Vec::new, |i| found.swap_remove(i));
    findings.reserve_exact(found.iter().map(Vec::len).sum());
    for mut more in found {
        findings.append(&mut more);
    }
    sort_in_place(&mut findings, |f| (f.file_at, f.span_start, f.rule()));
    findings.dedup();
    findings
}

/// One rule's check in one pass: its findings that are about a given file
/// and not suppressed.
fn check(ctx: &Context<'_, '_>, rule_at: u8, rule: &Rule, severity: Severity) -> Vec<Finding> {
    let mut reporter = Reporter {
        rule_at,
        severity,
        found: Vec::new(),
    };
    (rule.check)(ctx, &mut reporter);
    if !reporter.found.is_empty() {
        crate::progress::found(reporter.found.len());
    }
    // Whether an object silences the rule, asked once for a run of its
    // findings (one pod may have 50k).
    let mut last: Option<(ObjId, bool)> = None;
    reporter.found.retain(|f| {
        touches_given(ctx, f)
            && !match (f.object(), last) {
                (Some(obj), Some((seen, silenced))) if obj == seen => silenced,
                (obj, _) => {
                    let silenced = suppressed(ctx, f);
                    last = obj.map(|obj| (obj, silenced));
                    silenced
                }
            }
    });
    reporter.found
}

/// Sort `items` by `key`, stably, with no copy of them: their indices are
/// sorted (by key, then index), and the items moved into that order along
/// its cycles. A stable sort of 250k findings held half of them again.
pub(crate) fn sort_in_place<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K + Sync)
where
    T: Sync,
{
    use rayon::prelude::*;
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.par_sort_unstable_by(|&a, &b| key(&items[a]).cmp(&key(&items[b])).then(a.cmp(&b)));
    // Position `j` takes the item at `order[j]`; a placed position is
    // marked by pointing at itself.
    for start in 0..items.len() {
        let mut j = start;
        loop {
            let from = order[j];
            order[j] = j;
            if from == start {
                break;
            }
            items.swap(j, from);
            j = from;
        }
    }
}

/// Whether lint reads nothing of an object but its names, and of a
/// ConfigMap its data as read while parsing, so that its tree can go as
/// soon as it is parsed ([`crate::model::Release::Inert`]): an object with
/// no duplicate key, no `confsum.dev/ignore` annotation, too short to pass
/// the client-side apply limit, and either
/// - of no kind the graph or RBAC reads, with no scalar that may name a
///   ConfigMap or Secret, or
/// - a ConfigMap on which no rule of its own data reports
///   ([`quiet_configmap`]).
///
/// A stream of 250k Services or ConfigMaps then holds objects, not trees.
/// What reads an inert ConfigMap's tree all the same (a checksum that
/// covers it, a finding that points into it) parses it again.
pub fn inert(doc: &Document<'_>, o: &Object) -> bool {
    use crate::model::{ConfigKind, Kind};
    let of_kind = match o.kind {
        // A role or binding holds what RBAC and usage read of it
        // ([`crate::model::rbac::RbacFacts`]).
        Kind::Other => crate::model::rbac::is_rbac(o) || !usage::may_name_config(doc),
        Kind::Config(ConfigKind::ConfigMap) => quiet_configmap(doc, o),
        _ => false,
    };
    of_kind
        && doc.duplicate_keys().is_empty()
        && doc
            .path(o.node, &["metadata", "annotations", IGNORE_ANNOTATION])
            .is_none()
        && !rules::object_too_large_for_client_apply::may_pass_limit(doc)
}

/// Whether no rule that reads a ConfigMap's own data reports on it: no
/// `immutable`, no key in both `data` and `binaryData`, no invalid key or
/// base64, every `data` value a string that does not look like a
/// credential, no label merged in with `<<`, and no value an alias (so
/// that its data is at most twice its document's bytes, for the size
/// rules). Those rules skip an inert ConfigMap ([`rules::configs`]).
fn quiet_configmap(doc: &Document<'_>, o: &Object) -> bool {
    use crate::yaml::{NodeKind, ScalarType};
    let Some(data) = o.data_read() else {
        return false;
    };
    let node = o.node;
    let both = doc.get(node, "data").is_some() && doc.get(node, "binaryData").is_some();
    if both || data.bad_base64().is_some() || doc.get(node, "immutable").is_some() {
        return false;
    }
    // Labels are read from the data, which holds those written in place.
    let merged_labels = doc
        .path(node, &["metadata", "labels"])
        .is_some_and(|l| doc.get(l, "<<").is_some());
    if merged_labels {
        return false;
    }
    data.written().iter().all(|e| {
        let key = doc.scalar(e.key).unwrap_or("");
        let plain_value = !matches!(doc.node(e.value).kind, NodeKind::Alias { .. });
        let in_data = e.field() == "data";
        rules::invalid_data_key::is_valid_data_key(key)
            && plain_value
            && (!in_data
                || (doc.scalar_type(e.value) == Some(ScalarType::Str)
                    && crate::secrets::looks_like_credential(
                        key,
                        doc.scalar(e.value).unwrap_or(""),
                    )
                    .is_none()))
    })
}

/// Whether a finding is about a given file, not only about files read for
/// their scope (`--whole-scope`): its place or one of its related places.
fn touches_given(ctx: &Context<'_, '_>, f: &Finding) -> bool {
    let files = &ctx.analysis.model.files;
    std::iter::once(f.file())
        .chain(f.related().iter().map(|r| r.file))
        .any(|i| !files[i].source.context)
}

/// `confsum.dev/ignore: "id,id"` on the object or its pod template, or an
/// `ignore:` entry of the configuration.
fn suppressed(ctx: &Context<'_, '_>, f: &Finding) -> bool {
    let model = &ctx.analysis.model;
    let Some((at, obj)) = f.object().map(|o| (o, &model.objects[o])) else {
        return ctx.config.ignores_source(model.files[f.file()].source);
    };
    if ctx.config.ignores(model.source(obj), obj) {
        return true;
    }
    if obj.inert {
        return false;
    }
    // A workload a whole-input rule reports on may have let its tree go:
    // it is parsed for this alone.
    ctx.doc(at).with_tree(|doc| {
        let listed = |node: Option<NodeId>| {
            node.and_then(|n| doc.str_at(n, &["metadata", "annotations", IGNORE_ANNOTATION]))
                .is_some_and(|ids| {
                    ids.split(',')
                        .any(|id| id.trim() == f.rule() || id.trim() == "all")
                })
        };
        listed(Some(obj.node)) || listed(model.pod_template_in(doc, obj))
    })
}

pub const IGNORE_ANNOTATION: &str = "confsum.dev/ignore";

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding per object of 250k is held until the report is written.
    #[test]
    fn a_finding_stays_small() {
        assert!(std::mem::size_of::<Finding>() <= 32);
    }

    /// Sorting in place orders as the standard stable sort does: equal
    /// keys keep their order.
    #[test]
    fn sort_in_place_is_a_stable_sort() {
        // A fixed pseudo-random sequence of (key, position) pairs, with
        // many equal keys.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in [0, 1, 2, 3, 10, 1000] {
            let items: Vec<(u64, usize)> = (0..len)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % 7, i)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(k, _)| k);
            let mut sorted = items;
            sort_in_place(&mut sorted, |&(k, _)| k);
            assert_eq!(sorted, expected, "{len} items");
        }
    }
    use crate::{digest, graph, model, source::Source};

    /// The analysis lint makes, but with every tree kept (none inert).
    fn keeping_every_tree(sources: &[Source]) -> Analysis<'_> {
        let parsed = model::parse_lenient(sources, "default", model::Release::Nothing);
        let model = model::Model::build_lenient(parsed.unwrap()).unwrap();
        let graph = graph::Graph::build_with(&model, &Default::default());
        Analysis { model, graph }
    }

    /// A finding with its rule's fixed texts that is given another place
    /// keeps what it says, as texts of its own.
    #[test]
    fn a_fixed_finding_given_another_place_says_the_same() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\
                    apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n";
        let sources = [Source::new("-", None, text.to_string())];
        let a = keeping_every_tree(&sources);
        let config = LintConfig::default();
        let usage = std::sync::OnceLock::new();
        let ctx = Context::new((&a, &[], &config, None, None), &usage);
        let at = rules::ALL.iter().position(|r| r.fixed.is_some()).unwrap();
        let mut r = Reporter {
            rule_at: at as u8,
            severity: Severity::Info,
            found: Vec::new(),
        };
        r.report_fixed(&ctx, 0, 0..1);
        let fixed = r.found[0].clone();
        r.related(&ctx, 1, a.model.objects[1].node, "here".to_string());
        let given = &r.found[0];
        assert!(fixed.message(&a.model).contains("ConfigMap `a`"));
        assert_eq!(given.message(&a.model), fixed.message(&a.model));
        assert_eq!(given.help(), fixed.help());
        assert_eq!(given.rule(), fixed.rule());
        assert_eq!(given.span(), 0..1);
        assert!(fixed.related().is_empty());
        assert_eq!(given.related().len(), 1);
        assert_eq!(given.related()[0].label, "here");
        let (message, help) = given.clone().into_texts(Some(&a.model.objects[0]));
        assert_eq!(
            (message.as_str(), &*help),
            (&*fixed.message(&a.model), fixed.help())
        );
    }

    /// Letting go of inert objects' trees, and of dense workloads' (read in
    /// a pass of the rules each), changes no finding: every fixture (and
    /// every corpus chart, where `../shared` is) linted with and without
    /// it gives the same findings; and no workload tree let go is held
    /// after.
    #[test]
    fn inert_objects_lint_alike_with_or_without_their_trees() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut files, mut inert, mut dense_workloads) = (0, 0, 0);
        let walk = |dir: &str| walkdir::WalkDir::new(root.join(dir)).sort_by_file_name();
        let entries = walk("fixtures").into_iter().map(Result::unwrap);
        // The corpus is there in CI and a work tree, not in a bare clone.
        let corpus = walk("../shared/corpus/rendered")
            .into_iter()
            .filter_map(Result::ok);
        for entry in entries.chain(corpus) {
            let path = entry.into_path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            // Some fixtures are not UTF-8, on purpose.
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let sources = [Source::new("in.yaml", Some(path.clone()), text)];
            let Ok(lean) = crate::analyze_lenient(&sources, "default", &Default::default()) else {
                continue;
            };
            let full = keeping_every_tree(&sources);
            let lint = |a: &Analysis<'_>| {
                let sums = digest::checksums_lenient(&a.model, &a.graph, None);
                run_with(a, &sums, &LintConfig::default(), None, None)
            };
            let let_go = |a: &Analysis<'_>| -> Vec<usize> {
                let workloads = a.graph.workloads.iter().map(|w| w.object);
                workloads
                    .filter(|&w| !a.model.doc(&a.model.objects[w]).holds_tree())
                    .collect()
            };
            let dense = let_go(&lean);
            assert_eq!(lint(&lean), lint(&full), "{}", path.display());
            // Read in passes of their own, and let go after each.
            assert_eq!(let_go(&lean), dense, "{}", path.display());
            files += 1;
            inert += lean.model.objects.iter().filter(|o| o.inert).count();
            dense_workloads += dense.len();
            assert!(full.model.objects.iter().all(|o| !o.inert));
        }
        assert!(
            files > 100 && inert > 0 && dense_workloads > 0,
            "{files} files, {inert} inert objects, {dense_workloads} dense workloads"
        );
    }

    #[test]
    fn what_lint_reads_is_not_inert() {
        let text = "\
apiVersion: v1
kind: Service
metadata: {name: plain}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: ignored, annotations: {confsum.dev/ignore: unused-config}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: tls}
spec: {tls: [{secretName: cert}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r}
---
apiVersion: v1
kind: Service
metadata: {name: twice, name: again}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data: {a: b, c.d_e-f: \"g\"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: binary}
binaryData: {h: aGk=}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: number}
data: {a: 1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: credential}
data: {password: hunter2-correct-horse}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: key}
data: {a b: c}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: immutable}
immutable: false
---
apiVersion: v1
kind: ConfigMap
metadata: {name: alias}
data: {a: &x b, c: *x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: both}
data: {a: b}
binaryData: {c: aGk=}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: base64}
binaryData: {c: '!!'}
---
apiVersion: v1
kind: Secret
metadata: {name: secret}
stringData: {a: b}
";
        let sources = [Source::new("-", None, text)];
        let a = crate::analyze_lenient(&sources, "default", &Default::default()).unwrap();
        let inert: Vec<(&str, bool)> = a
            .model
            .objects
            .iter()
            .map(|o| (o.name.as_str(), o.inert))
            .collect();
        assert_eq!(
            inert,
            [
                ("plain", true),
                ("ignored", false),
                ("tls", false),
                // A role holds what RBAC and usage read of it.
                ("r", true),
                ("again", false),
                ("c", true),
                ("binary", true),
                ("number", false),
                ("credential", false),
                ("key", false),
                ("immutable", false),
                ("alias", false),
                ("both", false),
                ("base64", false),
                ("secret", false),
            ]
        );
        let held: Vec<bool> = a.model.files[0]
            .docs
            .iter()
            .map(|d| d.holds_tree())
            .collect();
        let mut expected = [true; 15];
        for inert in [0, 3, 5, 6] {
            expected[inert] = false;
        }
        assert_eq!(held, expected);
    }

    /// The rules that still read an inert ConfigMap (unused-config, the
    /// size rules, missing-key's note, a checksum) find what they find
    /// with its tree: a ConfigMap no one reads, one over a small size
    /// share, one a workload reads a missing key of.
    #[test]
    fn inert_configmaps_lint_alike_with_or_without_their_trees() {
        let text = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: unread}
data: {a: b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: dashboard, labels: {app: x, grafana_dashboard: \"1\"}}
data: {a: b}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: big
data:
  a: \"\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\\L\"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: read}
data: {a: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: c
        image: x
        env:
        - {name: A, valueFrom: {configMapKeyRef: {name: read, key: a}}}
        - {name: B, valueFrom: {configMapKeyRef: {name: read, key: missing}}}
";
        let sources = [Source::new("-", None, text)];
        let lean = crate::analyze_lenient(&sources, "default", &Default::default()).unwrap();
        let full = keeping_every_tree(&sources);
        let inert: Vec<bool> = lean.model.objects.iter().map(|o| o.inert).collect();
        assert_eq!(inert, [true, true, true, true, false]);
        // 121 bytes of data (`\L` is three) from 83 of YAML: over a
        // share of 100 bytes.
        let mut config = LintConfig::default();
        config.near_size_share = 100.0 / crate::lint::rules::API_SIZE_LIMIT as f64;
        let lint = |a: &Analysis<'_>| {
            let sums = digest::checksums_lenient(&a.model, &a.graph, None);
            run_with(a, &sums, &config, None, None)
        };
        let found = lint(&lean);
        assert_eq!(found, lint(&full));
        let rules: Vec<(&str, &str)> = found.iter().map(|f| (f.rule(), &text[f.span()])).collect();
        for expected in [
            ("unused-config", "unread"),
            ("object-near-size-limit", "big"),
            ("missing-key", "missing"),
        ] {
            assert!(rules.contains(&expected), "{expected:?} in {rules:?}");
        }
        // Found by its label, read with no tree.
        assert!(!found.iter().any(|f| f.object() == Some(1)), "{rules:?}");
    }
}
