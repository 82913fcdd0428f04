//! Lazy, ranged reading of one object.
//!
//! Nothing is fetched until the first read. Each miss fetches one range with a ranged GET
//! (`If-Match` the ETag seen at open, so a replaced object is detected, not mixed). On
//! sequential reads the window doubles from 256 KiB up to 16 MiB and the next range is
//! prefetched on a worker thread; a seek elsewhere starts again from the small window.
//! Reading 1 KiB from the middle of a large object therefore transfers 256 KiB.

use crate::error::{Error, Result};
use crate::progress::{Direction, Transfer};
use crate::storage::Storage;
use s3::command::Command;
use std::io::{self, Read, Seek, SeekFrom};
use std::thread::JoinHandle;

/// The first (and after a seek, the) range size.
pub(crate) const MIN_WINDOW: u64 = 256 * 1024;
/// The largest range fetched at once.
pub(crate) const MAX_WINDOW: u64 = 16 * 1024 * 1024;

/// A range being fetched in the background.
struct Prefetch {
    start: u64,
    handle: JoinHandle<Result<Vec<u8>>>,
}

/// Reads an object by ranges.
pub(crate) struct RangedReader {
    storage: Storage,
    key: String,
    name: String,
    size: u64,
    etag: Option<String>,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
    window: u64,
    prefetch: Option<Prefetch>,
    fetched: u64,
}

/// Fetches `[start, end)` of `key`.
fn fetch(
    storage: &Storage,
    key: &str,
    etag: Option<&str>,
    start: u64,
    end: u64,
) -> Result<Vec<u8>> {
    let mut headers = storage.read_headers()?;
    if let Some(etag) = etag {
        headers.push(("if-match".into(), etag.to_string()));
    }
    let operation = format!("GET {key} bytes {start}-{}", end - 1);
    let reply = storage.transport().send(
        Command::GetObjectRange {
            start,
            end: Some(end - 1),
        },
        key,
        &headers,
    )?;
    match reply.status {
        404 => return Err(Error::NotFound(format!("File does not exist: {key}"))),
        412 => {
            return Err(Error::BadState(format!(
                "{operation}: the object was replaced while it was being read"
            )))
        }
        _ => {}
    }
    let reply = reply.check(&operation)?;
    let whole = reply.status == 200;
    let mut data = Vec::with_capacity((end - start) as usize);
    reply
        .body
        .into_with_config()
        .limit(u64::MAX)
        .reader()
        .read_to_end(&mut data)
        .map_err(|error| Error::Network(format!("{operation}: reading the body: {error}")))?;
    if whole {
        // A server that ignores Range sends everything: keep the part asked for.
        let stop = (end as usize).min(data.len());
        data = data.get(start as usize..stop).unwrap_or_default().to_vec();
    }
    if (data.len() as u64) != end - start {
        return Err(Error::Network(format!(
            "{operation}: got {} bytes instead of {}",
            data.len(),
            end - start
        )));
    }
    Ok(data)
}

impl RangedReader {
    /// A reader of `key` (`size` bytes, `etag` from the HEAD at open).
    pub fn new(
        storage: Storage,
        key: String,
        name: String,
        size: u64,
        etag: Option<String>,
    ) -> RangedReader {
        RangedReader {
            storage,
            key,
            name,
            size,
            etag,
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
            window: MIN_WINDOW,
            prefetch: None,
            fetched: 0,
        }
    }

    /// Bytes fetched from S3 so far (for tests and the benchmark).
    pub fn fetched(&self) -> u64 {
        self.fetched
    }

    fn buffered(&self, pos: u64) -> bool {
        pos >= self.buf_start && pos < self.buf_start + self.buf.len() as u64
    }

    fn start_prefetch(&mut self, start: u64) {
        if start >= self.size {
            return;
        }
        let end = (start + self.window).min(self.size);
        let (storage, key, etag) = (self.storage.clone(), self.key.clone(), self.etag.clone());
        let handle = std::thread::spawn(move || fetch(&storage, &key, etag.as_deref(), start, end));
        self.prefetch = Some(Prefetch { start, handle });
    }

    fn fill(&mut self) -> Result<()> {
        let had_data = !self.buf.is_empty();
        let sequential = self.pos == self.buf_start + self.buf.len() as u64;
        if sequential && had_data {
            self.window = (self.window * 2).min(MAX_WINDOW);
        } else if !sequential {
            self.window = MIN_WINDOW;
        }
        let prefetched = match self.prefetch.take() {
            Some(prefetch) if prefetch.start == self.pos => Some(
                prefetch
                    .handle
                    .join()
                    .map_err(|_| Error::Network("the prefetch thread failed".into()))??,
            ),
            _ => None, // a prefetch of another range is left to finish and be dropped
        };
        let data = match prefetched {
            Some(data) => data,
            None => {
                let end = (self.pos + self.window).min(self.size);
                fetch(
                    &self.storage,
                    &self.key,
                    self.etag.as_deref(),
                    self.pos,
                    end,
                )?
            }
        };
        self.fetched += data.len() as u64;
        self.buf_start = self.pos;
        self.buf = data;
        if let Some(progress) = self.storage.progress() {
            progress(&Transfer {
                name: &self.name,
                direction: Direction::Download,
                done: self.buf_start + self.buf.len() as u64,
                total: Some(self.size),
            });
        }
        if sequential && had_data {
            let next = self.buf_start + self.buf.len() as u64;
            self.start_prefetch(next);
        }
        Ok(())
    }

    /// Reads at the current position; 0 at the end.
    pub fn read_bytes(&mut self, out: &mut [u8]) -> Result<usize> {
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        if !self.buffered(self.pos) {
            self.fill()?;
        }
        let offset = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.buf.len() - offset);
        out[..n].copy_from_slice(&self.buf[offset..offset + n]);
        self.pos += n as u64;
        Ok(n)
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

impl Seek for RangedReader {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.seek_to(position).map_err(Into::into)
    }
}
