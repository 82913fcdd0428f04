//! `s3storage_settings`: settings by their Django names, before a storage is made.

use super::panic::boundary;
use super::{code_of, into_handle, take_handle, try_mut, try_str};
use crate::settings::Settings;
use std::ffi::{c_char, c_int};

/// Settings by Django setting name. Made by s3storage_settings_new(), freed by
/// s3storage_settings_free(); used by one thread at a time.
pub struct s3storage_settings(pub(crate) Settings);

/// New, empty settings: every key at its django-storages default. Does no I/O.
///
/// @return a handle the caller owns (free it with s3storage_settings_free()); NULL only
///         if an internal failure occurred (see s3storage_errmsg()).
#[no_mangle]
pub extern "C" fn s3storage_settings_new() -> *mut s3storage_settings {
    boundary(|| into_handle(s3storage_settings(Settings::new())))
}

/// Sets one setting by its Django name from its string form: booleans "True"/"False"
/// (also "true"/"false"/"1"/"0"), Python's None as "None", integers in decimal, dicts
/// as a JSON object, lists as a JSON array or a comma-separated list. Does no I/O.
/// Legacy keys are accepted, translated, and announced through the log callback.
///
/// @param settings the settings to change.
/// @param key      the Django setting name, e.g. "AWS_STORAGE_BUCKET_NAME"; borrowed.
/// @param value    its value as a string; borrowed.
/// @return S3STORAGE_OK; S3STORAGE_ERR_CONFIG when the key is unknown or the value does
///         not fit it (the message names the key and what was expected); or
///         S3STORAGE_ERR_INVALID_ARGUMENT for NULL or non-UTF-8 arguments. On failure
///         the settings are unchanged.
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

/// Sets every known setting that is present in the process environment, as if each
/// were given to s3storage_settings_set().
///
/// @param settings the settings to change.
/// @return S3STORAGE_OK; S3STORAGE_ERR_CONFIG naming the first variable whose value does
///         not fit (settings read before it stay set); S3STORAGE_ERR_INVALID_ARGUMENT if
///         settings is NULL.
#[no_mangle]
pub extern "C" fn s3storage_settings_load_env(settings: *mut s3storage_settings) -> c_int {
    boundary(|| {
        let settings = try_mut!(settings, "settings");
        code_of(settings.0.load_env())
    })
}

/// Frees settings. Storages made from them stay valid. NULL is allowed and does nothing.
///
/// @param settings a handle from s3storage_settings_new(), or NULL; not used afterwards.
#[no_mangle]
pub extern "C" fn s3storage_settings_free(settings: *mut s3storage_settings) {
    boundary(|| drop(take_handle(settings)))
}
