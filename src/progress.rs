//! Progress of long transfers (saves, writes, reads), reported to a per-storage callback.

use std::sync::{Arc, RwLock};

/// One progress report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// The name being transferred (without `AWS_LOCATION`).
    pub name: &'a str,
    /// Whether bytes go up (save, write) or down (read).
    pub direction: Direction,
    /// Bytes transferred so far.
    pub done: u64,
    /// Bytes in all, when known.
    pub total: Option<u64>,
}

/// The direction of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// To S3.
    Upload,
    /// From S3.
    Download,
}

/// A progress callback; it may be called from worker threads.
pub type ProgressFn = Arc<dyn Fn(&Transfer<'_>) + Send + Sync>;

/// Where a storage's progress reports go: one slot shared by the storage, its clones
/// and the transfers they start, so a callback set later reaches them all.
#[derive(Clone, Default)]
pub(crate) struct ProgressSlot(Arc<RwLock<Option<ProgressFn>>>);

impl ProgressSlot {
    /// Sets or removes the callback.
    pub fn set(&self, callback: Option<ProgressFn>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = callback;
    }

    /// A reporter for one transfer of `name`.
    pub fn reporter(&self, name: &str, direction: Direction, total: Option<u64>) -> Reporter {
        Reporter {
            slot: self.clone(),
            name: name.to_string(),
            direction,
            total,
        }
    }
}

/// Reports the progress of one transfer (cheap to clone into worker threads).
#[derive(Clone)]
pub(crate) struct Reporter {
    slot: ProgressSlot,
    name: String,
    direction: Direction,
    total: Option<u64>,
}

impl Reporter {
    /// Reports `done` bytes, if a callback is set.
    pub fn report(&self, done: u64) {
        self.send(done, self.total);
    }

    /// Reports the end of a transfer of `done` bytes in all.
    pub fn finished(&self, done: u64) {
        self.send(done, Some(done));
    }

    fn send(&self, done: u64, total: Option<u64>) {
        let callback = self
            .slot
            .0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(callback) = callback {
            callback(&Transfer {
                name: &self.name,
                direction: self.direction,
                done,
                total,
            });
        }
    }
}
