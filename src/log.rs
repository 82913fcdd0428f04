//! The library's log sink: warnings (legacy settings, retries) and debug lines.
//!
//! One process-wide callback, set from Rust with [`set_logger`] or from C with
//! `s3storage_set_log_callback`. Nothing is printed when no callback is set.
//! Callers of `emit` never pass secrets.

use std::sync::{Arc, RwLock};

/// Declares [`Level`] from one table: variant, value and meaning, written once.
macro_rules! levels {
    ($($(#[doc = $doc:literal])+ $variant:ident = $value:literal,)+) => {
        /// How important a log line is.
        #[repr(i32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Level {
            $($(#[doc = $doc])+ $variant = $value,)+
        }

        impl Level {
            /// Every level, most important first.
            pub const ALL: &'static [Level] = &[$(Level::$variant),+];
        }
    };
}

levels! {
    /// Something failed that the caller was not told of (an upload that could not be
    /// aborted and may be left on the server).
    Error = 1,
    /// Something works but should be changed (a legacy setting, a retry).
    Warn = 2,
    /// Noteworthy events (renewed credentials).
    Info = 3,
    /// Each request, for debugging.
    Debug = 4,
}

/// A log sink.
pub type Logger = Arc<dyn Fn(Level, &str) + Send + Sync>;

static LOGGER: RwLock<Option<Logger>> = RwLock::new(None);

/// Installs (or with `None` removes) the process-wide log sink.
pub fn set_logger(logger: Option<Logger>) {
    let mut slot = LOGGER
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = logger;
}

/// Sends one line to the sink, if there is one.
pub(crate) fn emit(level: Level, message: &str) {
    let logger = LOGGER
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    if let Some(logger) = logger {
        logger(level, message);
    }
}

/// Sends a warning.
pub(crate) fn warn(message: &str) {
    emit(Level::Warn, message);
}

/// Sends a debug line, building it only when someone listens.
pub(crate) fn debug(message: impl FnOnce() -> String) {
    let listening = LOGGER
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .is_some();
    if listening {
        emit(Level::Debug, &message());
    }
}
