//! Transport settings through real loopback helpers: a TLS terminator (stunnel), an HTTP
//! proxy (tinyproxy), virtual-hosted addressing, SigV2 URLs, legacy settings, and a
//! CloudFront signature checked with openssl.

mod common;

use common::{fetch, http_proxy, run, settings, tls_terminator, unique};
use s3storage::{ResultCode, Storage};
use std::io::Read;
use std::sync::{Arc, Mutex};

fn round_trip(storage: &Storage) {
    let name = storage
        .save("round-trip.txt", &b"through the loopback helper"[..])
        .unwrap();
    let mut text = String::new();
    storage
        .open(&name, "r")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "through the loopback helper");
}

#[test]
fn tls_verify_default_ca_bundle_and_off() {
    if common::lacks(&["http"], "tls_verify_default_ca_bundle_and_off") {
        return;
    }
    let tls = tls_terminator();
    let endpoint = format!("https://127.0.0.1:{}", tls.port);
    let location = unique("tls");
    let base = [
        ("AWS_S3_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_LOCATION", location.as_str()),
    ];

    // Default: the test CA is not trusted.
    let storage = Storage::new(&settings(&base)).unwrap();
    let error = storage.exists("x").unwrap_err();
    assert_eq!(error.code(), ResultCode::Network, "{error}");

    // A CA bundle path trusts it.
    let ca = tls.dir.path().join("ca.pem");
    let mut with_ca = base.to_vec();
    with_ca.push(("AWS_S3_VERIFY", ca.to_str().unwrap()));
    round_trip(&Storage::new(&settings(&with_ca)).unwrap());

    // False turns checks off.
    let mut off = base.to_vec();
    off.push(("AWS_S3_VERIFY", "False"));
    round_trip(&Storage::new(&settings(&off)).unwrap());

    // A missing bundle is a configuration error.
    let mut missing = base.to_vec();
    missing.push(("AWS_S3_VERIFY", "/nonexistent/ca.pem"));
    assert_eq!(
        Storage::new(&settings(&missing)).unwrap_err().code(),
        ResultCode::Config
    );
}

fn proxy_log(proxy: &common::Helper) -> String {
    std::fs::read_to_string(proxy.dir.path().join("proxy.log")).unwrap_or_default()
}

/// Requests to the test server that passed through the proxy (ureq tunnels with CONNECT).
fn tunnels(proxy: &common::Helper) -> usize {
    let upstream = common::endpoint().trim_start_matches("http://").to_string();
    proxy_log(proxy)
        .matches(&format!("CONNECT {upstream} "))
        .count()
}

#[test]
fn proxies_by_scheme_host_and_legacy_settings() {
    if common::lacks(&["http"], "proxies_by_scheme_host_and_legacy_settings") {
        return;
    }
    let configs = |port: u16| {
        vec![
            vec![(
                "AWS_S3_PROXIES".to_string(),
                format!(r#"{{"http": "127.0.0.1:{port}"}}"#),
            )],
            vec![(
                "AWS_S3_PROXIES".to_string(),
                format!(
                    r#"{{"http://127.0.0.1": "http://127.0.0.1:{port}", "http": "127.0.0.1:9"}}"#
                ),
            )],
            vec![
                ("AWS_S3_PROXY_HOST".to_string(), "127.0.0.1".to_string()),
                ("AWS_S3_PROXY_PORT".to_string(), port.to_string()),
            ],
        ]
    };
    for index in 0..3 {
        let proxy = http_proxy();
        let config = configs(proxy.port).remove(index);
        let location = unique("proxy");
        let mut pairs: Vec<(&str, &str)> = config
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.push(("AWS_LOCATION", &location));
        round_trip(&Storage::new(&settings(&pairs)).unwrap());
        assert!(
            tunnels(&proxy) >= 1,
            "config {index}: the proxy saw nothing: {}",
            proxy_log(&proxy)
        );
        // A storage without proxies does not use it.
        let before = tunnels(&proxy);
        round_trip(&Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap());
        assert_eq!(tunnels(&proxy), before);
    }
}

#[test]
fn virtual_hosted_addressing() {
    if common::lacks(&["http"], "virtual_hosted_addressing") {
        return;
    }
    assert!(
        std::net::ToSocketAddrs::to_socket_addrs(&("s3storage-vhost.localhost", 80)).is_ok(),
        "s3storage-vhost.localhost does not resolve: run scripts/install-deps.sh"
    );
    let port = std::env::var("S3STORAGE_TEST_PORT").unwrap();
    let endpoint = format!("http://localhost:{port}");
    let mut settings = settings(&[
        ("AWS_S3_ENDPOINT_URL", &endpoint),
        ("AWS_S3_ADDRESSING_STYLE", "virtual"),
        ("AWS_LOCATION", &unique("vhost")),
    ]);
    settings
        .set("AWS_STORAGE_BUCKET_NAME", "s3storage-vhost")
        .unwrap();
    let storage = Storage::new(&settings).unwrap();
    round_trip(&storage);
    let url = storage.url("round-trip.txt").unwrap();
    assert!(
        url.starts_with(&format!("http://s3storage-vhost.localhost:{port}/")),
        "{url}"
    );
    let (status, _, body) = fetch("GET", &url);
    assert_eq!(
        (status, body.as_slice()),
        (200, &b"through the loopback helper"[..])
    );
    let (dirs, files) = storage.listdir("").unwrap();
    assert!(dirs.is_empty());
    assert_eq!(files, vec!["round-trip.txt".to_string()]);
}

#[test]
fn sigv2_query_string_urls() {
    if common::lacks(&["http", "auth"], "sigv2_query_string_urls") {
        return;
    }
    let storage = Storage::new(&settings(&[
        ("AWS_S3_SIGNATURE_VERSION", "s3"),
        ("AWS_LOCATION", &unique("v2")),
    ]))
    .unwrap();
    storage
        .save("v2 file+name.txt", &b"signed with v2"[..])
        .unwrap();
    let url = storage.url("v2 file+name.txt").unwrap();
    assert!(
        url.contains("AWSAccessKeyId=s3storage-ak")
            && url.contains("&Signature=")
            && url.contains("&Expires="),
        "{url}"
    );
    let (status, _, body) = fetch("GET", &url);
    assert_eq!(
        (status, body.as_slice()),
        (200, &b"signed with v2"[..]),
        "{url}"
    );
    let tampered = url.replace("Expires=", "Expires=1");
    assert_eq!(fetch("GET", &tampered).0, 403);
}

#[test]
fn legacy_host_port_and_secure_urls_translate_with_warnings() {
    if common::lacks(
        &["http"],
        "legacy_host_port_and_secure_urls_translate_with_warnings",
    ) {
        return;
    }
    let warnings = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = warnings.clone();
    s3storage::log::set_logger(Some(Arc::new(move |level, message: &str| {
        if level == s3storage::log::Level::Warn {
            sink.lock().unwrap().push(message.to_string());
        }
    })));
    let port = std::env::var("S3STORAGE_TEST_PORT").unwrap();
    let mut settings = settings(&[("AWS_LOCATION", &unique("legacy"))]);
    // Replace the endpoint by the legacy host + port, over plain http.
    settings.set("AWS_S3_ENDPOINT_URL", "None").unwrap();
    for (key, value) in [
        ("AWS_S3_HOST", "127.0.0.1"),
        ("AWS_S3_PORT", port.as_str()),
        ("AWS_S3_USE_SSL", "False"),
        ("AWS_HEADERS", r#"{"Cache-Control": "max-age=60"}"#),
        ("AWS_S3_CALLING_FORMAT", "OrdinaryCallingFormat"),
        ("AWS_S3_SECURE_URLS", "False"),
        ("AWS_ORIGIN", "us-east-1"),
        ("S3_USE_SIGV4", "True"),
    ] {
        settings.set(key, value).unwrap();
    }
    let storage = Storage::new(&settings).unwrap();
    round_trip(&storage);
    let head = s3storage::UrlOptions {
        http_method: Some("HEAD".into()),
        ..Default::default()
    };
    let (status, headers, _) = fetch("HEAD", &storage.url_with("round-trip.txt", &head).unwrap());
    assert_eq!(status, 200);
    assert_eq!(headers.get("cache-control").unwrap(), "max-age=60");
    s3storage::log::set_logger(None);
    let warnings = warnings.lock().unwrap();
    for (key, replacement) in [
        ("AWS_S3_HOST", "AWS_S3_ENDPOINT_URL"),
        ("AWS_S3_PORT", "AWS_S3_ENDPOINT_URL"),
        ("AWS_S3_SECURE_URLS", "AWS_S3_URL_PROTOCOL"),
        ("AWS_HEADERS", "AWS_S3_OBJECT_PARAMETERS"),
        ("AWS_S3_CALLING_FORMAT", "AWS_S3_ADDRESSING_STYLE"),
        ("AWS_ORIGIN", "AWS_S3_REGION_NAME"),
        ("S3_USE_SIGV4", "remove it"),
    ] {
        let found: Vec<_> = warnings
            .iter()
            .filter(|w| w.starts_with(&format!("{key} ")))
            .collect();
        assert!(
            !found.is_empty() && found.iter().all(|w| w.contains(replacement)),
            "{key}: {warnings:?}"
        );
    }
}

#[test]
fn cloudfront_signature_verifies_with_openssl() {
    if common::lacks(&["http"], "cloudfront_signature_verifies_with_openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    run(
        "openssl",
        &["genrsa", "-traditional", "-out", "key.pem", "2048"],
        path,
    );
    run(
        "openssl",
        &["rsa", "-in", "key.pem", "-pubout", "-out", "pub.pem"],
        path,
    );
    let pem = std::fs::read_to_string(path.join("key.pem")).unwrap();
    let storage = Storage::new(&settings(&[
        ("AWS_S3_CUSTOM_DOMAIN", "cdn.example.com"),
        ("AWS_CLOUDFRONT_KEY_ID", "K2TESTKEYID"),
        ("AWS_CLOUDFRONT_KEY", &pem),
        ("AWS_QUERYSTRING_EXPIRE", "600"),
    ]))
    .unwrap();
    let url = storage.url("media/a b.txt").unwrap();
    let (base, query) = url.split_once('?').unwrap();
    assert_eq!(base, "https://cdn.example.com/media/a%20b.txt");
    let field = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_string()
    };
    assert_eq!(field("Key-Pair-Id"), "K2TESTKEYID");
    let expires: i64 = field("Expires").parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now + 590..=now + 610).contains(&expires));
    use base64::Engine as _;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(
            field("Signature")
                .replace('-', "+")
                .replace('_', "=")
                .replace('~', "/"),
        )
        .unwrap();
    std::fs::write(path.join("sig.bin"), signature).unwrap();
    let policy = format!(
        r#"{{"Statement":[{{"Resource":"{base}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#
    );
    std::fs::write(path.join("policy.json"), policy).unwrap();
    let verified = run(
        "openssl",
        &[
            "dgst",
            "-sha1",
            "-verify",
            "pub.pem",
            "-signature",
            "sig.bin",
            "policy.json",
        ],
        path,
    );
    assert!(verified.contains("Verified OK"), "{verified}");
    assert!(!url.contains("PRIVATE"));
    // Without AWS_QUERYSTRING_AUTH the custom-domain URL is plain.
    let plain = Storage::new(&settings(&[
        ("AWS_S3_CUSTOM_DOMAIN", "cdn.example.com"),
        ("AWS_CLOUDFRONT_KEY_ID", "K2TESTKEYID"),
        ("AWS_CLOUDFRONT_KEY", &pem),
        ("AWS_QUERYSTRING_AUTH", "False"),
    ]))
    .unwrap();
    assert_eq!(plain.url("x.txt").unwrap(), "https://cdn.example.com/x.txt");
    // A key that is not a key is refused when the storage is made.
    let error = Storage::new(&settings(&[
        ("AWS_CLOUDFRONT_KEY_ID", "K"),
        ("AWS_CLOUDFRONT_KEY", "nope"),
    ]))
    .unwrap_err();
    assert_eq!(error.code(), ResultCode::Config);
    assert!(!error.to_string().contains("nope"));
}
