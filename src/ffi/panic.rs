//! The panic boundary: no panic crosses into C.
//!
//! Every export runs its body through [`boundary`]; a caught panic records a message
//! and returns [`Fallback::on_panic`]: `S3STORAGE_ERR_PANIC` for result codes, NULL
//! for pointers, nothing for `void`.

use crate::error::ResultCode;
use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a function returns when its body panicked.
pub(crate) trait Fallback {
    /// The value returned after a panic.
    fn on_panic() -> Self;
}

impl Fallback for c_int {
    fn on_panic() -> c_int {
        ResultCode::Panic as c_int
    }
}

impl Fallback for () {
    fn on_panic() {}
}

impl<T> Fallback for *const T {
    fn on_panic() -> *const T {
        std::ptr::null()
    }
}

impl<T> Fallback for *mut T {
    fn on_panic() -> *mut T {
        std::ptr::null_mut()
    }
}

/// Runs `body`, turning a panic into the fallback value and an error message.
pub(crate) fn boundary<T: Fallback>(body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            super::set_error_message(&format!(
                "internal error (a panic was caught; the library stays usable): {what}"
            ));
            T::on_panic()
        }
    }
}
