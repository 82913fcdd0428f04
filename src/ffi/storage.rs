//! `s3storage`: one bucket's storage, and the operations of Django's `default_storage`.
//!
//! Every function here that takes a name blocks on the network (one or more requests;
//! transient failures are retried as `AWS_S3_CLIENT_CONFIG`'s `retries` say) and may be
//! called from any number of threads on the same storage at once.

use super::callbacks::{
    progress, requests, s3storage_progress_callback, s3storage_read_callback,
    s3storage_request_callback, CallbackReader,
};
use super::panic::boundary;
use super::settings::s3storage_settings;
use super::{
    code_of, into_handle, invalid, opt_out, owned_string, owned_strv, take_handle, try_bytes,
    try_c, try_mut, try_ok, try_opt_str, try_ref, try_str, Userdata, S3STORAGE_OK,
};
use crate::object_urls::UrlOptions;
use crate::storage::{SaveOptions, Storage};
use std::ffi::{c_char, c_int, c_void};
use std::ptr;

/// A storage: one bucket, its settings and its connection pool. Thread-safe: any number
/// of threads may use one storage at once. Made by s3storage_new(), freed by s3storage_free().
pub struct s3storage(pub(crate) Storage);

/// Creates a storage from settings: resolves and validates them and finds the
/// credentials (which may ask a container or instance metadata endpoint); sends nothing
/// to S3 yet.
///
/// @param settings the settings; only read, and still the caller's afterwards.
/// @param out      OUT: the new storage, the caller's to free with s3storage_free().
///                 Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_CONFIG naming the setting that is missing or
///         inconsistent; S3STORAGE_ERR_INVALID_ARGUMENT for a NULL argument.
#[no_mangle]
pub extern "C" fn s3storage_new(
    settings: *const s3storage_settings,
    out: *mut *mut s3storage,
) -> c_int {
    boundary(|| {
        let settings = try_ref!(settings, "settings");
        let out = try_mut!(out, "out");
        let storage = try_ok!(Storage::new(&settings.0));
        *out = into_handle(s3storage(storage));
        S3STORAGE_OK
    })
}

/// Frees a storage. Files opened from it stay valid until they are closed. NULL does
/// nothing. No other thread may use the storage during or after this call.
///
/// @param storage a handle from s3storage_new(), or NULL; not used afterwards.
#[no_mangle]
pub extern "C" fn s3storage_free(storage: *mut s3storage) {
    boundary(|| drop(take_handle(storage)))
}

/// Whether an object exists under `name` (one HEAD request).
///
/// @param storage the storage.
/// @param name    the name (relative to AWS_LOCATION); borrowed.
/// @param out     OUT: true if it exists, false on HTTP 404. Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_ACCESS_DENIED (HTTP 403), _NETWORK, _SERVER;
///         S3STORAGE_ERR_SUSPICIOUS_NAME for a name outside AWS_LOCATION (nothing is sent);
///         S3STORAGE_ERR_INVALID_ARGUMENT for NULL or non-UTF-8 arguments.
#[no_mangle]
pub extern "C" fn s3storage_exists(
    storage: *const s3storage,
    name: *const c_char,
    out: *mut bool,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out, "out");
        *out = try_ok!(storage.0.exists(name));
        S3STORAGE_OK
    })
}

/// Deletes the object under `name`; a name with no object is not an error.
///
/// @param storage the storage.
/// @param name    the name; borrowed.
/// @return S3STORAGE_OK; S3STORAGE_ERR_ACCESS_DENIED, _NETWORK, _SERVER,
///         _SUSPICIOUS_NAME, _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_delete(storage: *const s3storage, name: *const c_char) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        code_of(storage.0.delete(name))
    })
}

/// The size of the object under `name`, in bytes as stored (a gzipped object's
/// compressed size). One HEAD request.
///
/// @param storage the storage.
/// @param name    the name; borrowed.
/// @param out     OUT: the size. Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_NOT_FOUND if there is no such object;
///         _ACCESS_DENIED, _NETWORK, _SERVER, _SUSPICIOUS_NAME, _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_size(
    storage: *const s3storage,
    name: *const c_char,
    out: *mut u64,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out, "out");
        *out = try_ok!(storage.0.size(name));
        S3STORAGE_OK
    })
}

/// The last-modified time of the object under `name`. One HEAD request.
///
/// @param storage          the storage.
/// @param name             the name; borrowed.
/// @param out_unix_seconds OUT: seconds since the Unix epoch (UTC). Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_NOT_FOUND; _ACCESS_DENIED, _NETWORK, _SERVER
///         (also when the reply carries no valid Last-Modified), _SUSPICIOUS_NAME,
///         _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_modified_time(
    storage: *const s3storage,
    name: *const c_char,
    out_unix_seconds: *mut i64,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out_unix_seconds, "out_unix_seconds");
        let modified = try_ok!(storage.0.modified_time(name));
        *out = match modified.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => after.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64),
        };
        S3STORAGE_OK
    })
}

/// The URL of `name` as django-storages builds it: presigned for AWS_QUERYSTRING_EXPIRE
/// seconds by default, plain with AWS_QUERYSTRING_AUTH False, on AWS_S3_CUSTOM_DOMAIN
/// (CloudFront-signed with AWS_CLOUDFRONT_KEY) when set. Computed locally: sends nothing.
///
/// @param storage the storage.
/// @param name    the name; borrowed.
/// @param out     OUT: the URL, the caller's to free with s3storage_string_free().
///                Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_SUSPICIOUS_NAME, _CONFIG (unusable credentials),
///         _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_url(
    storage: *const s3storage,
    name: *const c_char,
    out: *mut *mut c_char,
) -> c_int {
    s3storage_url_ex(storage, name, ptr::null(), -1, ptr::null(), out)
}

/// url(name, parameters, expire, http_method) of django-storages. Sends nothing.
///
/// @param storage         the storage.
/// @param name            the name; borrowed.
/// @param parameters_json NULL, or a JSON object: GetObject parameters by their boto3
///                        names ("ResponseContentDisposition", "VersionId", ...) for S3
///                        URLs, or raw query parameters (in the caller's order) with a
///                        custom domain; borrowed.
/// @param expire_seconds  the URL's lifetime; < 0 means AWS_QUERYSTRING_EXPIRE.
/// @param http_method     NULL (GET), "GET", "HEAD", "PUT" or "DELETE"; borrowed.
/// @param out             OUT: the URL, the caller's to free with s3storage_string_free().
///                        Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_INVALID_ARGUMENT (bad JSON, an unknown parameter,
///         a bad method, an expiry SigV4 cannot carry); _SUSPICIOUS_NAME, _CONFIG.
#[no_mangle]
pub extern "C" fn s3storage_url_ex(
    storage: *const s3storage,
    name: *const c_char,
    parameters_json: *const c_char,
    expire_seconds: i64,
    http_method: *const c_char,
    out: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let parameters = try_opt_str!(parameters_json, "parameters_json");
        let http_method = try_opt_str!(http_method, "http_method");
        let out = try_mut!(out, "out");
        let options = UrlOptions {
            parameters: try_ok!(UrlOptions::parse_parameters(parameters)),
            expire: u64::try_from(expire_seconds).ok(),
            http_method: http_method.map(str::to_string),
        };
        *out = owned_string(&try_ok!(storage.0.url_with(name, &options)));
        S3STORAGE_OK
    })
}

/// Django's get_available_name: with AWS_S3_FILE_OVERWRITE True (the default) the
/// cleaned name, truncated to `max_length`; with False, a name no object has yet (the
/// name itself, or with "_" and 7 random characters before the extension), which may
/// take one HEAD request per candidate.
///
/// @param storage    the storage.
/// @param name       the wanted name; borrowed.
/// @param max_length the longest acceptable name in characters; 0 for no limit.
/// @param out        OUT: the name, the caller's to free with s3storage_string_free().
///                   Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_SUSPICIOUS_NAME (also when no name fits
///         max_length); _ACCESS_DENIED, _NETWORK, _SERVER, _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_get_available_name(
    storage: *const s3storage,
    name: *const c_char,
    max_length: usize,
    out: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let out = try_mut!(out, "out");
        let max_length = (max_length > 0).then_some(max_length);
        *out = owned_string(&try_ok!(storage.0.get_available_name(name, max_length)));
        S3STORAGE_OK
    })
}

/// The options of a `_ex` save: JSON parameters and a max_length where 0 means none.
fn save_options(params_json: Option<&str>, max_length: usize) -> crate::Result<SaveOptions> {
    SaveOptions::from_json(params_json, (max_length > 0).then_some(max_length))
}

/// Stores the name a save used in the optional OUT pointer.
fn give_saved_name(saved_name: *mut *mut c_char, name: &str) -> c_int {
    if let Some(out) = opt_out(saved_name) {
        *out = owned_string(name);
    }
    S3STORAGE_OK
}

/// Saves `len` bytes under `name`, or under the name get_available_name picks when
/// AWS_S3_FILE_OVERWRITE is False (then the write is create-only: an object another
/// writer creates meanwhile is never overwritten; another name is chosen). Content over
/// the multipart threshold goes up in parallel parts. Nothing partial is ever stored:
/// on failure no object is created and no multipart upload is left.
///
/// @param storage    the storage.
/// @param name       the wanted name; borrowed.
/// @param data       `len` bytes to store (NULL allowed when len is 0); borrowed.
/// @param len        the number of bytes.
/// @param saved_name OUT, optional: the name used (without AWS_LOCATION), the caller's
///                   to free with s3storage_string_free(); NULL to ignore it. Unchanged
///                   on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_ACCESS_DENIED, _NETWORK, _SERVER;
///         _ALREADY_EXISTS if no free name was found; _SUSPICIOUS_NAME; _INVALID_ARGUMENT
///         (NULL, non-UTF-8, a length no buffer can have).
#[no_mangle]
pub extern "C" fn s3storage_save(
    storage: *const s3storage,
    name: *const c_char,
    data: *const c_void,
    len: usize,
    saved_name: *mut *mut c_char,
) -> c_int {
    s3storage_save_ex(storage, name, data, len, ptr::null(), 0, saved_name)
}

/// Saves the local file at `local_path` under `name`, as s3storage_save() does; the file
/// is streamed, never loaded whole.
///
/// @param storage    the storage.
/// @param name       the wanted name; borrowed.
/// @param local_path the file to read; borrowed.
/// @param saved_name OUT, optional: as for s3storage_save().
/// @return as s3storage_save(), and S3STORAGE_ERR_IO when the local file cannot be read.
#[no_mangle]
pub extern "C" fn s3storage_save_file(
    storage: *const s3storage,
    name: *const c_char,
    local_path: *const c_char,
    saved_name: *mut *mut c_char,
) -> c_int {
    s3storage_save_file_ex(storage, name, local_path, ptr::null(), 0, saved_name)
}

/// The directories and files directly under `path`, as django-storages' listdir
/// (one listing request per 1000 entries).
///
/// @param storage the storage.
/// @param path    the directory ("" for the top of AWS_LOCATION); borrowed.
/// @param dirs    OUT, optional: a NULL-terminated array of directory names, the caller's
///                to free with s3storage_strv_free(); NULL to skip it.
/// @param files   OUT, optional: likewise for file names.
///                Both are unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_ACCESS_DENIED, _NETWORK, _SERVER,
///         _SUSPICIOUS_NAME, _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_listdir(
    storage: *const s3storage,
    path: *const c_char,
    dirs: *mut *mut *mut c_char,
    files: *mut *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let path = try_str!(path, "path");
        let (found_dirs, found_files) = try_ok!(storage.0.listdir(path));
        if let Some(out) = opt_out(dirs) {
            *out = owned_strv(&found_dirs);
        }
        if let Some(out) = opt_out(files) {
            *out = owned_strv(&found_files);
        }
        S3STORAGE_OK
    })
}

/// s3storage_save() with per-save object parameters and Django's max_length: what
/// django-storages takes from get_object_parameters(name) and content.content_type.
///
/// @param storage     the storage.
/// @param name        the wanted name; borrowed.
/// @param data        `len` bytes to store (NULL allowed when len is 0); borrowed.
/// @param len         the number of bytes.
/// @param params_json NULL, or a JSON object of boto3 PutObject parameters
///                    ("ContentType", "ContentDisposition", "CacheControl", "Metadata",
///                    "ACL", ...) merged over AWS_S3_OBJECT_PARAMETERS; an explicit
///                    ContentType wins over the type guessed from the name. Borrowed.
/// @param max_length  the longest acceptable name in characters; 0 for no limit.
/// @param saved_name  OUT, optional: as for s3storage_save().
/// @return as s3storage_save(); S3STORAGE_ERR_INVALID_ARGUMENT naming the problem for
///         bad JSON or an unknown parameter, before anything is sent.
#[no_mangle]
pub extern "C" fn s3storage_save_ex(
    storage: *const s3storage,
    name: *const c_char,
    data: *const c_void,
    len: usize,
    params_json: *const c_char,
    max_length: usize,
    saved_name: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let data = try_bytes!(data, len, "data");
        let params = try_opt_str!(params_json, "params_json");
        let options = try_ok!(save_options(params, max_length));
        let saved = try_ok!(storage.0.save_bytes(name, data, &options));
        give_saved_name(saved_name, &saved)
    })
}

/// s3storage_save_file() with per-save object parameters and max_length, as
/// s3storage_save_ex().
///
/// @param storage     the storage.
/// @param name        the wanted name; borrowed.
/// @param local_path  the file to read (streamed); borrowed.
/// @param params_json NULL, or a JSON object of boto3 PutObject parameters; borrowed.
/// @param max_length  the longest acceptable name in characters; 0 for no limit.
/// @param saved_name  OUT, optional: as for s3storage_save().
/// @return as s3storage_save_ex(), and S3STORAGE_ERR_IO when the file cannot be read.
#[no_mangle]
pub extern "C" fn s3storage_save_file_ex(
    storage: *const s3storage,
    name: *const c_char,
    local_path: *const c_char,
    params_json: *const c_char,
    max_length: usize,
    saved_name: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let local_path = try_str!(local_path, "local_path");
        let params = try_opt_str!(params_json, "params_json");
        let options = try_ok!(save_options(params, max_length));
        let saved = try_ok!(storage.0.save_file_with(name, local_path, &options));
        give_saved_name(saved_name, &saved)
    })
}

/// Saves content pulled from `read` under `name`, as s3storage_save_ex() does: for content
/// whose size is not known in advance (a pipe, a socket, a language's file object). The
/// content is streamed: at most the parts in flight are held in memory (and, for a
/// create-only save that may need a second name, a copy goes to a temporary file in
/// FILE_UPLOAD_TEMP_DIR). `read` is called on the calling thread only, until it reports
/// 0 bytes or fails.
///
/// @param storage     the storage.
/// @param name        the wanted name; borrowed.
/// @param read        the read callback (see s3storage_read_callback); required.
/// @param userdata    passed back unchanged to `read`.
/// @param params_json NULL, or a JSON object of boto3 PutObject parameters; borrowed.
/// @param max_length  the longest acceptable name in characters; 0 for no limit.
/// @param saved_name  OUT, optional: as for s3storage_save().
/// @return as s3storage_save_ex(), and S3STORAGE_ERR_IO when `read` fails (nothing is
///         stored, no multipart upload is left).
#[no_mangle]
pub extern "C" fn s3storage_save_reader_ex(
    storage: *const s3storage,
    name: *const c_char,
    read: s3storage_read_callback,
    userdata: *mut c_void,
    params_json: *const c_char,
    max_length: usize,
    saved_name: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let Some(read) = read else {
            return invalid("read is NULL".to_string());
        };
        let params = try_opt_str!(params_json, "params_json");
        let options = try_ok!(save_options(params, max_length));
        let reader = CallbackReader::new(read, userdata);
        let saved = try_ok!(storage.0.save_with(name, reader, &options));
        give_saved_name(saved_name, &saved)
    })
}

/// Sets the progress callback of a storage (and of every file opened from it), or with
/// NULL removes it. It reports saves, save_file and writes per part, and reads per range,
/// possibly from the library's worker threads, so it must be thread-safe.
///
/// @param storage  the storage.
/// @param callback the function to call, or NULL.
/// @param userdata passed back unchanged; kept valid by the caller while the callback is set.
/// @return S3STORAGE_OK, or S3STORAGE_ERR_INVALID_ARGUMENT if storage is NULL.
#[no_mangle]
pub extern "C" fn s3storage_set_progress_callback(
    storage: *const s3storage,
    callback: s3storage_progress_callback,
    userdata: *mut c_void,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let progress = callback.map(|callback| progress(callback, Userdata(userdata)));
        storage.0.set_progress(progress);
        S3STORAGE_OK
    })
}

/// Sets the request callback of a storage, or with NULL removes it: one call per HTTP
/// request the storage (and every file opened from it) makes, retries included, on the
/// thread that made it (possibly one of the library's worker threads, so it must be
/// thread-safe). It names the operation and the object, never a header or a secret. A
/// storage on the in-memory store (memory://) makes no requests and reports none.
///
/// @param storage  the storage.
/// @param callback the function to call, or NULL.
/// @param userdata passed back unchanged; kept valid by the caller while the callback is set.
/// @return S3STORAGE_OK, or S3STORAGE_ERR_INVALID_ARGUMENT if storage is NULL.
#[no_mangle]
pub extern "C" fn s3storage_set_request_callback(
    storage: *const s3storage,
    callback: s3storage_request_callback,
    userdata: *mut c_void,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let callback = callback.map(|callback| requests(callback, Userdata(userdata)));
        storage.0.set_request_callback(callback);
        S3STORAGE_OK
    })
}

/// Deletes many objects with DeleteObjects, 1,000 names per request (one DELETE each on
/// a server without it). Missing names are not failures. Every name is checked before
/// anything is sent. Blocks for the requests.
///
/// @param storage the storage.
/// @param names   `count` names (without AWS_LOCATION); borrowed. No entry may be NULL.
/// @param count   how many; 0 is S3STORAGE_ERR_INVALID_ARGUMENT.
/// @param failed  OUT (may be NULL): a NULL-terminated array of the names not deleted,
///                the caller's to free with s3storage_strv_free(); empty when all were.
/// @return S3STORAGE_OK (also when some names were not deleted: see `failed`);
///         S3STORAGE_ERR_SUSPICIOUS_NAME (nothing is sent); _INVALID_ARGUMENT for a NULL
///         array or entry, non-UTF-8, or count 0; _ACCESS_DENIED, _NETWORK, _SERVER when a
///         request failed as a whole.
#[no_mangle]
pub extern "C" fn s3storage_delete_many(
    storage: *const s3storage,
    names: *const *const c_char,
    count: usize,
    failed: *mut *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let pointers = try_c!(super::slice_from(names, count, "names"));
        let mut list = Vec::with_capacity(count);
        for (index, pointer) in pointers.iter().enumerate() {
            match super::str_from(*pointer, "a name") {
                Ok(name) => list.push(name),
                Err(_) => return invalid(format!("names[{index}] is NULL or not UTF-8")),
            }
        }
        let failures = try_ok!(storage.0.delete_many(&list));
        if let Some(failed) = opt_out(failed) {
            let names: Vec<String> = failures.into_iter().map(|f| f.name).collect();
            *failed = owned_strv(&names);
        }
        S3STORAGE_OK
    })
}

/// Deletes every object under `path/`, recursively (and its directory marker), streaming
/// the listing into DeleteObjects batches: memory stays bounded whatever the count.
/// Blocks for the requests.
///
/// @param storage the storage.
/// @param path    the directory, relative to AWS_LOCATION; borrowed. A path that names
///                AWS_LOCATION itself ("", ".", "a/..") is S3STORAGE_ERR_INVALID_ARGUMENT.
/// @param deleted OUT (may be NULL): how many objects were deleted.
/// @return S3STORAGE_OK; S3STORAGE_ERR_SERVER or _ACCESS_DENIED when an object could not
///         be deleted (the message names how many and the first; the others were tried);
///         _NETWORK; _SUSPICIOUS_NAME; _INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn s3storage_delete_prefix(
    storage: *const s3storage,
    path: *const c_char,
    deleted: *mut u64,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let path = try_str!(path, "path");
        let count = try_ok!(storage.0.delete_prefix(path));
        if let Some(deleted) = opt_out(deleted) {
            *deleted = count;
        }
        S3STORAGE_OK
    })
}

/// boto3's generate_presigned_post: the URL and form fields with which a browser (or any
/// HTTP client) uploads `name` directly, as a multipart/form-data POST with the file
/// last. Nothing is sent.
///
/// @param storage         the storage.
/// @param name            the name (without AWS_LOCATION), checked as for a save; a name
///                        ending in "${filename}" lets the form choose the rest. Borrowed.
/// @param conditions_json NULL for none, or boto3's Conditions as a JSON list:
///                        {"acl": "public-read"} (also added to the fields),
///                        ["starts-with", "$Content-Type", "image/"],
///                        ["content-length-range", 1, 1048576].
/// @param expire_seconds  the policy's lifetime; < 0: AWS_QUERYSTRING_EXPIRE.
/// @param out_json        OUT: {"url": "...", "fields": {...}}, the caller's to free with
///                        s3storage_string_free(). Unchanged on failure.
/// @return S3STORAGE_OK; S3STORAGE_ERR_SUSPICIOUS_NAME; _INVALID_ARGUMENT (bad JSON or
///         conditions, NULL or non-UTF-8 arguments); _CONFIG (no credentials);
///         _BAD_STATE (the in-memory store, which has no HTTP endpoint).
#[no_mangle]
pub extern "C" fn s3storage_presign_post(
    storage: *const s3storage,
    name: *const c_char,
    conditions_json: *const c_char,
    expire_seconds: i64,
    out_json: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let conditions = try_opt_str!(conditions_json, "conditions_json");
        let out = try_mut!(out_json, "out_json");
        let conditions: Option<serde_json::Value> = match conditions {
            None => None,
            Some(text) => match serde_json::from_str(text) {
                Ok(value) => Some(value),
                Err(error) => return invalid(format!("conditions_json is not JSON: {error}")),
            },
        };
        let expire = u64::try_from(expire_seconds).ok();
        let post = try_ok!(storage.0.presigned_post(name, conditions.as_ref(), expire));
        *out = owned_string(&post.to_json());
        S3STORAGE_OK
    })
}

/// Downloads `name` into the local file `local_path`, read as s3storage_open reads it:
/// one streamed GET while that is fast, parallel ranged GETs where one stream is the
/// bottleneck (AWS_S3_TRANSFER_CONFIG read_ahead, max_concurrency, multipart_chunksize);
/// written to a temporary file beside local_path, checked against the object's checksum, fsynced and renamed
/// into place: local_path is never left half-written (a failure leaves it as it was).
/// Blocks for the transfer; progress goes to the progress callback.
///
/// @param storage    the storage.
/// @param name       the object's name (without AWS_LOCATION); borrowed.
/// @param local_path the file to write (replaced when the download is complete); borrowed.
/// @return S3STORAGE_OK; S3STORAGE_ERR_NOT_FOUND; _CHECKSUM (the bytes did not match the
///         object's checksum, twice); _BAD_STATE (the object was replaced meanwhile);
///         _IO (the local file); _ACCESS_DENIED, _NETWORK, _SERVER; _SUSPICIOUS_NAME;
///         _INVALID_ARGUMENT for NULL or non-UTF-8 arguments.
#[no_mangle]
pub extern "C" fn s3storage_download_file(
    storage: *const s3storage,
    name: *const c_char,
    local_path: *const c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let name = try_str!(name, "name");
        let local_path = try_str!(local_path, "local_path");
        code_of(storage.0.download_to(name, local_path).map(|_| ()))
    })
}

/// Copies `src` to `dst` on the server (CopyObject: the bytes never pass through the
/// caller). `dst` follows save's rules: with AWS_S3_FILE_OVERWRITE=False the name goes
/// through get_available_name and the write is create-only; *saved_name is the name used.
/// Blocks for the request.
///
/// @param storage     the storage.
/// @param src         the source's name; borrowed.
/// @param dst         the wanted destination name; borrowed.
/// @param params_json NULL: keep the source's metadata and content type; else a JSON
///                    object of boto3 CopyObject names that replaces them (REPLACE).
/// @param saved_name  OUT (may be NULL): the destination's name, the caller's to free with
///                    s3storage_string_free().
/// @return S3STORAGE_OK; S3STORAGE_ERR_NOT_FOUND (no source); _INVALID_ARGUMENT (copying
///         onto itself without parameters, bad JSON, NULL or non-UTF-8 arguments);
///         _SUSPICIOUS_NAME (nothing is sent); _ALREADY_EXISTS; _ACCESS_DENIED, _NETWORK,
///         _SERVER.
#[no_mangle]
pub extern "C" fn s3storage_copy(
    storage: *const s3storage,
    src: *const c_char,
    dst: *const c_char,
    params_json: *const c_char,
    saved_name: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let (src, dst) = (try_str!(src, "src"), try_str!(dst, "dst"));
        let params = try_opt_str!(params_json, "params_json");
        let options = try_ok!(save_options(params, 0));
        let saved = try_ok!(storage.0.copy(src, dst, &options));
        give_saved_name(saved_name, &saved)
    })
}

/// Moves `src` to `dst`: s3storage_copy(), then `src` deleted once the copy is complete.
/// A failure at any step leaves `src` in place (never neither object).
///
/// @param storage     the storage.
/// @param src         the source's name; borrowed.
/// @param dst         the wanted destination name; borrowed.
/// @param params_json as for s3storage_copy().
/// @param saved_name  OUT (may be NULL): the destination's name.
/// @return S3STORAGE_OK; as s3storage_copy() (S3STORAGE_ERR_NOT_FOUND, _INVALID_ARGUMENT,
///         _SUSPICIOUS_NAME, _ALREADY_EXISTS, _ACCESS_DENIED, _NETWORK, _SERVER); an error
///         deleting `src` after the copy is reported too (the copy then exists beside
///         the source).
#[no_mangle]
pub extern "C" fn s3storage_move(
    storage: *const s3storage,
    src: *const c_char,
    dst: *const c_char,
    params_json: *const c_char,
    saved_name: *mut *mut c_char,
) -> c_int {
    boundary(|| {
        let storage = try_ref!(storage, "storage");
        let (src, dst) = (try_str!(src, "src"), try_str!(dst, "dst"));
        let params = try_opt_str!(params_json, "params_json");
        let options = try_ok!(save_options(params, 0));
        let moved = try_ok!(storage.0.move_to(src, dst, &options));
        give_saved_name(saved_name, &moved)
    })
}
