//! Credentials from loopback endpoints (container credentials, IMDSv2), their renewal,
//! and anonymous access. One test function: it changes process environment variables.

mod common;

use common::{fetch, keyless, set_env, settings, unique};
use s3storage::{ResultCode, Storage};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A minimal HTTP endpoint on loopback answering from a function of (method, path, headers).
struct Endpoint {
    port: u16,
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
}

type Handler = dyn Fn(&str, &str, &str) -> (u16, String) + Send + Sync;

fn serve(handler: Arc<Handler>) -> Endpoint {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (hits2, requests2) = (hits.clone(), requests.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut headers = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                headers.push_str(&line.to_ascii_lowercase());
            }
            let mut parts = request_line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            hits2.fetch_add(1, Ordering::SeqCst);
            requests2.lock().unwrap().push(format!("{method} {path}"));
            let (status, body) = handler(method, path, &headers);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Endpoint {
        port,
        hits,
        requests,
    }
}

/// Temporary credentials as the endpoints serve them. (No `Token`: SeaweedFS refuses
/// session tokens it did not issue; the token header is checked offline below.)
fn credentials_json(expires_in: i64) -> String {
    let (access, secret) = common::keys();
    let expiry = time::OffsetDateTime::now_utc() + time::Duration::seconds(expires_in);
    let expiry = expiry
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    format!(
        r#"{{"Code":"Success","AccessKeyId":"{access}","SecretAccessKey":"{secret}","Expiration":"{expiry}"}}"#
    )
}

#[test]
fn endpoint_credentials_renewal_and_anonymous_access() {
    if common::lacks(
        &["http", "public-bucket", "auth"],
        "endpoint_credentials_renewal_and_anonymous_access",
    ) {
        return;
    }
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_S3_ACCESS_KEY_ID",
        "AWS_S3_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ] {
        set_env(name, None);
    }
    let empty = tempfile::tempdir().unwrap();
    let no_file = empty.path().join("none");
    set_env(
        "AWS_SHARED_CREDENTIALS_FILE",
        Some(no_file.to_str().unwrap()),
    );
    set_env("AWS_EC2_METADATA_DISABLED", Some("true"));
    let location = unique("creds");
    // The admin seeds an object; SeaweedFS accepts the session token header as it is.
    Storage::new(&settings(&[("AWS_LOCATION", &location)]))
        .unwrap()
        .save("seed.txt", &b"seed"[..])
        .unwrap();

    // Container credentials endpoint (full URI with an authorization token), expiring in 1 h.
    let container = serve(Arc::new(|_, _, headers: &str| {
        if headers.contains("authorization: secret-token") {
            (200, credentials_json(3600))
        } else {
            (401, "no token".into())
        }
    }));
    set_env(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        Some(&format!("http://127.0.0.1:{}/creds", container.port)),
    );
    set_env("AWS_CONTAINER_AUTHORIZATION_TOKEN", Some("secret-token"));
    let storage = Storage::new(&keyless(&location)).unwrap();
    let origin = storage.resolved().credentials;
    assert!(
        origin.starts_with("the container credentials endpoint http://127.0.0.1:"),
        "{origin}"
    );
    assert!(!origin.contains("secret-token"), "{origin}");
    assert!(storage.exists("seed.txt").unwrap());
    storage.save("from-container.txt", &b"c"[..]).unwrap();
    assert_eq!(
        container.hits.load(Ordering::SeqCst),
        1,
        "fetched once while fresh"
    );
    set_env("AWS_CONTAINER_CREDENTIALS_FULL_URI", None);
    set_env("AWS_CONTAINER_AUTHORIZATION_TOKEN", None);

    // IMDSv2: token, role, credentials; they expire in 2 minutes, so each use renews them.
    let imds = serve(Arc::new(|method: &str, path: &str, headers: &str| {
        match (method, path) {
            ("PUT", "/latest/api/token")
                if headers.contains("x-aws-ec2-metadata-token-ttl-seconds") =>
            {
                (200, "imds-token".into())
            }
            (_, _) if !headers.contains("x-aws-ec2-metadata-token: imds-token") => {
                (401, String::new())
            }
            ("GET", "/latest/meta-data/iam/security-credentials/") => (200, "test-role".into()),
            ("GET", "/latest/meta-data/iam/security-credentials/test-role") => {
                (200, credentials_json(120))
            }
            _ => (404, String::new()),
        }
    }));
    set_env("AWS_EC2_METADATA_DISABLED", None);
    set_env(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        Some(&format!("http://127.0.0.1:{}/", imds.port)),
    );
    let storage = Storage::new(&keyless(&location)).unwrap();
    let after_create = imds.hits.load(Ordering::SeqCst);
    assert!(after_create >= 3, "{:?}", imds.requests.lock().unwrap());
    assert_eq!(imds.requests.lock().unwrap()[0], "PUT /latest/api/token");
    let mut text = String::new();
    storage
        .open("seed.txt", "r")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "seed");
    assert!(
        imds.hits.load(Ordering::SeqCst) > after_create,
        "near-expiry credentials were renewed"
    );
    // A session token travels with every signature (here: in the presigned URL).
    let mut with_token = settings(&[("AWS_LOCATION", &location)]);
    with_token
        .set("AWS_SESSION_TOKEN", "session-token-value")
        .unwrap();
    let url = Storage::new(&with_token).unwrap().url("seed.txt").unwrap();
    assert!(
        url.contains("X-Amz-Security-Token=session-token-value"),
        "{url}"
    );

    // Nothing at all: anonymous. Public reads and unsigned URLs work; writes are refused.
    set_env("AWS_EC2_METADATA_SERVICE_ENDPOINT", None);
    set_env("AWS_EC2_METADATA_DISABLED", Some("true"));
    let mut admin = settings(&[("AWS_LOCATION", &location)]);
    admin
        .set("AWS_STORAGE_BUCKET_NAME", "s3storage-public")
        .unwrap();
    Storage::new(&admin)
        .unwrap()
        .save("open.txt", &b"public"[..])
        .unwrap();
    let mut anonymous = keyless(&location);
    anonymous
        .set("AWS_STORAGE_BUCKET_NAME", "s3storage-public")
        .unwrap();
    let anonymous = Storage::new(&anonymous).unwrap();
    assert_eq!(
        anonymous.resolved().credentials,
        "none: requests are sent unsigned"
    );
    assert!(anonymous.exists("open.txt").unwrap());
    let mut text = String::new();
    anonymous
        .open("open.txt", "r")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "public");
    let url = anonymous.url("open.txt").unwrap();
    assert!(!url.contains("Signature"), "{url}");
    let (status, _, body) = fetch("GET", &url);
    assert_eq!((status, body.as_slice()), (200, &b"public"[..]));
    let (_, files) = anonymous.listdir("").unwrap();
    assert_eq!(files, vec!["open.txt"]);
    assert_eq!(
        anonymous.save("nope.txt", &b"x"[..]).unwrap_err().code(),
        ResultCode::AccessDenied
    );
    let private = Storage::new(&keyless(&location)).unwrap();
    let error = private.exists("seed.txt").unwrap_err();
    assert_eq!(error.code(), ResultCode::AccessDenied);
    // The refusal says which sources were tried (and shows no secret).
    let message = error.to_string();
    assert!(
        message.contains("no credentials were found; tried:")
            && message.contains("instance metadata service (disabled)"),
        "{message}"
    );
}
