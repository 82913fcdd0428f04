//! The callbacks a C program gives: the process-wide log callback, a storage's progress
//! callback, and the read callback a streamed save pulls its content from. They carry
//! the caller's userdata through [`Userdata`].

use super::panic::boundary;
use super::Userdata;
use crate::log::{self, Level};
use crate::progress::{Direction, ProgressFn, Transfer};
use crate::requests::{RequestFn, RequestRecord};
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::Arc;

/// The log callback's type.
///
/// @param level    S3STORAGE_LOG_ERROR, _WARN, _INFO or _DEBUG.
/// @param message  the line, borrowed for the call; never contains a secret.
/// @param userdata the pointer given to s3storage_set_log_callback().
pub type s3storage_log_callback =
    Option<unsafe extern "C" fn(level: c_int, message: *const c_char, userdata: *mut c_void)>;

/// `total` of a progress report whose size is not known (yet).
pub const S3STORAGE_SIZE_UNKNOWN: u64 = u64::MAX;
/// Progress `direction`: to S3 (save, save_file, writes).
pub const S3STORAGE_UPLOAD: c_int = 0;
/// Progress `direction`: from S3 (reads).
pub const S3STORAGE_DOWNLOAD: c_int = 1;

/// The progress callback's type.
///
/// @param name      the name being transferred (without AWS_LOCATION), borrowed for the call.
/// @param direction S3STORAGE_UPLOAD or S3STORAGE_DOWNLOAD.
/// @param done      bytes transferred so far.
/// @param total     bytes in all, or S3STORAGE_SIZE_UNKNOWN.
/// @param userdata  the pointer given to s3storage_set_progress_callback().
pub type s3storage_progress_callback = Option<
    unsafe extern "C" fn(
        name: *const c_char,
        direction: c_int,
        done: u64,
        total: u64,
        userdata: *mut c_void,
    ),
>;

/// The request callback's type: one call per HTTP request a storage makes, retries
/// included, on the thread that made it.
///
/// @param operation   the S3 API operation ("GetObject", "UploadPart", ...), static.
/// @param name        the object's name without AWS_LOCATION ("" if none), borrowed for
///                    the call.
/// @param http_status the reply's status; 0 when no reply came (a network error).
/// @param bytes       body bytes sent, plus the reply's Content-Length.
/// @param seconds     from sending the request to the reply's head.
/// @param attempt     1 for the first try, 2 for the first retry, ...
/// @param userdata    the pointer given to s3storage_set_request_callback().
pub type s3storage_request_callback = Option<
    unsafe extern "C" fn(
        operation: *const c_char,
        name: *const c_char,
        http_status: c_int,
        bytes: u64,
        seconds: f64,
        attempt: c_int,
        userdata: *mut c_void,
    ),
>;

/// The read callback of s3storage_save_reader_ex(): the content to save, pulled in pieces.
///
/// @param userdata the pointer given to s3storage_save_reader_ex().
/// @param buf      where to put up to `cap` bytes.
/// @param cap      the room in `buf` (never 0).
/// @param nread    OUT: the number of bytes put in `buf`; 0 means the content ended.
/// @return 0 on success; anything else fails the save (S3STORAGE_ERR_IO) and nothing is
///         stored.
pub type s3storage_read_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        buf: *mut u8,
        cap: usize,
        nread: *mut usize,
    ) -> c_int,
>;

type ReadCFn = unsafe extern "C" fn(*mut c_void, *mut u8, usize, *mut usize) -> c_int;

/// A `Read` over a C read callback.
pub(crate) struct CallbackReader {
    callback: ReadCFn,
    userdata: Userdata,
}

impl CallbackReader {
    /// A reader that calls `callback` with `userdata`.
    pub fn new(callback: ReadCFn, userdata: *mut c_void) -> CallbackReader {
        CallbackReader {
            callback,
            userdata: Userdata(userdata),
        }
    }
}

impl std::io::Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut nread = 0usize;
        // SAFETY: the callback was given for exactly this use; `buf` is valid for
        // `buf.len()` bytes and `nread` for one write during the call.
        let code =
            unsafe { (self.callback)(self.userdata.0, buf.as_mut_ptr(), buf.len(), &mut nread) };
        if code != 0 {
            return Err(std::io::Error::other(format!(
                "the read callback failed (it returned {code})"
            )));
        }
        if nread > buf.len() {
            return Err(std::io::Error::other(format!(
                "the read callback reported {nread} bytes read into a buffer of {}",
                buf.len()
            )));
        }
        Ok(nread)
    }
}

/// A C string for a callback argument (NUL bytes shown as `\0`).
fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

type LogFn = unsafe extern "C" fn(c_int, *const c_char, *mut c_void);
pub(crate) type ProgressCFn = unsafe extern "C" fn(*const c_char, c_int, u64, u64, *mut c_void);

/// The library's logger that calls a C log callback.
fn logger(callback: LogFn, userdata: Userdata) -> log::Logger {
    Arc::new(move |level: Level, message: &str| {
        let text = c_text(message);
        let userdata = userdata;
        // SAFETY: the callback and userdata were given for exactly this use.
        unsafe { callback(level as c_int, text.as_ptr(), userdata.0) }
    })
}

/// A progress callback of the safe API that calls a C progress callback.
pub(crate) fn progress(callback: ProgressCFn, userdata: Userdata) -> ProgressFn {
    Arc::new(move |transfer: &Transfer<'_>| {
        let name = c_text(transfer.name);
        let direction = match transfer.direction {
            Direction::Upload => S3STORAGE_UPLOAD,
            Direction::Download => S3STORAGE_DOWNLOAD,
        };
        let total = transfer.total.unwrap_or(S3STORAGE_SIZE_UNKNOWN);
        let userdata = userdata;
        // SAFETY: the callback and userdata were given for exactly this use.
        unsafe { callback(name.as_ptr(), direction, transfer.done, total, userdata.0) }
    })
}

pub(crate) type RequestCFn =
    unsafe extern "C" fn(*const c_char, *const c_char, c_int, u64, f64, c_int, *mut c_void);

/// A request callback of the safe API that calls a C request callback.
pub(crate) fn requests(callback: RequestCFn, userdata: Userdata) -> RequestFn {
    Arc::new(move |record: &RequestRecord<'_>| {
        let (operation, name) = (c_text(record.operation), c_text(record.name));
        let (status, attempt) = (c_int::from(record.http_status), record.attempt as c_int);
        let userdata = userdata;
        // SAFETY: the callback and userdata were given for exactly this use.
        unsafe {
            callback(
                operation.as_ptr(),
                name.as_ptr(),
                status,
                record.bytes,
                record.seconds,
                attempt,
                userdata.0,
            )
        }
    })
}

/// Sets the process-wide log callback, or with NULL removes it. It receives the
/// library's records: warnings (legacy settings, retries), errors no call could report
/// (an upload that could not be aborted), with S3STORAGE_LOG_DEBUG one line per request
/// (method, host, key, status, elapsed time; never a secret), and the warnings and
/// errors of the TLS and HTTP libraries underneath. It may be called from several threads at once, and must be thread-safe.
///
/// @param callback the function to call, or NULL.
/// @param userdata passed back unchanged to every call; the caller keeps it valid until
///        the callback is replaced or removed.
#[no_mangle]
pub extern "C" fn s3storage_set_log_callback(
    callback: s3storage_log_callback,
    userdata: *mut c_void,
) {
    boundary(|| {
        if callback.is_some() {
            log::install_bridge();
        }
        log::set_logger(callback.map(|callback| logger(callback, Userdata(userdata))))
    })
}
