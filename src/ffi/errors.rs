//! Result codes, their names, the last error's message and the library version.

use super::last_error_ptr;
use super::panic::boundary;
use crate::error::ResultCode;

use std::ffi::{c_char, c_int, CStr};

/// Success.
pub const S3STORAGE_OK: c_int = 0;
/// A NULL pointer, a non-UTF-8 string, a bad mode, whence or length, bad JSON.
pub const S3STORAGE_ERR_INVALID_ARGUMENT: c_int = 1;
/// Improperly configured (Django's ImproperlyConfigured): the message names the setting.
pub const S3STORAGE_ERR_CONFIG: c_int = 2;
/// The name escapes AWS_LOCATION or is otherwise unsafe (SuspiciousOperation); nothing was sent.
pub const S3STORAGE_ERR_SUSPICIOUS_NAME: c_int = 3;
/// No such object (FileNotFoundError).
pub const S3STORAGE_ERR_NOT_FOUND: c_int = 4;
/// A create-only write found the name taken.
pub const S3STORAGE_ERR_ALREADY_EXISTS: c_int = 5;
/// The server refused the credentials or the request (HTTP 403).
pub const S3STORAGE_ERR_ACCESS_DENIED: c_int = 6;
/// Connect, TLS, timeout or reset, after the configured retries.
pub const S3STORAGE_ERR_NETWORK: c_int = 7;
/// Any other S3 error; the message carries the S3 error Code and the HTTP status.
pub const S3STORAGE_ERR_SERVER: c_int = 8;
/// Local I/O (temporary spool file, local source file).
pub const S3STORAGE_ERR_IO: c_int = 9;
/// Not allowed now: a closed or failed file, a read on a write-mode file, a write on a read-mode file.
pub const S3STORAGE_ERR_BAD_STATE: c_int = 10;
/// The bytes received do not match the full-object checksum the server sent (after one fresh attempt).
pub const S3STORAGE_ERR_CHECKSUM: c_int = 11;
/// An internal panic was caught at the boundary; the library stays usable.
pub const S3STORAGE_ERR_PANIC: c_int = 255;

/// Log level: something failed that no caller was told of (an upload left on the server).
pub const S3STORAGE_LOG_ERROR: c_int = 1;
/// Log level: something works but should change (a legacy setting, a retry).
pub const S3STORAGE_LOG_WARN: c_int = 2;
/// Log level: noteworthy events (renewed credentials).
pub const S3STORAGE_LOG_INFO: c_int = 3;
/// Log level: one line per request, for debugging.
pub const S3STORAGE_LOG_DEBUG: c_int = 4;

/// The C name of every result code: the one table of names. The constants above repeat
/// the values for cbindgen; a test holds them and the header equal to this table.
pub(crate) const CODE_NAMES: &[(ResultCode, &CStr)] = &[
    (ResultCode::Ok, c"S3STORAGE_OK"),
    (
        ResultCode::InvalidArgument,
        c"S3STORAGE_ERR_INVALID_ARGUMENT",
    ),
    (ResultCode::Config, c"S3STORAGE_ERR_CONFIG"),
    (ResultCode::SuspiciousName, c"S3STORAGE_ERR_SUSPICIOUS_NAME"),
    (ResultCode::NotFound, c"S3STORAGE_ERR_NOT_FOUND"),
    (ResultCode::AlreadyExists, c"S3STORAGE_ERR_ALREADY_EXISTS"),
    (ResultCode::AccessDenied, c"S3STORAGE_ERR_ACCESS_DENIED"),
    (ResultCode::Network, c"S3STORAGE_ERR_NETWORK"),
    (ResultCode::Server, c"S3STORAGE_ERR_SERVER"),
    (ResultCode::Io, c"S3STORAGE_ERR_IO"),
    (ResultCode::BadState, c"S3STORAGE_ERR_BAD_STATE"),
    (ResultCode::Checksum, c"S3STORAGE_ERR_CHECKSUM"),
    (ResultCode::Panic, c"S3STORAGE_ERR_PANIC"),
];

/// The C name of every log level, held equal to the constants by the same test.
#[cfg(test)]
pub(crate) const LEVEL_NAMES: &[(crate::log::Level, &CStr)] = &[
    (crate::log::Level::Error, c"S3STORAGE_LOG_ERROR"),
    (crate::log::Level::Warn, c"S3STORAGE_LOG_WARN"),
    (crate::log::Level::Info, c"S3STORAGE_LOG_INFO"),
    (crate::log::Level::Debug, c"S3STORAGE_LOG_DEBUG"),
];

/// The library's version, e.g. "0.1.0": the same as S3STORAGE_VERSION_STRING in the
/// header the program was compiled with, unless it runs against another build.
///
/// @return a static string; never NULL, never to be freed.
#[no_mangle]
pub extern "C" fn s3storage_version() -> *const c_char {
    boundary(|| concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast())
}

/// The message of the last failed call on the calling thread: what failed, with the S3
/// error code and HTTP status where the server refused. Never contains a secret.
///
/// @return a string borrowed from the library, valid until the calling thread's next
///         failing s3storage_ call; "" if no call failed yet. Never NULL; never free it.
#[no_mangle]
pub extern "C" fn s3storage_errmsg() -> *const c_char {
    boundary(last_error_ptr)
}

/// The details of the last failed call on the calling thread, where a server refused it:
/// the HTTP status, the S3 error Code (e.g. "SignatureDoesNotMatch") and the reply's
/// request id (x-amz-request-id), without parsing s3storage_errmsg().
///
/// @param http_status where to store the status; 0 when no HTTP reply said why (a
///                    network or local failure, a bad argument). May be NULL.
/// @param s3_code     where to store the code; "" when none. May be NULL.
/// @param request_id  where to store the request id; "" when none. May be NULL.
/// @return S3STORAGE_OK. The strings are borrowed like s3storage_errmsg(): valid until
///         the calling thread's next failing s3storage_ call; never free them.
#[no_mangle]
pub extern "C" fn s3storage_errinfo(
    http_status: *mut c_int,
    s3_code: *mut *const c_char,
    request_id: *mut *const c_char,
) -> c_int {
    boundary(|| {
        super::with_last_info(|info| {
            if let Some(out) = super::opt_out(http_status) {
                *out = info.http_status;
            }
            if let Some(out) = super::opt_out(s3_code) {
                *out = info.s3_code.as_ptr();
            }
            if let Some(out) = super::opt_out(request_id) {
                *out = info.request_id.as_ptr();
            }
        });
        S3STORAGE_OK
    })
}

/// The name of a result code, e.g. "S3STORAGE_ERR_NOT_FOUND" for 4.
///
/// @param code a value returned by an s3storage_ function.
/// @return a static string ("S3STORAGE_UNKNOWN" for a value that is not a result code);
///         never NULL, never to be freed.
#[no_mangle]
pub extern "C" fn s3storage_code_name(code: c_int) -> *const c_char {
    boundary(|| {
        let name = CODE_NAMES
            .iter()
            .find(|(known, _)| *known as c_int == code)
            .map_or(c"S3STORAGE_UNKNOWN", |(_, name)| *name);
        name.as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/s3storage.h"))
            .unwrap()
    }

    #[test]
    fn every_code_and_level_has_one_name_and_the_header_agrees() {
        let header = header();
        assert_eq!(CODE_NAMES.len(), ResultCode::ALL.len());
        for (code, name) in CODE_NAMES {
            let name = name.to_str().unwrap();
            let define = format!("#define {name} {}\n", *code as c_int);
            assert!(header.contains(&define), "{define:?} missing");
            let got = unsafe { CStr::from_ptr(s3storage_code_name(*code as c_int)) };
            assert_eq!(got.to_str().unwrap(), name);
        }
        assert_eq!(LEVEL_NAMES.len(), crate::log::Level::ALL.len());
        for (level, name) in LEVEL_NAMES {
            let define = format!("#define {} {}\n", name.to_str().unwrap(), *level as c_int);
            assert!(header.contains(&define), "{define:?} missing");
        }
        let unknown = unsafe { CStr::from_ptr(s3storage_code_name(42)) };
        assert_eq!(unknown.to_str().unwrap(), "S3STORAGE_UNKNOWN");
    }
}
