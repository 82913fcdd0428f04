//! Fault injection: a deterministic HTTP proxy between the library and SeaweedFS (on
//! loopback) answers 503, resets connections before or while the body is sent, truncates
//! or stalls or trickles responses, or corrupts request bodies, on a schedule. For each,
//! saves, streaming (multipart) writes and reads either succeed with byte-exact data or
//! fail with a clear code; failed writes leave no object and no open multipart upload;
//! the storage stays usable.

mod common;

use common::proxy::{read_all, storages, stream_write, Fault, FaultProxy, Matcher};
use common::{pattern, settings};
use s3storage::{ResultCode, Storage};

#[test]
fn transient_faults_are_retried_and_data_is_exact() {
    if common::lacks(
        &["http", "checksum-validation"],
        "transient_faults_are_retried_and_data_is_exact",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    let small = pattern(300_000, 4);
    let large = pattern(11 * 1024 * 1024 + 123, 5);
    // 503 on the N-th request: here, the next one.
    proxy.add(Matcher::Nth(proxy.requests()), Fault::Status503, 1);
    storage.save("nth.bin", small.as_slice()).unwrap();
    proxy.clear_met("nth");
    assert!(read_all(&direct, "nth.bin").unwrap() == small);
    for fault in [
        Fault::Status503,
        Fault::ResetBeforeBody,
        Fault::ResetDuringBody,
        Fault::TruncateResponse,
        Fault::Stall,
        Fault::Trickle,
        Fault::CorruptBody,
    ] {
        // Single PUT: its first attempt meets the fault.
        proxy.add(Matcher::Containing("PUT".into()), fault.clone(), 1);
        let name = format!("{fault:?}/small.bin");
        storage
            .save(&name, small.as_slice())
            .unwrap_or_else(|e| panic!("{fault:?} save: {e}"));
        assert!(
            read_all(&direct, &name).unwrap() == small,
            "{fault:?}: stored bytes differ"
        );
        proxy.clear_met("save");

        // Multipart: the second part meets the fault.
        proxy.add(
            Matcher::Containing("partNumber=2&".into()),
            fault.clone(),
            1,
        );
        let name = format!("{fault:?}/large.bin");
        stream_write(&storage, &name, &large).unwrap_or_else(|e| panic!("{fault:?} write: {e}"));
        assert!(
            read_all(&direct, &name).unwrap() == large,
            "{fault:?}: stored bytes differ"
        );
        proxy.clear_met("write");

        // Reads: a ranged GET meets the fault (a GET has no body to corrupt: its reply's
        // range is shifted instead).
        let read_fault = match &fault {
            Fault::CorruptBody => Fault::ShiftContentRange,
            other => other.clone(),
        };
        proxy.add(Matcher::Containing("GET".into()), read_fault, 1);
        assert!(
            read_all(&storage, &name).unwrap() == large,
            "{fault:?}: read bytes differ"
        );
        proxy.clear_met("read");
    }
    assert!(direct.incomplete_uploads().unwrap().is_empty());
}

#[test]
fn persistent_faults_fail_cleanly_and_the_storage_stays_usable() {
    if common::lacks(
        &["http", "list-uploads"],
        "persistent_faults_fail_cleanly_and_the_storage_stays_usable",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    let large = pattern(11 * 1024 * 1024, 6);

    // Every PUT answered 503: the save fails with the S3 code after 3 attempts.
    proxy.add(Matcher::Containing("PUT".into()), Fault::Status503, 1000);
    let error = storage.save("never.txt", &b"x"[..]).unwrap_err();
    assert_eq!(error.code(), ResultCode::Server, "{error}");
    assert!(
        error.to_string().contains("SlowDown") && error.to_string().contains("503"),
        "{error}"
    );
    assert_eq!(
        proxy.clear_fired("put 503"),
        3,
        "three attempts, no more, no fewer"
    );
    assert!(!direct.exists("never.txt").unwrap());

    // Every part reset: close() reports it; no object, no multipart upload left.
    for fault in [Fault::ResetDuringBody, Fault::Status503, Fault::Stall] {
        proxy.add(
            Matcher::Containing("partNumber=".into()),
            fault.clone(),
            1000,
        );
        let error = stream_write(&storage, "never.bin", &large).unwrap_err();
        proxy.clear_fired("streamed parts");
        assert!(
            matches!(error.code(), ResultCode::Network | ResultCode::Server),
            "{fault:?}: {error}"
        );
        assert!(!direct.exists("never.bin").unwrap(), "{fault:?}");
        assert!(
            direct.incomplete_uploads().unwrap().is_empty(),
            "{fault:?}: an upload was left open"
        );
        // Same through save (parallel parts).
        proxy.add(
            Matcher::Containing("partNumber=".into()),
            fault.clone(),
            1000,
        );
        let error = storage
            .save("never-saved.bin", large.as_slice())
            .unwrap_err();
        proxy.clear_fired("saved parts");
        assert!(
            matches!(error.code(), ResultCode::Network | ResultCode::Server),
            "{fault:?}: {error}"
        );
        assert!(!direct.exists("never-saved.bin").unwrap());
        assert!(
            direct.incomplete_uploads().unwrap().is_empty(),
            "{fault:?}: save left an upload open"
        );
    }

    // Reads that keep failing end with a network error, not wrong data.
    direct.save("there.bin", large.as_slice()).unwrap();
    proxy.add(
        Matcher::Containing("GET".into()),
        Fault::TruncateResponse,
        1000,
    );
    let error = read_all(&storage, "there.bin").unwrap_err();
    proxy.clear_fired("truncated reads");
    assert_eq!(error.code(), ResultCode::Network, "{error}");

    // And afterwards everything works again.
    storage.save("after.txt", &b"fine"[..]).unwrap();
    assert_eq!(read_all(&storage, "after.txt").unwrap(), b"fine");
}

#[test]
fn wrong_credentials_are_not_retried() {
    if common::lacks(&["http", "auth"], "wrong_credentials_are_not_retried") {
        return;
    }
    let proxy = FaultProxy::start();
    let endpoint = proxy.endpoint();
    let storage = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &endpoint),
        ("AWS_AUTO_CREATE_BUCKET", "False"),
        ("AWS_S3_SECRET_ACCESS_KEY", "definitely-wrong"),
    ]))
    .unwrap();
    let before = proxy.requests();
    let error = storage.exists("x").unwrap_err();
    assert_eq!(error.code(), ResultCode::AccessDenied);
    let error = storage.save("x", &b"x"[..]).unwrap_err();
    assert_eq!(error.code(), ResultCode::AccessDenied);
    assert!(
        error.to_string().contains("SignatureDoesNotMatch"),
        "{error}"
    );
    assert_eq!(
        proxy.requests() - before,
        2,
        "one request each, no retry storm"
    );
}
