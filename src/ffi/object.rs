//! `s3storage_object`: an object's metadata (s3storage_stat), its getters and its free.
//! The handle owns C copies of its strings, so getters hand out borrowed pointers.

use super::panic::boundary;
use super::storage::s3storage;
use super::{
    into_handle, opt_ref, owned_strv, take_handle, try_mut, try_ok, try_ref, try_str, S3STORAGE_OK,
};
use crate::object_info::ObjectInfo;
use std::ffi::{c_char, c_int, CStr, CString};

/// An object's metadata: name, size, modified time, ETag, content type, user metadata and
/// version id. Made by s3storage_stat() and freed by s3storage_object_free() (its strings
/// are borrowed from it), or given by s3storage_lister_next(), which owns it.
pub struct s3storage_object {
    info: ObjectInfo,
    name: CString,
    etag: CString,
    content_type: CString,
    version_id: CString,
    metadata: Vec<(String, CString)>,
}

/// A C copy of a string (a NUL inside, which no header can carry, ends it early).
fn c_copy(text: &str) -> CString {
    let text = text.split('\0').next().unwrap_or_default();
    CString::new(text).unwrap_or_default()
}

impl s3storage_object {
    /// The C view of an object's metadata.
    pub(crate) fn new(info: ObjectInfo) -> s3storage_object {
        s3storage_object {
            name: c_copy(&info.name),
            etag: c_copy(&info.etag),
            content_type: c_copy(&info.content_type),
            version_id: c_copy(info.version_id.as_deref().unwrap_or_default()),
            metadata: (info.metadata.iter())
                .map(|(key, value)| (key.clone(), c_copy(value)))
                .collect(),
            info,
        }
    }
}

/// The object's metadata from one HEAD request.
///
/// @param storage the storage.
/// @param name    the name (without AWS_LOCATION); borrowed.
/// @param out     OUT: the object, the caller's to free with s3storage_object_free().
///                Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_NOT_FOUND if there is no such object;
///         _ACCESS_DENIED, _NETWORK, _SERVER, _SUSPICIOUS_NAME (nothing is sent),
///         _INVALID_ARGUMENT for NULL or non-UTF-8 arguments.
#[no_mangle]
pub extern "C" fn s3storage_stat(
    storage: *const s3storage,
    name: *const c_char,
    out: *mut *mut s3storage_object,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out, "out");
        let info = try_ok!(storage.0.stat(name));
        *out = into_handle(s3storage_object::new(info));
        S3STORAGE_OK
    })
}

/// Runs `get` on the object, or gives "" for NULL.
fn text_of(obj: *const s3storage_object, get: fn(&s3storage_object) -> &CStr) -> *const c_char {
    match opt_ref(obj) {
        Some(obj) => get(obj).as_ptr(),
        None => c"".as_ptr(),
    }
}

/// The object's name, without AWS_LOCATION.
///
/// @param obj an object from s3storage_stat() or s3storage_lister_next(), or NULL.
/// @return the name, borrowed until the object is freed; "" for NULL.
#[no_mangle]
pub extern "C" fn s3storage_object_name(obj: *const s3storage_object) -> *const c_char {
    text_of(obj, |obj| &obj.name)
}

/// The object's size in bytes as stored.
///
/// @param obj an object from s3storage_stat() or s3storage_lister_next(), or NULL.
/// @return the size; 0 for NULL.
#[no_mangle]
pub extern "C" fn s3storage_object_size(obj: *const s3storage_object) -> u64 {
    opt_ref(obj).map_or(0, |obj| obj.info.size)
}

/// The object's last-modified time.
///
/// @param obj an object from s3storage_stat() or s3storage_lister_next(), or NULL.
/// @return Unix seconds; 0 for NULL or when unknown.
#[no_mangle]
pub extern "C" fn s3storage_object_modified_time(obj: *const s3storage_object) -> i64 {
    let modified = opt_ref(obj).and_then(|obj| obj.info.modified);
    match modified.map(|at| at.duration_since(std::time::UNIX_EPOCH)) {
        Some(Ok(after)) => after.as_secs() as i64,
        Some(Err(before)) => -(before.duration().as_secs() as i64),
        None => 0,
    }
}

/// The object's ETag as the server sent it, quotes removed.
///
/// @param obj an object from s3storage_stat() or s3storage_lister_next(), or NULL.
/// @return the ETag, borrowed until the object is freed; "" for NULL.
#[no_mangle]
pub extern "C" fn s3storage_object_etag(obj: *const s3storage_object) -> *const c_char {
    text_of(obj, |obj| &obj.etag)
}

/// The object's Content-Type.
///
/// @param obj an object from s3storage_stat() or s3storage_lister_next(), or NULL.
/// @return the type, borrowed until the object is freed; "" when unknown (listing
///         entries) or for NULL.
#[no_mangle]
pub extern "C" fn s3storage_object_content_type(obj: *const s3storage_object) -> *const c_char {
    text_of(obj, |obj| &obj.content_type)
}

/// The object's version id.
///
/// @param obj an object from s3storage_stat() or s3storage_lister_next(), or NULL.
/// @return the id, borrowed until the object is freed; "" when the bucket is not
///         versioned, or for NULL.
#[no_mangle]
pub extern "C" fn s3storage_object_version_id(obj: *const s3storage_object) -> *const c_char {
    text_of(obj, |obj| &obj.version_id)
}

/// A user metadata value (`x-amz-meta-KEY`).
///
/// @param obj an object from s3storage_stat() or s3storage_lister_next(), or NULL.
/// @param key the key, in any case; borrowed.
/// @return the value, borrowed until the object is freed; NULL if the object has none by
///         that key, or for a NULL or non-UTF-8 argument.
#[no_mangle]
pub extern "C" fn s3storage_object_metadata(
    obj: *const s3storage_object,
    key: *const c_char,
) -> *const c_char {
    boundary(|| {
        let Some(obj) = opt_ref(obj) else {
            return std::ptr::null();
        };
        let Ok(key) = super::str_from(key, "key") else {
            return std::ptr::null();
        };
        let key = key.to_ascii_lowercase();
        (obj.metadata.iter())
            .find(|(name, _)| *name == key)
            .map_or(std::ptr::null(), |(_, value)| value.as_ptr())
    })
}

/// The keys of the object's user metadata (lower-case, sorted), for
/// s3storage_object_metadata().
///
/// @param obj the object.
/// @param out OUT: a NULL-terminated array, the caller's to free with
///            s3storage_strv_free(). Unchanged on failure.
/// @return S3STORAGE_OK, or S3STORAGE_ERR_INVALID_ARGUMENT for a NULL argument.
#[no_mangle]
pub extern "C" fn s3storage_object_metadata_keys(
    obj: *const s3storage_object,
    out: *mut *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let obj = try_ref!(obj, "obj");
        let out = try_mut!(out, "out");
        let keys: Vec<String> = obj.metadata.iter().map(|(key, _)| key.clone()).collect();
        *out = owned_strv(&keys);
        S3STORAGE_OK
    })
}

/// Frees an object from s3storage_stat() (not one from s3storage_lister_next(), which
/// the lister owns).
///
/// @param obj the object, or NULL (nothing happens); not used afterwards.
#[no_mangle]
pub extern "C" fn s3storage_object_free(obj: *mut s3storage_object) {
    boundary(|| drop(take_handle(obj)))
}
