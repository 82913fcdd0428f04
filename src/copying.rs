//! Copies above the multipart threshold: a multipart upload of the destination whose
//! parts are UploadPartCopy of the source's ranges, `max_concurrency` at once, then
//! completed; any failure aborts the upload, so none is left and nothing half-copied is
//! visible. (The copy's parts carry no checksum of ours: their bytes never pass here.)

use crate::error::{Error, Result};
use crate::object_parameters::WriteParameters;
use crate::store::{CopyRequest, ObjectStore, Overwrite, Upload, UploadedPart};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// One multipart copy.
pub(crate) struct PartCopy<'a> {
    /// The store.
    pub objects: &'a dyn ObjectStore,
    /// Source, destination, SSE-C parameters.
    pub copy: CopyRequest<'a>,
    /// The source's size.
    pub size: u64,
    /// Bytes per part.
    pub chunk: u64,
    /// Parts copied at once.
    pub concurrency: usize,
}

impl PartCopy<'_> {
    /// Creates the upload with `write`, copies every part, completes it (create-only
    /// with `Overwrite::Refused`); on any failure aborts it.
    pub fn run(&self, write: &WriteParameters, overwrite: Overwrite) -> Result<()> {
        let write = write.clone().without_checksum();
        let key = self.copy.key;
        let upload = self.objects.create_multipart(key, &write)?;
        // A panic in a part's thread aborts the upload too, then goes on unwinding.
        let parts = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.parts(&upload)));
        let parts = parts.unwrap_or_else(|panic| {
            let _ = self.objects.abort(key, &upload.id, &write);
            std::panic::resume_unwind(panic)
        });
        let outcome = parts
            .and_then(|parts| self.source_unchanged().map(|()| parts))
            .and_then(|parts| {
                (self.objects).complete(key, &upload, parts, (&write, overwrite, None))
            });
        if let Err(error) = &outcome {
            if let Err(abort) = self.objects.abort(key, &upload.id, &write) {
                crate::log::emit(
                    crate::log::Level::Error,
                    &format!(
                        "AbortMultipartUpload {key} (upload id {}) after a failed copy \
                         ({error}): could not abort, the upload may be left on the server: \
                         {abort}",
                        upload.id
                    ),
                );
            }
        }
        outcome
    }

    /// The source still has the ETag the copy began with: a server that ignores
    /// `x-amz-copy-source-if-match` (moto) may have copied parts of two versions, and
    /// this HEAD before the completion catches a replacement during the part copies.
    fn source_unchanged(&self) -> Result<()> {
        let Some(began) = self.copy.source_etag else {
            return Ok(());
        };
        let now = self.objects.head(self.copy.source, self.copy.read)?;
        match now.and_then(|head| head.etag) {
            Some(etag) if etag.trim_matches('"') == began.trim_matches('"') => Ok(()),
            _ => Err(Error::BadState(format!(
                "UploadPartCopy {}: the source {} was replaced during the copy",
                self.copy.key, self.copy.source
            ))),
        }
    }

    /// Every part, copied on up to `concurrency` threads; all of them, or an error.
    fn parts(&self, upload: &Upload) -> Result<Vec<UploadedPart>> {
        // At most 10,000 parts, as S3 allows (boto3 grows the part size the same way).
        let chunk = self
            .chunk
            .max(5 * 1024 * 1024)
            .max(self.size.div_ceil(10_000));
        let count = self.size.div_ceil(chunk).max(1) as u32;
        let next = AtomicU32::new(1);
        let (parts, failure) = (Mutex::new(Vec::new()), Mutex::new(None::<Error>));
        std::thread::scope(|scope| {
            for _ in 0..self.concurrency.max(1).min(count as usize) {
                scope.spawn(|| loop {
                    let number = next.fetch_add(1, Ordering::Relaxed);
                    let failed = failure.lock().unwrap_or_else(|p| p.into_inner()).is_some();
                    if number > count || failed {
                        return;
                    }
                    let start = u64::from(number - 1) * chunk;
                    let range = (start, (start + chunk).min(self.size));
                    match self
                        .objects
                        .upload_part_copy(&self.copy, upload, (number, range))
                    {
                        Ok(part) => parts.lock().unwrap_or_else(|p| p.into_inner()).push(part),
                        Err(error) => {
                            let mut failed = failure.lock().unwrap_or_else(|p| p.into_inner());
                            failed.get_or_insert(error);
                        }
                    }
                });
            }
        });
        if let Some(error) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(error);
        }
        let mut parts = parts.into_inner().unwrap_or_else(|p| p.into_inner());
        parts.sort_by_key(|part| part.number);
        if parts.len() != count as usize {
            return Err(Error::network(format!(
                "UploadPartCopy {}: {} of {count} parts were copied",
                self.copy.key,
                parts.len()
            )));
        }
        Ok(parts)
    }
}
