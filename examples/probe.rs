use granit_parser::{Event, Parser};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let s = std::fs::read_to_string(path).unwrap();
    for ev in
        Parser::new_from_str_with_options(&s, granit_parser::options! {emit_anchor_events: true})
    {
        match ev {
            Ok((e, sp)) => {
                let r = sp.byte_range().unwrap();
                println!("{:?} {:?} {:?} indent={:?}", e, r.clone(), &s[r], sp.indent);
            }
            Err(e) => {
                println!("ERR {} byte={:?}", e, e.marker().byte_offset());
                break;
            }
        }
    }
}
