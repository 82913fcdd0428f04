//! The exported functions of API.md, in its order.
//!
//! They are safe `extern "C"` functions, as in rustls-ffi: C cannot see `unsafe`, and
//! every pointer goes through the checked helpers of `ffi/mod.rs` before it is used.

#![allow(clippy::not_unsafe_ptr_arg_deref)]

use super::panic::{boundary, static_cstr};
use super::{
    bytes_from, code_of, free_box, invalid, last_error_ptr, opt_str_from, owned_string, owned_strv,
    try_mut, try_ok, try_ref, try_str,
};
use crate::error::ResultCode;
use crate::file::S3File;
use crate::log::{self, Level};
use crate::object_urls::UrlOptions;
use crate::settings::Settings;
use crate::storage::Storage;
use std::ffi::{c_char, c_int, c_void, CString};
use std::io::SeekFrom;
use std::sync::Arc;

/// Success.
pub const S3STORAGE_OK: c_int = 0;
/// A NULL pointer, non-UTF-8 string, bad mode or bad whence.
pub const S3STORAGE_ERR_INVALID_ARGUMENT: c_int = 1;
/// Improperly configured: the message names the setting.
pub const S3STORAGE_ERR_CONFIG: c_int = 2;
/// The name escapes AWS_LOCATION or is otherwise unsafe; nothing was sent.
pub const S3STORAGE_ERR_SUSPICIOUS_NAME: c_int = 3;
/// No such object.
pub const S3STORAGE_ERR_NOT_FOUND: c_int = 4;
/// A create-only write found the name taken.
pub const S3STORAGE_ERR_ALREADY_EXISTS: c_int = 5;
/// The server refused the credentials or the request (HTTP 403).
pub const S3STORAGE_ERR_ACCESS_DENIED: c_int = 6;
/// Connect, TLS, timeout or reset, after retries.
pub const S3STORAGE_ERR_NETWORK: c_int = 7;
/// Any other S3 error; the message carries the S3 error Code and HTTP status.
pub const S3STORAGE_ERR_SERVER: c_int = 8;
/// Local I/O (temporary spool file, local source file).
pub const S3STORAGE_ERR_IO: c_int = 9;
/// Not allowed now: closed file, read on a write-mode file, write on a read-mode file.
pub const S3STORAGE_ERR_BAD_STATE: c_int = 10;
/// An internal panic was caught at the boundary; the library stays usable.
pub const S3STORAGE_ERR_PANIC: c_int = 255;

/// Log level of errors.
pub const S3STORAGE_LOG_ERROR: c_int = 1;
/// Log level of warnings (legacy settings, retries).
pub const S3STORAGE_LOG_WARN: c_int = 2;
/// Log level of noteworthy events.
pub const S3STORAGE_LOG_INFO: c_int = 3;
/// Log level of per-request debug lines.
pub const S3STORAGE_LOG_DEBUG: c_int = 4;

/// Settings by Django setting name (owned by the caller; free with s3storage_settings_free).
pub struct s3storage_settings(Settings);

/// A storage: one bucket, its settings and its connection pool. Thread-safe.
pub struct s3storage(Storage);

/// An open file of a storage, for reading or for writing. One thread at a time.
pub struct s3storage_file(S3File);

/// The log callback's type: level (S3STORAGE_LOG_*), message (borrowed for the call),
/// and the userdata given to s3storage_set_log_callback.
pub type s3storage_log_callback =
    Option<unsafe extern "C" fn(level: c_int, message: *const c_char, userdata: *mut c_void)>;

/// The library version, e.g. "0.1.0" (static; never free it).
#[no_mangle]
pub extern "C" fn s3storage_version() -> *const c_char {
    boundary(|| concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast())
}

/// The message of the last failed call on the calling thread ("" if none). Borrowed:
/// valid until that thread's next failing s3storage_ call. Never NULL.
#[no_mangle]
pub extern "C" fn s3storage_errmsg() -> *const c_char {
    boundary(last_error_ptr)
}

/// The name of a result code, e.g. "S3STORAGE_ERR_NOT_FOUND" (static; never free it);
/// "S3STORAGE_UNKNOWN" for a value that is not a result code.
#[no_mangle]
pub extern "C" fn s3storage_code_name(code: c_int) -> *const c_char {
    boundary(|| match ResultCode::from_i32(code) {
        Some(code) => static_cstr(code.c_name()),
        None => static_cstr(c"S3STORAGE_UNKNOWN"),
    })
}

struct CallbackTarget {
    callback: unsafe extern "C" fn(c_int, *const c_char, *mut c_void),
    userdata: *mut c_void,
}

impl CallbackTarget {
    fn call(&self, level: Level, message: &str) {
        let text = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
        // SAFETY: the callback was given by the caller for exactly this use.
        unsafe { (self.callback)(level as c_int, text.as_ptr(), self.userdata) }
    }
}

// SAFETY: the C caller promises that the callback and its userdata may be used from any
// thread (documented on s3storage_set_log_callback).
unsafe impl Send for CallbackTarget {}
unsafe impl Sync for CallbackTarget {}

/// Sets the process-wide log callback (NULL removes it). It receives the library's
/// warnings (legacy settings, retries) and debug lines, possibly from several threads at
/// once; `message` is borrowed for the call. `userdata` is passed back unchanged.
#[no_mangle]
pub extern "C" fn s3storage_set_log_callback(
    callback: s3storage_log_callback,
    userdata: *mut c_void,
) {
    boundary(|| {
        let logger: Option<log::Logger> = callback.map(|callback| {
            let target = CallbackTarget { callback, userdata };
            Arc::new(move |level: Level, message: &str| target.call(level, message)) as log::Logger
        });
        log::set_logger(logger);
    })
}

/// New, empty settings (every key at its default). Free with s3storage_settings_free.
/// Returns NULL only on an internal failure.
#[no_mangle]
pub extern "C" fn s3storage_settings_new() -> *mut s3storage_settings {
    boundary(|| Box::into_raw(Box::new(s3storage_settings(Settings::new()))))
}

/// Sets one setting by its Django name from its string form ("True", "None", "3600",
/// a JSON object...). S3STORAGE_ERR_CONFIG names the key when it is unknown or the value
/// does not fit; the settings are then unchanged. `key` and `value` are borrowed.
#[no_mangle]
pub extern "C" fn s3storage_settings_set(
    settings: *mut s3storage_settings,
    key: *const c_char,
    value: *const c_char,
) -> c_int {
    boundary(|| {
        let settings = try_mut!(settings, "settings");
        let key = try_str!(key, "key");
        let value = try_str!(value, "value");
        code_of(settings.0.set(key, value))
    })
}

/// Sets every known setting present in the environment.
#[no_mangle]
pub extern "C" fn s3storage_settings_load_env(settings: *mut s3storage_settings) -> c_int {
    boundary(|| {
        let settings = try_mut!(settings, "settings");
        code_of(settings.0.load_env())
    })
}

/// Frees settings (NULL is fine). Storages made from them stay valid.
#[no_mangle]
pub extern "C" fn s3storage_settings_free(settings: *mut s3storage_settings) {
    boundary(|| free_box(settings))
}

/// Creates a storage from settings (validated; nothing is sent yet). On success `*out`
/// is the caller's, to free with s3storage_free; on failure it is left unchanged.
#[no_mangle]
pub extern "C" fn s3storage_new(
    settings: *const s3storage_settings,
    out: *mut *mut s3storage,
) -> c_int {
    boundary(|| {
        let settings = try_ref!(settings, "settings");
        let out = try_mut!(out, "out");
        let storage = try_ok!(Storage::new(&settings.0));
        *out = Box::into_raw(Box::new(s3storage(storage)));
        S3STORAGE_OK
    })
}

/// Frees a storage (NULL is fine). Files opened from it stay valid until closed.
#[no_mangle]
pub extern "C" fn s3storage_free(storage: *mut s3storage) {
    boundary(|| free_box(storage))
}

/// Whether the object exists (HEAD: 404 is false; 403 is S3STORAGE_ERR_ACCESS_DENIED).
#[no_mangle]
pub extern "C" fn s3storage_exists(
    storage: *const s3storage,
    name: *const c_char,
    out: *mut bool,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out, "out");
        *out = try_ok!(storage.0.exists(name));
        S3STORAGE_OK
    })
}

/// Deletes the object; a missing name is not an error.
#[no_mangle]
pub extern "C" fn s3storage_delete(storage: *const s3storage, name: *const c_char) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        code_of(storage.0.delete(name))
    })
}

/// The object's size in bytes; S3STORAGE_ERR_NOT_FOUND if it does not exist.
#[no_mangle]
pub extern "C" fn s3storage_size(
    storage: *const s3storage,
    name: *const c_char,
    out: *mut u64,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out, "out");
        *out = try_ok!(storage.0.size(name));
        S3STORAGE_OK
    })
}

/// The object's last-modified time in seconds since the Unix epoch (UTC).
#[no_mangle]
pub extern "C" fn s3storage_modified_time(
    storage: *const s3storage,
    name: *const c_char,
    out_unix_seconds: *mut i64,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out_unix_seconds, "out_unix_seconds");
        let modified = try_ok!(storage.0.modified_time(name));
        *out = match modified.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => after.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64),
        };
        S3STORAGE_OK
    })
}

fn store_string(out: &mut *mut c_char, text: &str) -> c_int {
    *out = owned_string(text);
    S3STORAGE_OK
}

/// The URL of the object as django-storages builds it (presigned by default).
/// `*out` is the caller's: free with s3storage_string_free.
#[no_mangle]
pub extern "C" fn s3storage_url(
    storage: *const s3storage,
    name: *const c_char,
    out: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out, "out");
        let url = try_ok!(storage.0.url(name));
        store_string(out, &url)
    })
}

/// url(name, parameters, expire, http_method): `parameters_json` a JSON object of GetObject
/// parameters (or raw query parameters with a custom domain), NULL for none;
/// `expire_seconds` < 0 means AWS_QUERYSTRING_EXPIRE; `http_method` NULL means GET.
/// `*out` is the caller's: free with s3storage_string_free.
#[no_mangle]
pub extern "C" fn s3storage_url_ex(
    storage: *const s3storage,
    name: *const c_char,
    parameters_json: *const c_char,
    expire_seconds: i64,
    http_method: *const c_char,
    out: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let parameters = match opt_str_from(parameters_json, "parameters_json") {
            Ok(text) => text,
            Err(code) => return code,
        };
        let http_method = match opt_str_from(http_method, "http_method") {
            Ok(text) => text,
            Err(code) => return code,
        };
        let out = try_mut!(out, "out");
        let parameters = match parameters {
            None => None,
            Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(map)) => Some(map),
                _ => return invalid("parameters_json must be a JSON object".into()),
            },
        };
        let options = UrlOptions {
            parameters,
            expire: u64::try_from(expire_seconds).ok(),
            http_method: http_method.map(str::to_string),
        };
        let url = try_ok!(storage.0.url_with(name, &options));
        store_string(out, &url)
    })
}

/// Django's get_available_name: with AWS_S3_FILE_OVERWRITE the cleaned name (truncated to
/// `max_length`, 0 for none); without, a name no object has. `*out` is the caller's.
#[no_mangle]
pub extern "C" fn s3storage_get_available_name(
    storage: *const s3storage,
    name: *const c_char,
    max_length: usize,
    out: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out, "out");
        let max_length = (max_length > 0).then_some(max_length);
        let available = try_ok!(storage.0.get_available_name(name, max_length));
        store_string(out, &available)
    })
}

fn store_saved_name(saved_name: *mut *mut c_char, name: &str) -> c_int {
    // SAFETY: checked for NULL; the caller gives a writable pointer or NULL.
    if let Some(out) = unsafe { saved_name.as_mut() } {
        *out = owned_string(name);
    }
    S3STORAGE_OK
}

/// Saves `len` bytes at `data` (NULL allowed when `len` is 0) under `name`, or under the
/// available name Django's rules give. `*saved_name` (if `saved_name` is not NULL) is the
/// name used, without AWS_LOCATION: the caller's, to free with s3storage_string_free.
#[no_mangle]
pub extern "C" fn s3storage_save(
    storage: *const s3storage,
    name: *const c_char,
    data: *const c_void,
    len: usize,
    saved_name: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let data = match bytes_from(data.cast(), len, "data") {
            Ok(data) => data,
            Err(code) => return code,
        };
        let saved = try_ok!(storage.0.save_sized(name, data, Some(len as u64), None));
        store_saved_name(saved_name, &saved)
    })
}

/// Saves the local file at `local_path` (streamed, not loaded whole) like s3storage_save.
#[no_mangle]
pub extern "C" fn s3storage_save_file(
    storage: *const s3storage,
    name: *const c_char,
    local_path: *const c_char,
    saved_name: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let local_path = try_str!(local_path, "local_path");
        let saved = try_ok!(storage.0.save_file(name, local_path));
        store_saved_name(saved_name, &saved)
    })
}

/// The directories and files directly under `path` ("" for the root). Either of `dirs` and
/// `files` may be NULL to skip that list; each result is a NULL-terminated array that is
/// the caller's, to free with s3storage_strv_free.
#[no_mangle]
pub extern "C" fn s3storage_listdir(
    storage: *const s3storage,
    path: *const c_char,
    dirs: *mut *mut *mut c_char,
    files: *mut *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let path = try_str!(path, "path");
        let (found_dirs, found_files) = try_ok!(storage.0.listdir(path));
        // SAFETY: each is NULL or a writable pointer, as documented.
        if let Some(out) = unsafe { dirs.as_mut() } {
            *out = owned_strv(&found_dirs);
        }
        if let Some(out) = unsafe { files.as_mut() } {
            *out = owned_strv(&found_files);
        }
        S3STORAGE_OK
    })
}

/// Opens `name` with `mode` "r"/"rb" (a missing object fails here: NOT_FOUND) or
/// "w"/"wb" (committed by s3storage_file_close). Other modes: INVALID_ARGUMENT.
/// `*out` is the caller's, to close with s3storage_file_close.
#[no_mangle]
pub extern "C" fn s3storage_open(
    storage: *const s3storage,
    name: *const c_char,
    mode: *const c_char,
    out: *mut *mut s3storage_file,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let mode = try_str!(mode, "mode");
        let out = try_mut!(out, "out");
        let file = try_ok!(storage.0.open(name, mode));
        *out = Box::into_raw(Box::new(s3storage_file(file)));
        S3STORAGE_OK
    })
}

/// Reads up to `cap` bytes into `buf`; `*nread` is how many (0 at the end).
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
        if cap > 0 && buf.is_null() {
            return invalid(format!("buf is NULL but cap is {cap}"));
        }
        let buffer: &mut [u8] = if cap == 0 {
            &mut []
        } else {
            // SAFETY: the caller gives `cap` writable bytes at `buf` for the call.
            unsafe { std::slice::from_raw_parts_mut(buf.cast(), cap) }
        };
        *nread = try_ok!(file.0.read_bytes(buffer));
        S3STORAGE_OK
    })
}

/// Writes `len` bytes at `data` (NULL allowed when `len` is 0) to a write-mode file.
#[no_mangle]
pub extern "C" fn s3storage_file_write(
    file: *mut s3storage_file,
    data: *const c_void,
    len: usize,
) -> c_int {
    boundary(|| {
        let file = try_mut!(file, "file");
        let data = match bytes_from(data.cast(), len, "data") {
            Ok(data) => data,
            Err(code) => return code,
        };
        code_of(file.0.write_bytes(data))
    })
}

/// Moves the read position: `whence` SEEK_SET (0), SEEK_CUR (1) or SEEK_END (2);
/// `*new_pos` is the new position. A write-mode file can only report its position
/// (offset 0, SEEK_CUR).
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
        let position = match whence {
            0 if offset >= 0 => SeekFrom::Start(offset as u64),
            0 => return invalid(format!("cannot seek to the negative position {offset}")),
            1 => SeekFrom::Current(offset),
            2 => SeekFrom::End(offset),
            _ => {
                return invalid(format!(
                    "whence must be SEEK_SET, SEEK_CUR or SEEK_END, not {whence}"
                ))
            }
        };
        *new_pos = try_ok!(file.0.seek_to(position));
        S3STORAGE_OK
    })
}

/// In read mode the object's size; in write mode the bytes written so far.
#[no_mangle]
pub extern "C" fn s3storage_file_size(file: *mut s3storage_file, out: *mut u64) -> c_int {
    boundary(|| {
        let file = try_mut!(file, "file");
        let out = try_mut!(out, "out");
        *out = try_ok!(file.0.size());
        S3STORAGE_OK
    })
}

/// Closes and frees the file, whatever it returns. In write mode this commits the object;
/// a failure is reported and nothing is stored. NULL returns S3STORAGE_OK.
#[no_mangle]
pub extern "C" fn s3storage_file_close(file: *mut s3storage_file) -> c_int {
    boundary(|| {
        if file.is_null() {
            return S3STORAGE_OK;
        }
        // SAFETY: made by s3storage_open and closed once, as documented.
        let mut file = unsafe { Box::from_raw(file) };
        code_of(file.0.close())
    })
}

/// `total` of a progress report whose size is not known (yet).
pub const S3STORAGE_SIZE_UNKNOWN: u64 = u64::MAX;
/// Progress `direction`: to S3 (save, save_file, writes).
pub const S3STORAGE_UPLOAD: c_int = 0;
/// Progress `direction`: from S3 (reads).
pub const S3STORAGE_DOWNLOAD: c_int = 1;

/// The progress callback's type: the name (borrowed for the call), the direction
/// (S3STORAGE_UPLOAD or S3STORAGE_DOWNLOAD), bytes done, bytes in all
/// (S3STORAGE_SIZE_UNKNOWN when not known), and the userdata given when it was set.
pub type s3storage_progress_callback = Option<
    unsafe extern "C" fn(
        name: *const c_char,
        direction: c_int,
        done: u64,
        total: u64,
        userdata: *mut c_void,
    ),
>;

struct ProgressTarget {
    callback: unsafe extern "C" fn(*const c_char, c_int, u64, u64, *mut c_void),
    userdata: *mut c_void,
}

impl ProgressTarget {
    fn call(&self, transfer: &crate::Transfer<'_>) {
        let name = CString::new(transfer.name.replace('\0', "")).unwrap_or_default();
        let direction = match transfer.direction {
            crate::Direction::Upload => S3STORAGE_UPLOAD,
            crate::Direction::Download => S3STORAGE_DOWNLOAD,
        };
        let total = transfer.total.unwrap_or(S3STORAGE_SIZE_UNKNOWN);
        // SAFETY: the callback was given by the caller for exactly this use.
        unsafe {
            (self.callback)(
                name.as_ptr(),
                direction,
                transfer.done,
                total,
                self.userdata,
            )
        }
    }
}

// SAFETY: the C caller promises that the callback and its userdata may be used from any
// thread (documented on s3storage_set_progress_callback).
unsafe impl Send for ProgressTarget {}
unsafe impl Sync for ProgressTarget {}

/// Sets (NULL removes) the progress callback of a storage: it reports saves, save_file,
/// writes (per part) and reads (per range), possibly from worker threads, so it must be
/// thread-safe. The choice of one callback per storage keeps every call's signature as
/// API.md fixes it; the name in each report says which transfer it is.
#[no_mangle]
pub extern "C" fn s3storage_set_progress_callback(
    storage: *const s3storage,
    callback: s3storage_progress_callback,
    userdata: *mut c_void,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let progress: Option<crate::ProgressFn> = callback.map(|callback| {
            let target = ProgressTarget { callback, userdata };
            Arc::new(move |transfer: &crate::Transfer<'_>| target.call(transfer))
                as crate::ProgressFn
        });
        storage.0.set_progress(progress);
        S3STORAGE_OK
    })
}

/// Frees a string returned by this library (NULL is fine).
#[no_mangle]
pub extern "C" fn s3storage_string_free(s: *mut c_char) {
    boundary(|| {
        if !s.is_null() {
            // SAFETY: made by CString::into_raw in this library, freed once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

/// Frees a NULL-terminated string array returned by this library (NULL is fine).
#[no_mangle]
pub extern "C" fn s3storage_strv_free(v: *mut *mut c_char) {
    boundary(|| {
        if v.is_null() {
            return;
        }
        // SAFETY: made by owned_strv: a boxed slice of n strings plus the NULL.
        unsafe {
            let mut count = 0;
            while !(*v.add(count)).is_null() {
                drop(CString::from_raw(*v.add(count)));
                count += 1;
            }
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                v,
                count + 1,
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn errmsg() -> String {
        unsafe { CStr::from_ptr(s3storage_errmsg()) }
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn null_and_bad_utf8_are_invalid_arguments() {
        let settings = s3storage_settings_new();
        assert_eq!(
            s3storage_settings_set(settings, std::ptr::null(), c"x".as_ptr()),
            S3STORAGE_ERR_INVALID_ARGUMENT
        );
        assert!(errmsg().contains("key must not be NULL"));
        let bad = [0xffu8, 0xfe, 0];
        assert_eq!(
            s3storage_settings_set(settings, bad.as_ptr().cast(), c"x".as_ptr()),
            S3STORAGE_ERR_INVALID_ARGUMENT
        );
        assert!(errmsg().contains("UTF-8"));
        assert_eq!(
            s3storage_settings_set(settings, c"AWS_NOPE".as_ptr(), c"x".as_ptr()),
            S3STORAGE_ERR_CONFIG
        );
        assert!(errmsg().contains("AWS_NOPE"));
        let mut out: *mut s3storage = std::ptr::null_mut();
        assert_eq!(s3storage_new(settings, &mut out), S3STORAGE_ERR_CONFIG);
        assert!(out.is_null());
        assert_eq!(
            s3storage_new(settings, std::ptr::null_mut()),
            S3STORAGE_ERR_INVALID_ARGUMENT
        );
        let mut exists = false;
        assert_eq!(
            s3storage_exists(std::ptr::null(), c"x".as_ptr(), &mut exists),
            S3STORAGE_ERR_INVALID_ARGUMENT
        );
        assert_eq!(s3storage_file_close(std::ptr::null_mut()), S3STORAGE_OK);
        s3storage_settings_free(settings);
        s3storage_settings_free(std::ptr::null_mut());
        s3storage_free(std::ptr::null_mut());
        s3storage_string_free(std::ptr::null_mut());
        s3storage_strv_free(std::ptr::null_mut());
    }

    #[test]
    fn a_panic_becomes_a_code_and_the_library_stays_usable() {
        let code: c_int = boundary(|| panic!("boom"));
        assert_eq!(code, S3STORAGE_ERR_PANIC);
        assert!(errmsg().contains("boom"));
        let pointer: *mut c_char = boundary(|| panic!("again"));
        assert!(pointer.is_null());
        let settings = s3storage_settings_new();
        assert_eq!(
            s3storage_settings_set(settings, c"AWS_LOCATION".as_ptr(), c"media".as_ptr()),
            S3STORAGE_OK
        );
        s3storage_settings_free(settings);
    }

    #[test]
    fn code_names_and_constants_agree() {
        for code in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255] {
            let name = unsafe { CStr::from_ptr(s3storage_code_name(code)) }
                .to_str()
                .unwrap();
            assert_eq!(name, ResultCode::from_i32(code).unwrap().name());
        }
        let unknown = unsafe { CStr::from_ptr(s3storage_code_name(42)) };
        assert_eq!(unknown.to_str().unwrap(), "S3STORAGE_UNKNOWN");
        assert_eq!(S3STORAGE_ERR_NOT_FOUND, ResultCode::NotFound as c_int);
        assert_eq!(S3STORAGE_ERR_PANIC, ResultCode::Panic as c_int);
    }

    #[test]
    fn string_arrays_round_trip() {
        let strv = owned_strv(&["a".to_string(), "bé".to_string()]);
        unsafe {
            assert_eq!(CStr::from_ptr(*strv).to_str().unwrap(), "a");
            assert_eq!(CStr::from_ptr(*strv.add(1)).to_str().unwrap(), "bé");
            assert!((*strv.add(2)).is_null());
        }
        s3storage_strv_free(strv);
        let empty = owned_strv(&[]);
        s3storage_strv_free(empty);
    }
}
