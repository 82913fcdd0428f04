//! `S3File`: django-storages' file object, for reading or for writing.
//!
//! * Read mode (`"r"`, `"rb"`): `open` sends a HEAD, so a missing object fails there.
//!   The first read or seek downloads the object into a spool (in memory up to
//!   `AWS_S3_MAX_MEMORY_SIZE`, then a temporary file; 0 = never roll to disk), decoding
//!   `Content-Encoding: gzip` when `AWS_IS_GZIPPED` is on.
//! * Write mode (`"w"`, `"wb"`): writes are buffered and go up as multipart parts of
//!   `AWS_S3_FILE_BUFFER_SIZE`; a file that never fills one part goes up as a single PUT.
//!   `close` commits (and reports any failure, aborting the upload). Closing a file that
//!   was never written creates an empty object only if none exists.
//! * Dropping a write-mode file without `close` discards what was written (and aborts
//!   any upload): nothing half-written is ever stored.

use crate::error::{from_io, Error, Result};
use crate::log;
use crate::multipart::Upload;
use crate::storage::{Storage, WriteParams};
use flate2::read::MultiGzDecoder;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};
use tempfile::SpooledTempFile;

/// The direction a file was opened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `"r"` or `"rb"`.
    Read,
    /// `"w"` or `"wb"`.
    Write,
}

impl Mode {
    /// Parses a Python-style mode; anything but r, rb, w, wb is `InvalidArgument`.
    pub fn parse(mode: &str) -> Result<Mode> {
        match mode {
            "r" | "rb" => Ok(Mode::Read),
            "w" | "wb" => Ok(Mode::Write),
            _ => Err(Error::InvalidArgument(format!(
                "mode must be \"r\", \"rb\", \"w\" or \"wb\", not {mode:?}"
            ))),
        }
    }
}

struct Reading {
    /// Content-Length from the HEAD at open.
    size: u64,
    /// Whether to gunzip while downloading.
    decode_gzip: bool,
    /// The downloaded content, once fetched.
    spool: Option<SpooledTempFile>,
}

struct Writing {
    params: WriteParams,
    buffer: Vec<u8>,
    upload: Option<Upload>,
    written: u64,
    part_size: usize,
}

enum State {
    Reading(Reading),
    Writing(Writing),
    Closed,
}

/// A file in the storage, opened for reading or for writing.
pub struct S3File {
    storage: Storage,
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

impl S3File {
    pub(crate) fn open(storage: Storage, name: &str, mode: &str) -> Result<S3File> {
        let mode = Mode::parse(mode)?;
        let key = storage.key(name)?;
        let clean = crate::names::clean_name(name);
        let state = match mode {
            Mode::Read => {
                let info = storage
                    .head(&key)?
                    .ok_or_else(|| Error::NotFound(format!("File does not exist: {clean}")))?;
                let decode_gzip =
                    storage.config().gzip && info.content_encoding.as_deref() == Some("gzip");
                State::Reading(Reading {
                    size: info.size,
                    decode_gzip,
                    spool: None,
                })
            }
            Mode::Write => {
                storage.ensure_bucket()?;
                State::Writing(Writing {
                    params: storage.write_params(&key)?,
                    buffer: Vec::new(),
                    upload: None,
                    written: 0,
                    part_size: storage.config().file_buffer_size,
                })
            }
        };
        Ok(S3File {
            storage,
            name: clean,
            key,
            mode,
            state,
        })
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
            State::Closed => Err(self.closed_error()),
        }
    }

    /// The spool of a read-mode file, downloading the object on first use.
    fn spool(&mut self) -> Result<&mut SpooledTempFile> {
        let (storage, key, name) = (&self.storage, &self.key, &self.name);
        let reading = match &mut self.state {
            State::Reading(reading) => reading,
            State::Writing(_) => {
                return Err(Error::BadState(format!(
                    "File '{name}' was not opened in read mode."
                )))
            }
            State::Closed => {
                return Err(Error::BadState(format!(
                    "I/O operation on closed file '{name}'"
                )))
            }
        };
        if reading.spool.is_none() {
            let mut spool = storage.spool();
            let reply = storage.get(key)?;
            let body = reply.body.into_with_config().limit(u64::MAX).reader();
            let copied = if reading.decode_gzip {
                io::copy(&mut MultiGzDecoder::new(body), &mut spool)
            } else {
                io::copy(&mut { body }, &mut spool)
            };
            copied.map_err(|error| match error.kind() {
                io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput if reading.decode_gzip => {
                    Error::Io(format!(
                        "GET {key}: the gzip content could not be decoded: {error}"
                    ))
                }
                _ => Error::Network(format!("GET {key}: reading the body: {error}")),
            })?;
            spool
                .seek(SeekFrom::Start(0))
                .map_err(|e| Error::io("rewinding the spool", e))?;
            reading.spool = Some(spool);
        }
        Ok(reading.spool.as_mut().expect("filled above"))
    }

    /// Reads into `buf`; 0 at the end.
    pub fn read_bytes(&mut self, buf: &mut [u8]) -> Result<usize> {
        let spool = self.spool()?;
        spool
            .read(buf)
            .map_err(|error| Error::io("reading the spool", error))
    }

    /// Moves the read position (read mode); in write mode only the current position
    /// can be asked (`SeekFrom::Current(0)`).
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
        let spool = self.spool()?;
        spool.seek(position).map_err(|error| match error.kind() {
            io::ErrorKind::InvalidInput => {
                Error::InvalidArgument(format!("invalid seek to a negative position: {error}"))
            }
            _ => Error::io("seeking the spool", error),
        })
    }

    /// Appends `data` (write mode), uploading a part whenever a full one is buffered.
    pub fn write_bytes(&mut self, data: &[u8]) -> Result<()> {
        let transport_storage = self.storage.clone();
        let key = self.key.clone();
        let writing = match &mut self.state {
            State::Writing(writing) => writing,
            State::Reading(_) => {
                return Err(Error::BadState(format!(
                    "File '{}' was not opened in write mode.",
                    self.name
                )))
            }
            State::Closed => return Err(self.closed_error()),
        };
        writing.buffer.extend_from_slice(data);
        writing.written += data.len() as u64;
        while writing.buffer.len() >= writing.part_size {
            let transport = transport_storage.transport();
            if writing.upload.is_none() {
                writing.upload = Some(Upload::start(
                    transport,
                    &key,
                    &writing.params.content_type,
                    &writing.params.headers,
                )?);
            }
            let part: Vec<u8> = writing.buffer.drain(..writing.part_size).collect();
            let upload = writing.upload.as_mut().expect("started above");
            if let Err(error) = upload.put_part(transport, &part) {
                // Nothing more can be committed: abort now, report here and at close.
                if let Some(upload) = writing.upload.take() {
                    upload.abort(transport);
                }
                self.state = State::Closed;
                return Err(error);
            }
        }
        Ok(())
    }

    /// Django's `File.chunks(chunk_size)`: rewinds, then yields pieces of `size` bytes.
    pub fn chunks(&mut self, size: usize) -> Result<Chunks<'_>> {
        if size == 0 {
            return Err(Error::InvalidArgument(
                "chunk size must be greater than 0".into(),
            ));
        }
        self.seek_to(SeekFrom::Start(0))?;
        Ok(Chunks { file: self, size })
    }

    /// Closes the file. In write mode this commits the object and reports any failure
    /// (the upload is then aborted, nothing is stored). Closing twice is fine.
    pub fn close(&mut self) -> Result<()> {
        let state = std::mem::replace(&mut self.state, State::Closed);
        let State::Writing(writing) = state else {
            return Ok(());
        };
        self.commit(writing)
    }

    fn commit(&self, writing: Writing) -> Result<()> {
        let transport = self.storage.transport();
        let key = &self.key;
        match writing.upload {
            Some(mut upload) => {
                if !writing.buffer.is_empty() {
                    if let Err(error) = upload.put_part(transport, &writing.buffer) {
                        upload.abort(transport);
                        return Err(error);
                    }
                }
                upload.complete(transport, false)
            }
            None if writing.written > 0 => {
                self.storage
                    .put(key, &writing.buffer, &writing.params, false)
            }
            None => {
                // Nothing written: create an empty object only if there is none.
                if self.storage.head(key)?.is_some() {
                    return Ok(());
                }
                match self.storage.put(key, &[], &writing.params, true) {
                    Err(Error::AlreadyExists(_)) => Ok(()),
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
                upload.abort(self.storage.transport());
            }
        }
    }
}

/// Iterator over a file's content in pieces (see [`S3File::chunks`]).
pub struct Chunks<'a> {
    file: &'a mut S3File,
    size: usize,
}

impl Iterator for Chunks<'_> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Result<Vec<u8>>> {
        let mut chunk = vec![0; self.size];
        let mut filled = 0;
        while filled < self.size {
            match self.file.read_bytes(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(error) => return Some(Err(error)),
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
        match self.state {
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

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<S3File>();
    let _ = from_io;
}
