//! Read-ahead for a large sequential read: while the caller consumes one range, the
//! next ones are fetched in parallel on worker threads, each a ranged GET of
//! `multipart_chunksize` bytes read whole into memory (boto3's `TransferConfig` sizes
//! the downloads it parallelises the same way). At most `max_concurrency` ranges are
//! held at once, the one being consumed included, so memory stays within
//! `max_concurrency × multipart_chunksize`. Ranges come back in order; each carries
//! `If-Match` with the ETag seen at open. A range that fails is reported by the read
//! that needs it, and the reader's own retry asks for it again.
//! Dropping the read-ahead (the file closed, or a seek elsewhere) waits for the ranges
//! in flight, so no request is made on a closed file's behalf.

use crate::error::{Error, Result};
use crate::object_parameters::AccessParameters;
use crate::reader::ObjectRef;
use crate::store::ObjectStore;
use std::collections::VecDeque;
use std::io::Read;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Reads `[start, end)` of `key` into `data` (cleared first): exactly its length, or
/// an error.
fn read_exact_range(
    objects: &dyn ObjectStore,
    (key, etag, read): (&str, Option<&str>, &AccessParameters),
    (start, end): (u64, u64),
    data: &mut Vec<u8>,
) -> Result<()> {
    let mut body = objects.get_range(key, (start, end), etag, read)?;
    data.clear();
    data.reserve((end - start) as usize);
    let got = (&mut body).take(end - start).read_to_end(data);
    got.map_err(|e| Error::network(format!("GET {key}: reading bytes {start}-{end}: {e}")))?;
    body.finish();
    if data.len() as u64 != end - start {
        let got = data.len();
        return Err(Error::network(format!(
            "GET {key}: got {got} bytes of {start}-{end}"
        )));
    }
    Ok(())
}

/// A range asked for on a worker thread.
struct Pending {
    start: u64,
    handle: JoinHandle<Result<Vec<u8>>>,
}

/// The ranges being fetched ahead of a sequential reader.
pub(crate) struct ReadAhead {
    object: Arc<ObjectRef>,
    size: u64,
    chunk: u64,
    /// Ranges in flight at most (one fewer than the ranges held, the consumed one).
    depth: usize,
    /// Where the next range to ask for starts.
    next: u64,
    pending: VecDeque<Pending>,
    /// Buffers of ranges already consumed, for the next ones (a fresh 8 MiB buffer per
    /// range would cost its page faults every time).
    spare: Vec<Vec<u8>>,
}

impl ReadAhead {
    /// Read-ahead from `at` in ranges of `chunk` bytes, `concurrency` of them held at
    /// most; `None` where that would not help: fewer than two ranges left, or no
    /// concurrency to spare.
    pub fn start(
        object: &Arc<ObjectRef>,
        (at, size): (u64, u64),
        chunk: u64,
        concurrency: usize,
    ) -> Option<ReadAhead> {
        let chunk = chunk.max(1);
        if concurrency < 2 || size.saturating_sub(at) < 2 * chunk {
            return None;
        }
        let mut ahead = ReadAhead {
            object: object.clone(),
            size,
            chunk,
            depth: concurrency - 1,
            next: at,
            pending: VecDeque::new(),
            spare: Vec::new(),
        };
        ahead.fill();
        Some(ahead)
    }

    fn fill(&mut self) {
        while self.pending.len() < self.depth && self.next < self.size {
            let (start, end) = (self.next, (self.next + self.chunk).min(self.size));
            let object = self.object.clone();
            let mut data = self.spare.pop().unwrap_or_default();
            let spawned = std::thread::Builder::new()
                .name("s3storage-read-ahead".into())
                .spawn(move || {
                    let identity = (object.key.as_str(), object.etag.as_deref(), &object.read);
                    read_exact_range(object.objects.as_ref(), identity, (start, end), &mut data)?;
                    Ok(data)
                });
            // No thread to spare: the ranges from here on are read by the reader itself.
            let Ok(handle) = spawned else { return };
            self.pending.push_back(Pending { start, handle });
            self.next = end;
        }
    }

    /// Takes back the buffer of a range the reader has consumed.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        if self.spare.len() < self.depth {
            self.spare.push(buffer);
        }
    }

    /// The range that starts at `at`, whole, with the next one asked for behind it;
    /// `None` if the read-ahead is not there (the caller reads on its own).
    pub fn take(&mut self, at: u64) -> Option<Result<Vec<u8>>> {
        if self.pending.front()?.start != at {
            return None;
        }
        let pending = self.pending.pop_front()?;
        self.fill();
        let joined = pending.handle.join();
        let failed = || Error::network("a read-ahead thread failed");
        Some(joined.unwrap_or_else(|_| Err(failed())))
    }
}

impl Drop for ReadAhead {
    /// Waits for the ranges in flight: nothing is asked for on a reader's behalf after
    /// it is closed, dropped or turned to random access. Each range is bounded by the
    /// transport's timeouts and retries, so the wait is too.
    fn drop(&mut self) {
        for pending in self.pending.drain(..) {
            let _ = pending.handle.join();
        }
    }
}
