//! Freeing what the library hands to the caller.

use super::panic::boundary;
use super::{free_string, free_strv};
use std::ffi::c_char;

/// Frees a string returned by this library (a URL, a name). NULL does nothing.
///
/// @param s a string from an s3storage_ function's OUT parameter, or NULL; not used afterwards.
#[no_mangle]
pub extern "C" fn s3storage_string_free(s: *mut c_char) {
    boundary(|| free_string(s))
}

/// Frees a NULL-terminated array of strings returned by this library (s3storage_listdir())
/// and every string in it. NULL does nothing.
///
/// @param v an array from s3storage_listdir(), or NULL; not used afterwards.
#[no_mangle]
pub extern "C" fn s3storage_strv_free(v: *mut *mut c_char) {
    boundary(|| free_strv(v))
}
