//! Guarantees under concurrency and failure: create-only saves at scale, and secrets
//! that never show up in any message, log line, Debug output or URL.

mod common;

use common::{settings, unique};
use s3storage::{Settings, Storage, UrlOptions};
use std::io::Read;
use std::sync::{Arc, Mutex};

#[test]
fn eight_threads_by_fifty_create_only_saves_of_one_name() {
    if common::lacks(
        &["atomic-conditional-writes"],
        "eight_threads_by_fifty_create_only_saves_of_one_name",
    ) {
        return;
    }
    let location = unique("race400");
    let storage = Storage::new(&settings(&[
        ("AWS_S3_FILE_OVERWRITE", "False"),
        ("AWS_LOCATION", &location),
    ]))
    .unwrap();
    let handles: Vec<_> = (0..8)
        .map(|thread| {
            let storage = storage.clone();
            std::thread::spawn(move || {
                (0..50)
                    .map(|round| {
                        let content = format!("thread {thread} round {round}");
                        (
                            storage.save("same.txt", content.as_bytes()).unwrap(),
                            content,
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let saved: Vec<(String, String)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let mut names: Vec<&str> = saved.iter().map(|(name, _)| name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 400, "400 distinct objects");
    for (name, content) in &saved {
        let mut text = String::new();
        storage
            .open(name, "r")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(&text, content, "{name} holds its own content");
    }
    assert_eq!(storage.listdir("").unwrap().1.len(), 400);
}

const SECRET_KEY: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjSESSIONTOKENVALUE";
const SSE_C_KEY: &str = "SSECKEY-0123456789abcdef0123456789";

#[test]
fn secrets_never_appear_in_messages_logs_or_debug() {
    if common::lacks(&["auth"], "secrets_never_appear_in_messages_logs_or_debug") {
        return;
    }
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    s3storage::log::set_logger(Some(Arc::new(move |_, message: &str| {
        sink.lock().unwrap().push(message.to_string());
    })));
    let dir = tempfile::tempdir().unwrap();
    common::run(
        "openssl",
        &["genrsa", "-traditional", "-out", "key.pem", "1024"],
        dir.path(),
    );
    let cloudfront_key = std::fs::read_to_string(dir.path().join("key.pem")).unwrap();
    // A leak keeps the PEM's line breaks (Display) or shows them as `\n` (Debug): look
    // for each base64 line on its own, and for the PEM's armour.
    let cloudfront_lines: Vec<&str> = cloudfront_key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .collect();
    assert!(cloudfront_lines.len() >= 10, "{cloudfront_key}");

    let mut produced: Vec<String> = Vec::new();
    let params =
        format!(r#"{{"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "{SSE_C_KEY}"}}"#);
    let mut settings = settings(&[
        ("AWS_LOCATION", &unique("secrets")),
        ("AWS_S3_SECRET_ACCESS_KEY", SECRET_KEY),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        ("AWS_S3_OBJECT_PARAMETERS", &params),
        ("AWS_AUTO_CREATE_BUCKET", "False"),
        (
            "AWS_S3_CLIENT_CONFIG",
            r#"{"retries": {"total_max_attempts": 2}}"#,
        ),
    ]);
    produced.push(format!("{settings:?}"));
    let storage = Storage::new(&settings).unwrap();
    produced.push(format!("{storage:?}"));
    // Failing operations of every kind (the keys are wrong for this server).
    produced.push(storage.exists("a.txt").unwrap_err().to_string());
    produced.push(storage.save("a.txt", &b"x"[..]).unwrap_err().to_string());
    produced.push(storage.open("a.txt", "r").unwrap_err().to_string());
    produced.push(storage.listdir("").unwrap_err().to_string());
    produced.push(storage.delete("a.txt").unwrap_err().to_string());
    produced.push(storage.size("a.txt").unwrap_err().to_string());
    let mut writer = storage.open("b.bin", "w").unwrap();
    let written = writer.write_bytes(&vec![0u8; 6 * 1024 * 1024]);
    produced.push(format!("{written:?}"));
    produced.push(format!("{writer:?}"));
    let closed = writer.close().unwrap_err(); // the keys are wrong: nothing is committed
    produced.push(closed.to_string());
    produced.push(format!("{closed:?}"));
    produced.push(format!(
        "{:?}",
        storage.url_with(
            "a.txt",
            &UrlOptions {
                http_method: Some("BAD".into()),
                ..Default::default()
            }
        )
    ));
    // Unreachable endpoint, bad settings.
    settings
        .set("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9")
        .unwrap();
    let unreachable = Storage::new(&settings).unwrap();
    produced.push(unreachable.exists("a.txt").unwrap_err().to_string());
    let mut bad = Settings::new();
    bad.set("AWS_S3_SECRET_ACCESS_KEY", SECRET_KEY).unwrap();
    bad.set("AWS_CLOUDFRONT_KEY", &cloudfront_key).unwrap();
    produced.push(format!("{bad:?}"));
    produced.push(format!("{:?}", Storage::new(&bad).map(|_| ())));
    let mut cdn = common::settings(&[
        ("AWS_S3_CUSTOM_DOMAIN", "cdn.example.com"),
        ("AWS_CLOUDFRONT_KEY_ID", "KID"),
        ("AWS_CLOUDFRONT_KEY", &cloudfront_key),
    ]);
    produced.push(format!("{cdn:?}"));
    let cdn_storage = Storage::new(&cdn).unwrap();
    produced.push(cdn_storage.url("x").unwrap());
    produced.push(format!("{cdn_storage:?}"));
    cdn.set(
        "AWS_CLOUDFRONT_KEY",
        "-----BEGIN RSA PRIVATE KEY-----\nnot-a-key\n-----END RSA PRIVATE KEY-----",
    )
    .unwrap();
    produced.push(Storage::new(&cdn).unwrap_err().to_string());
    // Presigned URLs carry the token where S3 requires it, never the secret key.
    let url = storage.url("a.txt").unwrap();
    assert!(url.contains("X-Amz-Security-Token="));
    assert!(!url.contains(SECRET_KEY));

    s3storage::log::set_logger(None);
    produced.extend(lines.lock().unwrap().iter().cloned());
    assert!(produced.iter().filter(|text| !text.is_empty()).count() > 20);
    for text in &produced {
        let fixed = [
            SECRET_KEY,
            SESSION_TOKEN,
            SSE_C_KEY,
            "not-a-key",
            "PRIVATE KEY",
        ];
        for secret in fixed.iter().chain(&cloudfront_lines) {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
        let encoded = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(SSE_C_KEY)
        };
        assert!(
            !text.contains(&encoded),
            "the SSE-C key leaked (base64) into: {text}"
        );
    }
}
