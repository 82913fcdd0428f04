//! `s3storage_lister`: a streaming listing (s3storage_list), its next entry and its free.

use super::object::s3storage_object;
use super::panic::boundary;
use super::storage::s3storage;
use super::{into_handle, take_handle, try_mut, try_ok, try_ref, try_str, S3STORAGE_OK};
use crate::listing::Listing;
use std::ffi::{c_char, c_int};

/// A listing in progress: entries come a page at a time from s3storage_lister_next().
/// Made by s3storage_list(), freed by s3storage_lister_free(). One thread at a time.
pub struct s3storage_lister {
    listing: Listing,
    /// The entry last given out, borrowed by the caller until the next call.
    current: Option<s3storage_object>,
}

/// Starts a listing of `path`; nothing is sent until the first s3storage_lister_next().
///
/// @param storage   the storage.
/// @param path      the directory, relative to AWS_LOCATION ("" for the top); borrowed.
/// @param recursive false: one level, like listdir (a directory is an entry whose name
///                  ends in "/", size 0); true: every object below path.
/// @param out       OUT: the lister, the caller's to free with s3storage_lister_free().
///                  Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_SUSPICIOUS_NAME for a path outside AWS_LOCATION;
///         _INVALID_ARGUMENT for NULL or non-UTF-8 arguments; _ACCESS_DENIED, _NETWORK,
///         _SERVER when AWS_AUTO_CREATE_BUCKET's creation fails.
#[no_mangle]
pub extern "C" fn s3storage_list(
    storage: *const s3storage,
    path: *const c_char,
    recursive: bool,
    out: *mut *mut s3storage_lister,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let path = try_str!(path, "path");
        let out = try_mut!(out, "out");
        let listing = try_ok!(storage.0.list(path, recursive));
        *out = into_handle(s3storage_lister {
            listing,
            current: None,
        });
        S3STORAGE_OK
    })
}

/// The next entry: its name is a whole name without AWS_LOCATION (what s3storage_stat
/// and s3storage_open take), with size, modified time and ETag (content type and
/// metadata are "" / absent in listings). Fetches the next page when this one is used
/// up (blocking).
///
/// @param lister the lister.
/// @param out    OUT: the entry, borrowed until the next call or s3storage_lister_free();
///               NULL at the end.
/// @return S3STORAGE_OK (also at the end); _ACCESS_DENIED, _NETWORK, _SERVER when a
///         page could not be fetched (the listing then ends); _INVALID_ARGUMENT for NULL.
#[no_mangle]
pub extern "C" fn s3storage_lister_next(
    lister: *mut s3storage_lister,
    out: *mut *const s3storage_object,
) -> c_int {
    boundary(|| {
        let lister = try_mut!(lister, "lister");
        let out = try_mut!(out, "out");
        *out = std::ptr::null(); // the entry given last is freed now, whatever follows
        lister.current = None;
        let entry = lister.listing.next().transpose();
        lister.current = try_ok!(entry).map(s3storage_object::new);
        *out = lister
            .current
            .as_ref()
            .map_or(std::ptr::null(), |obj| obj as *const s3storage_object);
        S3STORAGE_OK
    })
}

/// Frees a lister and the entry it last gave.
///
/// @param lister the lister, or NULL (nothing happens); not used afterwards.
#[no_mangle]
pub extern "C" fn s3storage_lister_free(lister: *mut s3storage_lister) {
    boundary(|| drop(take_handle(lister)))
}
