//! The C ABI: thin `extern "C"` functions that convert, delegate and report.
//!
//! Modelled on rustls-ffi: one module per handle (in the order of the header's sections:
//! errors and version, callbacks, settings, storage, file, memory), every pointer cast
//! and NULL / UTF-8 / length check in this file (the `try_*!` macros and the helpers
//! below), a panic boundary on every export (`panic.rs`), and the result codes of
//! [`crate::ResultCode`], whose C names live in `errors.rs`. No storage logic lives here,
//! and no export body holds an `unsafe` block of its own.

#![allow(non_camel_case_types)]

// In the order of the header's sections.
mod errors;
mod callbacks;
mod settings;
mod storage;
mod file;
mod listing;
mod memory;
mod object;
mod panic;

pub use callbacks::*;
pub use errors::*;
pub use file::*;
pub use listing::*;
pub use memory::*;
pub use object::*;
pub use settings::*;
pub use storage::*;

use crate::error::{Error, ResultCode};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};

/// The details of the last failed call (`s3storage_errinfo`).
#[derive(Default)]
pub(crate) struct ErrorInfo {
    /// The HTTP status of the server's refusal, 0 if none.
    pub http_status: c_int,
    /// The S3 error Code, "" if none.
    pub s3_code: CString,
    /// The reply's request id, "" if none.
    pub request_id: CString,
}

thread_local! {
    /// The message of the last failed call on this thread.
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    /// Its details.
    static LAST_INFO: RefCell<ErrorInfo> = RefCell::new(ErrorInfo::default());
}

fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

/// Records `message` as this thread's last error (with no server details).
pub(crate) fn set_error_message(message: &str) {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = c_text(message));
    LAST_INFO.with(|slot| *slot.borrow_mut() = ErrorInfo::default());
}

/// Runs `f` on this thread's last error details.
pub(crate) fn with_last_info<T>(f: impl FnOnce(&ErrorInfo) -> T) -> T {
    LAST_INFO.with(|slot| f(&slot.borrow()))
}

/// The pointer to this thread's last error message (valid until it is replaced).
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}

/// Records an error (its message and details) and gives its code.
pub(crate) fn fail(error: Error) -> c_int {
    set_error_message(&error.to_string());
    let info = ErrorInfo {
        http_status: error.http_status().map_or(0, c_int::from),
        s3_code: c_text(error.s3_code().unwrap_or_default()),
        request_id: c_text(error.request_id().unwrap_or_default()),
    };
    LAST_INFO.with(|slot| *slot.borrow_mut() = info);
    error.code() as c_int
}

/// Records an invalid-argument failure.
pub(crate) fn invalid(message: String) -> c_int {
    fail(Error::InvalidArgument(message))
}

/// A result of the safe API as a C result code.
pub(crate) fn code_of(result: crate::Result<()>) -> c_int {
    match result {
        Ok(()) => ResultCode::Ok as c_int,
        Err(error) => fail(error),
    }
}

/// Returns the code of an `Err` from the enclosing export, or gives the `Ok` value.
macro_rules! try_c {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(code) => return code,
        }
    };
}

/// Borrows a required C string as UTF-8, or returns `INVALID_ARGUMENT`.
macro_rules! try_str {
    ($ptr:expr, $what:literal) => {
        $crate::ffi::try_c!($crate::ffi::str_from($ptr, $what))
    };
}

/// Borrows an optional C string (NULL is `None`) as UTF-8, or returns `INVALID_ARGUMENT`.
macro_rules! try_opt_str {
    ($ptr:expr, $what:literal) => {
        $crate::ffi::try_c!($crate::ffi::opt_str_from($ptr, $what))
    };
}

/// Borrows `&T` from a required handle pointer, or returns `INVALID_ARGUMENT`.
macro_rules! try_ref {
    ($ptr:expr, $what:literal) => {
        $crate::ffi::try_c!($crate::ffi::ref_from($ptr, $what))
    };
}

/// Borrows `&mut T` from a required pointer (a handle or an out-pointer), or returns
/// `INVALID_ARGUMENT`.
macro_rules! try_mut {
    ($ptr:expr, $what:literal) => {
        $crate::ffi::try_c!($crate::ffi::mut_from($ptr, $what))
    };
}

/// Borrows `len` bytes at a pointer (NULL only with 0), or returns `INVALID_ARGUMENT`.
macro_rules! try_bytes {
    ($ptr:expr, $len:expr, $what:literal) => {
        $crate::ffi::try_c!($crate::ffi::bytes_from($ptr.cast(), $len, $what))
    };
}

/// Turns a safe-API result into its value, or records its error and returns its code.
macro_rules! try_ok {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(error) => return $crate::ffi::fail(error),
        }
    };
}

pub(crate) use {try_bytes, try_c, try_mut, try_ok, try_opt_str, try_ref, try_str};

/// A NUL-terminated C string as `&str`.
pub(crate) fn str_from<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, c_int> {
    if ptr.is_null() {
        return Err(invalid(format!("{what} must not be NULL")));
    }
    // SAFETY: the caller promises a NUL-terminated string that lives for the call.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map_err(|_| invalid(format!("{what} is not valid UTF-8")))
}

/// An optional C string: NULL is `None`.
pub(crate) fn opt_str_from<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>, c_int> {
    if ptr.is_null() {
        return Ok(None);
    }
    str_from(ptr, what).map(Some)
}

/// `&T` from a pointer the caller gives for the call.
pub(crate) fn ref_from<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, c_int> {
    // SAFETY: the caller gives NULL or a valid, aligned pointer for the call.
    unsafe { ptr.as_ref() }.ok_or_else(|| invalid(format!("{what} must not be NULL")))
}

/// `&mut T` from a pointer the caller gives for the call (used by one thread at a time).
pub(crate) fn mut_from<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, c_int> {
    // SAFETY: the caller gives NULL or a valid, aligned, unaliased pointer for the call.
    unsafe { ptr.as_mut() }.ok_or_else(|| invalid(format!("{what} must not be NULL")))
}

/// An optional handle: NULL is `None` (getters of a NULL handle give their default).
pub(crate) fn opt_ref<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: the caller gives NULL or a valid handle of ours, not yet freed.
    unsafe { ptr.as_ref() }
}

/// An optional out-pointer: NULL is `None`.
pub(crate) fn opt_out<'a, T>(ptr: *mut T) -> Option<&'a mut T> {
    // SAFETY: the caller gives NULL or a valid, aligned, writable pointer for the call.
    unsafe { ptr.as_mut() }
}

/// A buffer length the caller gave: one a Rust slice cannot have is refused.
fn check_len(len: usize, what: &str) -> Result<(), c_int> {
    if len > isize::MAX as usize {
        return Err(invalid(format!(
            "{what}: length {len} is larger than any buffer can be"
        )));
    }
    Ok(())
}

/// A borrowed byte buffer; NULL is allowed only with length 0.
pub(crate) fn bytes_from<'a>(data: *const u8, len: usize, what: &str) -> Result<&'a [u8], c_int> {
    if len == 0 {
        return Ok(&[]);
    }
    check_len(len, what)?;
    if data.is_null() {
        return Err(invalid(format!("{what} is NULL but its length is {len}")));
    }
    // SAFETY: the caller promises `len` readable bytes at `data` for the call.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// A borrowed array of `count` C string pointers: the pointer must not be NULL (the
/// entries are checked by the caller).
pub(crate) fn slice_from<'a>(
    items: *const *const c_char,
    count: usize,
    what: &str,
) -> Result<&'a [*const c_char], c_int> {
    if items.is_null() {
        return Err(invalid(format!("{what} must not be NULL")));
    }
    if count > isize::MAX as usize / std::mem::size_of::<*const c_char>() {
        return Err(invalid(format!("{what}: {count} entries cannot be")));
    }
    // SAFETY: the caller promises `count` readable pointers at `items` for the call.
    Ok(unsafe { std::slice::from_raw_parts(items, count) })
}

/// A borrowed writable byte buffer; NULL is allowed only with capacity 0.
pub(crate) fn bytes_mut_from<'a>(
    data: *mut c_void,
    cap: usize,
    what: &str,
) -> Result<&'a mut [u8], c_int> {
    if cap == 0 {
        return Ok(&mut []);
    }
    check_len(cap, what)?;
    if data.is_null() {
        return Err(invalid(format!("{what} is NULL but its capacity is {cap}")));
    }
    // SAFETY: the caller promises `cap` writable bytes at `data` for the call.
    Ok(unsafe { std::slice::from_raw_parts_mut(data.cast(), cap) })
}

/// A new handle for C: freed by exactly one call of its destructor.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back a handle made by [`into_handle`] (NULL is `None`).
pub(crate) fn take_handle<T>(handle: *mut T) -> Option<Box<T>> {
    if handle.is_null() {
        return None;
    }
    // SAFETY: every handle given to C was made by into_handle and is given back once,
    // as the header documents.
    Some(unsafe { Box::from_raw(handle) })
}

/// A caller-owned C string (free with `s3storage_string_free`).
pub(crate) fn owned_string(text: &str) -> *mut c_char {
    CString::new(text.replace('\0', ""))
        .unwrap_or_default()
        .into_raw()
}

/// Frees a string made by [`owned_string`] (NULL is fine).
pub(crate) fn free_string(text: *mut c_char) {
    if !text.is_null() {
        // SAFETY: made by CString::into_raw in owned_string, freed once.
        drop(unsafe { CString::from_raw(text) });
    }
}

/// A caller-owned NULL-terminated array of strings (free with `s3storage_strv_free`).
pub(crate) fn owned_strv(items: &[String]) -> *mut *mut c_char {
    let mut pointers: Vec<*mut c_char> = items.iter().map(|item| owned_string(item)).collect();
    pointers.push(std::ptr::null_mut());
    Box::into_raw(pointers.into_boxed_slice()) as *mut *mut c_char
}

/// Frees an array made by [`owned_strv`] and its strings (NULL is fine).
pub(crate) fn free_strv(strv: *mut *mut c_char) {
    if strv.is_null() {
        return;
    }
    let mut count = 0;
    // SAFETY: made by owned_strv: a boxed slice of n strings plus the NULL, freed once.
    unsafe {
        while !(*strv.add(count)).is_null() {
            free_string(*strv.add(count));
            count += 1;
        }
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
            strv,
            count + 1,
        )));
    }
}

/// The userdata pointer a C caller gives with a callback, passed back unchanged.
#[derive(Clone, Copy)]
pub(crate) struct Userdata(pub *mut c_void);

// SAFETY: the C caller promises that a callback and its userdata may be used from any
// thread (documented on s3storage_set_log_callback and s3storage_set_progress_callback).
unsafe impl Send for Userdata {}
unsafe impl Sync for Userdata {}

#[cfg(test)]
mod tests {
    use super::panic::boundary;
    use super::*;

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

    /// A C storage on the in-memory store `endpoint`.
    fn memory_storage(endpoint: &CStr) -> *mut s3storage {
        let settings = s3storage_settings_new();
        for (key, value) in [
            (c"AWS_STORAGE_BUCKET_NAME", c"b"),
            (c"AWS_S3_ENDPOINT_URL", endpoint),
            (c"AWS_S3_FILE_OVERWRITE", c"True"),
        ] {
            assert_eq!(
                s3storage_settings_set(settings, key.as_ptr(), value.as_ptr()),
                S3STORAGE_OK
            );
        }
        let mut storage: *mut s3storage = std::ptr::null_mut();
        assert_eq!(s3storage_new(settings, &mut storage), S3STORAGE_OK);
        s3storage_settings_free(settings);
        storage
    }

    #[test]
    fn errinfo_follows_the_last_failure() {
        let storage = memory_storage(c"memory://ffi-errinfo");
        use crate::memory::{inject_fault, Call, Fault};
        inject_fault("ffi-errinfo", Call::Head, Fault::AccessDenied, 1).unwrap();
        let mut exists = false;
        let code = s3storage_exists(storage, c"a".as_ptr(), &mut exists);
        assert_eq!(code, S3STORAGE_ERR_ACCESS_DENIED);
        let (mut status, mut s3_code) = (0, std::ptr::null());
        assert_eq!(
            s3storage_errinfo(&mut status, &mut s3_code, std::ptr::null_mut()),
            S3STORAGE_OK
        );
        let text = unsafe { CStr::from_ptr(s3_code) }.to_str().unwrap();
        assert_eq!((status, text), (403, "AccessDenied"));
        // A failure without a server reply clears the details.
        let code = s3storage_exists(storage, c"../x".as_ptr(), &mut exists);
        assert_eq!(code, S3STORAGE_ERR_SUSPICIOUS_NAME);
        let mut request_id = std::ptr::null();
        s3storage_errinfo(&mut status, &mut s3_code, &mut request_id);
        assert_eq!(status, 0);
        assert_eq!(unsafe { CStr::from_ptr(s3_code) }.to_bytes(), b"");
        assert_eq!(unsafe { CStr::from_ptr(request_id) }.to_bytes(), b"");
        s3storage_free(storage);
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

    #[test]
    fn impossible_lengths_are_invalid_arguments_not_crashes() {
        let storage = memory_storage(c"memory://ffi-impossible-lengths");
        let byte = 0u8;
        let data: *const c_void = (&byte as *const u8).cast();
        let mut saved: *mut c_char = std::ptr::null_mut();
        let code = s3storage_save(storage, c"a".as_ptr(), data, usize::MAX, &mut saved);
        assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
        assert!(errmsg().contains("length"), "{}", errmsg());
        assert!(saved.is_null());
        let mut file: *mut s3storage_file = std::ptr::null_mut();
        assert_eq!(
            s3storage_open(storage, c"a".as_ptr(), c"w".as_ptr(), &mut file),
            S3STORAGE_OK
        );
        let code = s3storage_file_write(file, data, isize::MAX as usize + 1);
        assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
        let mut nread = 0usize;
        let mut buf = [0u8; 1];
        let code = s3storage_file_read(file, buf.as_mut_ptr().cast(), usize::MAX, &mut nread);
        assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
        drop(take_handle(file)); // dropped without close: discarded, nothing sent
        use crate::memory::{calls, Call};
        let sent: usize = [Call::Put, Call::Start, Call::Part, Call::Complete]
            .into_iter()
            .map(|call| calls("ffi-impossible-lengths", call))
            .sum();
        assert_eq!(sent, 0, "a write was sent");
        s3storage_free(storage);
    }
}
