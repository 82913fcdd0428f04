//! Progress of long transfers (saves, writes, reads), reported to a per-storage callback.

use std::sync::Arc;

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
