//! How far a run has got: bytes read, documents parsed, findings so far.
//! Plain counters the stages add to; the binary draws them (a progress bar
//! on a terminal), the library never does.

use std::sync::atomic::{AtomicU64, Ordering};

static BYTES: AtomicU64 = AtomicU64::new(0);
static DOCUMENTS: AtomicU64 = AtomicU64::new(0);
static FINDINGS: AtomicU64 = AtomicU64::new(0);

pub(crate) fn read(bytes: usize) {
    BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
}

pub(crate) fn parsed(documents: usize) {
    DOCUMENTS.fetch_add(documents as u64, Ordering::Relaxed);
}

pub(crate) fn found(findings: usize) {
    FINDINGS.fetch_add(findings as u64, Ordering::Relaxed);
}

/// (bytes read, documents parsed, findings) so far in this process.
pub fn snapshot() -> (u64, u64, u64) {
    (
        BYTES.load(Ordering::Relaxed),
        DOCUMENTS.load(Ordering::Relaxed),
        FINDINGS.load(Ordering::Relaxed),
    )
}
