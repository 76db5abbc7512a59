//! Rendering of tool errors: a head line with the location, then miette's
//! report of the error's own diagnostic (snippet of the failing document,
//! help).

use confsum::Error;
use confsum::display::escape_control;
use miette::GraphicalReportHandler;

pub fn render_error(e: &Error) -> String {
    let message = e.shown_message();
    let mut head = match &e.location {
        Some(loc) => format!("error: {loc}: {message}"),
        None => format!("error: {message}"),
    };
    if let Some(t) = e.location.as_ref().and_then(|l| l.template.as_ref()) {
        head.push_str(&format!("\n  in template {}", escape_control(t)));
    }
    head.push('\n');
    let report = e.report();
    if miette::Diagnostic::source_code(&report).is_none() {
        if let Some(h) = &e.help {
            head.push_str(&format!("  help: {h}\n"));
        }
        return head;
    }
    let mut out = String::new();
    if GraphicalReportHandler::new()
        .render_report(&mut out, &report)
        .is_err()
    {
        return head;
    }
    // The message is in the head line already: keep miette's snippet and
    // help, not its repeat of the message.
    let snippet_start = out
        .lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with("╭─[") || l.starts_with(",-[")
        })
        .unwrap_or(0);
    let body: Vec<&str> = out.lines().skip(snippet_start).collect();
    head + &body.join("\n") + "\n"
}
