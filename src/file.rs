//! `S3File`: django-storages' file object, for reading or for writing.
//!
//! * Read mode (`"r"`, `"rb"`): `open` sends one ranged GET of the first 64 KiB, which is
//!   also the existence check, so a missing object fails there; later reads are served
//!   by ranged GETs (see `reader`), seeks transfer nothing. Objects
//!   stored with `Content-Encoding: gzip` are decoded as they stream when
//!   `AWS_IS_GZIPPED` is on.
//! * Write mode (`"w"`, `"wb"`): writes are buffered and go up as multipart parts of
//!   `AWS_S3_FILE_BUFFER_SIZE`, several in parallel; a file that never fills one part goes
//!   up as a single PUT. `close` commits (and reports any failure, aborting the upload).
//!   Closing a file that was never written creates an empty object only if none exists.
//! * Dropping a write-mode file without `close` discards what was written (and aborts
//!   any upload): nothing half-written is ever stored.

use crate::error::{Error, Result};
use crate::log;
use crate::multipart::Uploader;
use crate::object_parameters::{AccessParameters, WriteParameters};
use crate::progress::Reporter;
use crate::reader::RangedReader;
use crate::store::{ObjectStore, Overwrite};
use flate2::read::MultiGzDecoder;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

/// The direction a file was opened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `"r"` or `"rb"`.
    Read,
    /// `"w"` or `"wb"`.
    Write,
}

impl Mode {
    /// Parses a Python-style mode; anything but r, rb, w, wb, x, xb is
    /// `InvalidArgument` (x and xb write create-only: see [`Mode::exclusive`]).
    pub fn parse(mode: &str) -> Result<Mode> {
        match mode {
            "r" | "rb" => Ok(Mode::Read),
            "w" | "wb" | "x" | "xb" => Ok(Mode::Write),
            _ => Err(Error::InvalidArgument(format!(
                "mode must be \"r\", \"rb\", \"w\", \"wb\", \"x\" or \"xb\", not {mode:?}"
            ))),
        }
    }

    /// Whether `mode` writes create-only (Python's `"x"`): the open fails with
    /// `AlreadyExists` if the name is taken, and so does the close if it was taken
    /// meanwhile (the commit carries `If-None-Match: *` where the server honours it).
    pub fn exclusive(mode: &str) -> bool {
        matches!(mode, "x" | "xb")
    }
}

/// A gzip-encoded object, decoded as it streams; seeking backwards starts again.
struct Gunzip {
    /// Always `Some` between calls; taken only to restart from the beginning.
    decoder: Option<MultiGzDecoder<RangedReader>>,
    pos: u64,
}

#[allow(clippy::large_enum_variant)] // one per open file; boxing buys nothing
enum Source {
    Plain(RangedReader),
    Gzip(Gunzip),
}

struct Reading {
    /// The object's size, from the GET that opened it.
    size: u64,
    source: Source,
}

/// Where a write-mode file goes and how: everything `Storage::open` worked out.
pub(crate) struct WriteTarget {
    /// The protocol layer.
    pub objects: Arc<dyn ObjectStore>,
    /// The object's key.
    pub key: String,
    /// Content type and parameters of the object.
    pub write: WriteParameters,
    /// What a HEAD of the object repeats (for the empty object written on close).
    pub read: AccessParameters,
    /// The size of each part (AWS_S3_FILE_BUFFER_SIZE).
    pub part_size: usize,
    /// Parts in flight at most.
    pub concurrency: usize,
    /// Where progress goes.
    pub progress: Reporter,
    /// `Overwrite::Refused` for a create-only (`"x"`) file.
    pub overwrite: Overwrite,
}

struct Writing {
    target: WriteTarget,
    buffer: Vec<u8>,
    upload: Option<Uploader>,
    written: u64,
}

impl Writing {
    /// Takes `data`, handing every full part to the upload (started with the first).
    /// A big write is cut into parts as it is read, never copied whole. On an error the
    /// caller fails the file, so nothing of it is ever committed.
    fn accept(&mut self, data: &[u8]) -> Result<()> {
        let part_size = self.target.part_size;
        let mut rest = data;
        while !rest.is_empty() {
            let take = (part_size - self.buffer.len()).min(rest.len());
            self.buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.buffer.len() == part_size {
                self.send_part()?;
            }
        }
        self.written += data.len() as u64;
        Ok(())
    }

    /// Hands the full buffer to the upload, starting it first if needed.
    fn send_part(&mut self) -> Result<()> {
        if self.upload.is_none() {
            let target = &self.target;
            self.upload = Some(Uploader::start(
                target.objects.clone(),
                &target.key,
                &target.write,
                target.concurrency,
                target.progress.clone(),
            )?);
        }
        let upload = self.upload.as_mut().expect("started above");
        let next = upload.buffer(self.target.part_size);
        let part = std::mem::replace(&mut self.buffer, next);
        upload.submit(part)
    }
}

/// The state of a file while a call on it runs: if the call panics, the file stays
/// failed and commits nothing.
fn interrupted() -> Error {
    Error::BadState(
        "an earlier call on this file did not finish (an internal error); nothing of it \
         will be committed"
            .into(),
    )
}

#[allow(clippy::large_enum_variant)] // one per open file; boxing buys nothing
enum State {
    Reading(Reading),
    Writing(Writing),
    /// A write, part, start or commit failed: every later write and close says so, and
    /// nothing will be committed (any multipart upload was aborted).
    Failed(Error),
    Closed,
}

/// A file in the storage, opened for reading or for writing.
pub struct S3File {
    name: String,
    key: String,
    mode: Mode,
    state: State,
}

impl fmt::Debug for S3File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3File")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("closed", &matches!(self.state, State::Closed))
            .finish()
    }
}

fn gzip_error(key: &str, error: io::Error) -> Error {
    match error.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            Error::io_message(format!(
                "{key}: the gzip content could not be decoded: {error}"
            ))
        }
        _ => Error::from_io_error(key, error),
    }
}

impl Gunzip {
    fn new(mut reader: RangedReader) -> Result<Gunzip> {
        reader.seek_to(SeekFrom::Start(0))?;
        Ok(Gunzip {
            decoder: Some(MultiGzDecoder::new(reader)),
            pos: 0,
        })
    }

    fn decoder(&mut self) -> &mut MultiGzDecoder<RangedReader> {
        self.decoder
            .as_mut()
            .expect("a decoder is always present between calls")
    }

    fn fetched(&self) -> u64 {
        self.decoder
            .as_ref()
            .map_or(0, |decoder| decoder.get_ref().fetched())
    }

    fn read(&mut self, key: &str, out: &mut [u8]) -> Result<usize> {
        let n = self
            .decoder()
            .read(out)
            .map_err(|error| gzip_error(key, error))?;
        self.pos += n as u64;
        Ok(n)
    }

    fn skip(&mut self, key: &str, count: u64) -> Result<()> {
        let skipped = io::copy(&mut self.decoder().take(count), &mut io::sink())
            .map_err(|error| gzip_error(key, error))?;
        self.pos += skipped;
        Ok(())
    }

    /// Seeks in the decoded stream: forward by decoding, backward by starting again.
    fn seek(&mut self, key: &str, position: SeekFrom) -> Result<u64> {
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
            SeekFrom::End(delta) => {
                self.skip(key, u64::MAX)?;
                self.pos.checked_add_signed(delta)
            }
        }
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "invalid seek to a negative position ({position:?})"
            ))
        })?;
        if target < self.pos {
            let reader = self
                .decoder
                .take()
                .expect("present between calls")
                .into_inner();
            *self = Gunzip::new(reader)?;
        }
        self.skip(key, target - self.pos)?;
        Ok(target)
    }
}

impl S3File {
    /// A read-mode file of `size` bytes; `gzip`: decode as it streams.
    pub(crate) fn for_reading(
        name: String,
        key: String,
        size: u64,
        reader: RangedReader,
        gzip: bool,
    ) -> Result<S3File> {
        let source = if gzip {
            Source::Gzip(Gunzip::new(reader)?)
        } else {
            Source::Plain(reader)
        };
        Ok(S3File {
            name,
            key,
            mode: Mode::Read,
            state: State::Reading(Reading { size, source }),
        })
    }

    /// A write-mode file, committed to `target` by `close`.
    pub(crate) fn for_writing(name: String, target: WriteTarget) -> S3File {
        S3File {
            name,
            key: target.key.clone(),
            mode: Mode::Write,
            state: State::Writing(Writing {
                target,
                buffer: Vec::new(),
                upload: None,
                written: 0,
            }),
        }
    }

    /// The name (without `AWS_LOCATION`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The mode the file was opened in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// True once `close` was called.
    pub fn closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    fn closed_error(&self) -> Error {
        Error::BadState(format!("I/O operation on closed file '{}'", self.name))
    }

    /// In read mode, the object's size (its Content-Length); in write mode, the bytes
    /// written so far.
    pub fn size(&self) -> Result<u64> {
        match &self.state {
            State::Reading(reading) => Ok(reading.size),
            State::Writing(writing) => Ok(writing.written),
            State::Failed(error) => Err(error.clone()),
            State::Closed => Err(self.closed_error()),
        }
    }

    /// Bytes fetched from S3 so far by a read-mode file (compressed bytes for gzip).
    pub fn bytes_fetched(&self) -> u64 {
        match &self.state {
            State::Reading(Reading {
                source: Source::Plain(reader),
                ..
            }) => reader.fetched(),
            State::Reading(Reading {
                source: Source::Gzip(gunzip),
                ..
            }) => gunzip.fetched(),
            _ => 0,
        }
    }

    fn reading(&mut self) -> Result<&mut Reading> {
        match &mut self.state {
            State::Reading(reading) => Ok(reading),
            State::Writing(_) | State::Failed(_) => Err(Error::BadState(format!(
                "File '{}' was not opened in read mode.",
                self.name
            ))),
            State::Closed => Err(Error::BadState(format!(
                "I/O operation on closed file '{}'",
                self.name
            ))),
        }
    }

    /// Reads into `buf`; 0 at the end.
    pub fn read_bytes(&mut self, buf: &mut [u8]) -> Result<usize> {
        let key = self.key.clone();
        match &mut self.reading()?.source {
            Source::Plain(reader) => reader.read_bytes(buf),
            Source::Gzip(gunzip) => gunzip.read(&key, buf),
        }
    }

    /// Moves the read position (read mode; nothing is transferred); in write mode only the
    /// current position can be asked (`SeekFrom::Current(0)`).
    pub fn seek_to(&mut self, position: SeekFrom) -> Result<u64> {
        if let State::Writing(writing) = &self.state {
            return match position {
                SeekFrom::Current(0) => Ok(writing.written),
                _ => Err(Error::BadState(format!(
                    "File '{}' is open for writing: it can only be written in order",
                    self.name
                ))),
            };
        }
        let key = self.key.clone();
        match &mut self.reading()?.source {
            Source::Plain(reader) => reader.seek_to(position),
            Source::Gzip(gunzip) => gunzip.seek(&key, position),
        }
    }

    /// Appends `data` (write mode); full parts go up in parallel as they fill.
    ///
    /// If this fails (a part, or the start of the multipart upload), the bytes are not
    /// accepted and the file is failed: the upload is aborted, and every later `write`
    /// and `close` returns the same error. Nothing is ever committed from it.
    pub fn write_bytes(&mut self, data: &[u8]) -> Result<()> {
        match &self.state {
            State::Writing(_) => {}
            State::Failed(error) => return Err(error.clone()),
            State::Reading(_) => {
                return Err(Error::BadState(format!(
                    "File '{}' was not opened in write mode.",
                    self.name
                )))
            }
            State::Closed => return Err(self.closed_error()),
        }
        let State::Writing(mut writing) =
            std::mem::replace(&mut self.state, State::Failed(interrupted()))
        else {
            unreachable!("checked above")
        };
        match writing.accept(data) {
            Ok(()) => {
                self.state = State::Writing(writing);
                Ok(())
            }
            Err(error) => {
                if let Some(upload) = writing.upload.take() {
                    upload.discard();
                }
                self.state = State::Failed(error.clone());
                Err(error)
            }
        }
    }

    /// Django's `File.chunks(chunk_size)`: rewinds, then yields pieces of `size` bytes.
    pub fn chunks(&mut self, size: usize) -> Result<Chunks<'_>> {
        if size == 0 {
            return Err(Error::InvalidArgument(
                "chunk size must be greater than 0".into(),
            ));
        }
        self.seek_to(SeekFrom::Start(0))?;
        Ok(Chunks {
            file: self,
            size,
            failed: false,
        })
    }

    /// Closes the file. In write mode this commits the object and reports any failure
    /// (the upload is then aborted, nothing is stored). A file whose write failed
    /// returns that failure here and commits nothing. Closing twice is fine.
    pub fn close(&mut self) -> Result<()> {
        match std::mem::replace(&mut self.state, State::Failed(interrupted())) {
            State::Writing(writing) => match self.commit(writing) {
                Ok(()) => {
                    self.state = State::Closed;
                    Ok(())
                }
                Err(error) => {
                    self.state = State::Failed(error.clone());
                    Err(error)
                }
            },
            State::Failed(error) => {
                self.state = State::Failed(error.clone());
                Err(error)
            }
            State::Reading(_) | State::Closed => {
                self.state = State::Closed;
                Ok(())
            }
        }
    }

    /// Closes the file without committing anything: what was written is discarded and
    /// any multipart upload is aborted. An error says the abort itself failed (the
    /// upload may be left on the server; `Storage::incomplete_uploads` lists it). A file
    /// that had failed stays failed: a later `close` still returns its failure.
    pub fn abort(&mut self) -> Result<()> {
        match std::mem::replace(&mut self.state, State::Closed) {
            State::Writing(Writing {
                upload: Some(upload),
                ..
            }) => upload.abort(),
            State::Failed(error) => {
                self.state = State::Failed(error);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn commit(&self, writing: Writing) -> Result<()> {
        let target = &writing.target;
        match writing.upload {
            Some(mut upload) => {
                if !writing.buffer.is_empty() {
                    if let Err(error) = upload.submit(writing.buffer) {
                        upload.discard();
                        return Err(error);
                    }
                }
                upload.finish(target.overwrite)
            }
            None if writing.written > 0 => {
                let objects = &target.objects;
                objects.put(
                    &target.key,
                    &writing.buffer,
                    &target.write,
                    target.overwrite,
                )?;
                target.progress.finished(writing.written);
                Ok(())
            }
            None => {
                // Nothing written: create an empty object only if there is none (a
                // create-only file fails if there is one).
                let objects = &target.objects;
                let exclusive = target.overwrite == Overwrite::Refused;
                if !exclusive && objects.head(&target.key, &target.read)?.is_some() {
                    return Ok(());
                }
                match objects.put(&target.key, &[], &target.write, Overwrite::Refused) {
                    Err(Error::AlreadyExists(_)) if !exclusive => Ok(()),
                    other => other,
                }
            }
        }
    }
}

impl Drop for S3File {
    fn drop(&mut self) {
        if let State::Writing(writing) = std::mem::replace(&mut self.state, State::Closed) {
            log::warn(&format!(
                "S3File '{}' was dropped without close(): its {} written bytes were discarded",
                self.name, writing.written
            ));
            if let Some(upload) = writing.upload {
                upload.discard();
            }
        }
    }
}

/// Iterator over a file's content in pieces (see [`S3File::chunks`]).
pub struct Chunks<'a> {
    file: &'a mut S3File,
    size: usize,
    /// An error was given: the iteration is over (a failed read repeats its error).
    failed: bool,
}

impl Iterator for Chunks<'_> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Result<Vec<u8>>> {
        if self.failed {
            return None;
        }
        let mut chunk = vec![0; self.size];
        let mut filled = 0;
        while filled < self.size {
            match self.file.read_bytes(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            }
        }
        if filled == 0 {
            return None;
        }
        chunk.truncate(filled);
        Some(Ok(chunk))
    }
}

impl Read for S3File {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_bytes(buf).map_err(Into::into)
    }
}

impl Write for S3File {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_bytes(buf)?;
        Ok(buf.len())
    }

    /// Parts go up as they fill; there is nothing else to flush before `close`.
    fn flush(&mut self) -> io::Result<()> {
        match &self.state {
            State::Failed(error) => Err(error.clone().into()),
            State::Closed => Err(self.closed_error().into()),
            _ => Ok(()),
        }
    }
}

impl Seek for S3File {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.seek_to(position).map_err(Into::into)
    }
}
