//! `s3storage_file`: a file opened from a storage, for reading or for writing.
//!
//! A file is used by one thread at a time. Reads and writes block on the network when
//! they need a request (a read past the buffered range, a write that fills a part).

use super::panic::boundary;
use super::storage::s3storage;
use super::{
    bytes_mut_from, code_of, into_handle, take_handle, try_bytes, try_c, try_mut, try_ok,
    try_opt_str, try_ref, try_str, S3STORAGE_OK,
};
use crate::file::S3File;
use crate::storage::SaveOptions;
use std::ffi::{c_char, c_int, c_void};
use std::io::SeekFrom;
use std::ptr;

/// An open file of a storage, for reading or for writing. Made by s3storage_open(),
/// freed by s3storage_file_close(). One thread at a time.
pub struct s3storage_file(pub(crate) S3File);

/// Opens `name`. Read modes send one ranged GET of the first 64 KiB, which is also the
/// existence check, so a missing object fails here; later bytes are fetched lazily by
/// ranges as they are read. Write modes send nothing until a part
/// fills or the file is closed; s3storage_file_close() commits the object.
///
/// @param storage the storage; the file stays valid after s3storage_free(storage).
/// @param name    the name; borrowed.
/// @param mode    "r" or "rb" (the same bytes: there is no text mode), "w" or "wb", or "x"
///                or "xb" (create-only: S3STORAGE_ERR_ALREADY_EXISTS here if the name is
///                taken, or from s3storage_file_close if it was taken meanwhile); borrowed.
/// @param out     OUT: the file, the caller's to close with s3storage_file_close().
///                Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_NOT_FOUND (read mode, no such object);
///         S3STORAGE_ERR_INVALID_ARGUMENT for another mode or NULL / non-UTF-8 arguments;
///         _ACCESS_DENIED, _NETWORK, _SERVER, _SUSPICIOUS_NAME; _CHECKSUM (read mode: a
///         small object, which the opening GET brings whole, did not match its checksum,
///         twice).
#[no_mangle]
pub extern "C" fn s3storage_open(
    storage: *const s3storage,
    name: *const c_char,
    mode: *const c_char,
    out: *mut *mut s3storage_file,
) -> c_int {
    s3storage_open_ex(storage, name, mode, ptr::null(), out)
}

/// s3storage_open() with per-file object parameters for a write mode.
///
/// @param storage     the storage.
/// @param name        the name; borrowed.
/// @param mode        "r", "rb", "w", "wb", "x" or "xb" (as s3storage_open); borrowed.
/// @param params_json NULL, or (write modes only) a JSON object of boto3 PutObject
///                    parameters merged over AWS_S3_OBJECT_PARAMETERS, as for
///                    s3storage_save_ex(); borrowed.
/// @param out         OUT: the file, the caller's to close with s3storage_file_close()
///                    or s3storage_file_abort(). Unchanged on failure.
/// @return as s3storage_open(); S3STORAGE_ERR_INVALID_ARGUMENT for bad JSON, an unknown
///         parameter, or parameters with a read mode.
#[no_mangle]
pub extern "C" fn s3storage_open_ex(
    storage: *const s3storage,
    name: *const c_char,
    mode: *const c_char,
    params_json: *const c_char,
    out: *mut *mut s3storage_file,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let mode = try_str!(mode, "mode");
        let params = try_opt_str!(params_json, "params_json");
        let out = try_mut!(out, "out");
        let options = try_ok!(SaveOptions::from_json(params, None));
        let file = try_ok!(storage.0.open_with(name, mode, &options));
        *out = into_handle(s3storage_file(file));
        S3STORAGE_OK
    })
}

/// Reads up to `cap` bytes at the current position of a read-mode file. Reads may be
/// short: fewer than `cap` bytes (but at least one) before the end; 0 only at the end.
/// A connection cut or stalled mid-body is resumed from where it stopped.
///
/// @param file  the file.
/// @param buf   `cap` writable bytes (NULL allowed when cap is 0).
/// @param cap   the capacity of buf.
/// @param nread OUT: how many bytes were read; 0 at the end of the object. Unchanged on
///              failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_BAD_STATE (write-mode or closed file, or the
///         object was replaced while being read); _NETWORK, _SERVER, _ACCESS_DENIED,
///         _NOT_FOUND (deleted meanwhile), _IO (gzip content that cannot be decoded),
///         _CHECKSUM (the read that reaches the end of an object read in order whose bytes
///         do not match its full-object checksum, and every read after it),
///         _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_file_read(
    file: *mut s3storage_file,
    buf: *mut c_void,
    cap: usize,
    nread: *mut usize,
) -> c_int {
    boundary(|| {
        let file = try_mut!(file, "file");
        let nread = try_mut!(nread, "nread");
        let buffer = try_c!(bytes_mut_from(buf, cap, "buf"));
        *nread = try_ok!(file.0.read_bytes(buffer));
        S3STORAGE_OK
    })
}

/// Appends `len` bytes to a write-mode file. Full parts (AWS_S3_FILE_BUFFER_SIZE) go up
/// in parallel as they fill, so this blocks while every upload worker is busy.
///
/// If it fails, the bytes were not accepted and the file is failed: its multipart
/// upload is aborted, every later s3storage_file_write() and s3storage_file_close()
/// returns the same code, and nothing is committed.
///
/// @param file the file.
/// @param data `len` bytes (NULL allowed when len is 0); borrowed.
/// @param len  the number of bytes.
/// @return S3STORAGE_OK; S3STORAGE_ERR_BAD_STATE (read-mode or closed file);
///         _NETWORK, _SERVER, _ACCESS_DENIED when a part or the start of the upload
///         failed (now or in an earlier write); _INVALID_ARGUMENT (NULL, a length no
///         buffer can have; the file is not failed by these).
#[no_mangle]
pub extern "C" fn s3storage_file_write(
    file: *mut s3storage_file,
    data: *const c_void,
    len: usize,
) -> c_int {
    boundary(|| {
        let file = try_mut!(file, "file");
        let data = try_bytes!(data, len, "data");
        code_of(file.0.write_bytes(data))
    })
}

/// Moves the read position of a read-mode file (nothing is transferred until the next
/// read). A write-mode file can only report its position (offset 0, SEEK_CUR).
///
/// @param file    the file.
/// @param offset  the offset, relative to `whence`.
/// @param whence  SEEK_SET (0), SEEK_CUR (1) or SEEK_END (2).
/// @param new_pos OUT: the new position from the start. Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_INVALID_ARGUMENT (bad whence, a negative
///         position); S3STORAGE_ERR_BAD_STATE (closed file, a real seek on a write-mode
///         file).
#[no_mangle]
pub extern "C" fn s3storage_file_seek(
    file: *mut s3storage_file,
    offset: i64,
    whence: c_int,
    new_pos: *mut u64,
) -> c_int {
    boundary(|| {
        let file = try_mut!(file, "file");
        let new_pos = try_mut!(new_pos, "new_pos");
        let position = try_ok!(seek_position(offset, whence));
        *new_pos = try_ok!(file.0.seek_to(position));
        S3STORAGE_OK
    })
}

/// C's `(offset, whence)` as a seek target.
fn seek_position(offset: i64, whence: c_int) -> crate::Result<SeekFrom> {
    let invalid = |message: String| Err(crate::Error::InvalidArgument(message));
    match whence {
        0 if offset >= 0 => Ok(SeekFrom::Start(offset as u64)),
        0 => invalid(format!("cannot seek to the negative position {offset}")),
        1 => Ok(SeekFrom::Current(offset)),
        2 => Ok(SeekFrom::End(offset)),
        _ => invalid(format!(
            "whence must be SEEK_SET, SEEK_CUR or SEEK_END, not {whence}"
        )),
    }
}

/// In read mode the object's size (as stored); in write mode the bytes written so far.
///
/// @param file the file.
/// @param out  OUT: the size. Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_BAD_STATE (closed); _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_file_size(file: *mut s3storage_file, out: *mut u64) -> c_int {
    boundary(|| {
        let file = try_mut!(file, "file");
        let out = try_mut!(out, "out");
        *out = try_ok!(file.0.size());
        S3STORAGE_OK
    })
}

/// Closes a file and frees its handle, whatever the result. In write mode this commits
/// the object: the remaining bytes go up (as one PUT, or as the last part and the
/// completion of a multipart upload; a file never written creates an empty object only
/// if none exists). On failure nothing is stored and any multipart upload is aborted;
/// a file whose write failed earlier returns that failure and commits nothing. It never
/// reports success after a failure.
///
/// @param file a handle from s3storage_open(), or NULL (then S3STORAGE_OK); not used
///             afterwards.
/// @return S3STORAGE_OK; in write mode S3STORAGE_ERR_NETWORK, _SERVER, _ACCESS_DENIED
///         when the object could not be committed (or an earlier write failed).
#[no_mangle]
pub extern "C" fn s3storage_file_close(file: *mut s3storage_file) -> c_int {
    boundary(|| match take_handle(file) {
        Some(mut file) => code_of(file.0.close()),
        None => S3STORAGE_OK,
    })
}

/// Closes a file without committing it and frees its handle: what was written is
/// discarded and any multipart upload is aborted (a read-mode file is simply closed).
/// Blocks for the AbortMultipartUpload request when an upload was started.
///
/// @param file a handle from s3storage_open(), or NULL (then S3STORAGE_OK); not used
///             afterwards.
/// @return S3STORAGE_OK; S3STORAGE_ERR_NETWORK, _SERVER or _ACCESS_DENIED if the abort
///         request failed (the upload may be left on the server; nothing was committed).
#[no_mangle]
pub extern "C" fn s3storage_file_abort(file: *mut s3storage_file) -> c_int {
    boundary(|| match take_handle(file) {
        Some(mut file) => code_of(file.0.abort()),
        None => S3STORAGE_OK,
    })
}
