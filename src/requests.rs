//! Every HTTP request observable: one record per request (retries included) reported to
//! a per-storage callback, as botocore's event hooks or the C API's
//! `s3storage_set_request_callback`. A record names the S3 operation and the object,
//! never a header, a signature or a key.

use std::sync::{Arc, RwLock};

/// One request a storage made.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestRecord<'a> {
    /// The S3 API operation: `"GetObject"`, `"PutObject"`, `"UploadPart"`, ...
    pub operation: &'static str,
    /// The object's name without `AWS_LOCATION` (`""` for bucket requests).
    pub name: &'a str,
    /// The reply's HTTP status; 0 when no reply came (a network failure).
    pub http_status: u16,
    /// Body bytes sent, plus the reply's Content-Length.
    pub bytes: u64,
    /// From sending the request to the reply's head.
    pub seconds: f64,
    /// 1 for the first try of a request, 2 for its first retry, ...
    pub attempt: u32,
}

/// A request callback; it may be called from worker threads.
pub type RequestFn = Arc<dyn Fn(&RequestRecord<'_>) + Send + Sync>;

/// Where a storage's request records go: one slot shared by the storage, its clones and
/// its store, so a callback set later reaches every request.
#[derive(Clone, Default)]
pub(crate) struct RequestSlot(Arc<RwLock<Option<RequestFn>>>);

impl RequestSlot {
    /// Sets or removes the callback.
    pub fn set(&self, callback: Option<RequestFn>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = callback;
    }

    /// Whether a callback is set (records need not be built otherwise).
    pub fn wanted(&self) -> bool {
        self.0.read().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Reports one request, if a callback is set.
    pub fn record(&self, record: &RequestRecord<'_>) {
        let callback = self.0.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(callback) = callback {
            callback(record);
        }
    }
}
