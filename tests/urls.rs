//! url() against the real local server: presigned URLs work with a plain HTTP client,
//! tampered or expired ones are refused; unsigned and custom-domain forms are exact.

mod common;

use common::{fetch, settings, storage};
use s3storage::{ResultCode, Storage, UrlOptions};

fn params(json: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    Some(serde_json::from_str(json).unwrap())
}

#[test]
fn presigned_get_works_and_tampering_fails() {
    if common::lacks(&["http", "auth"], "presigned_get_works_and_tampering_fails") {
        return;
    }
    let storage = storage(&[]);
    storage.save("hello.txt", &b"hello"[..]).unwrap();
    let url = storage.url("hello.txt").unwrap();
    assert!(url.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"), "{url}");
    assert!(url.contains("X-Amz-Expires=3600"), "{url}");
    assert!(url.contains("X-Amz-Credential=s3storage-ak%2F"), "{url}");
    assert!(!url.contains("s3storage-sk"));
    let (status, _, body) = fetch("GET", &url);
    assert_eq!((status, body.as_slice()), (200, &b"hello"[..]));
    let tampered = url.replace("hello.txt", "hellO.txt");
    assert_eq!(fetch("GET", &tampered).0, 403);
    let tampered = url.replace("X-Amz-Expires=3600", "X-Amz-Expires=3601");
    assert_eq!(fetch("GET", &tampered).0, 403);
}

#[test]
fn expired_url_is_refused() {
    if common::lacks(
        &["http", "presign-expiry", "auth"],
        "expired_url_is_refused",
    ) {
        return;
    }
    let storage = storage(&[]);
    storage.save("soon.txt", &b"x"[..]).unwrap();
    let options = UrlOptions {
        expire: Some(2),
        ..Default::default()
    };
    let url = storage.url_with("soon.txt", &options).unwrap();
    // Good until it expires (so a URL refused for any other reason fails this test)...
    let (status, _, body) = fetch("GET", &url);
    assert_eq!((status, body.as_slice()), (200, &b"x"[..]));
    // ...and refused after.
    std::thread::sleep(std::time::Duration::from_millis(3500));
    assert_eq!(fetch("GET", &url).0, 403);
}

#[test]
fn methods_and_response_parameters() {
    if common::lacks(
        &["http", "response-overrides", "auth"],
        "methods_and_response_parameters",
    ) {
        return;
    }
    let storage = storage(&[("AWS_QUERYSTRING_EXPIRE", "60")]);
    storage.save("report.csv", &b"a,b\n"[..]).unwrap();
    let options = UrlOptions {
        parameters: params(r#"{"ResponseContentDisposition": "attachment; filename=\"r.csv\""}"#),
        ..Default::default()
    };
    let url = storage.url_with("report.csv", &options).unwrap();
    assert!(url.contains("X-Amz-Expires=60"));
    let (status, headers, _) = fetch("GET", &url);
    assert_eq!(status, 200);
    assert_eq!(
        headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap(),
        "attachment; filename=\"r.csv\""
    );
    let head = UrlOptions {
        http_method: Some("HEAD".into()),
        ..Default::default()
    };
    assert_eq!(
        fetch("HEAD", &storage.url_with("report.csv", &head).unwrap()).0,
        200
    );
    // A GET URL is not a HEAD URL.
    assert_eq!(fetch("HEAD", &storage.url("report.csv").unwrap()).0, 403);
    let delete = UrlOptions {
        http_method: Some("DELETE".into()),
        ..Default::default()
    };
    assert_eq!(
        fetch("DELETE", &storage.url_with("report.csv", &delete).unwrap()).0,
        204
    );
    assert!(!storage.exists("report.csv").unwrap());
    let bad = UrlOptions {
        http_method: Some("PATCH".into()),
        ..Default::default()
    };
    assert_eq!(
        storage.url_with("x", &bad).unwrap_err().code(),
        ResultCode::InvalidArgument
    );
    let bad = UrlOptions {
        parameters: params(r#"{"Nope": 1}"#),
        ..Default::default()
    };
    assert_eq!(
        storage.url_with("x", &bad).unwrap_err().code(),
        ResultCode::InvalidArgument
    );
    let too_long = UrlOptions {
        expire: Some(604_801),
        ..Default::default()
    };
    assert_eq!(
        storage.url_with("x", &too_long).unwrap_err().code(),
        ResultCode::InvalidArgument
    );
}

#[test]
fn unsigned_urls() {
    if common::lacks(&["http"], "unsigned_urls") {
        return;
    }
    let storage = Storage::new(&settings(&[
        ("AWS_QUERYSTRING_AUTH", "False"),
        ("AWS_LOCATION", "media"),
    ]))
    .unwrap();
    let url = storage.url("a b/c+d.txt").unwrap();
    assert_eq!(
        url,
        format!(
            "{}/{}/media/a%20b/c%2Bd.txt",
            common::endpoint(),
            common::BUCKET
        )
    );
}

#[test]
fn custom_domain_urls() {
    if common::lacks(&["http"], "custom_domain_urls") {
        return;
    }
    let storage = Storage::new(&settings(&[("AWS_S3_CUSTOM_DOMAIN", "cdn.example.com")])).unwrap();
    assert_eq!(
        storage.url("whacky & filename.mp4").unwrap(),
        "https://cdn.example.com/whacky%20%26%20filename.mp4"
    );
    assert_eq!(
        storage.url("ãlöhâ.jpg").unwrap(),
        "https://cdn.example.com/%C3%A3l%C3%B6h%C3%A2.jpg"
    );
    assert_eq!(storage.url("").unwrap(), "https://cdn.example.com/");
    assert_eq!(storage.url("dir/").unwrap(), "https://cdn.example.com/dir/");
    let options = UrlOptions {
        parameters: params(r#"{"version": 10}"#),
        ..Default::default()
    };
    assert_eq!(
        storage.url_with("file.txt", &options).unwrap(),
        "https://cdn.example.com/file.txt?version=10"
    );
    let storage = Storage::new(&settings(&[
        ("AWS_S3_CUSTOM_DOMAIN", "cdn.example.com"),
        ("AWS_S3_URL_PROTOCOL", "http:"),
        ("AWS_LOCATION", "static"),
    ]))
    .unwrap();
    assert_eq!(
        storage.url("a.css").unwrap(),
        "http://cdn.example.com/static/a.css"
    );
}
