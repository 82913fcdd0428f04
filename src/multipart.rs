//! Multipart uploads with parts going up in parallel on a bounded pool of threads.
//!
//! Used by `Storage::save` for large content and by `S3File` in write mode, so both
//! follow the same rules: at most `max_concurrency` parts are in flight (the caller
//! blocks while all workers are busy, which bounds memory to about
//! `(max_concurrency + 1) × part size`); each part is retried by the transport; on any
//! failure the upload is aborted, so none is left behind, and the first error is
//! returned from `finish` (or from the next `submit`).

use crate::error::{Error, Result, S3Failure};
use crate::progress::{Direction, Transfer};
use crate::storage::{Storage, WriteParams};
use crate::transport::xml_field;
use s3::command::{Command, Multipart};
use s3::serde_types::{CompleteMultipartUploadData, Part};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the workers share.
struct Shared {
    parts: Mutex<Vec<Part>>,
    failure: Mutex<Option<Error>>,
    done: Mutex<u64>,
}

/// A multipart upload in progress.
pub(crate) struct Uploader {
    storage: Storage,
    key: String,
    name: String,
    upload_id: String,
    total: Option<u64>,
    next_part: u32,
    sender: Option<SyncSender<(u32, Vec<u8>)>>,
    workers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
}

/// Uploads one part and gives its number and ETag.
fn upload_part(
    storage: &Storage,
    key: &str,
    upload_id: &str,
    part_number: u32,
    data: &[u8],
) -> Result<Part> {
    let operation = format!("UploadPart {key} #{part_number}");
    let command = Command::PutObject {
        content: data,
        content_type: "application/octet-stream",
        custom_headers: None,
        multipart: Some(Multipart::new(part_number, upload_id)),
    };
    let reply = storage
        .transport()
        .send(command, key, &[])?
        .check(&operation)?;
    let etag = reply
        .header("etag")
        .ok_or_else(|| S3Failure::malformed(&operation, "the reply carries no ETag"))?
        .to_string();
    Ok(Part { part_number, etag })
}

impl Uploader {
    /// `CreateMultipartUpload` with the object's content type and write headers; `total`
    /// is the size when known (for progress reports).
    pub fn start(
        storage: &Storage,
        key: &str,
        name: &str,
        write: &WriteParams,
        total: Option<u64>,
    ) -> Result<Uploader> {
        let operation = format!("CreateMultipartUpload {key}");
        let command = Command::InitiateMultipartUpload {
            content_type: &write.content_type,
        };
        let reply = storage
            .transport()
            .send(command, key, &write.headers)?
            .check(&operation)?;
        let text = reply.text(&operation)?;
        let upload_id = xml_field(&text, "UploadId")
            .ok_or_else(|| S3Failure::malformed(&operation, "the reply carries no UploadId"))?;
        Ok(Uploader {
            storage: storage.clone(),
            key: key.to_string(),
            name: name.to_string(),
            upload_id,
            total,
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
        for _ in 0..self.storage.config().max_concurrency.max(1) {
            let (storage, key, name, upload_id, total) = (
                self.storage.clone(),
                self.key.clone(),
                self.name.clone(),
                self.upload_id.clone(),
                self.total,
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
                match upload_part(&storage, &key, &upload_id, number, &data) {
                    Ok(part) => {
                        shared
                            .parts
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(part);
                        let mut done = shared.done.lock().unwrap_or_else(|p| p.into_inner());
                        *done += data.len() as u64;
                        if let Some(progress) = storage.progress() {
                            progress(&Transfer {
                                name: &name,
                                direction: Direction::Upload,
                                done: *done,
                                total,
                            });
                        }
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

    /// Waits for every part, then completes the upload; with `create_only`, fails with
    /// `AlreadyExists` if the key exists (`If-None-Match: *`). On any failure the upload
    /// is aborted.
    pub fn finish(mut self, create_only: bool) -> Result<()> {
        self.join();
        if let Some(error) = self.failure() {
            self.abort();
            return Err(error);
        }
        let mut parts =
            std::mem::take(&mut *self.shared.parts.lock().unwrap_or_else(|p| p.into_inner()));
        parts.sort_by_key(|part| part.part_number);
        let operation = format!("CompleteMultipartUpload {}", self.key);
        let headers: Vec<(String, String)> = if create_only {
            vec![("if-none-match".into(), "*".into())]
        } else {
            Vec::new()
        };
        let command = Command::CompleteMultipartUpload {
            upload_id: &self.upload_id,
            data: CompleteMultipartUploadData { parts },
        };
        let result = self
            .storage
            .transport()
            .send(command, &self.key, &headers)
            .and_then(|reply| reply.check(&operation))
            .and_then(|reply| {
                // S3 may answer 200 with an error document once the body has started.
                let text = reply.text(&operation)?;
                match xml_field(&text, "Code") {
                    Some(code) if text.contains("<Error>") => Err(Error::Server(S3Failure {
                        operation: operation.clone(),
                        status: 200,
                        message: xml_field(&text, "Message").unwrap_or_default(),
                        code,
                    })),
                    _ => Ok(()),
                }
            });
        if let Err(error) = result {
            self.abort();
            return Err(error);
        }
        Ok(())
    }

    /// Stops the workers and aborts the upload (a failure to abort is logged).
    pub fn abort(mut self) {
        self.join();
        let operation = format!("AbortMultipartUpload {}", self.key);
        let outcome = self
            .storage
            .transport()
            .send(
                Command::AbortMultipartUpload {
                    upload_id: &self.upload_id,
                },
                &self.key,
                &[],
            )
            .and_then(|reply| reply.check(&operation));
        if let Err(error) = outcome {
            crate::log::warn(&format!("{operation}: could not abort: {error}"));
        }
    }
}
