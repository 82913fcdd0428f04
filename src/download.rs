//! `download_to`: an object into a local file with parallel ranged GETs. The ranges are
//! fetched ahead on worker threads ([`ReadAhead`]: at most `max_concurrency` ranges of
//! `multipart_chunksize` in memory) and written in order by the calling thread into a
//! temporary file beside the target, hashed as they are written; the whole is checked
//! against the object's full-object checksum, fsynced and renamed into place, so the
//! target path never holds a partial or damaged file. Every range carries `If-Match` with
//! the ETag seen first: an object replaced during the download is an error, never a
//! mixed file.

use crate::checksums::Hasher;
use crate::error::{Error, Result};
use crate::object_parameters::AccessParameters;
use crate::progress::Reporter;
use crate::read_ahead::{read_exact_range, RangeFailure, ReadAhead};
use crate::reader::{mismatch, ObjectRef};
use crate::store::{ObjectHead, ObjectStore};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// What a download reads and how.
pub(crate) struct Download<'a> {
    /// The store.
    pub objects: &'a Arc<dyn ObjectStore>,
    /// The object's key.
    pub key: &'a str,
    /// SSE-C parameters every GET repeats.
    pub read: &'a AccessParameters,
    /// Bytes per ranged GET.
    pub chunk: u64,
    /// Ranged GETs in flight at once.
    pub concurrency: usize,
    /// The progress reporter of a download of the given size.
    pub progress: &'a (dyn Fn(u64) -> Reporter + Sync),
}

impl Download<'_> {
    /// Downloads the object to `target`; gives its size. A checksum mismatch is tried
    /// once more from the start, then reported; any failure leaves no file at `target`.
    pub fn to(&self, target: &Path) -> Result<u64> {
        let head = (self.objects.head_for_read(self.key, self.read)?)
            .ok_or_else(|| Error::NotFound(format!("File does not exist: {}", self.key)))?;
        match self.attempt(target, &head) {
            Err(Error::Checksum(message)) => {
                crate::log::warn(&format!("{message}; downloading it again"));
                self.attempt(target, &head)
            }
            outcome => outcome,
        }
    }

    fn attempt(&self, target: &Path, head: &ObjectHead) -> Result<u64> {
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned());
        let local = |what: &str, error| Error::io(&format!("{what} {}", target.display()), error);
        // The mode a plain new file gets (0666 less the umask), not tempfile's 0600.
        let part = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.unwrap_or_default()))
            .suffix(".part")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|e| local("creating a temporary file beside", e))?;
        let progress = (self.progress)(head.size);
        let written = self.fetch_in_order(part.as_file(), head, &progress)?;
        self.verify(head, written)?;
        progress.finished(head.size);
        part.as_file()
            .sync_all()
            .map_err(|e| local("syncing the file for", e))?;
        part.persist(target)
            .map_err(|e| local("renaming the downloaded file into", e.error))?;
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all(); // the rename itself, where the platform allows
        }
        Ok(head.size)
    }

    /// Fetches the ranges ahead on up to `concurrency` threads and writes them in order
    /// from this one, hashing as they go (one writer appending: out-of-order writes from
    /// several threads cost this machine 2-5x the system time); gives the hash.
    fn fetch_in_order(
        &self,
        mut file: &File,
        head: &ObjectHead,
        progress: &Reporter,
    ) -> Result<Option<String>> {
        let object = Arc::new(ObjectRef {
            objects: self.objects.clone(),
            key: self.key.to_string(),
            etag: head.etag.clone(),
            read: self.read.clone(),
        });
        let chunk = self.chunk.max(1);
        let mut ahead = ReadAhead::start(&object, (0, head.size), chunk, self.concurrency);
        let checksum = head.checksum.as_ref().filter(|c| c.full_object);
        let mut hasher = checksum.map(|c| Hasher::new(c.algorithm));
        let (mut at, mut data) = (0, Vec::new());
        while at < head.size {
            let end = (at + chunk).min(head.size);
            data = match ahead.as_mut().and_then(|ahead| ahead.take(at)) {
                Some(Ok(fetched)) => fetched,
                // A body cut short is asked for again here, a failed request was
                // retried by the store already.
                Some(Err(RangeFailure::Body(message))) => {
                    self.fetch_range(head, (at, end), &mut data, message)?;
                    data
                }
                Some(Err(RangeFailure::Request(error))) => return Err(error),
                None => {
                    self.fetch_range(head, (at, end), &mut data, String::new())?;
                    data
                }
            };
            if let Some(hasher) = &mut hasher {
                hasher.update(&data);
            }
            file.write_all(&data).map_err(|error| {
                Error::io(&format!("writing bytes {at}-{end} of the download"), error)
            })?;
            progress.report(end);
            at = end;
            if let Some(ahead) = &mut ahead {
                ahead.recycle(std::mem::take(&mut data));
            }
        }
        Ok(hasher.map(|hasher| hasher.value()))
    }

    /// One range into memory, exactly its length or an error; `failed` (if not empty)
    /// says why a first attempt already failed.
    fn fetch_range(
        &self,
        head: &ObjectHead,
        (start, end): (u64, u64),
        data: &mut Vec<u8>,
        failed: String,
    ) -> Result<()> {
        let attempts = self.objects.max_attempts();
        let mut attempt = 1;
        let mut last = failed;
        loop {
            if !last.is_empty() {
                let operation = format!("GET {}", self.key);
                if attempt >= attempts
                    || !(self.objects).pause_before_retry(&operation, &last, attempt)
                {
                    return Err(Error::network(last));
                }
                attempt += 1;
            }
            let identity = (self.key, head.etag.as_deref(), self.read);
            match read_exact_range(self.objects.as_ref(), identity, (start, end), data) {
                Ok(()) => return Ok(()),
                Err(RangeFailure::Body(message)) => last = message,
                Err(failure) => return Err(failure.into()),
            }
        }
    }

    /// The download's hash against the object's full-object checksum (none: nothing to
    /// check).
    fn verify(&self, head: &ObjectHead, got: Option<String>) -> Result<()> {
        let (Some(expected), Some(got)) = (head.checksum.as_ref(), got) else {
            return Ok(());
        };
        match expected.matches(&got) {
            true => Ok(()),
            false => Err(mismatch(self.key, expected, &got)),
        }
    }
}
