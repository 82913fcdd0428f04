//! Retries as the SDKs' standard mode, through the fault proxy: a retry quota per storage
//! (a dead endpoint does not get every call's attempts), botocore's legacy mode without
//! one, and the server's `x-amz-retry-after` waited for.

mod common;

use common::proxy::{Fault, FaultProxy, Matcher};
use common::{settings, unique};
use s3storage::{ResultCode, Storage};
use std::time::{Duration, Instant};

fn through(proxy: &FaultProxy, retries: &str) -> Storage {
    let client = format!(r#"{{"connect_timeout": 2, "read_timeout": 5, "retries": {retries}}}"#);
    Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &unique("retries")),
        ("AWS_S3_CLIENT_CONFIG", &client),
    ]))
    .unwrap()
}

/// `threads` × `calls` existence checks against a proxy that answers 503 to everything:
/// the requests the proxy saw; every call must have failed with SERVER.
fn calls_against_an_outage(
    storage: &Storage,
    proxy: &FaultProxy,
    threads: usize,
    calls: usize,
) -> usize {
    storage.exists("warm-up").unwrap(); // the bucket is made (or found) before the outage
    proxy.add(
        Matcher::Containing(String::new()),
        Fault::Status503,
        usize::MAX,
    );
    let before = proxy.requests();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..threads {
            scope.spawn(move || {
                for call in 0..calls {
                    let error = storage.exists(&format!("t{thread}-{call}")).unwrap_err();
                    assert_eq!(error.code(), ResultCode::Server, "{error}");
                }
            });
        }
    });
    eprintln!("{} calls in {:?}", threads * calls, started.elapsed());
    proxy.requests() - before
}

#[test]
fn a_storage_facing_an_outage_stops_multiplying_requests() {
    if common::lacks(
        &["http"],
        "a_storage_facing_an_outage_stops_multiplying_requests",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, r#"{"total_max_attempts": 3}"#);
    let requests = calls_against_an_outage(&storage, &proxy, 16, 200);
    let per_call = requests as f64 / 3200.0;
    eprintln!("{requests} requests for 3200 calls ({per_call:.3} per call)");
    // 500 tokens / 5 per retry = 100 retries in all, then one request per call.
    assert!(per_call <= 1.2, "{requests} requests for 3200 calls");
    assert!(requests >= 3200, "fewer requests than calls: {requests}");
}

#[test]
fn legacy_mode_has_no_quota() {
    if common::lacks(&["http"], "legacy_mode_has_no_quota") {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, r#"{"mode": "legacy", "total_max_attempts": 2}"#);
    // 150 calls with one retry each take 750 tokens: more than a quota would give.
    let requests = calls_against_an_outage(&storage, &proxy, 16, 10);
    assert_eq!(
        requests,
        2 * 160,
        "legacy mode: every call makes all its attempts"
    );
}

#[test]
fn the_servers_retry_after_is_waited_for() {
    if common::lacks(&["http"], "the_servers_retry_after_is_waited_for") {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, r#"{"total_max_attempts": 3}"#);
    storage.exists("warm-up").unwrap();
    proxy.add(
        Matcher::Request("HEAD", "waited".into()),
        Fault::RetryAfter(1500),
        1,
    );
    let started = Instant::now();
    assert!(!storage.exists("waited").unwrap());
    let waited = started.elapsed();
    assert_eq!(proxy.clear_fired("RetryAfter"), 1);
    // The backoff alone would wait 50 to 100 ms before the second attempt.
    assert!(
        waited >= Duration::from_millis(1450),
        "retried after {waited:?}"
    );
}

#[test]
fn the_request_callback_sees_exactly_the_requests_sent() {
    if common::lacks(
        &["http"],
        "the_request_callback_sees_exactly_the_requests_sent",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, r#"{"total_max_attempts": 3}"#);
    storage.exists("warm-up").unwrap();
    let records = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = records.clone();
    storage.set_request_callback(Some(std::sync::Arc::new(move |record| {
        let line = format!(
            "{} {} {} {}",
            record.operation, record.name, record.http_status, record.attempt
        );
        // The 12 bytes sent, plus what the reply said it carries.
        assert!(record.bytes >= 12 && record.seconds >= 0.0, "{record:?}");
        sink.lock().unwrap().push(line);
    })));
    proxy.add(
        Matcher::Request("PUT", "observed.txt".into()),
        Fault::Status503,
        1,
    );
    let before = proxy.requests();
    storage
        .save("dir/observed.txt", &b"twelve bytes"[..])
        .unwrap();
    assert_eq!(proxy.clear_fired("Status503"), 1);
    let sent = proxy.requests() - before;
    let records = records.lock().unwrap().clone();
    assert_eq!(records.len(), sent, "{records:?}");
    assert_eq!(
        records,
        [
            "PutObject dir/observed.txt 503 1",
            "PutObject dir/observed.txt 200 2"
        ]
    );
    let (access, secret) = common::keys();
    assert!(!format!("{records:?}").contains(&access) && !format!("{records:?}").contains(&secret));
    storage.set_request_callback(None);
    storage.exists("dir/observed.txt").unwrap();
}
