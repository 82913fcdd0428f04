//! Settings by their Django names: parsing, validation, defaults, legacy translation.
//!
//! [`Settings`] holds what the caller set. Each value is checked here, once, when it is
//! set: its shape and the values its key can take (also inside `AWS_S3_CLIENT_CONFIG`
//! and `AWS_S3_TRANSFER_CONFIG`). `Config::resolve` then applies Django's defaults, the
//! legacy-settings migration and the cross-key checks. Secrets never reach `Debug`
//! output or an error message.

use crate::error::{Error, Result};
use crate::log;
use crate::object_parameters as params;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::fmt;

/// The shape of a setting's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `True`/`False` (also `true`/`false`/`1`/`0`).
    Bool,
    /// A decimal integer (non-negative).
    Int,
    /// A string, or `None`.
    Str,
    /// A JSON object, or `None`.
    Dict,
    /// A JSON array or a comma-separated list, or `None`.
    List,
    /// `True`, `False`, `None` or a path (AWS_S3_VERIFY).
    BoolOrPath,
}

/// One known setting.
struct Key {
    name: &'static str,
    kind: Kind,
    secret: bool,
    /// For legacy keys: what replaces them (said in the warning).
    replacement: Option<&'static str>,
}

const fn key(name: &'static str, kind: Kind) -> Key {
    Key {
        name,
        kind,
        secret: false,
        replacement: None,
    }
}
const fn secret(name: &'static str) -> Key {
    Key {
        name,
        kind: Kind::Str,
        secret: true,
        replacement: None,
    }
}
const fn legacy(name: &'static str, kind: Kind, replacement: &'static str) -> Key {
    Key {
        name,
        kind,
        secret: false,
        replacement: Some(replacement),
    }
}

/// Every setting this library knows, by its Django name.
const KEYS: &[Key] = &[
    key("AWS_S3_ACCESS_KEY_ID", Kind::Str),
    secret("AWS_S3_SECRET_ACCESS_KEY"),
    key("AWS_ACCESS_KEY_ID", Kind::Str),
    secret("AWS_SECRET_ACCESS_KEY"),
    secret("AWS_SESSION_TOKEN"),
    secret("AWS_SECURITY_TOKEN"),
    key("AWS_S3_SESSION_PROFILE", Kind::Str),
    key("AWS_STORAGE_BUCKET_NAME", Kind::Str),
    key("AWS_DEFAULT_ACL", Kind::Str),
    key("AWS_BUCKET_ACL", Kind::Str),
    key("AWS_AUTO_CREATE_BUCKET", Kind::Bool),
    key("AWS_S3_OBJECT_PARAMETERS", Kind::Dict),
    key("AWS_QUERYSTRING_AUTH", Kind::Bool),
    key("AWS_QUERYSTRING_EXPIRE", Kind::Int),
    key("AWS_S3_MAX_MEMORY_SIZE", Kind::Int),
    key("AWS_S3_ENCRYPTION", Kind::Bool),
    key("AWS_S3_FILE_OVERWRITE", Kind::Bool),
    key("AWS_LOCATION", Kind::Str),
    key("AWS_IS_GZIPPED", Kind::Bool),
    key("GZIP_CONTENT_TYPES", Kind::List),
    key("AWS_S3_REGION_NAME", Kind::Str),
    key("AWS_S3_USE_SSL", Kind::Bool),
    key("AWS_S3_VERIFY", Kind::BoolOrPath),
    key("AWS_S3_ENDPOINT_URL", Kind::Str),
    key("AWS_S3_ADDRESSING_STYLE", Kind::Str),
    key("AWS_S3_PROXIES", Kind::Dict),
    key("AWS_S3_SIGNATURE_VERSION", Kind::Str),
    key("AWS_S3_CUSTOM_DOMAIN", Kind::Str),
    key("AWS_S3_URL_PROTOCOL", Kind::Str),
    key("AWS_CLOUDFRONT_KEY_ID", Kind::Str),
    secret("AWS_CLOUDFRONT_KEY"),
    key("AWS_S3_FILE_NAME_CHARSET", Kind::Str),
    key("AWS_S3_FILE_BUFFER_SIZE", Kind::Int),
    key("AWS_S3_USE_THREADS", Kind::Bool),
    key("AWS_S3_TRANSFER_CONFIG", Kind::Dict),
    key("AWS_S3_CLIENT_CONFIG", Kind::Dict),
    key("FILE_UPLOAD_TEMP_DIR", Kind::Str),
    legacy(
        "AWS_HEADERS",
        Kind::Dict,
        "AWS_S3_OBJECT_PARAMETERS (keys such as CacheControl)",
    ),
    legacy("AWS_ORIGIN", Kind::Str, "AWS_S3_REGION_NAME"),
    legacy(
        "AWS_S3_CALLING_FORMAT",
        Kind::Str,
        "AWS_S3_ADDRESSING_STYLE",
    ),
    legacy(
        "AWS_S3_HOST",
        Kind::Str,
        "AWS_S3_ENDPOINT_URL and AWS_S3_REGION_NAME",
    ),
    legacy("AWS_S3_PORT", Kind::Int, "AWS_S3_ENDPOINT_URL"),
    legacy("AWS_S3_PROXY_HOST", Kind::Str, "AWS_S3_PROXIES"),
    legacy("AWS_S3_PROXY_PORT", Kind::Int, "AWS_S3_PROXIES"),
    legacy(
        "S3_USE_SIGV4",
        Kind::Bool,
        "nothing (SigV4 is the default; remove it)",
    ),
    legacy("AWS_S3_SECURE_URLS", Kind::Bool, "AWS_S3_URL_PROTOCOL"),
];

/// Settings django-storages removed; setting them is an error that says so.
const REMOVED: &[(&str, &str)] = &[
    ("AWS_PRELOAD_METADATA", "removed in django-storages 1.10; it has no replacement"),
    ("AWS_REDUCED_REDUNDANCY", "removed in django-storages 1.10; use AWS_S3_OBJECT_PARAMETERS {\"StorageClass\": \"REDUCED_REDUNDANCY\"}"),
];

/// The default of `GZIP_CONTENT_TYPES`.
pub const DEFAULT_GZIP_CONTENT_TYPES: &[&str] = &[
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "image/svg+xml",
];

/// How bucket names reach the server (`AWS_S3_ADDRESSING_STYLE`, botocore's
/// `s3.addressing_style`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddressingStyle {
    /// `https://endpoint/bucket/key`.
    Path,
    /// `https://bucket.endpoint/key`.
    Virtual,
    /// botocore's default: virtual on AWS, path on a custom endpoint.
    Auto,
}

impl AddressingStyle {
    /// `"path"`, `"virtual"` or `"auto"`.
    pub fn parse(text: &str) -> std::result::Result<AddressingStyle, String> {
        match text {
            "path" => Ok(AddressingStyle::Path),
            "virtual" => Ok(AddressingStyle::Virtual),
            "auto" => Ok(AddressingStyle::Auto),
            _ => Err(format!("must be 'virtual', 'path' or 'auto', not {text:?}")),
        }
    }
}

/// Which signature query-string URLs carry (`AWS_S3_SIGNATURE_VERSION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureVersion {
    /// Legacy SigV2 (`"s3"`).
    V2,
    /// SigV4 (`"s3v4"`, the default).
    V4,
}

impl SignatureVersion {
    /// `"s3"` or `"s3v4"`.
    pub fn parse(text: &str) -> std::result::Result<SignatureVersion, String> {
        match text {
            "s3" => Ok(SignatureVersion::V2),
            "s3v4" => Ok(SignatureVersion::V4),
            _ => Err(format!("must be 's3' or 's3v4', not {text:?}")),
        }
    }
}

/// A parsed setting value.
#[derive(Clone, PartialEq)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(u64),
    Str(String),
    Dict(Map<String, Json>),
    List(Vec<String>),
}

/// What the caller configured, by Django setting name.
///
/// ```
/// let mut settings = s3storage::Settings::new();
/// settings.set("AWS_STORAGE_BUCKET_NAME", "media").unwrap();
/// settings.set("AWS_S3_FILE_OVERWRITE", "False").unwrap();
/// assert!(settings.set("AWS_LOCATION", "/media").is_err());
/// ```
#[derive(Clone, Default)]
pub struct Settings {
    values: BTreeMap<&'static str, Value>,
}

fn parse_bool(name: &str, text: &str) -> Result<bool> {
    match text.trim() {
        "True" | "true" | "1" => Ok(true),
        "False" | "false" | "0" => Ok(false),
        _ => Err(Error::Config(format!(
            "{name} must be True or False (also true/false/1/0), not {text:?}"
        ))),
    }
}

fn parse_value(key: &Key, text: &str) -> Result<Value> {
    let name = key.name;
    let is_none = text.trim() == "None";
    match key.kind {
        Kind::Bool => parse_bool(name, text).map(Value::Bool),
        Kind::Int => text.trim().parse::<u64>().map(Value::Int).map_err(|_| {
            Error::Config(format!(
                "{name} must be a non-negative decimal integer, not {text:?}"
            ))
        }),
        _ if is_none => Ok(Value::None),
        Kind::Str => Ok(Value::Str(text.to_string())),
        Kind::Dict => match serde_json::from_str::<Json>(text) {
            Ok(Json::Object(map)) => Ok(Value::Dict(map)),
            _ => Err(Error::Config(format!(
                "{name} must be a JSON object such as {{\"CacheControl\": \"max-age=86400\"}}"
            ))),
        },
        Kind::List => {
            if text.trim_start().starts_with('[') {
                let items: Vec<Json> = serde_json::from_str(text).map_err(|_| {
                    Error::Config(format!(
                        "{name} must be a JSON array of strings or a comma-separated list"
                    ))
                })?;
                items
                    .into_iter()
                    .map(|item| match item {
                        Json::String(text) => Ok(text),
                        _ => Err(Error::Config(format!(
                            "{name}: every item must be a string"
                        ))),
                    })
                    .collect::<Result<Vec<_>>>()
                    .map(Value::List)
            } else {
                Ok(Value::List(
                    text.split(',')
                        .map(|item| item.trim().to_string())
                        .filter(|item| !item.is_empty())
                        .collect(),
                ))
            }
        }
        Kind::BoolOrPath => match text.trim() {
            "True" | "true" => Ok(Value::Bool(true)),
            "False" | "false" => Ok(Value::Bool(false)),
            _ => Ok(Value::Str(text.to_string())),
        },
    }
}

/// Per-key checks beyond the shape.
fn check_value(name: &str, value: &Value) -> Result<()> {
    let text = match value {
        Value::Str(text) => text.as_str(),
        Value::Dict(map) => return check_dict(name, map),
        Value::Int(0) if name == "AWS_S3_FILE_BUFFER_SIZE" => {
            return Err(Error::Config(
                "AWS_S3_FILE_BUFFER_SIZE must be greater than 0".into(),
            ))
        }
        _ => return Ok(()),
    };
    match name {
        "AWS_LOCATION" if text.chars().any(char::is_control) => Err(Error::Config(
            "AWS_LOCATION must not contain control characters".into(),
        )),
        "AWS_LOCATION" if text.starts_with('/') => Err(Error::Config(format!(
            "AWS_LOCATION cannot begin with a leading slash. Found '{text}'. Use '{}' instead.",
            text.trim_start_matches('/')
        ))),
        "AWS_S3_ADDRESSING_STYLE" => AddressingStyle::parse(text)
            .map(|_| ())
            .map_err(|why| Error::Config(format!("AWS_S3_ADDRESSING_STYLE {why}"))),
        "AWS_S3_SIGNATURE_VERSION" => SignatureVersion::parse(text)
            .map(|_| ())
            .map_err(|why| Error::Config(format!("AWS_S3_SIGNATURE_VERSION {why}"))),
        "AWS_S3_URL_PROTOCOL" if !text.ends_with(':') => Err(Error::Config(format!(
            "AWS_S3_URL_PROTOCOL must end in ':' (e.g. 'https:'), not {text:?}"
        ))),
        "AWS_S3_CUSTOM_DOMAIN" if text.ends_with('/') => Err(Error::Config(format!(
            "AWS_S3_CUSTOM_DOMAIN must not end in '/': use {:?}",
            text.trim_end_matches('/')
        ))),
        "AWS_S3_ENDPOINT_URL" if text.starts_with("memory://") => {
            memory_endpoint(text).map_or(Ok(()), |parsed| parsed.map(drop))
        }
        "AWS_S3_ENDPOINT_URL" if !(text.starts_with("http://") || text.starts_with("https://")) => {
            Err(Error::Config(format!(
                "AWS_S3_ENDPOINT_URL must start with http:// or https:// (or be memory://NAME, \
                 the in-memory store), not {text:?}"
            )))
        }
        "AWS_DEFAULT_ACL" | "AWS_BUCKET_ACL" if !params::CANNED_ACLS.contains(&text) => {
            Err(Error::Config(format!(
                "{name} must be None or a canned ACL ({}), not {text:?}",
                params::CANNED_ACLS.join(", ")
            )))
        }
        "AWS_STORAGE_BUCKET_NAME" if text.is_empty() || text.contains('/') => Err(Error::Config(
            format!("AWS_STORAGE_BUCKET_NAME must be a bucket name, not {text:?}"),
        )),
        _ => Ok(()),
    }
}

/// S3's page size, the in-memory store's default.
const MEMORY_PAGE: usize = 1000;

/// The store name of a `memory://NAME[?max_keys=N]` endpoint (the in-memory store) and
/// its page size; `None` for any other endpoint.
pub(crate) fn memory_endpoint(endpoint: &str) -> Option<Result<(String, usize)>> {
    let rest = endpoint.strip_prefix("memory://")?;
    let (name, query) = rest.split_once('?').unwrap_or((rest, ""));
    let name = name.trim_end_matches('/');
    if name.is_empty() || name.contains('/') {
        return Some(Err(Error::Config(format!(
            "AWS_S3_ENDPOINT_URL: {endpoint:?} must be memory://NAME (a name without '/')"
        ))));
    }
    let mut page = MEMORY_PAGE;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.split_once('=') {
            Some(("max_keys", value)) if value.parse::<usize>().is_ok_and(|n| n > 0) => {
                page = value.parse().unwrap_or(MEMORY_PAGE);
            }
            _ => {
                return Some(Err(Error::Config(format!(
                    "AWS_S3_ENDPOINT_URL: {endpoint:?}: the only option of memory:// is \
                     max_keys=N (N > 0)"
                ))))
            }
        }
    }
    Some(Ok((name.to_string(), page)))
}

fn check_dict(name: &str, map: &Map<String, Json>) -> Result<()> {
    match name {
        "AWS_S3_OBJECT_PARAMETERS" => params::validate(map),
        "AWS_HEADERS" => params::from_legacy_headers(map).map(|_| ()),
        "AWS_S3_PROXIES" => {
            if map.values().all(Json::is_string) {
                Ok(())
            } else {
                Err(Error::Config(
                    "AWS_S3_PROXIES must map schemes or scheme://host to proxy URLs (strings)"
                        .into(),
                ))
            }
        }
        "AWS_S3_TRANSFER_CONFIG" => check_transfer_config(map),
        "AWS_S3_CLIENT_CONFIG" => check_client_config(map),
        _ => Ok(()),
    }
}

/// `AWS_S3_TRANSFER_CONFIG`: known options; sizes and counts positive integers.
fn check_transfer_config(map: &Map<String, Json>) -> Result<()> {
    let name = "AWS_S3_TRANSFER_CONFIG";
    check_known(name, map, TRANSFER_KEYS)?;
    for option in [
        "multipart_threshold",
        "multipart_chunksize",
        "max_concurrency",
    ] {
        if let Some(value) = map.get(option) {
            if value.as_u64().filter(|v| *v > 0).is_none() {
                return Err(Error::Config(format!(
                    "{name}: {option} must be a positive integer"
                )));
            }
        }
    }
    let read_ahead = map.get("read_ahead").map(|value| value.as_str());
    if !matches!(read_ahead, None | Some(Some("auto" | "always" | "never"))) {
        return Err(Error::Config(format!(
            "{name}: read_ahead must be \"auto\", \"always\" or \"never\""
        )));
    }
    Ok(())
}

/// `AWS_S3_CLIENT_CONFIG`: known options, each of the shape botocore's `Config` takes.
fn check_client_config(map: &Map<String, Json>) -> Result<()> {
    let name = "AWS_S3_CLIENT_CONFIG";
    check_known(name, map, CLIENT_KEYS)?;
    let fail = |why: String| Err(Error::Config(format!("{name}: {why}")));
    for option in ["connect_timeout", "read_timeout"] {
        if let Some(value) = map.get(option) {
            if value.as_f64().filter(|secs| *secs > 0.0).is_none() {
                return fail(format!("{option} must be a positive number of seconds"));
            }
        }
    }
    let signing = map
        .get("s3")
        .and_then(|s3| s3.get("payload_signing_enabled"));
    if signing.is_some_and(|value| !value.is_boolean()) {
        return fail("s3.payload_signing_enabled must be true or false".into());
    }
    let style = map.get("s3").and_then(|s3| s3.get("addressing_style"));
    if let Some(style) = style {
        if let Err(why) = AddressingStyle::parse(style.as_str().unwrap_or_default()) {
            return fail(format!("s3.addressing_style {why}"));
        }
    }
    if let Some(version) = map.get("signature_version") {
        if let Err(why) = SignatureVersion::parse(version.as_str().unwrap_or_default()) {
            return fail(format!("signature_version {why}"));
        }
    }
    for option in [
        "request_checksum_calculation",
        "response_checksum_validation",
    ] {
        let value = map
            .get(option)
            .map(|value| value.as_str().unwrap_or_default());
        if value.is_some_and(|value| crate::checksums::ChecksumWhen::parse(value).is_none()) {
            return fail(format!(
                "{option} must be \"when_supported\" or \"when_required\""
            ));
        }
    }
    check_retries(map.get("retries")).or_else(&fail)?;
    match map.get("proxies") {
        Some(Json::Object(proxies)) if proxies.values().all(Json::is_string) => Ok(()),
        Some(_) => fail("proxies must map schemes to proxy URLs (strings)".into()),
        None => Ok(()),
    }
}

/// botocore's `retries`: `mode` one of its three, attempts whole numbers.
fn check_retries(retries: Option<&Json>) -> std::result::Result<(), String> {
    let Some(retries) = retries else {
        return Ok(());
    };
    let Some(retries) = retries.as_object() else {
        return Err("retries must be a dict (mode, max_attempts, total_max_attempts)".into());
    };
    for (option, value) in retries {
        let fits = match option.as_str() {
            "mode" => matches!(value.as_str(), Some("standard" | "legacy" | "adaptive")),
            "max_attempts" | "total_max_attempts" => value.as_u64().is_some(),
            _ => return Err(format!("retries: unknown option '{option}' (known: mode, max_attempts, total_max_attempts)")),
        };
        if !fits {
            return Err(match option.as_str() {
                "mode" => "retries.mode must be \"standard\", \"legacy\" or \"adaptive\"".into(),
                _ => format!("retries.{option} must be a whole number"),
            });
        }
    }
    Ok(())
}

/// boto3 `TransferConfig` arguments we honour.
const TRANSFER_KEYS: &[&str] = &[
    "multipart_threshold",
    "multipart_chunksize",
    "max_concurrency",
    "use_threads",
    "num_download_attempts",
    "max_io_queue",
    "io_chunksize",
    "read_ahead",
];
/// botocore `Config` arguments we honour.
const CLIENT_KEYS: &[&str] = &[
    "connect_timeout",
    "read_timeout",
    "max_pool_connections",
    "signature_version",
    "region_name",
    "proxies",
    "s3",
    "retries",
    "request_checksum_calculation",
    "response_checksum_validation",
];

fn check_known(name: &str, map: &Map<String, Json>, known: &[&str]) -> Result<()> {
    match map.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => Err(Error::Config(format!(
            "{name}: unknown option '{unknown}' (known: {})",
            known.join(", ")
        ))),
        None => Ok(()),
    }
}

impl Settings {
    /// Every setting name `set` accepts (legacy names included), in one fixed order: what
    /// a binding reads from its host's configuration (the Django backend, for one).
    pub fn names() -> impl Iterator<Item = &'static str> {
        KEYS.iter().map(|key| key.name)
    }

    /// Empty settings: every key at its Django default.
    pub fn new() -> Settings {
        Settings::default()
    }

    /// Sets one key from its string form (the value grammar of the header, include/s3storage.h).
    ///
    /// An unknown key, a value of the wrong shape or a value the key cannot take is an
    /// [`Error::Config`] naming the key; the settings are then unchanged. Legacy keys are
    /// accepted and produce one warning through the log callback.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let Some(key) = KEYS.iter().find(|key| key.name == name) else {
            if let Some((_, why)) = REMOVED.iter().find(|(removed, _)| *removed == name) {
                return Err(Error::Config(format!("{name} was {why}")));
            }
            return Err(Error::Config(format!(
                "Invalid setting '{name}': not a django-storages S3 setting"
            )));
        };
        let parsed = parse_value(key, value)?;
        check_value(key.name, &parsed)?;
        if let Some(replacement) = key.replacement {
            log::warn(&format!(
                "{} is a legacy setting: it is translated for you, but use {replacement} instead",
                key.name
            ));
        }
        if key.name == "AWS_S3_USE_THREADS" && parsed == Value::Bool(false) {
            log::warn("AWS_S3_USE_THREADS is deprecated: use AWS_S3_TRANSFER_CONFIG {\"use_threads\": false}");
        }
        self.values.insert(key.name, parsed);
        Ok(())
    }

    /// Settings from every known key present in the environment.
    pub fn from_env() -> Result<Settings> {
        let mut settings = Settings::new();
        settings.load_env()?;
        Ok(settings)
    }

    /// Sets every known key that is present in the environment (non-UTF-8 values are errors).
    pub fn load_env(&mut self) -> Result<()> {
        for key in KEYS {
            match std::env::var(key.name) {
                Ok(value) => self.set(key.name, &value)?,
                Err(std::env::VarError::NotPresent) => {}
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(Error::Config(format!("{} is not valid UTF-8", key.name)))
                }
            }
        }
        Ok(())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|value| **value != Value::None)
    }
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Value::Str(text)) => Some(text.clone()),
            _ => None,
        }
    }
    /// The first of `names` that is set.
    pub(crate) fn first_string(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| self.string(name))
    }
    pub(crate) fn flag(&self, name: &str, default: bool) -> bool {
        match self.get(name) {
            Some(Value::Bool(flag)) => *flag,
            _ => default,
        }
    }
    pub(crate) fn int(&self, name: &str) -> Option<u64> {
        match self.get(name) {
            Some(Value::Int(value)) => Some(*value),
            _ => None,
        }
    }
    pub(crate) fn dict(&self, name: &str) -> Option<Map<String, Json>> {
        match self.get(name) {
            Some(Value::Dict(map)) => Some(map.clone()),
            _ => None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.values {
            let secret = KEYS.iter().any(|key| key.name == *name && key.secret);
            let shown = match value {
                _ if secret => "<redacted>".to_string(),
                Value::None => "None".into(),
                Value::Bool(flag) => {
                    if *flag {
                        "True".into()
                    } else {
                        "False".into()
                    }
                }
                Value::Int(value) => value.to_string(),
                Value::Str(text) => format!("{text:?}"),
                Value::List(items) => format!("{items:?}"),
                Value::Dict(dict) => redacted_json(dict),
            };
            map.entry(name, &format_args!("{shown}"));
        }
        map.finish()
    }
}

/// A parameters object with secret values hidden.
pub(crate) fn redacted_json(dict: &Map<String, Json>) -> String {
    let mut shown = dict.clone();
    for (name, value) in shown.iter_mut() {
        if params::is_secret_param(name) {
            *value = Json::String("<redacted>".into());
        }
    }
    Json::Object(shown).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{region_from_host, Config, Verify};

    fn with(pairs: &[(&str, &str)]) -> Result<Settings> {
        let mut settings = Settings::new();
        settings.set("AWS_STORAGE_BUCKET_NAME", "bucket")?;
        for (key, value) in pairs {
            settings.set(key, value)?;
        }
        Ok(settings)
    }

    fn config_error(pairs: &[(&str, &str)]) -> String {
        match with(pairs).and_then(|settings| Config::resolve(&settings)) {
            Err(Error::Config(message)) => message,
            other => panic!("expected a config error, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn defaults_are_djangos_except_acls() {
        let config = Config::resolve(&with(&[]).unwrap()).unwrap();
        assert!(config.file_overwrite);
        assert!(config.urls.querystring_auth);
        assert_eq!(config.urls.querystring_expire, 3600);
        assert_eq!(config.location, "");
        assert_eq!(config.default_acl, None);
        assert_eq!(config.bucket_acl, None);
        assert_eq!(config.urls.url_protocol, "https:");
        assert_eq!(config.transfer.file_buffer_size, 5 * 1024 * 1024);
        assert_eq!(config.gzip_content_types.len(), 5);
        assert!(!config.gzip);
        assert_eq!(config.http.verify, Verify::Default);
    }

    #[test]
    fn value_grammar() {
        let config = with(&[
            ("AWS_S3_FILE_OVERWRITE", "false"),
            ("AWS_QUERYSTRING_AUTH", "0"),
            ("AWS_QUERYSTRING_EXPIRE", "60"),
            ("GZIP_CONTENT_TYPES", "text/css, text/plain"),
            (
                "AWS_S3_OBJECT_PARAMETERS",
                r#"{"CacheControl": "max-age=86400"}"#,
            ),
            ("AWS_DEFAULT_ACL", "None"),
            ("AWS_S3_VERIFY", "False"),
        ])
        .and_then(|settings| Config::resolve(&settings))
        .unwrap();
        assert!(!config.file_overwrite && !config.urls.querystring_auth);
        assert_eq!(config.urls.querystring_expire, 60);
        assert_eq!(config.gzip_content_types, vec!["text/css", "text/plain"]);
        assert_eq!(config.object_parameters["CacheControl"], "max-age=86400");
        assert_eq!(config.http.verify, Verify::Off);
        let config = with(&[("GZIP_CONTENT_TYPES", r#"["a/b"]"#)])
            .and_then(|settings| Config::resolve(&settings))
            .unwrap();
        assert_eq!(config.gzip_content_types, vec!["a/b"]);
    }

    #[test]
    fn bad_values_name_the_key() {
        for (key, value) in [
            ("AWS_NO_SUCH_THING", "1"),
            ("AWS_S3_FILE_OVERWRITE", "yes"),
            ("AWS_QUERYSTRING_EXPIRE", "-1"),
            ("AWS_S3_OBJECT_PARAMETERS", "[1]"),
            ("AWS_LOCATION", "/media"),
            ("AWS_S3_ADDRESSING_STYLE", "sideways"),
            ("AWS_S3_SIGNATURE_VERSION", "v5"),
            ("AWS_S3_URL_PROTOCOL", "https"),
            ("AWS_S3_CUSTOM_DOMAIN", "cdn.example.com/"),
            ("AWS_DEFAULT_ACL", "world-writable"),
            ("AWS_S3_FILE_BUFFER_SIZE", "0"),
            ("AWS_S3_TRANSFER_CONFIG", r#"{"speed": 1}"#),
        ] {
            let mut settings = Settings::new();
            let message = settings.set(key, value).unwrap_err().to_string();
            assert!(message.contains(key), "{message}");
            assert!(settings.values.is_empty());
        }
        let message = Settings::new()
            .set("AWS_PRELOAD_METADATA", "True")
            .unwrap_err()
            .to_string();
        assert!(message.contains("removed"), "{message}");
    }

    #[test]
    fn cross_key_checks() {
        assert!(config_error(&[("AWS_CLOUDFRONT_KEY", "k")]).contains("AWS_CLOUDFRONT_KEY_ID"));
        assert!(config_error(&[("AWS_CLOUDFRONT_KEY_ID", "id")]).contains("AWS_CLOUDFRONT_KEY"));
        let mut settings = Settings::new();
        settings.set("AWS_LOCATION", "x").unwrap();
        let message = Config::resolve(&settings).unwrap_err().to_string();
        assert!(message.contains("AWS_STORAGE_BUCKET_NAME"), "{message}");
    }

    #[test]
    fn legacy_settings_translate() {
        let config = with(&[
            ("AWS_HEADERS", r#"{"Cache-Control": "max-age=86400"}"#),
            ("AWS_ORIGIN", "eu-west-1"),
            (
                "AWS_S3_CALLING_FORMAT",
                "boto.s3.connection.VHostCallingFormat",
            ),
            ("AWS_S3_PROXY_HOST", "127.0.0.1"),
            ("AWS_S3_PROXY_PORT", "3128"),
            ("S3_USE_SIGV4", "True"),
            ("AWS_S3_SECURE_URLS", "False"),
        ])
        .and_then(|settings| Config::resolve(&settings))
        .unwrap();
        assert_eq!(config.object_parameters["CacheControl"], "max-age=86400");
        assert_eq!(config.endpoint.region.as_deref(), Some("eu-west-1"));
        assert_eq!(config.endpoint.addressing, AddressingStyle::Virtual);
        let client_wins = with(&[
            ("AWS_S3_ADDRESSING_STYLE", "virtual"),
            (
                "AWS_S3_CLIENT_CONFIG",
                r#"{"s3": {"addressing_style": "path"}, "signature_version": "s3"}"#,
            ),
            ("AWS_S3_SIGNATURE_VERSION", "s3v4"),
        ])
        .and_then(|settings| Config::resolve(&settings))
        .unwrap();
        // AWS_S3_CLIENT_CONFIG wins, as in django-storages (it replaces the client's config).
        assert_eq!(client_wins.endpoint.addressing, AddressingStyle::Path);
        assert_eq!(
            client_wins.urls.signature_version,
            crate::settings::SignatureVersion::V2
        );
        assert_eq!(config.http.proxies["https"], "127.0.0.1:3128");
        assert_eq!(config.urls.url_protocol, "http:");
        let config = with(&[
            ("AWS_S3_HOST", "s3.eu-central-1.amazonaws.com"),
            ("AWS_S3_PORT", "8443"),
        ])
        .and_then(|settings| Config::resolve(&settings))
        .unwrap();
        assert_eq!(
            config.endpoint.url.as_deref(),
            Some("https://s3.eu-central-1.amazonaws.com:8443")
        );
        assert_eq!(config.endpoint.region.as_deref(), Some("eu-central-1"));
        assert_eq!(
            region_from_host("s3-us-west-2.amazonaws.com").as_deref(),
            Some("us-west-2")
        );
        assert_eq!(region_from_host("s3.amazonaws.com"), None);
    }

    #[test]
    fn from_env_reads_known_keys() {
        // SAFETY of set_var: no other test reads these two keys.
        unsafe {
            std::env::set_var("AWS_S3_FILE_NAME_CHARSET", "latin-1");
            std::env::set_var("AWS_S3_URL_PROTOCOL", "bad");
        }
        let error = Settings::from_env().unwrap_err().to_string();
        assert!(error.contains("AWS_S3_URL_PROTOCOL"), "{error}");
        unsafe { std::env::set_var("AWS_S3_URL_PROTOCOL", "http:") };
        let settings = Settings::from_env().unwrap();
        assert_eq!(
            settings.string("AWS_S3_FILE_NAME_CHARSET").as_deref(),
            Some("latin-1")
        );
        assert_eq!(
            settings.string("AWS_S3_URL_PROTOCOL").as_deref(),
            Some("http:")
        );
        unsafe {
            std::env::remove_var("AWS_S3_FILE_NAME_CHARSET");
            std::env::remove_var("AWS_S3_URL_PROTOCOL");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let settings = with(&[
            ("AWS_S3_ACCESS_KEY_ID", "AKIDVISIBLE"),
            ("AWS_S3_SECRET_ACCESS_KEY", "TOPSECRETVALUE"),
            ("AWS_SESSION_TOKEN", "TOKENSECRET"),
            (
                "AWS_S3_OBJECT_PARAMETERS",
                r#"{"SSECustomerKey": "SSECSECRET", "SSECustomerAlgorithm": "AES256"}"#,
            ),
        ])
        .unwrap();
        let shown = format!("{settings:?} {:?}", Config::resolve(&settings).unwrap());
        for secret in ["TOPSECRETVALUE", "TOKENSECRET", "SSECSECRET"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("AKIDVISIBLE"));
    }
}
