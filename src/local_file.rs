//! Writing a download's bytes, in order, into its local (temporary) file while the next
//! bytes are received: blocks of [`BLOCK`] bytes go to a writer thread through a channel
//! that holds one, so receiving and writing overlap and at most three blocks exist.
//!
//! On Linux the blocks are written with `O_DIRECT` where the filesystem allows it: the
//! bytes go from the block to the disk without passing through the page cache, so a
//! download neither evicts the machine's cached files nor leaves a gigabyte of dirty
//! pages for the final fsync to wait on (and costs no page-cache allocation, which on
//! this project's benchmark machine varied from 0.3 to 3.5 s per GiB). The tail that is
//! not a whole number of alignment units, and every block from the first direct write
//! that fails on (a filesystem that refuses `O_DIRECT` at open or at write: tmpfs, FUSE,
//! some network filesystems), is written through the ordinary descriptor; a write that
//! fails there is the download's error. Either way the caller's `sync_all` makes the
//! whole durable. The `O_DIRECT` descriptor is the temporary file itself, reopened
//! through `/proc/self/fd` (never by its path, which another process could replace).

use crate::error::{Error, Result};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Bytes per block handed to the writer.
pub(crate) const BLOCK: usize = 2 * 1024 * 1024;
/// The alignment of `O_DIRECT` buffers, offsets and lengths (the page size; every
/// logical block size divides it).
const ALIGN: usize = 4096;

/// A block-sized buffer whose bytes start on an [`ALIGN`] boundary (safe code: a
/// larger vector, used from its first aligned byte; it never grows, so never moves).
pub(crate) struct Block {
    bytes: Vec<u8>,
    start: usize,
    /// Bytes of the block in use.
    pub len: usize,
}

impl Block {
    fn new() -> Block {
        let bytes = vec![0u8; BLOCK + ALIGN];
        let start = bytes.as_ptr().align_offset(ALIGN);
        Block {
            bytes,
            start,
            len: 0,
        }
    }

    /// The whole block's space, to fill.
    pub fn space(&mut self) -> &mut [u8] {
        &mut self.bytes[self.start..self.start + BLOCK]
    }

    fn filled(&self) -> &[u8] {
        &self.bytes[self.start..self.start + self.len]
    }
}

/// The file a download is written into, by a writer thread.
pub(crate) struct LocalWriter<'scope> {
    blocks: Option<SyncSender<(u64, Block)>>,
    spare: Receiver<Block>,
    made: usize,
    at: u64,
    writer: std::thread::ScopedJoinHandle<'scope, Result<()>>,
}

impl<'scope> LocalWriter<'scope> {
    /// Starts the writer of `file` (reopened with `O_DIRECT` where allowed) in `scope`.
    pub fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        file: &'env File,
    ) -> Result<LocalWriter<'scope>> {
        let direct = open_direct(file);
        let (blocks, received) = sync_channel::<(u64, Block)>(1);
        let (returned, spare) = sync_channel::<Block>(3);
        let writer = std::thread::Builder::new()
            .name("s3storage-file-writer".into())
            .spawn_scoped(scope, move || {
                write_blocks(file, direct, received, returned)
            })
            .map_err(|error| Error::io("starting the download's writer thread", error))?;
        Ok(LocalWriter {
            blocks: Some(blocks),
            spare,
            made: 0,
            at: 0,
            writer,
        })
    }

    /// An empty block to fill: one the writer is done with, or a new one (three at most).
    pub fn block(&mut self) -> Result<Block> {
        if self.made < 3 {
            self.made += 1;
            return Ok(Block::new());
        }
        let mut block = self.spare.recv().map_err(|_| writer_gone())?;
        block.len = 0;
        Ok(block)
    }

    /// Queues a filled block, written after the ones before it. An error if the writer
    /// stopped (the reason comes from [`LocalWriter::finish`]).
    pub fn write(&mut self, block: Block) -> Result<()> {
        let at = self.at;
        self.at += block.len as u64;
        let blocks = self.blocks.as_ref().ok_or_else(writer_gone)?;
        blocks.send((at, block)).map_err(|_| writer_gone())
    }

    /// Waits until every queued block is written; the first write error, if any.
    pub fn finish(mut self) -> Result<()> {
        self.blocks = None;
        match self.writer.join() {
            Ok(outcome) => outcome,
            Err(_) => Err(writer_gone()),
        }
    }
}

fn writer_gone() -> Error {
    Error::io(
        "writing the download",
        std::io::Error::other("the writer thread stopped"),
    )
}

/// The writer thread: each block at its offset, until the channel closes or a write
/// fails (then it returns at once, and the sender's next block is refused).
fn write_blocks(
    file: &File,
    mut direct: Option<File>,
    blocks: Receiver<(u64, Block)>,
    spare: SyncSender<Block>,
) -> Result<()> {
    for (at, block) in blocks {
        let bytes = block.filled();
        let whole = match direct {
            Some(_) => bytes.len() / ALIGN * ALIGN,
            None => 0,
        };
        if let Some(direct_file) = &direct {
            if direct_file.write_all_at(&bytes[..whole], at).is_err() {
                // Refused here (or failed): this block and the rest through the page
                // cache, whose own failure is the error.
                direct = None;
                (file.write_all_at(&bytes[..whole], at)).map_err(|e| written(at, whole, e))?;
            }
        }
        let tail = at + whole as u64;
        (file.write_all_at(&bytes[whole..], tail)).map_err(|e| written(at, bytes.len(), e))?;
        let _ = spare.try_send(block);
    }
    Ok(())
}

fn written(at: u64, len: usize, error: std::io::Error) -> Error {
    let end = at + len as u64;
    Error::io(&format!("writing bytes {at}-{end} of the download"), error)
}

/// `file` opened again for writing with `O_DIRECT` (through `/proc/self/fd`: the same
/// open file's inode, whatever its path now names), where the platform and the
/// filesystem allow it.
fn open_direct(file: &File) -> Option<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        use std::os::unix::io::AsRawFd;
        let own = format!("/proc/self/fd/{}", file.as_raw_fd());
        (std::fs::OpenOptions::new())
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(own)
            .ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `size` bytes of a pattern through a `LocalWriter` into a file in `dir`.
    fn write_through(dir: &std::path::Path, size: usize) -> (Vec<u8>, Result<()>, Vec<u8>) {
        let content: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        let file = tempfile::NamedTempFile::new_in(dir).unwrap();
        let outcome = std::thread::scope(|scope| {
            let mut writer = LocalWriter::start(scope, file.as_file())?;
            for piece in content.chunks(BLOCK) {
                let mut block = writer.block()?;
                block.space()[..piece.len()].copy_from_slice(piece);
                block.len = piece.len();
                writer.write(block)?;
            }
            writer.finish()
        });
        (content, outcome, std::fs::read(file.path()).unwrap())
    }

    #[test]
    fn blocks_land_in_order_with_an_unaligned_tail() {
        // /tmp (a disk filesystem: O_DIRECT) and /dev/shm (tmpfs, where older kernels
        // refuse it), when there.
        let dirs = [std::env::temp_dir(), std::path::PathBuf::from("/dev/shm")];
        for dir in dirs.iter().filter(|dir| dir.is_dir()) {
            for size in [0, 1, ALIGN, 5 * BLOCK + ALIGN + 17, 3 * BLOCK] {
                let (content, outcome, got) = write_through(dir, size);
                outcome.unwrap();
                assert!(got == content, "{size} bytes in {}", dir.display());
            }
        }
    }

    #[test]
    fn a_failing_direct_descriptor_falls_back_to_the_page_cache() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let refusing = File::open(file.path()).unwrap(); // read-only: every write fails
        let (blocks, received) = sync_channel(4);
        let (returned, _spare) = sync_channel(4);
        let content: Vec<u8> = (0..2 * BLOCK + 5).map(|i| (i % 253) as u8).collect();
        for (index, piece) in content.chunks(BLOCK).enumerate() {
            let mut block = Block::new();
            block.space()[..piece.len()].copy_from_slice(piece);
            block.len = piece.len();
            blocks.send(((index * BLOCK) as u64, block)).unwrap();
        }
        drop(blocks);
        write_blocks(file.as_file(), Some(refusing), received, returned).unwrap();
        assert!(std::fs::read(file.path()).unwrap() == content);
    }

    #[test]
    fn a_failed_write_is_reported_and_stops_the_writer() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let read_only = File::open(file.path()).unwrap();
        let outcome = std::thread::scope(|scope| {
            // Blocks shorter than the alignment go through `read_only` itself.
            let mut writer = LocalWriter::start(scope, &read_only)?;
            let mut refused = Ok(());
            for _ in 0..10 {
                let mut block = writer.block()?;
                block.len = 100;
                refused = writer.write(block);
                if refused.is_err() {
                    break;
                }
            }
            assert!(refused.is_err(), "blocks were taken after a failed write");
            writer.finish()
        });
        let error = outcome.unwrap_err();
        assert!(error.to_string().contains("writing bytes 0-"), "{error}");
    }
}
