//! The properties the fuzz targets (`fuzz/`) check, shared with the corpus regression test
//! (`tests/fuzz_corpus.rs`) so that both run the same code. Each function panics when a
//! property fails; bad input itself must only ever give an error.

use crate::names;
use crate::settings::Settings;
use crate::{Storage, UrlOptions};

/// Splits fuzz input into a few strings at NUL bytes.
fn parts(data: &[u8], count: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut parts: Vec<String> = text.splitn(count, '\0').map(str::to_string).collect();
    parts.resize(count, String::new());
    parts
}

/// Name cleaning and joining under a location: never escapes, never keeps a dot segment.
pub fn names(data: &[u8]) {
    let [location, name]: [String; 2] = parts(data, 2).try_into().expect("two parts");
    let cleaned = names::clean_name(&name);
    let _ = names::available_overwrite_name(&cleaned, Some(name.len() / 2 + 1));
    let Ok(key) = names::safe_join(&location, &[&cleaned]) else {
        return;
    };
    let base = location.trim_matches('/');
    if !base.is_empty() {
        assert!(
            key == format!("{base}/") || key.starts_with(&format!("{base}/")),
            "{key:?} escaped {location:?}"
        );
    }
    assert!(!key.starts_with('/'), "{key:?} is absolute");
    assert!(
        !key.split('/').any(|segment| segment == ".."),
        "{key:?} keeps a '..' segment"
    );
    // A location with control characters is refused by the settings, before any key.
    let location_ok = names::check_new_name(&location).is_ok();
    if let (true, Ok(key)) = (location_ok, names::file_key(&location, &name)) {
        assert!(key.len() <= 1024 && !key.contains('\0'));
    }
}

/// The settings value parser: any key and value give Ok or a Config error naming the key.
pub fn settings(data: &[u8]) {
    let [key, value, second]: [String; 3] = parts(data, 3).try_into().expect("three parts");
    let mut settings = Settings::new();
    for key in [
        key.as_str(),
        "AWS_S3_OBJECT_PARAMETERS",
        "AWS_S3_PROXIES",
        "GZIP_CONTENT_TYPES",
        "AWS_S3_VERIFY",
        "AWS_S3_CLIENT_CONFIG",
        "AWS_S3_TRANSFER_CONFIG",
        "AWS_HEADERS",
    ] {
        if let Err(error) = settings.set(key, &value) {
            let message = error.to_string();
            assert!(
                message.contains(key) || key.is_empty(),
                "{message:?} does not name {key:?}"
            );
        }
    }
    let _ = settings.set("AWS_STORAGE_BUCKET_NAME", &second);
    let _ = crate::config::Config::resolve(&settings);
    let _ = format!("{settings:?}");
}

/// URL building for any name and parameters: no panic, and a URL that parses.
pub fn url(data: &[u8]) {
    let [name, parameters, method]: [String; 3] = parts(data, 3).try_into().expect("three parts");
    let mut settings = Settings::new();
    for (key, value) in [
        ("AWS_STORAGE_BUCKET_NAME", "bucket"),
        ("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_S3_ACCESS_KEY_ID", "AKID"),
        ("AWS_S3_SECRET_ACCESS_KEY", "SECRET"),
        ("AWS_LOCATION", "media"),
    ] {
        settings.set(key, value).expect("valid settings");
    }
    let parameters = serde_json::from_str(&parameters).ok();
    let options = UrlOptions {
        parameters,
        expire: Some(60),
        http_method: Some(method),
    };
    for extra in [
        None,
        Some(("AWS_S3_SIGNATURE_VERSION", "s3")),
        Some(("AWS_S3_CUSTOM_DOMAIN", "cdn.example.com")),
    ] {
        let mut settings = settings.clone();
        if let Some((key, value)) = extra {
            settings.set(key, value).expect("valid setting");
        }
        let storage = Storage::new(&settings).expect("a storage");
        if let Ok(url) = storage.url_with(&name, &options) {
            let parsed =
                url::Url::parse(&url).unwrap_or_else(|e| panic!("{url:?} does not parse: {e}"));
            let echoed = name.contains("SECRET")
                || options
                    .parameters
                    .iter()
                    .any(|p| format!("{p:?}").contains("SECRET"));
            assert!(
                !url.contains(' ') && (echoed || !url.contains("SECRET")),
                "{url:?}"
            );
            assert!(parsed.host_str().is_some());
        }
    }
}

/// Every XML and JSON reply parser, of S3 servers and identity endpoints: any bytes give
/// a value or an error. A reply that declares a DTD is refused before it is parsed.
pub fn replies(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    crate::s3::parse_server_replies(&text);
    crate::aws::parse_identity_replies(&text);
    let refused = crate::xml::from_str::<std::collections::BTreeMap<String, String>>(&text);
    let lower = text.to_ascii_lowercase();
    if lower.contains("<!doctype") || lower.contains("<!entity") {
        let refusal = refused.err().unwrap_or_default();
        assert!(
            refusal.contains("DOCTYPE"),
            "a DTD was not refused: {refusal:?}"
        );
    }
}

/// The reply headers read (Content-Range, Content-Length, ETag, Last-Modified and the
/// checksum headers), split from the input at NUL bytes: any values give a value or
/// `None`, and a checksum found is one of the header's algorithms.
pub fn headers(data: &[u8]) {
    let values = parts(data, 4);
    let names = [
        "x-amz-checksum-crc32c",
        "x-amz-checksum-type",
        "etag",
        "x-amz-checksum-sha256",
    ];
    let header = |name: &str| {
        let at = names.iter().position(|known| *known == name)?;
        Some(values[at].as_str())
    };
    if let Some(found) = crate::checksums::ObjectChecksum::from_headers(header) {
        assert!(matches!(
            found.algorithm,
            crate::checksums::ChecksumAlgorithm::Crc32c
                | crate::checksums::ChecksumAlgorithm::Sha256
        ));
    }
    for value in &values {
        crate::s3::parse_server_replies(value);
    }
}
