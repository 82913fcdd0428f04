//! Shared helpers for the tests that run against the real local S3 server
//! (started by `scripts/test.sh`, which exports `S3STORAGE_TEST_*`).
#![allow(dead_code)]

use s3storage::{Settings, Storage};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bucket every test uses (created on first use by AWS_AUTO_CREATE_BUCKET).
pub const BUCKET: &str = "s3storage-tests";

/// The server's endpoint; the tests need the server the test script starts.
pub fn endpoint() -> String {
    std::env::var("S3STORAGE_TEST_ENDPOINT").expect(
        "S3STORAGE_TEST_ENDPOINT is not set: run the tests with scripts/test.sh, which starts \
         the local SeaweedFS server",
    )
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/test.sh"))
}

/// The admin credentials of the test server.
pub fn keys() -> (String, String) {
    (
        var("S3STORAGE_TEST_ACCESS_KEY"),
        var("S3STORAGE_TEST_SECRET_KEY"),
    )
}

/// A fresh, unique location (key prefix) so tests do not see each other's objects.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{n}-{nanos}", std::process::id())
}

/// Settings for the test server, plus `extra`.
pub fn settings(extra: &[(&str, &str)]) -> Settings {
    let (access, secret) = keys();
    let mut settings = Settings::new();
    for (key, value) in [
        ("AWS_STORAGE_BUCKET_NAME", BUCKET),
        ("AWS_S3_ENDPOINT_URL", endpoint().as_str()),
        ("AWS_S3_REGION_NAME", "us-east-1"),
        ("AWS_S3_ACCESS_KEY_ID", access.as_str()),
        ("AWS_S3_SECRET_ACCESS_KEY", secret.as_str()),
        ("AWS_AUTO_CREATE_BUCKET", "True"),
    ] {
        settings.set(key, value).unwrap();
    }
    for (key, value) in extra {
        settings.set(key, value).unwrap();
    }
    settings
}

/// A storage on the test server under a unique location.
pub fn storage(extra: &[(&str, &str)]) -> Storage {
    let location = unique("t");
    let mut pairs: Vec<(&str, &str)> = vec![("AWS_LOCATION", location.as_str())];
    pairs.extend_from_slice(extra);
    Storage::new(&settings(&pairs)).unwrap()
}

/// Response of a plain HTTP request to a URL (status, headers, body).
pub fn fetch(method: &str, url: &str) -> (u16, http::HeaderMap, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let request = http::Request::builder()
        .method(method)
        .uri(url)
        .body(())
        .unwrap();
    let response = agent.run(request).expect("request to the local server");
    let (parts, mut body) = response.into_parts();
    let bytes = body.read_to_vec().unwrap_or_default();
    (parts.status.as_u16(), parts.headers, bytes)
}

/// A pseudo-random, reproducible byte pattern.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    let mut state = seed as u32 ^ 0x9e37_79b9;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state & 0xff) as u8
        })
        .collect()
}
