//! `s3storage_settings`: settings by their Django names, before a storage is made.

use super::panic::boundary;
use super::{code_of, into_handle, owned_strv, take_handle, try_mut, try_str, S3STORAGE_OK};
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

/// The name of every setting s3storage_settings_set() accepts (the legacy ones included):
/// what a binding reads from its host's configuration, e.g. a Django project's settings.
///
/// @param out OUT: a NULL-terminated array of names, the caller's to free with
///            s3storage_strv_free(). Unchanged on failure.
/// @return S3STORAGE_OK, or S3STORAGE_ERR_INVALID_ARGUMENT if out is NULL.
#[no_mangle]
pub extern "C" fn s3storage_settings_names(out: *mut *mut *mut c_char) -> c_int {
    boundary(|| {
        let out = try_mut!(out, "out");
        let names: Vec<String> = Settings::names().map(str::to_string).collect();
        *out = owned_strv(&names);
        S3STORAGE_OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::memory::s3storage_strv_free;
    use std::ffi::CStr;

    #[test]
    fn setting_names_are_every_key_set_accepts() {
        let mut names: *mut *mut c_char = std::ptr::null_mut();
        assert_eq!(s3storage_settings_names(&mut names), S3STORAGE_OK);
        let mut listed = Vec::new();
        // SAFETY: a NULL-terminated array from s3storage_settings_names.
        unsafe {
            let mut at = names;
            while !(*at).is_null() {
                listed.push(CStr::from_ptr(*at).to_str().unwrap().to_string());
                at = at.add(1);
            }
        }
        s3storage_strv_free(names);
        assert!(listed.contains(&"AWS_STORAGE_BUCKET_NAME".to_string()));
        assert!(listed.contains(&"GZIP_CONTENT_TYPES".to_string()));
        assert!(listed.contains(&"AWS_HEADERS".to_string()));
        let mut settings = Settings::new();
        for name in &listed {
            let err = settings.set(name, "").err().map(|e| e.to_string());
            assert!(
                err.as_deref()
                    .is_none_or(|m| !m.contains("not a django-storages S3 setting")),
                "{name}: {err:?}"
            );
        }
        assert!(settings
            .set("AWS_NOT_A_SETTING", "x")
            .unwrap_err()
            .to_string()
            .contains("AWS_NOT_A_SETTING"));
        assert_eq!(
            s3storage_settings_names(std::ptr::null_mut()),
            crate::ffi::S3STORAGE_ERR_INVALID_ARGUMENT
        );
    }
}
