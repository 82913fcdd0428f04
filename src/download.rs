//! `download_to`: an object into a local file with parallel ranged GETs. The bytes go
//! into a temporary file beside the target (`pwrite` at each range's offset, at most
//! `max_concurrency` ranges of `multipart_chunksize` in memory); the whole is checked
//! against the object's full-object checksum, fsynced and renamed into place, so the
//! target path never holds a partial or damaged file. Every range carries `If-Match` with
//! the ETag seen first: an object replaced during the download is an error, never a
//! mixed file.

use crate::checksums::Hasher;
use crate::error::{Error, Result};
use crate::object_parameters::AccessParameters;
use crate::progress::Reporter;
use crate::read_ahead::{read_exact_range, RangeFailure};
use crate::reader::mismatch;
use crate::store::{ObjectHead, ObjectStore};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// What a download reads and how.
pub(crate) struct Download<'a> {
    /// The store.
    pub objects: &'a dyn ObjectStore,
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
        part.as_file()
            .set_len(head.size)
            .map_err(|e| local("sizing the file for", e))?;
        let progress = (self.progress)(head.size);
        self.fetch_ranges(part.as_file(), head, &progress)?;
        progress.finished(head.size);
        self.verify(part.as_file(), head)?;
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

    /// Fetches every range on up to `concurrency` threads, each writing at its offset.
    fn fetch_ranges(&self, file: &File, head: &ObjectHead, progress: &Reporter) -> Result<()> {
        let ranges = head.size.div_ceil(self.chunk.max(1));
        let (next, done) = (AtomicU64::new(0), AtomicU64::new(0));
        let failure: Mutex<Option<Error>> = Mutex::new(None);
        let workers = (self.concurrency.max(1) as u64).min(ranges.max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                // One buffer per worker, reused for each of its ranges.
                let mut buffer = Vec::new();
                let (next, done, failure) = (&next, &done, &failure);
                scope.spawn(move || loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let stopped = failure.lock().unwrap_or_else(|p| p.into_inner()).is_some();
                    if index >= ranges || stopped {
                        return;
                    }
                    match self.fetch_range(file, head, index, &mut buffer) {
                        Ok(bytes) => {
                            progress.report(done.fetch_add(bytes, Ordering::Relaxed) + bytes)
                        }
                        Err(error) => {
                            let mut failed = failure.lock().unwrap_or_else(|p| p.into_inner());
                            failed.get_or_insert(error);
                        }
                    }
                });
            }
        });
        match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// One range into memory (exactly its length, or an error), then into the file;
    /// gives its length.
    fn fetch_range(
        &self,
        file: &File,
        head: &ObjectHead,
        index: u64,
        data: &mut Vec<u8>,
    ) -> Result<u64> {
        let start = index * self.chunk;
        let end = (start + self.chunk).min(head.size);
        let attempts = self.objects.max_attempts();
        let mut attempt = 1;
        loop {
            let identity = (self.key, head.etag.as_deref(), self.read);
            match read_exact_range(self.objects, identity, (start, end), data) {
                Ok(()) => {
                    let written = file.write_all_at(data, start).map_err(|error| {
                        Error::io(
                            &format!("writing bytes {start}-{end} of the download"),
                            error,
                        )
                    });
                    return written.map(|()| end - start);
                }
                // A body cut short: asked for again here (a request that failed was
                // retried by the store already).
                Err(RangeFailure::Body(message))
                    if attempt < attempts
                        && (self.objects).pause_before_retry(
                            &format!("GET {}", self.key),
                            &message,
                            attempt,
                        ) =>
                {
                    attempt += 1;
                }
                Err(failure) => return Err(failure.into()),
            }
        }
    }

    /// The whole file against the object's full-object checksum (none: nothing to check).
    fn verify(&self, file: &File, head: &ObjectHead) -> Result<()> {
        let Some(expected) = head.checksum.as_ref().filter(|c| c.full_object) else {
            return Ok(());
        };
        let mut hasher = Hasher::new(expected.algorithm);
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let n = reader
                .read(&mut buffer)
                .map_err(|error| Error::io("reading the download back to check it", error))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        let got = hasher.value();
        match expected.matches(&got) {
            true => Ok(()),
            false => Err(mismatch(self.key, expected, &got)),
        }
    }
}
