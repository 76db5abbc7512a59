//! `confsum plan` output: human (grouped, coloured on a terminal), json
//! (the [`Plan`] value as it is, schema in docs/plan.md) and markdown for a
//! pull-request comment. Keys are named; values never appear.

use crate::plan::{ChangedObject, Plan};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, style: anstyle::Style, s: &str) -> String {
        if self.color {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    }
    fn head(&self, s: &str) -> String {
        self.paint(anstyle::Style::new().bold(), s)
    }
    fn roll(&self, s: &str) -> String {
        self.paint(anstyle::AnsiColor::Yellow.on_default(), s)
    }
    fn quiet(&self, s: &str) -> String {
        self.paint(anstyle::Style::new().dimmed(), s)
    }
}

fn objects(changes: &[ChangedObject]) -> String {
    changes
        .iter()
        .map(|c| {
            if c.keys.is_empty() {
                format!("{} {} (added or removed)", c.kind, c.name)
            } else {
                format!("{} {} [{}]", c.kind, c.name, c.keys.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn human(p: &Plan, color: bool) -> String {
    let s = Style { color };
    let mut out = String::new();
    if p.rolls.is_empty() {
        out.push_str(&s.head("Nothing will roll.\n"));
    } else {
        out.push_str(&s.head(&format!("Will roll ({}):\n", p.rolls.len())));
        for r in &p.rolls {
            out.push_str(&format!("  {} {}\n", s.roll("↻"), r.workload));
            if !r.config.is_empty() {
                out.push_str(&format!("      config changed: {}\n", objects(&r.config)));
            }
            if !r.template.is_empty() {
                out.push_str(&format!(
                    "      pod template changed: {}\n",
                    r.template.join(", ")
                ));
            }
            if let Some(h) = &r.hint {
                out.push_str(&format!("      note: {h}\n"));
            }
        }
    }
    if !p.not_rolled.is_empty() {
        out.push_str(&s.head(&format!(
            "\nConfig changed, but no checksum can roll these ({}):\n",
            p.not_rolled.len()
        )));
        for n in &p.not_rolled {
            out.push_str(&format!("  ! {}: {}\n", n.workload, objects(&n.config)));
        }
    }
    if !p.config_changes_without_rollout.is_empty() {
        out.push_str(&s.head(&format!(
            "\nChanged, rolls nothing ({}):\n",
            p.config_changes_without_rollout.len()
        )));
        for q in &p.config_changes_without_rollout {
            out.push_str(&format!(
                "  {} {} [{}]: {}\n",
                s.quiet("·"),
                q.object,
                q.changed_keys.join(", "),
                q.why
            ));
        }
    }
    for (label, sets) in [("Added", &p.added), ("Removed", &p.removed)] {
        if sets.workloads.is_empty() && sets.objects.is_empty() {
            continue;
        }
        out.push_str(&s.head(&format!("\n{label}:\n")));
        for i in sets.workloads.iter().chain(&sets.objects) {
            out.push_str(&format!(
                "  {} {}\n",
                if label == "Added" { "+" } else { "-" },
                i
            ));
        }
    }
    out
}

pub fn json(p: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(p).expect("the plan serializes");
    s.push('\n');
    s
}

pub fn markdown(p: &Plan) -> String {
    let mut out = String::from("### confsum plan\n\n");
    if p.rolls.is_empty() {
        out.push_str("Nothing will roll.\n");
    } else {
        out.push_str(&format!("**{} workload(s) will roll.**\n\n| workload | config changed | pod template changed |\n|---|---|---|\n", p.rolls.len()));
        for r in &p.rolls {
            let cfg = if r.config.is_empty() {
                "—".to_string()
            } else {
                objects(&r.config)
            };
            let tpl = if r.template.is_empty() {
                "—".to_string()
            } else {
                r.template
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                r.workload,
                cfg.replace('|', "\\|"),
                tpl
            ));
        }
    }
    if !p.not_rolled.is_empty() {
        out.push_str("\n**Config changed, but no checksum can roll these:**\n\n");
        for n in &p.not_rolled {
            out.push_str(&format!("- `{}`: {}\n", n.workload, objects(&n.config)));
        }
    }
    if !p.config_changes_without_rollout.is_empty() {
        out.push_str("\n**Changed, rolls nothing:**\n\n");
        for q in &p.config_changes_without_rollout {
            out.push_str(&format!(
                "- `{}` ({}): {}\n",
                q.object,
                q.changed_keys.join(", "),
                q.why
            ));
        }
    }
    if !p.rolls.is_empty() || !p.config_changes_without_rollout.is_empty() {
        out.push('\n');
        out.push_str(&mermaid(p));
    }
    for (label, sets) in [("Added", &p.added), ("Removed", &p.removed)] {
        if sets.workloads.is_empty() && sets.objects.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n**{label}:** {}\n",
            sets.workloads
                .iter()
                .chain(&sets.objects)
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

/// A mermaid flowchart of the plan, which GitHub draws in summaries and
/// comments: each changed ConfigMap or Secret (with its changed keys, never
/// values) points at the workloads it rolls; pod-template changes point at
/// theirs; changes that roll nothing stand apart. Secrets are drawn apart
/// from ConfigMaps.
pub fn mermaid(p: &Plan) -> String {
    // Labels are quoted; mermaid reads `#quot;` for a double quote.
    let label = |s: &str| s.replace('"', "#quot;");
    let mut out = String::from("```mermaid\nflowchart LR\n");
    let mut ids: std::collections::BTreeMap<String, String> = Default::default();
    let mut node = |out: &mut String, key: String, text: String, class: &str| -> String {
        if let Some(id) = ids.get(&key) {
            return id.clone();
        }
        let id = format!("n{}", ids.len());
        out.push_str(&format!("  {id}[\"{}\"]:::{class}\n", label(&text)));
        ids.insert(key, id.clone());
        id
    };
    // Each changed object once (by namespace, kind and name), labelled with
    // every changed key any workload reads.
    let mut keys: std::collections::BTreeMap<String, std::collections::BTreeSet<&str>> =
        Default::default();
    for r in &p.rolls {
        for c in &r.config {
            keys.entry(format!(
                "{}/{}/{}/{}",
                r.workload.scope, r.workload.namespace, c.kind, c.name
            ))
            .or_default()
            .extend(c.keys.iter().map(String::as_str));
        }
    }
    let object = |w: &crate::plan::Ident, c: &crate::plan::ChangedObject| {
        let ns = &w.namespace;
        let key = format!("{}/{ns}/{}/{}", w.scope, c.kind, c.name);
        let changed: Vec<&str> = keys[&key].iter().copied().collect();
        (
            key,
            format!("{} {}/{}<br/>{}", c.kind, ns, c.name, changed.join(", ")),
            if c.kind == "Secret" {
                "secret"
            } else {
                "configmap"
            },
        )
    };
    for r in &p.rolls {
        let w = node(
            &mut out,
            format!("workload {}", r.workload),
            format!(
                "{} {}/{}",
                r.workload.kind, r.workload.namespace, r.workload.name
            ),
            "workload",
        );
        for c in &r.config {
            let (key, text, class) = object(&r.workload, c);
            let from = node(&mut out, key, text, class);
            out.push_str(&format!("  {from} -->|rolls| {w}\n"));
        }
        if !r.template.is_empty() {
            let from = node(
                &mut out,
                format!("template {}", r.workload),
                format!("pod template: {}", r.template.join(", ")),
                "template",
            );
            out.push_str(&format!("  {from} -->|rolls| {w}\n"));
        }
    }
    if !p.config_changes_without_rollout.is_empty() {
        out.push_str("  subgraph quiet[\"changed, rolls nothing\"]\n");
        for q in &p.config_changes_without_rollout {
            let class = if q.object.kind == "Secret" {
                "secret"
            } else {
                "configmap"
            };
            let text = format!(
                "{} {}/{}<br/>{}",
                q.object.kind,
                q.object.namespace,
                q.object.name,
                q.changed_keys.join(", ")
            );
            node(&mut out, format!("quiet {}", q.object), text, class);
        }
        out.push_str("  end\n");
    }
    out.push_str("  classDef workload fill:#e8f0fe,stroke:#1a73e8\n");
    out.push_str("  classDef configmap fill:#e6f4ea,stroke:#188038\n");
    out.push_str("  classDef secret fill:#fce8e6,stroke:#c5221f,stroke-dasharray:4 2\n");
    out.push_str("  classDef template fill:#fef7e0,stroke:#b06000\n");
    out.push_str("```\n");
    out
}
