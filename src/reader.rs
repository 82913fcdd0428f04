//! Lazy, verified reading of one object.
//!
//! The GET that opened the object asked for all of it and brought its first 64 KiB
//! (all of a small object); a read that goes on from there streams the rest of that
//! same body into the caller's buffer. A read elsewhere, after a seek, fetches one small
//! range (`MIN_WINDOW`, 256 KiB) into memory, so reading 1 KiB from the middle of a
//! large object transfers little more. Reads that continue where the last range ended
//! switch to streaming: each next range is a ranged GET whose body is read straight into
//! the caller's buffer; the window doubles up to 64 MiB, and the request for the range
//! after it is sent ahead on a worker thread. Every ranged GET carries `If-Match` with
//! the ETag seen at open, so an object replaced mid-read is reported, never mixed.
//!
//! A long sequential read (at least two `multipart_chunksize` ranges left) may read
//! ahead instead ([`crate::read_ahead`]): the stream is dropped and the rest comes in
//! ranges of `multipart_chunksize` fetched in parallel, `max_concurrency` held at most.
//! [`ReadAheadMode::Auto`] does so when the opening stream's [`ReadAheadMode::AUTO_SPAN`]
//! chunks after its first [`ReadAheadMode::AUTO_WARMUP`] came slower than
//! [`ReadAheadMode::AUTO_BELOW`]; `Always` from the opening GET on (and once a streamed
//! run after a seek has grown to a chunk). Random access never starts it; a seek
//! elsewhere stops it.
//!
//! Bytes delivered in order from the first one are hashed as they go ([`Verifier`]):
//! the read that delivers the last byte fails with [`Error::Checksum`] if the whole does
//! not match the object's full-object checksum, and every read after it fails too. Bytes
//! read after a seek elsewhere are not checked (they are not a whole).

use crate::checksums::{Hasher, ObjectChecksum};
use crate::config::ReadAheadMode;
use crate::error::{Error, Result};
use crate::object_parameters::AccessParameters;
use crate::progress::Reporter;
use crate::read_ahead::ReadAhead;
use crate::store::{ObjectBody, ObjectStore};
use std::io::{self, Read, SeekFrom};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

/// The size of a range fetched after a seek, and of the first streamed one after the
/// opening GET's window.
pub(crate) const MIN_WINDOW: u64 = 256 * 1024;
/// The largest streamed range.
pub(crate) const MAX_WINDOW: u64 = 64 * 1024 * 1024;
/// How often (in bytes) reads report progress.
const REPORT_EVERY: u64 = 4 * 1024 * 1024;

/// What the reader holds now.
enum Window {
    Empty,
    /// A small range held in memory.
    Buffered {
        start: u64,
        data: Vec<u8>,
    },
    /// A range whose body is being read: it has delivered up to `at`; `end` is exclusive.
    Streaming {
        at: u64,
        end: u64,
        body: ObjectBody,
    },
}

/// A range requested ahead on a worker thread.
struct Prefetch {
    start: u64,
    end: u64,
    handle: JoinHandle<Result<ObjectBody>>,
}

/// Reads an object by ranges.
pub(crate) struct RangedReader {
    object: Arc<ObjectRef>,
    size: u64,
    pos: u64,
    window: Window,
    /// Where the current window ends (exclusive); a read there continues sequentially.
    window_end: u64,
    window_size: u64,
    prefetch: Option<Prefetch>,
    /// The ranges fetched ahead of a long sequential read.
    ahead: Option<ReadAhead>,
    /// Bytes per read-ahead range (`multipart_chunksize`).
    chunk: u64,
    /// Ranges a read-ahead holds at most (`max_concurrency`; below 2, none).
    concurrency: usize,
    /// When to read ahead.
    mode: ReadAheadMode,
    /// `Auto`: when and where the opening stream's timed span began, and whether that
    /// span is timed yet (the first chunks, slowed by the connection's and the server's
    /// start, are not).
    timed: Option<(Instant, u64, bool)>,
    /// `Auto` decided to read ahead from the next window on.
    due: bool,
    fetched: u64,
    reported: u64,
    progress: Reporter,
    /// The rest of the opening GET's body, from `window_end` on.
    rest: Option<ObjectBody>,
    /// Checks the bytes delivered in order against the object's checksum.
    verifier: Option<Verifier>,
    /// A checksum mismatch, reported again by every later read.
    failed: Option<Error>,
}

/// Hashes the bytes a reader delivers in order from byte 0; at the last byte, compares.
pub(crate) struct Verifier {
    expected: ObjectChecksum,
    hasher: Hasher,
    /// Bytes `[0, upto)` went into the hasher.
    upto: u64,
}

impl Verifier {
    /// A verifier of a full-object checksum (`None` for a composite one: it cannot be
    /// checked against the bytes of a plain read).
    pub fn new(expected: Option<ObjectChecksum>) -> Option<Verifier> {
        let expected = expected.filter(|checksum| checksum.full_object)?;
        Some(Verifier {
            hasher: Hasher::new(expected.algorithm),
            expected,
            upto: 0,
        })
    }

    /// Takes in `bytes` delivered at `at`; at the object's end (`size`), an error if
    /// the whole does not match.
    pub fn observe(&mut self, at: u64, bytes: &[u8], size: u64, key: &str) -> Result<()> {
        let end = at + bytes.len() as u64;
        // An empty object is checked too (its checksum is the empty input's).
        let empty = size == 0 && self.upto == 0;
        if !empty && (at > self.upto || end <= self.upto) {
            return Ok(());
        }
        self.hasher.update(&bytes[(self.upto - at) as usize..]);
        self.upto = end;
        if self.upto < size {
            return Ok(());
        }
        let got = self.hasher.value();
        match self.expected.matches(&got) {
            true => Ok(()),
            false => Err(mismatch(key, &self.expected, &got)),
        }
    }
}

/// The error of bytes whose checksum is `got` where the server said `expected`.
pub(crate) fn mismatch(key: &str, expected: &ObjectChecksum, got: &str) -> Error {
    Error::Checksum(format!(
        "GET {key}: the bytes received have {} {got}, but the server's checksum of the \
         object is {}: they were damaged on the way (or the object's checksum is wrong)",
        expected.algorithm.name(),
        expected.value
    ))
}

/// The object a reader reads: shared with its prefetch threads.
pub(crate) struct ObjectRef {
    /// The protocol layer.
    pub objects: Arc<dyn ObjectStore>,
    /// The object's key.
    pub key: String,
    /// The ETag seen at open: every range must come from that version.
    pub etag: Option<String>,
    /// SSE-C parameters every GET repeats.
    pub read: AccessParameters,
}

impl ObjectRef {
    /// The ranged GET of `[start, end)`; the body is left unread.
    fn request(&self, start: u64, end: u64) -> Result<ObjectBody> {
        self.objects
            .get_range(&self.key, (start, end), self.etag.as_deref(), &self.read)
    }
}

fn body_error(key: &str, error: io::Error) -> Error {
    Error::network_because(format!("GET {key}: reading the body: {error}"), error)
}

impl RangedReader {
    /// A reader of an object of `size` bytes whose `first` bytes came with the GET that
    /// opened it, with the `rest` of that GET's body, checking what it delivers with
    /// `verifier`.
    pub fn new(
        object: ObjectRef,
        (size, progress): (u64, Reporter),
        (first, rest): (Vec<u8>, Option<ObjectBody>),
        verifier: Option<Verifier>,
    ) -> RangedReader {
        let fetched = first.len() as u64;
        let (window, window_end) = match first.is_empty() {
            true => (Window::Empty, 0),
            false => (
                Window::Buffered {
                    start: 0,
                    data: first,
                },
                fetched,
            ),
        };
        RangedReader {
            object: Arc::new(object),
            size,
            pos: 0,
            window,
            window_end,
            window_size: MIN_WINDOW,
            prefetch: None,
            ahead: None,
            chunk: u64::MAX,
            concurrency: 1,
            mode: ReadAheadMode::Never,
            timed: None,
            due: false,
            fetched,
            reported: 0,
            progress,
            rest,
            verifier,
            failed: None,
        }
    }

    /// Reads ahead of a long sequential read as `mode` says: up to `concurrency` ranges
    /// of `chunk` bytes held at once, fetched in parallel (none below a concurrency of 2).
    pub fn with_read_ahead(
        mut self,
        mode: ReadAheadMode,
        (chunk, concurrency): (u64, usize),
    ) -> RangedReader {
        (self.mode, self.chunk, self.concurrency) = (mode, chunk.max(1), concurrency);
        self
    }

    /// Bytes fetched from S3 so far (for tests and the benchmark).
    pub fn fetched(&self) -> u64 {
        self.fetched
    }

    fn start_prefetch(&mut self, start: u64) {
        if start >= self.size {
            return;
        }
        let end = (start + (self.window_size * 2).min(MAX_WINDOW)).min(self.size);
        let object = self.object.clone();
        let handle = std::thread::spawn(move || object.request(start, end));
        self.prefetch = Some(Prefetch { start, end, handle });
    }

    /// Opens the window that holds `self.pos`.
    fn open_window(&mut self) -> Result<()> {
        let sequential = !matches!(self.window, Window::Empty) && self.pos == self.window_end;
        let previous = std::mem::replace(&mut self.window, Window::Empty);
        if !sequential {
            return self.open_random();
        }
        if let (Window::Buffered { data, .. }, Some(ahead)) = (previous, self.ahead.as_mut()) {
            ahead.recycle(data);
        }
        // A long sequential read: from the opening GET on, or once a streamed run has
        // grown to a chunk.
        let always = self.mode == ReadAheadMode::Always
            && (self.rest.is_some() || self.window_size >= self.chunk);
        if self.ahead.is_none() && (always || self.due) {
            self.due = false;
            let (at, size) = (self.pos, self.size);
            self.ahead = ReadAhead::start(&self.object, (at, size), self.chunk, self.concurrency);
            if self.ahead.is_some() {
                (self.rest, self.prefetch) = (None, None);
            }
        }
        if let Some(taken) = self.ahead.as_mut().and_then(|ahead| ahead.take(self.pos)) {
            let data = taken?;
            self.fetched += data.len() as u64;
            self.window_end = self.pos + data.len() as u64;
            self.window = Window::Buffered {
                start: self.pos,
                data,
            };
            return Ok(());
        }
        self.ahead = None;
        if let Some(body) = self.rest.take() {
            // The opening GET's body goes on: no new request (timed over a chunk, if
            // that decides whether to read ahead).
            if self.mode == ReadAheadMode::Auto {
                self.timed = Some((Instant::now(), self.pos, false));
            }
            self.window = Window::Streaming {
                at: self.pos,
                end: self.size,
                body,
            };
            self.window_end = self.size;
            return Ok(());
        }
        self.open_streamed()
    }

    /// Random access: one small range, in memory.
    fn open_random(&mut self) -> Result<()> {
        (self.prefetch, self.rest, self.ahead, self.timed) = (None, None, None, None);
        self.due = false;
        self.window_size = MIN_WINDOW;
        let end = (self.pos + MIN_WINDOW).min(self.size);
        let mut body = self.object.request(self.pos, end)?;
        let mut data = Vec::with_capacity((end - self.pos) as usize);
        (&mut body)
            .take(end - self.pos)
            .read_to_end(&mut data)
            .map_err(|e| body_error(&self.object.key, e))?;
        body.finish();
        if data.len() as u64 != end - self.pos {
            return Err(Error::network(format!(
                "GET {}: got {} bytes instead of {}",
                self.object.key,
                data.len(),
                end - self.pos
            )));
        }
        self.fetched += data.len() as u64;
        self.window = Window::Buffered {
            start: self.pos,
            data,
        };
        self.window_end = end;
        Ok(())
    }

    /// Sequential: streams the next range, prefetched if it was asked for already.
    fn open_streamed(&mut self) -> Result<()> {
        let (body, end) = match self.prefetch.take() {
            Some(prefetch) if prefetch.start == self.pos => {
                let body = prefetch
                    .handle
                    .join()
                    .map_err(|_| Error::network("the prefetch thread failed"))??;
                self.window_size = prefetch.end - prefetch.start;
                (body, prefetch.end)
            }
            _ => {
                self.window_size = (self.window_size * 2).min(MAX_WINDOW);
                let end = (self.pos + self.window_size).min(self.size);
                (self.object.request(self.pos, end)?, end)
            }
        };
        self.window = Window::Streaming {
            at: self.pos,
            end,
            body,
        };
        self.window_end = end;
        self.start_prefetch(end);
        Ok(())
    }

    fn report(&mut self) {
        if self.pos >= self.reported + REPORT_EVERY || self.pos == self.size {
            self.reported = self.pos;
            self.progress.report(self.pos);
        }
    }

    /// Reads at the current position; 0 at the end. A body cut short or stalled is asked
    /// for again from where it stopped (up to the transport's attempts, with its backoff,
    /// while the storage's retry quota lasts).
    pub fn read_bytes(&mut self, out: &mut [u8]) -> Result<usize> {
        let attempts = self.object.objects.max_attempts();
        let mut attempt = 1;
        loop {
            match self.read_once(out) {
                Err(Error::Network { message, .. })
                    if attempt < attempts && self.may_retry(&message, attempt) =>
                {
                    self.window = Window::Empty;
                    (self.prefetch, self.rest, self.ahead, self.timed) = (None, None, None, None);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn may_retry(&self, message: &str, attempt: u32) -> bool {
        let reason = format!("{message}; asking again from byte {}", self.pos);
        let operation = format!("GET {}", self.object.key);
        (self.object.objects).pause_before_retry(&operation, &reason, attempt)
    }

    fn read_once(&mut self, out: &mut [u8]) -> Result<usize> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        let serves = match &self.window {
            Window::Empty => false,
            Window::Buffered { start, data } => {
                self.pos >= *start && self.pos < start + data.len() as u64
            }
            Window::Streaming { at, end, .. } => self.pos == *at && self.pos < *end,
        };
        if !serves {
            self.open_window()?;
        }
        let key = &self.object.key;
        let n = match &mut self.window {
            Window::Buffered { start, data } => {
                let offset = (self.pos - *start) as usize;
                let n = out.len().min(data.len() - offset);
                out[..n].copy_from_slice(&data[offset..offset + n]);
                n
            }
            Window::Streaming { at, end, body } => {
                let want = out.len().min((*end - self.pos) as usize);
                let n = body
                    .read(&mut out[..want])
                    .map_err(|e| body_error(key, e))?;
                if n == 0 {
                    return Err(Error::network(format!(
                        "GET {key}: the body ended {} bytes early",
                        *end - self.pos
                    )));
                }
                self.fetched += n as u64;
                *at += n as u64;
                if *at == *end {
                    body.finish();
                }
                n
            }
            Window::Empty => unreachable!("open_window() fills the window"),
        };
        if let Some(verifier) = &mut self.verifier {
            let checked = verifier.observe(self.pos, &out[..n], self.size, &self.object.key);
            if let Err(error) = checked {
                self.failed = Some(error.clone());
                return Err(error);
            }
        }
        self.pos += n as u64;
        self.report();
        self.decide_read_ahead();
        Ok(n)
    }

    /// `Auto`: once the opening GET's stream has delivered `AUTO_SPAN` chunks after its
    /// first `AUTO_WARMUP`, reads ahead from there if they came slower than [`ReadAheadMode::AUTO_BELOW`] (the
    /// network, or a caller that works between reads, is the bottleneck), else stays on
    /// the one stream.
    fn decide_read_ahead(&mut self) {
        let Some((since, from, timing)) = self.timed else {
            return;
        };
        let span = match timing {
            true => ReadAheadMode::AUTO_SPAN,
            false => ReadAheadMode::AUTO_WARMUP,
        };
        if self.pos - from < self.chunk.saturating_mul(span) {
            return;
        }
        if !timing {
            self.timed = Some((Instant::now(), self.pos, true));
            return;
        }
        self.timed = None;
        let rate = (self.pos - from) as f64 / since.elapsed().as_secs_f64().max(1e-9);
        let worth = self.concurrency >= 2 && self.size - self.pos >= 2 * self.chunk;
        if rate < ReadAheadMode::AUTO_BELOW && worth {
            // Closes the stream; the next read starts the read-ahead here.
            self.due = true;
            self.window = Window::Buffered {
                start: self.pos,
                data: Vec::new(),
            };
            self.window_end = self.pos;
        }
    }

    /// Moves the position (no transfer).
    pub fn seek_to(&mut self, position: SeekFrom) -> Result<u64> {
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
            SeekFrom::End(delta) => self.size.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            Error::InvalidArgument(format!(
                "invalid seek to a negative position ({position:?})"
            ))
        })?;
        self.pos = target;
        Ok(target)
    }
}

impl Read for RangedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_bytes(buf).map_err(Into::into)
    }
}
