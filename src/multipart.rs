//! Multipart uploads with parts going up in parallel on a bounded pool of threads.
//!
//! Used by `Storage::save` for large content and by `S3File` in write mode, so both
//! follow the same rules: at most `max_concurrency` parts are in flight (the caller
//! blocks while all workers are busy, which bounds memory to about
//! `(max_concurrency + 1) × part size`); each part is retried by the transport; on any
//! failure the upload is aborted, so none is left behind, and the first error is
//! returned from `finish` (or from the next `submit`). An `Uploader` dropped before it
//! finished (an early return, a panic) aborts its upload too.

use crate::checksums::Hasher;
use crate::content::read_up_to;
use crate::error::{Error, Result};
use crate::object_parameters::WriteParameters;
use crate::progress::Reporter;
use crate::store::{ObjectStore, Overwrite, Upload, UploadedPart};
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// A part handed to the workers: its number and its bytes.
type Job = (u32, Vec<u8>);

/// What the workers share.
#[derive(Default)]
struct Shared {
    parts: Mutex<Vec<UploadedPart>>,
    failure: Mutex<Option<Error>>,
    done: Mutex<u64>,
    /// Part buffers that went up, kept to be filled again (fewer allocations and page
    /// faults than a new buffer per part).
    free: Mutex<Vec<Vec<u8>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn fail(&self, error: Error) {
        lock(&self.failure).get_or_insert(error);
    }
}

/// What one worker needs to send parts.
struct Worker {
    objects: Arc<dyn ObjectStore>,
    key: String,
    upload: Upload,
    write: Arc<WriteParameters>,
    progress: Reporter,
    shared: Arc<Shared>,
    jobs: Arc<Mutex<Receiver<Job>>>,
}

impl Worker {
    /// Sends parts until the sender is gone; after a failure, drains without sending.
    fn run(self) {
        loop {
            let next = lock(&self.jobs).recv();
            let Ok((number, data)) = next else { return };
            if lock(&self.shared.failure).is_some() {
                continue;
            }
            let part = (number, data.as_slice());
            match (self.objects).upload_part(&self.key, &self.upload, part, &self.write) {
                Ok(part) => {
                    lock(&self.shared.parts).push(part);
                    let mut done = lock(&self.shared.done);
                    *done += data.len() as u64;
                    self.progress.report(*done);
                }
                Err(error) => self.shared.fail(error),
            }
            let mut data = data;
            data.clear();
            lock(&self.shared.free).push(data);
        }
    }
}

/// A multipart upload in progress.
pub(crate) struct Uploader {
    objects: Arc<dyn ObjectStore>,
    key: String,
    upload: Upload,
    /// The checksum of the whole object, computed as the parts are handed over (in
    /// order), for an upload of checksum type FULL_OBJECT whose algorithm cannot be
    /// combined from the parts' values.
    whole: Option<Hasher>,
    /// The length of each part handed over, in order.
    lengths: Vec<u64>,
    write: Arc<WriteParameters>,
    concurrency: usize,
    progress: Reporter,
    next_part: u32,
    sender: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
    /// True until the upload is completed or aborted.
    open: bool,
}

impl Uploader {
    /// `CreateMultipartUpload` with the object's parameters; at most `concurrency` parts
    /// will be in flight at once.
    pub fn start(
        objects: Arc<dyn ObjectStore>,
        key: &str,
        write: &WriteParameters,
        concurrency: usize,
        progress: Reporter,
    ) -> Result<Uploader> {
        let upload = objects.create_multipart(key, write)?;
        // A CRC32 or CRC32C whole comes from the parts' own values at the end; the
        // others are computed as the parts are handed over.
        let whole = (upload.checksum)
            .filter(|checksum| checksum.full_object && !checksum.algorithm.combinable())
            .map(|checksum| Hasher::new(checksum.algorithm));
        Ok(Uploader {
            objects,
            key: key.to_string(),
            upload,
            whole,
            lengths: Vec::new(),
            write: Arc::new(write.clone()),
            concurrency: concurrency.max(1),
            progress,
            next_part: 1,
            sender: None,
            workers: Vec::new(),
            shared: Arc::default(),
            open: true,
        })
    }

    fn spawn_workers(&mut self) -> Result<SyncSender<Job>> {
        let (sender, receiver) = sync_channel::<Job>(0);
        let jobs = Arc::new(Mutex::new(receiver));
        for _ in 0..self.concurrency {
            let worker = Worker {
                objects: self.objects.clone(),
                key: self.key.clone(),
                upload: self.upload.clone(),
                write: self.write.clone(),
                progress: self.progress.clone(),
                shared: self.shared.clone(),
                jobs: jobs.clone(),
            };
            let spawned = std::thread::Builder::new()
                .name("s3storage-upload".into())
                .spawn(move || worker.run())
                .map_err(|error| Error::io("starting an upload thread", error))?;
            self.workers.push(spawned);
        }
        Ok(sender)
    }

    fn failure(&self) -> Option<Error> {
        lock(&self.shared.failure).take()
    }

    /// Hands the next part to the pool (blocking while every worker is busy). A part
    /// failure reported by then is returned; the caller must then `discard`.
    pub fn submit(&mut self, data: Vec<u8>) -> Result<()> {
        if let Some(error) = self.failure() {
            return Err(error);
        }
        if self.sender.is_none() {
            self.sender = Some(self.spawn_workers()?);
        }
        let number = self.next_part;
        self.next_part += 1;
        if let Some(whole) = &mut self.whole {
            whole.update(&data);
        }
        self.lengths.push(data.len() as u64);
        let sender = self.sender.as_ref().expect("made above");
        sender.send((number, data)).map_err(|_| {
            Error::network(format!(
                "UploadPart {}: the upload workers stopped",
                self.key
            ))
        })
    }

    /// An empty buffer for the next part: one that went up already, or a new one.
    pub fn buffer(&self, capacity: usize) -> Vec<u8> {
        lock(&self.shared.free)
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(capacity))
    }

    /// Number of parts handed over so far.
    pub fn part_count(&self) -> u32 {
        self.next_part - 1
    }

    /// Waits for the workers; one that died (a panic) is a failure of the upload.
    fn join(&mut self) {
        self.sender = None;
        for worker in self.workers.drain(..) {
            if worker.join().is_err() {
                let key = &self.key;
                self.shared.fail(Error::network(format!(
                    "UploadPart {key}: an upload worker stopped unexpectedly"
                )));
            }
        }
    }

    /// Uploads `part` and the rest of `reader` as parts of at least `part_size` bytes
    /// (in parallel), then completes; on any failure the upload is aborted.
    pub fn upload_all(
        mut self,
        mut part: Vec<u8>,
        reader: &mut dyn Read,
        part_size: usize,
        overwrite: Overwrite,
    ) -> Result<()> {
        let mut send = || loop {
            read_up_to(reader, part_size, &mut part)?;
            if part.is_empty() && self.part_count() > 0 {
                return Ok(());
            }
            let last = part.len() < part_size;
            let next = self.buffer(part_size);
            self.submit(std::mem::replace(&mut part, next))?;
            if last {
                return Ok(());
            }
        };
        match send() {
            Ok(()) => self.finish(overwrite),
            Err(error) => {
                self.discard();
                Err(error)
            }
        }
    }

    /// The parts that went up, checked to be exactly 1..=n: a part that never reported
    /// back would leave a hole that S3 would complete without.
    fn uploaded_parts(&self) -> Result<Vec<UploadedPart>> {
        let mut parts = std::mem::take(&mut *lock(&self.shared.parts));
        parts.sort_by_key(|part| part.number);
        let complete = parts.len() == self.part_count() as usize
            && (parts.iter().enumerate()).all(|(index, part)| part.number as usize == index + 1);
        if !complete {
            return Err(Error::network(format!(
                "UploadPart {}: {} of {} parts were uploaded",
                self.key,
                parts.len(),
                self.part_count()
            )));
        }
        Ok(parts)
    }

    /// Waits for every part, then completes the upload; with `Overwrite::Refused`, fails
    /// with `AlreadyExists` if the key exists. On any failure the upload is aborted.
    pub fn finish(mut self, overwrite: Overwrite) -> Result<()> {
        self.join();
        let parts = match self.failure() {
            Some(error) => Err(error),
            None => self.uploaded_parts(),
        };
        let completed = parts.and_then(|parts| {
            let whole = self.whole_checksum(&parts);
            let write = (&*self.write, overwrite, whole);
            (self.objects).complete(&self.key, &self.upload, parts, write)
        });
        match completed {
            Ok(()) => {
                self.open = false;
                Ok(())
            }
            Err(error) => {
                self.discard();
                Err(error)
            }
        }
    }

    /// The full-object checksum the completion declares: the streamed one, or one
    /// combined from the parts' values (CRC32, CRC32C); `None` for a COMPOSITE upload.
    fn whole_checksum(&self, parts: &[UploadedPart]) -> Option<String> {
        if let Some(whole) = &self.whole {
            return Some(whole.value());
        }
        let checksum = self
            .upload
            .checksum
            .filter(|checksum| checksum.full_object)?;
        let values = parts.iter().map(|part| {
            let value = part
                .checksum
                .as_ref()
                .map_or("", |(_, value)| value.as_str());
            (value, self.lengths[part.number as usize - 1])
        });
        checksum.algorithm.combined(values)
    }

    /// Stops the workers and aborts the upload.
    pub fn abort(mut self) -> Result<()> {
        self.abort_now()
    }

    fn abort_now(&mut self) -> Result<()> {
        self.join();
        self.open = false;
        self.objects.abort(&self.key, &self.upload.id, &self.write)
    }

    /// Aborts the upload after a failure the caller is told of; an abort that fails too
    /// is logged as an error, since nobody else will hear of the upload left behind.
    pub fn discard(mut self) {
        self.discard_now();
    }

    fn discard_now(&mut self) {
        if let Err(error) = self.abort_now() {
            crate::log::emit(
                crate::log::Level::Error,
                &format!(
                    "AbortMultipartUpload {} (upload id {}): could not abort, the upload may \
                     be left on the server (Storage::incomplete_uploads lists it): {error}",
                    self.key, self.upload.id
                ),
            );
        }
    }
}

impl Drop for Uploader {
    /// An upload neither completed nor aborted (an early return, a panic) is aborted.
    fn drop(&mut self) {
        if self.open {
            self.discard_now();
        }
    }
}
