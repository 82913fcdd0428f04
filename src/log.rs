//! The library's log records: warnings (legacy settings, retries), errors nobody was
//! told of, and one debug line per request (method, host, key, status, elapsed time).
//!
//! Every record goes to the `log` facade under the target `s3storage`, so a Rust program
//! sees them with any `log` backend (`RUST_LOG=s3storage=debug` with env_logger), and
//! to the one process-wide sink set with [`set_logger`] or, from C, with
//! `s3storage_set_log_callback`; the C callback also receives the records of the
//! libraries underneath (rustls, ureq) at warn and above ([`install_bridge`]). Nothing
//! is printed by the library itself. Callers of `emit` never pass secrets.

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

fn facade_level(level: Level) -> log_facade::Level {
    match level {
        Level::Error => log_facade::Level::Error,
        Level::Warn => log_facade::Level::Warn,
        Level::Info => log_facade::Level::Info,
        Level::Debug => log_facade::Level::Debug,
    }
}

/// Forwards the `log` records of other crates (rustls, ureq) at warn and above to the
/// library's sink, for C programs, which have no `log` backend of their own.
#[cfg(feature = "capi")]
struct Bridge;

#[cfg(feature = "capi")]
impl log_facade::Log for Bridge {
    fn enabled(&self, metadata: &log_facade::Metadata<'_>) -> bool {
        metadata.level() <= log_facade::Level::Warn && !metadata.target().starts_with("s3storage")
    }

    fn log(&self, record: &log_facade::Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = match record.level() {
                log_facade::Level::Error => Level::Error,
                _ => Level::Warn,
            };
            to_sink(level, &format!("{}: {}", record.target(), record.args()));
        }
    }

    fn flush(&self) {}
}

/// Makes the records of the libraries underneath reach the sink too, unless the
/// program installed a `log` backend of its own (then they go there).
#[cfg(feature = "capi")]
pub(crate) fn install_bridge() {
    if log_facade::set_boxed_logger(Box::new(Bridge)).is_ok() {
        log_facade::set_max_level(log_facade::LevelFilter::Warn);
    }
}

/// Sends one record to the `log` facade and to the sink, if there is one.
pub(crate) fn emit(level: Level, message: &str) {
    log_facade::log!(target: "s3storage", facade_level(level), "{message}");
    to_sink(level, message);
}

fn to_sink(level: Level, message: &str) {
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
        .is_some()
        || log_facade::log_enabled!(target: "s3storage", log_facade::Level::Debug);
    if listening {
        emit(Level::Debug, &message());
    }
}
