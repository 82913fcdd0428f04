//! Multipart uploads with parts going up in parallel on a bounded pool of threads.
//!
//! Used by `Storage::save` for large content and by `S3File` in write mode, so both
//! follow the same rules: at most `max_concurrency` parts are in flight (the caller
//! blocks while all workers are busy, which bounds memory to about
//! `(max_concurrency + 1) × part size`); each part is retried by the transport; on any
//! failure the upload is aborted, so none is left behind, and the first error is
//! returned from `finish` (or from the next `submit`).

use crate::content::read_up_to;
use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::s3::{ObjectStore, Overwrite, UploadedPart, WriteParameters};
use std::io::Read;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the workers share.
struct Shared {
    parts: Mutex<Vec<UploadedPart>>,
    failure: Mutex<Option<Error>>,
    done: Mutex<u64>,
}

/// A multipart upload in progress.
pub(crate) struct Uploader {
    objects: Arc<ObjectStore>,
    key: String,
    upload_id: String,
    write: Arc<WriteParameters>,
    concurrency: usize,
    progress: Reporter,
    next_part: u32,
    sender: Option<SyncSender<(u32, Vec<u8>)>>,
    workers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl Uploader {
    /// `CreateMultipartUpload` with the object's parameters; at most `concurrency` parts
    /// will be in flight at once.
    pub fn start(
        objects: Arc<ObjectStore>,
        key: &str,
        write: &WriteParameters,
        concurrency: usize,
        progress: Reporter,
    ) -> Result<Uploader> {
        let upload_id = objects.create_multipart(key, write)?;
        Ok(Uploader {
            objects,
            key: key.to_string(),
            upload_id,
            write: Arc::new(write.clone()),
            concurrency: concurrency.max(1),
            progress,
            next_part: 1,
            sender: None,
            workers: Vec::new(),
            shared: Arc::new(Shared {
                parts: Mutex::new(Vec::new()),
                failure: Mutex::new(None),
                done: Mutex::new(0),
            }),
        })
    }

    fn spawn_workers(&mut self) -> SyncSender<(u32, Vec<u8>)> {
        let (sender, receiver) = sync_channel::<(u32, Vec<u8>)>(0);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..self.concurrency {
            let (objects, key, upload_id, write, progress) = (
                self.objects.clone(),
                self.key.clone(),
                self.upload_id.clone(),
                self.write.clone(),
                self.progress.clone(),
            );
            let (receiver, shared) = (receiver.clone(), self.shared.clone());
            self.workers.push(std::thread::spawn(move || loop {
                let next = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok((number, data)) = next else { return };
                if shared
                    .failure
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .is_some()
                {
                    continue; // the upload is lost: drain without sending
                }
                match objects.upload_part(&key, &upload_id, (number, &data), &write) {
                    Ok(part) => {
                        shared
                            .parts
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(part);
                        let mut done = shared.done.lock().unwrap_or_else(|p| p.into_inner());
                        *done += data.len() as u64;
                        progress.report(*done);
                    }
                    Err(error) => {
                        shared
                            .failure
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(error);
                    }
                }
            }));
        }
        sender
    }

    fn failure(&self) -> Option<Error> {
        self.shared
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Hands the next part to the pool (blocking while every worker is busy). A part
    /// failure reported by then is returned; the caller must then `abort`.
    pub fn submit(&mut self, data: Vec<u8>) -> Result<()> {
        if let Some(error) = self.failure() {
            return Err(error);
        }
        if self.sender.is_none() {
            self.sender = Some(self.spawn_workers());
        }
        let number = self.next_part;
        self.next_part += 1;
        let sender = self.sender.as_ref().expect("made above");
        sender.send((number, data)).map_err(|_| {
            Error::Network(format!(
                "UploadPart {}: the upload workers stopped",
                self.key
            ))
        })
    }

    /// Number of parts handed over so far.
    pub fn part_count(&self) -> u32 {
        self.next_part - 1
    }

    fn join(&mut self) {
        self.sender = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
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
            self.submit(std::mem::take(&mut part))?;
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

    /// Waits for every part, then completes the upload; with `Overwrite::Refused`, fails
    /// with `AlreadyExists` if the key exists. On any failure the upload is aborted.
    pub fn finish(mut self, overwrite: Overwrite) -> Result<()> {
        self.join();
        if let Some(error) = self.failure() {
            self.discard();
            return Err(error);
        }
        let parts =
            std::mem::take(&mut *self.shared.parts.lock().unwrap_or_else(|p| p.into_inner()));
        let result =
            self.objects
                .complete(&self.key, &self.upload_id, parts, (&self.write, overwrite));
        if let Err(error) = result {
            self.discard();
            return Err(error);
        }
        Ok(())
    }

    /// Stops the workers and aborts the upload.
    pub fn abort(mut self) -> Result<()> {
        self.join();
        self.objects.abort(&self.key, &self.upload_id, &self.write)
    }

    /// Aborts the upload after a failure the caller is told of; an abort that fails too
    /// is logged as an error, since nobody else will hear of the upload left behind.
    pub fn discard(self) {
        let (key, upload_id) = (self.key.clone(), self.upload_id.clone());
        if let Err(error) = self.abort() {
            crate::log::emit(
                crate::log::Level::Error,
                &format!(
                    "AbortMultipartUpload {key} (upload id {upload_id}): could not abort, the \
                     upload may be left on the server (Storage::incomplete_uploads lists it): \
                     {error}"
                ),
            );
        }
    }
}
