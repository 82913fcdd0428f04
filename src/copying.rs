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
    /// with `Overwrite::Refused`); on any failure, or a panic (a request callback's, say),
    /// aborts it.
    pub fn run(&self, write: &WriteParameters, overwrite: Overwrite) -> Result<()> {
        let write = write.clone().without_checksum();
        let key = self.copy.key;
        let upload = self.objects.create_multipart(key, &write)?;
        let steps = || {
            let parts = self.parts(&upload)?;
            self.source_unchanged()?;
            (self.objects).complete(key, &upload, parts, (&write, overwrite, None))
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(steps));
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => {
                self.abort(&upload, &write, &error.to_string());
                Err(error)
            }
            Err(panic) => {
                self.abort(&upload, &write, "a panic");
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Aborts the upload after `why`; a failure to is logged (the upload may be left).
    fn abort(&self, upload: &Upload, write: &WriteParameters, why: &str) {
        let key = self.copy.key;
        if let Err(abort) = self.objects.abort(key, &upload.id, write) {
            crate::log::emit(
                crate::log::Level::Error,
                &format!(
                    "AbortMultipartUpload {key} (upload id {}) after a failed copy ({why}): \
                     could not abort, the upload may be left on the server: {abort}",
                    upload.id
                ),
            );
        }
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
        let chunk = part_size(self.chunk, self.size);
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
                    let stopper = StopOnPanic(&failure);
                    let copied =
                        (self.objects).upload_part_copy(&self.copy, upload, (number, range));
                    std::mem::forget(stopper);
                    match copied {
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

/// Stops the other part copies when the one it guards panics (the panic goes on).
struct StopOnPanic<'a>(&'a Mutex<Option<Error>>);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        let mut failed = self.0.lock().unwrap_or_else(|p| p.into_inner());
        failed.get_or_insert(Error::BadState("a part copy panicked".into()));
    }
}

/// The size of each part of a copy of `size` bytes asked to go in `chunk`s: at least
/// 5 MiB and at most 5 GiB (UploadPartCopy's limits), and large enough for 10,000 parts
/// to hold the object (boto3 grows the part size the same way).
fn part_size(chunk: u64, size: u64) -> u64 {
    const MIB: u64 = 1024 * 1024;
    chunk
        .clamp(5 * MIB, 5 * 1024 * MIB)
        .max(size.div_ceil(10_000))
}

#[cfg(test)]
mod tests {
    use super::part_size;

    #[test]
    fn parts_stay_within_what_upload_part_copy_takes() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(part_size(8 * MIB, 100 * MIB), 8 * MIB);
        assert_eq!(part_size(1, 100 * MIB), 5 * MIB);
        // A chunk size above 5 GiB (set to avoid multipart) still gives legal parts.
        assert_eq!(part_size(8 * 1024 * MIB, 6 * 1024 * MIB), 5 * 1024 * MIB);
        // 5 TiB, the largest object: 10,000 parts of 525 MiB (rounded up).
        let largest = 5 * 1024 * 1024 * MIB;
        assert_eq!(part_size(8 * MIB, largest), largest.div_ceil(10_000));
    }
}
