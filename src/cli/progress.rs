//! A progress bar on stderr for runs longer than half a second: bytes and
//! documents read, findings so far (the library's counters). Only when
//! stderr is a terminal; stdout is never touched.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The bar's thread, stopped (and the bar cleared) on drop.
pub struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Start watching the run; nothing is drawn unless stderr is a terminal
    /// and the run lasts over half a second.
    pub fn start() -> Option<Progress> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let done = Arc::new(AtomicBool::new(false));
        let watching = done.clone();
        let thread = std::thread::spawn(move || {
            let wait_until_done = |d: Duration| {
                let step = Duration::from_millis(50);
                let mut waited = Duration::ZERO;
                while waited < d {
                    if watching.load(Ordering::Relaxed) {
                        return true;
                    }
                    std::thread::sleep(step);
                    waited += step;
                }
                watching.load(Ordering::Relaxed)
            };
            if wait_until_done(Duration::from_millis(500)) {
                return;
            }
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("a valid template"),
            );
            loop {
                let (bytes, documents, findings) = confsum::progress::snapshot();
                bar.set_message(format!(
                    "{} read, {documents} documents, {findings} findings",
                    indicatif::HumanBytes(bytes)
                ));
                bar.tick();
                if wait_until_done(Duration::from_millis(100)) {
                    break;
                }
            }
            bar.finish_and_clear();
        });
        Some(Progress {
            done,
            thread: Some(thread),
        })
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
