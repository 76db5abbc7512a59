//! `confsum graph` output: the JSON contract of shared/DESIGN.md, a text
//! tree, and pictures (Graphviz dot, mermaid). None shows a data value.

use crate::model::ConfigKind;
use serde_json::{Value, json};

use crate::Analysis;
use crate::digest::Checksums;
use crate::graph::Ref;
use crate::model::{Kind, Object};

/// Workload indexes in output order: kind, namespace, name.
fn sorted_workloads(a: &Analysis<'_>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..a.graph.workloads.len()).collect();
    let key = |i: &usize| {
        let o = &a.model.objects[a.graph.workloads[*i].object];
        (o.kind_name(), o.namespace, o.name.clone())
    };
    order.sort_by_key(key);
    order
}

/// The ConfigMaps and Secrets by kind, namespace and name (equal names in
/// input order), with their index. The order is held as 32-bit indices:
/// 250k configs took 4 MB as (index, reference) pairs.
fn sorted_configs<'m>(a: &'m Analysis<'_>) -> impl Iterator<Item = (usize, &'m Object)> + 'm {
    let objects = &a.model.objects;
    let mut order: Vec<u32> = (0..objects.len())
        .filter(|&i| matches!(objects[i].kind, Kind::Config(_)))
        .map(|i| u32::try_from(i).expect("fewer than 2^32 objects"))
        .collect();
    // Stable: equal names keep their input order.
    order.sort_by(|&x, &y| {
        let (p, q) = (&objects[x as usize], &objects[y as usize]);
        (&p.kind_name(), &p.namespace, &p.name).cmp(&(&q.kind_name(), &q.namespace, &q.name))
    });
    order
        .into_iter()
        .map(move |i| (i as usize, &objects[i as usize]))
}

fn keys_json(r: &Ref) -> Value {
    match &r.keys {
        None => json!("*"),
        Some(keys) => json!(keys.iter().collect::<Vec<_>>()),
    }
}

pub fn json(a: &Analysis<'_>, sums: &[Checksums]) -> String {
    super::into_string(|out| json_to(a, sums, out))
}

/// [`json`], written to `w` as it is made: each workload's and object's
/// value is made when it is written (keys in alphabetical order, as a map
/// of values has them).
pub fn json_to(
    a: &Analysis<'_>,
    sums: &[Checksums],
    mut w: impl std::io::Write,
) -> std::io::Result<()> {
    // A workload's references are made as they are written too: one pod
    // with 50k `envFrom` entries made 50k values at once (130 MB).
    #[derive(serde::Serialize)]
    #[serde(bound(serialize = "R: Iterator<Item = Value>"))]
    struct Workload<'a, R> {
        checksums: serde_json::Map<String, Value>,
        file: &'a str,
        injectable: bool,
        kind: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        left_alone: Option<String>,
        name: &'a str,
        namespace: &'a str,
        refs: super::LazySeq<R>,
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<&'a str>,
        template: Option<&'a str>,
    }
    let workloads = sorted_workloads(a).into_iter().map(|i| {
        let w = &a.graph.workloads[i];
        let o = &a.model.objects[w.object];
        let refs = w.refs.iter().map(|r| {
            let mut v = json!({
                "kind": r.kind.as_str(),
                "name": r.name,
                "keys": keys_json(r),
                "optional": r.optional,
                "via": r.via.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
                "found": r.target.is_some(),
            });
            if let Some(e) = &r.excluded {
                v["left_out"] = json!(e.to_string());
            }
            v
        });
        let mut checksums = serde_json::Map::new();
        if let Some(c) = &sums[i].config {
            checksums.insert("config".into(), json!(c));
        }
        if let Some(s) = &sums[i].secret {
            checksums.insert("secret".into(), json!(s));
        }
        Workload {
            checksums,
            file: &a.model.source(o).name,
            injectable: a.model.is_injectable(o),
            kind: o.kind_name().as_str(),
            left_alone: w.left_alone.as_ref().map(|l| l.to_string()),
            name: &o.name,
            namespace: o.namespace.as_str(),
            refs: super::LazySeq::new(refs),
            scope: scope_of(a, o),
            template: a.model.doc(o).template(),
        }
    });
    let objects = sorted_configs(a).map(|(i, o)| {
        let mut v = json!({
            "kind": o.kind_name().as_str(),
            "namespace": o.namespace.as_str(),
            "name": o.name,
            "consumers": a.graph.consumers_of(i).len(),
            "file": a.model.source(o).name,
        });
        if let Some(scope) = scope_of(a, o) {
            v["scope"] = json!(scope);
        }
        v
    });
    #[derive(serde::Serialize)]
    struct Graph<O: serde::Serialize, W: serde::Serialize> {
        objects: O,
        workloads: W,
    }
    let graph = Graph {
        objects: super::LazySeq::new(objects),
        workloads: super::LazySeq::new(workloads),
    };
    serde_json::to_writer_pretty(&mut w, &graph).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

/// The object's scope, when it has one (not a stream).
fn scope_of<'a>(a: &'a Analysis<'_>, o: &crate::model::Object) -> Option<&'a str> {
    Some(a.model.scopes[a.model.scope_of(o)].as_str()).filter(|s| !s.is_empty())
}

fn describe_ref(r: &Ref) -> String {
    let keys = match &r.keys {
        None => "all keys".to_string(),
        Some(k) if k.is_empty() => "no keys".to_string(),
        Some(k) => k.iter().cloned().collect::<Vec<_>>().join(", "),
    };
    let via = r.via_text();
    let mut flags = Vec::new();
    if r.optional {
        flags.push("optional");
    }
    if r.target.is_none() {
        flags.push("not in input");
    }
    let left_out = r
        .excluded
        .as_ref()
        .map(|e| format!("left out of the checksum: {e}"));
    if let Some(l) = &left_out {
        flags.push(l);
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" ({})", flags.join(", "))
    };
    format!(
        "{} {} [{}] via {}{}",
        r.kind.as_str(),
        r.name,
        keys,
        via,
        flags
    )
}

pub fn text(a: &Analysis<'_>, sums: &[Checksums]) -> String {
    super::into_string(|out| text_to(a, sums, out))
}

/// [`text`], written to `w` as it is made.
pub fn text_to(
    a: &Analysis<'_>,
    sums: &[Checksums],
    mut sink: impl std::io::Write,
) -> std::io::Result<()> {
    // A workload's lines at a time (stdout is buffered).
    let mut out = String::new();
    for i in sorted_workloads(a) {
        out.clear();
        let w = &a.graph.workloads[i];
        let o = &a.model.objects[w.object];
        let note = match (&w.left_alone, a.model.is_injectable(o)) {
            (Some(why), _) => format!(" (left alone: {why})"),
            (None, true) => String::new(),
            (None, false) => " (not injectable)".to_string(),
        };
        out.push_str(&format!(
            "{}/{} in {}{}\n",
            o.kind_name(),
            o.name,
            o.namespace,
            note
        ));
        if let Some(t) = a.model.doc(o).template() {
            out.push_str(&format!(
                "│ template: {}\n",
                crate::display::escape_control(t)
            ));
        }
        for (j, r) in w.refs.iter().enumerate() {
            let last = j + 1 == w.refs.len() && sums[i] == Checksums::default();
            out.push_str(&format!(
                "{} {}\n",
                if last { "└──" } else { "├──" },
                describe_ref(r)
            ));
            // A pod with 50k references made 5 MB of lines at once.
            if out.len() > 1 << 16 {
                sink.write_all(out.as_bytes())?;
                out.clear();
            }
        }
        let lines: Vec<String> = [("config", &sums[i].config), ("secret", &sums[i].secret)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}-checksum {v}")))
            .collect();
        for (j, l) in lines.iter().enumerate() {
            out.push_str(&format!(
                "{} {}\n",
                if j + 1 == lines.len() {
                    "└──"
                } else {
                    "├──"
                },
                l
            ));
        }
        if w.refs.is_empty() && lines.is_empty() {
            out.push_str("└── (no ConfigMap or Secret)\n");
        }
        sink.write_all(out.as_bytes())?;
    }
    // Written as found: 250k unused ConfigMaps made 9 MB of lines to copy.
    let unused = sorted_configs(a).filter(|(i, _)| a.graph.consumers_of(*i).is_empty());
    for (n, (_, o)) in unused.enumerate() {
        if n == 0 {
            sink.write_all(b"\nnot consumed by any workload:\n")?;
        }
        writeln!(sink, "  {}/{} in {}", o.kind_name(), o.name, o.namespace)?;
    }
    Ok(())
}

fn node_id(kind: &str, ns: &str, name: &str) -> String {
    let raw = format!("{kind}_{ns}_{name}");
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn keys_label(r: &Ref) -> String {
    let via = r
        .via
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(",");
    match &r.keys {
        None => format!("{via}: *"),
        Some(k) => format!("{via}: {}", k.iter().cloned().collect::<Vec<_>>().join(",")),
    }
}

/// Graphviz dot: workloads as boxes, config objects as notes, missing
/// objects dashed.
pub fn dot(a: &Analysis<'_>) -> String {
    let mut out =
        String::from("digraph confsum {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    let mut declared = std::collections::BTreeSet::new();
    for i in sorted_workloads(a) {
        let w = &a.graph.workloads[i];
        let o = &a.model.objects[w.object];
        let wid = node_id(o.kind_name(), &o.namespace, &o.name);
        out.push_str(&format!(
            "  {wid} [shape=box, label={}];\n",
            dot_str(&format!("{}/{}", o.kind_name(), o.name))
        ));
        for r in &w.refs {
            let rid = node_id(r.kind.as_str(), &o.namespace, &r.name);
            if declared.insert(rid.clone()) {
                let style = if r.target.is_some() {
                    ""
                } else {
                    ", style=dashed, color=red"
                };
                out.push_str(&format!(
                    "  {rid} [shape=note, label={}{}];\n",
                    dot_str(&format!("{}/{}", r.kind.as_str(), r.name)),
                    style
                ));
            }
            out.push_str(&format!(
                "  {wid} -> {rid} [label={}];\n",
                dot_str(&keys_label(r))
            ));
        }
    }
    out.push_str("}\n");
    out
}

/// The dependency graph as a standalone SVG, laid out by layout-rs (a
/// layered layout, as Graphviz's dot): workloads point at the ConfigMaps and
/// Secrets they read, edges labelled with the keys. ConfigMaps are green,
/// Secrets red with a dashed border, objects not in the input grey and
/// dashed.
pub fn svg(a: &Analysis<'_>) -> String {
    use layout::backends::svg::SVGWriter;
    use layout::core::base::Orientation;
    use layout::core::color::Color;
    use layout::core::style::{LineStyleKind, StyleAttr};
    use layout::std_shapes::render::get_shape_size;
    use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
    use layout::topo::layout::VisualGraph;

    let dir = Orientation::LeftToRight;
    let mut vg = VisualGraph::new(dir);
    let mut nodes = std::collections::HashMap::new();
    let mut node = |vg: &mut VisualGraph, id: String, text: String, fill: &str, line: &str| {
        *nodes.entry(id).or_insert_with(|| {
            let shape = ShapeKind::new_box(&text);
            let look = StyleAttr::new(Color::fast(line), 2, Some(Color::fast(fill)), 4, 14);
            let size = get_shape_size(dir, &shape, look.font_size, false);
            vg.add_node(Element::create(shape, look, dir, size))
        })
    };
    for i in sorted_workloads(a) {
        let w = &a.graph.workloads[i];
        let o = &a.model.objects[w.object];
        let from = node(
            &mut vg,
            node_id(o.kind_name(), &o.namespace, &o.name),
            format!("{}/{}", o.kind_name(), o.name),
            "#e8f0fe",
            "#1a73e8",
        );
        for r in &w.refs {
            let (fill, line) = match (r.target.is_some(), r.kind) {
                (false, _) => ("#f1f3f4", "#80868b"),
                (true, ConfigKind::Secret) => ("#fce8e6", "#c5221f"),
                (true, ConfigKind::ConfigMap) => ("#e6f4ea", "#188038"),
            };
            let to = node(
                &mut vg,
                node_id(r.kind.as_str(), &o.namespace, &r.name),
                format!("{}/{}", r.kind.as_str(), r.name),
                fill,
                line,
            );
            let style = if r.target.is_none() || r.kind == ConfigKind::Secret {
                LineStyleKind::Dashed
            } else {
                LineStyleKind::Normal
            };
            let arrow = Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                style,
                &keys_label(r),
                &StyleAttr::simple(),
                &None,
                &None,
            );
            vg.add_edge(arrow, from, to);
        }
    }
    if vg.num_nodes() == 0 {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\"></svg>\n"
            .to_string();
    }
    let mut writer = SVGWriter::new();
    vg.do_it(false, false, false, &mut writer);
    writer.finalize()
}

fn dot_str(s: &str) -> String {
    serde_json::to_string(s).expect("a str always serializes")
}

/// A mermaid flowchart, for READMEs and pull requests.
pub fn mermaid(a: &Analysis<'_>) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut declared = std::collections::BTreeSet::new();
    let label = |s: &str| s.replace('"', "#quot;");
    for i in sorted_workloads(a) {
        let w = &a.graph.workloads[i];
        let o = &a.model.objects[w.object];
        let wid = node_id(o.kind_name(), &o.namespace, &o.name);
        out.push_str(&format!(
            "  {wid}[\"{}/{}\"]\n",
            label(o.kind_name()),
            label(&o.name)
        ));
        for r in &w.refs {
            let rid = node_id(r.kind.as_str(), &o.namespace, &r.name);
            if declared.insert(rid.clone()) {
                let missing = if r.target.is_some() { "" } else { " (missing)" };
                out.push_str(&format!(
                    "  {rid}[(\"{}/{}{}\")]\n",
                    r.kind.as_str(),
                    label(&r.name),
                    missing
                ));
                if r.target.is_none() {
                    out.push_str(&format!("  style {rid} stroke-dasharray: 5 5\n"));
                }
            }
            out.push_str(&format!(
                "  {wid} -->|\"{}\"| {rid}\n",
                label(&keys_label(r))
            ));
        }
    }
    out
}
