//! Time the YAML stage alone on a file (for profiling): parse, or only
//! tokenize with granit-parser, or the whole analysis.
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let mode = std::env::args().nth(2).unwrap_or_else(|| "parse".into());
    let text = std::fs::read_to_string(&path).unwrap();
    let t = Instant::now();
    match mode.as_str() {
        "parse" => {
            let d = confsum::yaml::parse_stream(&text).unwrap();
            eprintln!("{} docs", d.len());
        }
        "nodes" => {
            let s = [confsum::source::Source::new("x", None, text.clone())];
            let a = confsum::analyze_for_graph(&s, "default").unwrap();
            let nodes: usize = a
                .model
                .files
                .iter()
                .flat_map(|f| &f.docs)
                .map(|d| d.node_count())
                .sum();
            let kept = a
                .model
                .files
                .iter()
                .flat_map(|f| &f.docs)
                .filter(|d| d.root().is_some())
                .count();
            eprintln!(
                "{nodes} nodes kept in {kept} documents, {} bytes per node",
                std::mem::size_of::<confsum::yaml::Node>()
            );
        }
        "analyze" => {
            let s = [confsum::source::Source::new("x", None, text.clone())];
            let a = confsum::analyze(&s, "default").unwrap();
            eprintln!("{} objects", a.model.objects.len());
        }
        "tokens" => {
            // granit-parser alone, one thread, no tree: the floor.
            let mut n = 0usize;
            for ev in granit_parser::Parser::new_from_str_with_options(
                &text,
                granit_parser::options! { emit_comments: false },
            ) {
                ev.unwrap();
                n += 1;
            }
            eprintln!("{n} events");
        }
        _ => panic!("mode"),
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "{mode}: {:.3} s, {:.1} MB/s",
        secs,
        text.len() as f64 / 1e6 / secs
    );
}
