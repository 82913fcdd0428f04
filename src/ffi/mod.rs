//! The C ABI: thin `extern "C"` functions that convert, delegate and report.
//!
//! Modelled on rustls-ffi: one module per concept, the pointer casts and NULL/UTF-8
//! checks in one place (this file), a panic boundary on every export (`panic.rs`), the
//! result codes of `error::ResultCode`. No storage logic lives here.

#![allow(non_camel_case_types)]

mod api;
mod panic;

pub use api::*;

use crate::error::{Error, ResultCode};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};

thread_local! {
    /// The message of the last failed call on this thread.
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last error.
pub(crate) fn set_error_message(message: &str) {
    let text = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
}

/// The pointer to this thread's last error message (valid until it is replaced).
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}

/// Records an error and gives its code.
pub(crate) fn fail(error: Error) -> c_int {
    set_error_message(&error.to_string());
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

/// Borrows a C string as UTF-8, or returns `INVALID_ARGUMENT` from the enclosing function.
macro_rules! try_str {
    ($ptr:expr, $what:literal) => {
        match $crate::ffi::str_from($ptr, $what) {
            Ok(text) => text,
            Err(code) => return code,
        }
    };
}

/// Borrows `&T` from a handle pointer, or returns `INVALID_ARGUMENT`.
macro_rules! try_ref {
    ($ptr:expr, $what:literal) => {
        match unsafe { $ptr.as_ref() } {
            Some(reference) => reference,
            None => return $crate::ffi::invalid(format!("{} must not be NULL", $what)),
        }
    };
}

/// Borrows `&mut T` from a pointer, or returns `INVALID_ARGUMENT`.
macro_rules! try_mut {
    ($ptr:expr, $what:literal) => {
        match unsafe { $ptr.as_mut() } {
            Some(reference) => reference,
            None => return $crate::ffi::invalid(format!("{} must not be NULL", $what)),
        }
    };
}

/// Turns a safe-API result into its value, or returns its code.
macro_rules! try_ok {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(error) => return $crate::ffi::fail(error),
        }
    };
}

pub(crate) use {try_mut, try_ok, try_ref, try_str};

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

/// Frees a handle made with `Box::into_raw` (NULL is fine).
pub(crate) fn free_box<T>(handle: *mut T) {
    if !handle.is_null() {
        // SAFETY: every handle given to C was made by Box::into_raw and is freed once,
        // as the header documents.
        drop(unsafe { Box::from_raw(handle) });
    }
}

/// A caller-owned C string (free with `s3storage_string_free`).
pub(crate) fn owned_string(text: &str) -> *mut c_char {
    CString::new(text.replace('\0', ""))
        .unwrap_or_default()
        .into_raw()
}

/// A caller-owned NULL-terminated array of strings (free with `s3storage_strv_free`).
pub(crate) fn owned_strv(items: &[String]) -> *mut *mut c_char {
    let mut pointers: Vec<*mut c_char> = items.iter().map(|item| owned_string(item)).collect();
    pointers.push(std::ptr::null_mut());
    Box::into_raw(pointers.into_boxed_slice()) as *mut *mut c_char
}

/// A borrowed byte buffer; NULL is allowed only with length 0.
pub(crate) fn bytes_from<'a>(data: *const u8, len: usize, what: &str) -> Result<&'a [u8], c_int> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(invalid(format!("{what} is NULL but its length is {len}")));
    }
    // SAFETY: the caller promises `len` readable bytes at `data` for the call.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}
