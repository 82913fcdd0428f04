//! What a save uploads: bytes in memory, a local file, or any `Read`, and how it is read
//! again when a create-only save loses its name to another writer and must go up under
//! another one.
//!
//! Bytes and files are simply read again from the start. A plain `Read` cannot be, so
//! when a second pass may be needed its bytes are copied to an unnamed temporary file
//! on disk (in `FILE_UPLOAD_TEMP_DIR`) as they are read; they are never held in memory
//! beyond the parts in flight.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Reads until `buffer` holds `limit` bytes or the reader ends.
pub(crate) fn read_up_to(reader: &mut dyn Read, limit: usize, buffer: &mut Vec<u8>) -> Result<()> {
    let start = buffer.len();
    reader
        .take((limit - start.min(limit)) as u64)
        .read_to_end(buffer)
        .map_err(|error| Error::from_io_error("reading the content to save", error))?;
    Ok(())
}

/// The content of one save, readable once more from the start by [`Content::rewind`].
pub(crate) enum Content<'a> {
    /// A caller's buffer.
    Bytes(io::Cursor<&'a [u8]>),
    /// A local file, read from its start.
    File(io::BufReader<File>),
    /// A reader that cannot seek; `copy` keeps what was read when a rewind may come.
    Stream {
        reader: &'a mut dyn Read,
        copy: Option<File>,
        replaying: bool,
    },
}

impl<'a> Content<'a> {
    /// Content from a buffer.
    pub fn bytes(data: &'a [u8]) -> Content<'a> {
        Content::Bytes(io::Cursor::new(data))
    }

    /// Content from a local file.
    pub fn file(file: File) -> Content<'a> {
        Content::File(io::BufReader::with_capacity(1 << 20, file))
    }

    /// Content from a reader; with `replayable`, a copy goes to a temporary file in
    /// `temp_dir` (or the system's) so that [`Content::rewind`] can read it again.
    pub fn stream(
        reader: &'a mut dyn Read,
        replayable: bool,
        temp_dir: Option<&Path>,
    ) -> Result<Content<'a>> {
        let copy = if replayable {
            let file = match temp_dir {
                Some(dir) => tempfile::tempfile_in(dir),
                None => tempfile::tempfile(),
            };
            Some(file.map_err(|error| Error::io("creating a temporary file", error))?)
        } else {
            None
        };
        Ok(Content::Stream {
            reader,
            copy,
            replaying: false,
        })
    }

    /// Goes back to the first byte, to upload the same content again.
    pub fn rewind(&mut self) -> Result<()> {
        let rewound = match self {
            Content::Bytes(cursor) => cursor.seek(SeekFrom::Start(0)).map(|_| ()),
            Content::File(file) => file.seek(SeekFrom::Start(0)).map(|_| ()),
            Content::Stream {
                reader,
                copy: Some(copy),
                replaying,
            } => {
                let copied = match *replaying {
                    true => Ok(0),
                    false => io::copy(reader, copy), // whatever was not read yet
                };
                *replaying = true;
                copied.and_then(|_| copy.seek(SeekFrom::Start(0)).map(|_| ()))
            }
            Content::Stream { copy: None, .. } => {
                return Err(Error::BadState(
                    "the content cannot be read a second time".into(),
                ))
            }
        };
        rewound.map_err(|error| Error::from_io_error("reading the content to save again", error))
    }
}

impl Read for Content<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Content::Bytes(cursor) => cursor.read(out),
            Content::File(file) => file.read(out),
            Content::Stream {
                copy: Some(copy),
                replaying: true,
                ..
            } => copy.read(out),
            Content::Stream { reader, copy, .. } => {
                let n = reader.read(out)?;
                if let Some(copy) = copy {
                    copy.write_all(&out[..n])?;
                }
                Ok(n)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(content: &mut Content<'_>) -> Vec<u8> {
        let mut data = Vec::new();
        content.read_to_end(&mut data).unwrap();
        data
    }

    #[test]
    fn every_kind_reads_again_from_the_start() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut bytes = Content::bytes(&data);
        assert_eq!(read_all(&mut bytes), data);
        bytes.rewind().unwrap();
        assert_eq!(read_all(&mut bytes), data);

        let mut source = data.as_slice();
        let mut stream = Content::stream(&mut source, true, None).unwrap();
        let mut first = vec![0; 10];
        stream.read_exact(&mut first).unwrap();
        stream.rewind().unwrap(); // before the end: the rest is copied first
        assert_eq!(read_all(&mut stream), data);
        stream.rewind().unwrap();
        assert_eq!(read_all(&mut stream), data);

        let mut source = data.as_slice();
        let mut once = Content::stream(&mut source, false, None).unwrap();
        assert_eq!(read_all(&mut once), data);
        assert!(once.rewind().is_err());
    }
}
