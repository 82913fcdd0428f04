//! `download_to`: an object into a local file, through the same verified sequential
//! reader as `open(name, "rb")` ([`RangedReader`]): one GET streamed while it is fast, or
//! parallel ranged GETs of `multipart_chunksize` fetched ahead on worker threads where one
//! stream is the bottleneck (`read_ahead` `"auto"`, the default; `"always"`, `"never"`).
//! The bytes are hashed as they are read and written in order into a temporary file
//! beside the target by a writer thread ([`LocalWriter`]: `O_DIRECT` where allowed),
//! while the next ones are received; the whole is checked against the object's
//! full-object checksum, fsynced and renamed into place, so the target path never holds
//! a partial or damaged file. Every range carries `If-Match` with the ETag seen first: an
//! object replaced during the download is an error, never a mixed file.

use crate::error::{Error, Result};
use crate::local_file::{LocalWriter, BLOCK};
use crate::reader::RangedReader;
use crate::store::ObjectHead;
use std::fs::File;
use std::path::Path;

/// What a download reads and how.
pub(crate) struct Download<'a> {
    /// The object's key, for messages.
    pub key: &'a str,
    /// Opens the object for a verified sequential read (a fresh GET each call).
    pub open: &'a dyn Fn() -> Result<(RangedReader, ObjectHead)>,
}

impl Download<'_> {
    /// Downloads the object to `target`; gives its size. A checksum mismatch is tried
    /// once more from the start, then reported; any failure leaves no file at `target`.
    pub fn to(&self, target: &Path) -> Result<u64> {
        match self.attempt(target) {
            Err(Error::Checksum(message)) => {
                crate::log::warn(&format!("{message}; downloading it again"));
                self.attempt(target)
            }
            outcome => outcome,
        }
    }

    fn attempt(&self, target: &Path) -> Result<u64> {
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned());
        let local = |what: &str, error| Error::io(&format!("{what} {}", target.display()), error);
        let (mut reader, head) = (self.open)()?;
        // The mode a plain new file gets (0666 less the umask), not tempfile's 0600.
        let part = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.unwrap_or_default()))
            .suffix(".part")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|e| local("creating a temporary file beside", e))?;
        self.copy(&mut reader, part.as_file(), head.size)?;
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

    /// Copies the object's `size` bytes from the reader (which checks the whole at its
    /// last byte and reports progress) into the file, in order, on a writer thread.
    fn copy(&self, reader: &mut RangedReader, file: &File, size: u64) -> Result<()> {
        std::thread::scope(|scope| {
            let mut writer = LocalWriter::start(scope, file)?;
            let received = self.receive(reader, &mut writer, size);
            // A write error is the reason a receive stopped, if both failed.
            writer.finish().and(received)
        })
    }

    /// Fills blocks from the reader and hands them to the writer, each whole but the last.
    fn receive(
        &self,
        reader: &mut RangedReader,
        writer: &mut LocalWriter,
        size: u64,
    ) -> Result<()> {
        let mut at = 0u64;
        while at < size {
            let mut block = writer.block()?;
            let want = (size - at).min(BLOCK as u64) as usize;
            while block.len < want {
                let filled = block.len;
                let n = reader.read_bytes(&mut block.space()[filled..want])?;
                if n == 0 {
                    let end = at + block.len as u64;
                    return Err(Error::network(format!(
                        "GET {}: the object ended at byte {end} of {size}",
                        self.key
                    )));
                }
                block.len += n;
            }
            at += want as u64;
            writer.write(block)?;
        }
        Ok(())
    }
}
