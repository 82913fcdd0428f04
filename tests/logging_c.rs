//! The C log callback also receives the warnings of the libraries underneath (rustls,
//! ureq) through the `log` facade. One test: it sets process-wide logging.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::Mutex;

static LINES: Mutex<Vec<(c_int, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(level: c_int, message: *const c_char, _userdata: *mut c_void) {
    let text = unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    LINES.lock().unwrap().push((level, text));
}

#[test]
fn the_c_callback_hears_the_libraries_underneath() {
    s3storage::ffi::s3storage_set_log_callback(Some(collect), std::ptr::null_mut());
    log_facade::warn!(target: "rustls::conn", "peer sent a bad record");
    log_facade::debug!(target: "ureq::pool", "too detailed to forward");
    let lines = LINES.lock().unwrap().clone();
    assert!(
        lines.contains(&(
            s3storage::ffi::S3STORAGE_LOG_WARN,
            "rustls::conn: peer sent a bad record".to_string()
        )),
        "{lines:?}"
    );
    assert!(lines.iter().all(|(_, text)| !text.contains("too detailed")));
    s3storage::ffi::s3storage_set_log_callback(None, std::ptr::null_mut());
}
