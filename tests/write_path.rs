//! The write and read paths under faults, through the fault-injecting proxy, against the
//! local server: a failed file is poisoned and never committed, abort discards, every
//! request kind (start, part, complete, put, get, head, list) meets transient and
//! persistent 5xx, resets, truncation, stalls and corruption, and replies are checked.
//! Each test first asserts that its fault fired.

mod common;

use common::proxy::{read_all, storages, stream_write, Fault, FaultProxy, Matcher};
use common::{pattern, settings, unique};
use s3storage::{ResultCode, Storage};
use std::io::Write;

const MIB: usize = 1024 * 1024;

/// The state a failed write must leave: no object, no multipart upload.
fn assert_nothing_left(direct: &Storage, name: &str, what: &str) {
    assert!(
        !direct.exists(name).unwrap(),
        "{what}: an object was stored"
    );
    let left = direct.incomplete_uploads().unwrap();
    assert!(left.is_empty(), "{what}: uploads left open: {left:?}");
}

fn error_xml(code: &str) -> String {
    format!("<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>injected</Message></Error>")
}

#[test]
fn a_failed_start_poisons_the_file_and_nothing_is_committed() {
    if common::lacks(
        &["http", "list-uploads"],
        "a_failed_start_poisons_the_file_and_nothing_is_committed",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    proxy.add(
        Matcher::Request("POST", "?uploads".into()),
        Fault::Status503,
        1000,
    );
    let mut file = storage.open("start.bin", "wb").unwrap();
    let chunk = pattern(MIB, 1);
    let mut first_error = None;
    for _ in 0..12 {
        if let Err(error) = file.write_bytes(&chunk) {
            first_error = Some(error);
            break;
        }
    }
    let first = first_error.expect("a write must report the failed start");
    assert_eq!(first.code(), ResultCode::Server, "{first}");
    assert_eq!(file.size().unwrap_err().to_string(), first.to_string());
    // Every later write and the close say the same; nothing is committed.
    let again = file.write_bytes(&chunk).unwrap_err();
    assert_eq!(again.to_string(), first.to_string());
    let closed = file.close().unwrap_err();
    assert_eq!(closed.to_string(), first.to_string());
    assert_eq!(file.close().unwrap_err().code(), ResultCode::Server);
    proxy.clear_fired("start");
    assert_nothing_left(&direct, "start.bin", "failed start");
}

#[test]
fn a_failed_part_poisons_the_file_and_the_upload_is_aborted() {
    if common::lacks(
        &["http", "list-uploads"],
        "a_failed_part_poisons_the_file_and_the_upload_is_aborted",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    proxy.add(
        Matcher::Containing("partNumber=".into()),
        Fault::ResetDuringBody,
        1000,
    );
    let mut file = storage.open("part.bin", "wb").unwrap();
    // The first part goes up in the background and fails after its attempts...
    file.write_bytes(&pattern(6 * MIB, 2)).unwrap();
    std::thread::sleep(std::time::Duration::from_secs(4));
    // ...so the next write that hands over a part reports it, without taking its bytes.
    let error = file.write_bytes(&pattern(5 * MIB, 3)).unwrap_err();
    assert_eq!(error.code(), ResultCode::Network, "{error}");
    assert_eq!(file.size().unwrap_err().to_string(), error.to_string());
    // Every later write, however small, and the close say the same.
    assert_eq!(
        file.write_bytes(b"x").unwrap_err().to_string(),
        error.to_string()
    );
    assert_eq!(file.close().unwrap_err().to_string(), error.to_string());
    proxy.clear_fired("part");
    assert_nothing_left(&direct, "part.bin", "failed part");
    // A file that never learned of the failure before close reports it there.
    proxy.add(
        Matcher::Containing("partNumber=".into()),
        Fault::Status503,
        1000,
    );
    let error = stream_write(&storage, "part-late.bin", &pattern(16 * MIB, 4)).unwrap_err();
    proxy.clear_fired("late part");
    assert_eq!(error.code(), ResultCode::Server, "{error}");
    assert_nothing_left(&direct, "part-late.bin", "failed part at close");
}

#[test]
fn a_completion_refused_in_a_200_is_retried_or_reported() {
    if common::lacks(
        &["http", "list-uploads"],
        "a_completion_refused_in_a_200_is_retried_or_reported",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    let content = pattern(11 * MIB, 3);
    let complete = || Matcher::Request("POST", "uploadId=".into());
    // Transient: S3's 200 carrying an InternalError is retried as the SDKs do.
    proxy.add(
        complete(),
        Fault::Respond(200, error_xml("InternalError")),
        1,
    );
    stream_write(&storage, "complete-once.bin", &content).unwrap();
    proxy.clear_met("complete once");
    assert!(read_all(&direct, "complete-once.bin").unwrap() == content);
    // Persistent: reported, and neither object nor upload is left.
    proxy.add(
        complete(),
        Fault::Respond(200, error_xml("InternalError")),
        1000,
    );
    let error = stream_write(&storage, "complete-never.bin", &content).unwrap_err();
    proxy.clear_fired("complete never");
    assert!(error.to_string().contains("InternalError"), "{error}");
    assert_nothing_left(&direct, "complete-never.bin", "failed complete");
    // A namespaced Error, or a body that is not a completion result, is a failure too.
    for body in [
        "<s3:Error xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Code>SlowDown</s3:Code></s3:Error>",
        "<html>proxy error</html>",
    ] {
        proxy.add(complete(), Fault::Respond(200, body.into()), 1000);
        let error = stream_write(&storage, "complete-odd.bin", &content).unwrap_err();
        proxy.clear_fired("odd completion");
        assert_eq!(error.code(), ResultCode::Server, "{error}");
        assert_nothing_left(&direct, "complete-odd.bin", "odd completion");
    }
}

#[test]
fn abort_discards_what_was_written() {
    if common::lacks(&["http", "list-uploads"], "abort_discards_what_was_written") {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    let mut file = storage.open("aborted.bin", "wb").unwrap();
    file.write_all(&pattern(12 * MIB, 4)).unwrap();
    let before = proxy.requests();
    file.abort().unwrap();
    let sent: Vec<String> = proxy.seen()[before..]
        .iter()
        .map(|seen| seen.head[0].clone())
        .collect();
    assert!(
        sent.iter()
            .any(|line| line.starts_with("DELETE ") && line.contains("uploadId=")),
        "no AbortMultipartUpload: {sent:?}"
    );
    assert!(file.closed());
    assert_nothing_left(&direct, "aborted.bin", "abort");
    // A small write (no upload started yet) is simply dropped.
    let mut file = storage.open("aborted-small.bin", "wb").unwrap();
    file.write_all(b"never").unwrap();
    file.abort().unwrap();
    assert!(!direct.exists("aborted-small.bin").unwrap());
}

/// The request kinds of the write and read paths, and the operation that makes each.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Start,
    Part,
    Complete,
    Put,
    Get,
    Head,
    List,
}

impl Kind {
    fn matcher(self, name: &str) -> Matcher {
        match self {
            Kind::Start => Matcher::Request("POST", "?uploads".into()),
            Kind::Part => Matcher::Containing("partNumber=".into()),
            Kind::Complete => Matcher::Request("POST", "uploadId=".into()),
            Kind::Put => Matcher::Request("PUT", format!("/{name} ")),
            Kind::Get => Matcher::Request("GET", format!("/{name} ")),
            Kind::Head => Matcher::Request("HEAD", format!("/{name} ")),
            Kind::List => Matcher::Containing("delimiter=".into()),
        }
    }

    /// Whether one such fault must be retried to success. Every kind retries a 5xx; a
    /// lost connection or a timeout is retried except by CreateMultipartUpload and
    /// CompleteMultipartUpload, which are not idempotent (the server may have acted: a
    /// second start would leave an upload open, a second completion fail); a damaged
    /// upload body (BadDigest), a completion's 200 carrying an error and a GET's reply for
    /// another range are retried; a HEAD without a length and a listing that does not
    /// advance are reported.
    fn recovers_from(self, fault: &Fault) -> bool {
        let idempotent = !matches!(self, Kind::Start | Kind::Complete);
        match fault {
            Fault::Status503 => true,
            Fault::ResetDuringBody | Fault::TruncateResponse | Fault::Stall => idempotent,
            // A damaged byte in an 11 MiB read is found at its end, when the bytes before
            // it were delivered: the read fails (a small one would be fetched again).
            Fault::CorruptReply => false,
            _ => matches!(self, Kind::Part | Kind::Put | Kind::Complete | Kind::Get),
        }
    }

    /// This kind's corruption: a damaged body or a damaged reply.
    fn corruption(self) -> Fault {
        match self {
            Kind::Start => Fault::Respond(
                200,
                "<InitiateMultipartUploadResult></InitiateMultipartUploadResult>".into(),
            ),
            Kind::Part | Kind::Put => Fault::CorruptBody,
            Kind::Complete => Fault::Respond(200, error_xml("InternalError")),
            Kind::Get => Fault::CorruptReply,
            Kind::Head => Fault::DropHeader("content-length"),
            Kind::List => Fault::Respond(
                200,
                "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>".into(),
            ),
        }
    }
}

/// Runs the operation that makes requests of `kind` on `name`.
fn operate(kind: Kind, storage: &Storage, name: &str, content: &[u8]) -> s3storage::Result<()> {
    match kind {
        Kind::Start | Kind::Part | Kind::Complete => stream_write(storage, name, content),
        Kind::Put => storage.save(name, content).map(|_| ()),
        Kind::Get => match read_all(storage, name) {
            Ok(data) if data == content => Ok(()),
            Ok(_) => panic!("{kind:?}: wrong bytes reached the caller"),
            Err(error) => Err(error),
        },
        Kind::Head => match storage.size(name) {
            Ok(size) if size == content.len() as u64 => Ok(()),
            Ok(size) => panic!("{kind:?}: wrong size {size}"),
            Err(error) => Err(error),
        },
        Kind::List => {
            let (_, files) = storage.listdir("")?;
            assert!(files.contains(&name.to_string()), "{files:?}");
            Ok(())
        }
    }
}

#[test]
fn every_request_kind_under_transient_and_persistent_faults() {
    if common::lacks(
        &[
            "http",
            "list-uploads",
            "upload-dates",
            "checksum-validation",
        ],
        "every_request_kind_under_transient_and_persistent_faults",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    let large = pattern(11 * MIB, 5);
    let small = pattern(300_000, 6);
    let kinds = [
        Kind::Start,
        Kind::Part,
        Kind::Complete,
        Kind::Put,
        Kind::Get,
        Kind::Head,
        Kind::List,
    ];
    for kind in kinds {
        let writes = matches!(kind, Kind::Start | Kind::Part | Kind::Complete | Kind::Put);
        let content = if matches!(kind, Kind::Put) {
            &small
        } else {
            &large
        };
        let faults = [
            Fault::Status503,
            Fault::ResetDuringBody,
            Fault::TruncateResponse,
            Fault::Stall,
            kind.corruption(),
        ];
        for fault in faults {
            for times in [1, 1000] {
                let name = format!("{kind:?}-{fault:?}-{times}.bin").replace(['(', ')'], "");
                if !writes {
                    direct.save(&name, content.as_slice()).unwrap();
                }
                let what = format!("{kind:?} {fault:?} x{times}");
                proxy.add(kind.matcher(&name), fault.clone(), times);
                let outcome = operate(kind, &storage, &name, content);
                proxy.clear_fired(&what);
                // A truncated reply comes after the server acted: the write may have
                // happened (and is then confirmed); any other persistent fault must fail.
                let may_succeed = times == 1 || matches!(fault, Fault::TruncateResponse);
                if times == 1 && kind.recovers_from(&fault) {
                    assert!(outcome.is_ok(), "{what}: not retried: {:?}", outcome.err());
                }
                check_outcome(&direct, &name, content, writes, may_succeed, outcome, &what);
            }
        }
    }
    // And afterwards the storage works again.
    storage.save("after.txt", &b"fine"[..]).unwrap();
    assert_eq!(read_all(&storage, "after.txt").unwrap(), b"fine");
}

/// A transient fault is retried to success or reported; a persistent one is reported.
/// A failed write leaves nothing; a write that succeeded stored exactly its bytes.
fn check_outcome(
    direct: &Storage,
    name: &str,
    content: &[u8],
    writes: bool,
    may_succeed: bool,
    outcome: s3storage::Result<()>,
    what: &str,
) {
    match outcome {
        Ok(()) => {
            assert!(may_succeed, "{what}: a persistent fault was not reported");
            if writes {
                assert!(
                    read_all(direct, name).unwrap() == content,
                    "{what}: bytes differ"
                );
                // A retried start must not leave the upload of its first attempt behind.
                let left = direct.incomplete_uploads().unwrap();
                assert!(left.is_empty(), "{what}: uploads left: {left:?}");
            }
        }
        Err(error) => {
            let code = error.code();
            assert!(
                matches!(
                    code,
                    ResultCode::Network | ResultCode::Server | ResultCode::Checksum
                ),
                "{what}: {error}"
            );
            if writes {
                // The completion's reply may be lost after the server completed: then the
                // whole object is there, never a part of it.
                let stored = read_all(direct, name).ok();
                assert!(
                    stored.is_none() || stored.as_deref() == Some(content),
                    "{what}: a partial object was committed"
                );
                let left = direct.incomplete_uploads().unwrap();
                assert!(left.is_empty(), "{what}: uploads left: {left:?}");
            }
        }
    }
}

#[test]
fn replies_are_checked_not_trusted() {
    if common::lacks(&["http"], "replies_are_checked_not_trusted") {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    let content = pattern(2 * MIB, 7);
    direct.save("checked.bin", content.as_slice()).unwrap();
    // A ranged GET (a read after a seek; the opening GET asks for the whole object)
    // whose Content-Range is not the range asked for: never shifted bytes.
    let mut file = storage.open("checked.bin", "rb").unwrap();
    proxy.add(
        Matcher::Request("GET", "checked.bin".into()),
        Fault::ShiftContentRange,
        1000,
    );
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(MIB as u64)).unwrap();
    let error = file.read_bytes(&mut vec![0u8; 1000]).unwrap_err();
    proxy.clear_fired("shifted range");
    assert!(error.to_string().contains("Content-Range"), "{error}");
    // A HEAD without Content-Length is an error, not size 0.
    proxy.add(
        Matcher::Request("HEAD", "checked.bin".into()),
        Fault::DropHeader("content-length"),
        1000,
    );
    let error = storage.size("checked.bin").unwrap_err();
    proxy.clear_fired("no length");
    assert_eq!(error.code(), ResultCode::Server, "{error}");
    assert!(error.to_string().contains("Content-Length"), "{error}");
    // A listing whose marker does not advance stops with a server error, not a loop.
    let page = "<ListBucketResult><IsTruncated>true</IsTruncated><NextMarker>a</NextMarker>\
                <Contents><Key>a</Key></Contents></ListBucketResult>";
    proxy.add(
        Matcher::Containing("delimiter=".into()),
        Fault::Respond(200, page.into()),
        1000,
    );
    let error = storage.listdir("").unwrap_err();
    let hits = proxy.clear_fired("stuck listing");
    assert_eq!(error.code(), ResultCode::Server, "{error}");
    assert!(error.to_string().contains("does not advance"), "{error}");
    assert_eq!(hits, 2, "the listing went on after its marker stopped");
}

#[test]
fn listing_keeps_keys_xml_cannot_carry() {
    if common::lacks(&["http"], "listing_keeps_keys_xml_cannot_carry") {
        return;
    }
    // Another client writes a key holding U+0001 (curl, SigV4).
    let prefix = unique("xml");
    let (access, secret) = common::keys();
    let url = format!(
        "{}/{}/{prefix}/a%01b.txt",
        common::endpoint(),
        common::BUCKET
    );
    let output = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT"])
        .args(["--aws-sigv4", "aws:amz:us-east-1:s3"])
        .args(["--user", &format!("{access}:{secret}")])
        .args(["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"])
        .args(["-H", "Content-Type: application/octet-stream"])
        .args(["--data-binary", "control", &url])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "200", "{output:?}");
    let storage = Storage::new(&settings(&[("AWS_LOCATION", &prefix)])).unwrap();
    let (_, files) = storage.listdir("").unwrap();
    assert_eq!(files, vec!["a\u{1}b.txt".to_string()]);
    // The name the listing gave can be used as it is.
    assert_eq!(read_all(&storage, &files[0]).unwrap(), b"control");
    assert!(storage.exists(&files[0]).unwrap());
    storage.delete(&files[0]).unwrap();
    assert!(!storage.exists(&files[0]).unwrap());
    // Names this library creates still may not hold control characters.
    let error = storage.save("a\u{1}b.txt", &b"x"[..]).unwrap_err();
    assert_eq!(error.code(), ResultCode::SuspiciousName);
}

#[test]
fn access_parameters_go_on_every_request_that_needs_them() {
    if common::lacks(
        &["http"],
        "access_parameters_go_on_every_request_that_needs_them",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let location = unique("params");
    let storage = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &location),
        (
            "AWS_S3_OBJECT_PARAMETERS",
            r#"{"RequestPayer": "requester", "CacheControl": "max-age=5"}"#,
        ),
    ]))
    .unwrap();
    let content = pattern(11 * MIB, 8);
    storage.save("payer.bin", content.as_slice()).unwrap();
    assert!(storage.exists("payer.bin").unwrap());
    assert!(read_all(&storage, "payer.bin").unwrap() == content);
    let seen = proxy.seen();
    for (kind, matches) in [
        ("CreateMultipartUpload", "?uploads"),
        ("UploadPart", "partNumber="),
        ("CompleteMultipartUpload", "uploadId="),
        ("HEAD", "HEAD "),
        ("GET", "GET "),
    ] {
        let requests: Vec<_> = seen
            .iter()
            .filter(|s| s.head[0].contains(matches) && s.head[0].contains("payer.bin"))
            .collect();
        assert!(!requests.is_empty(), "no {kind} seen");
        for request in requests {
            assert_eq!(
                request.header("x-amz-request-payer").as_deref(),
                Some("requester"),
                "{kind}: {:?}",
                request.head[0]
            );
        }
    }
    // Cache-Control is an object parameter: on the create, never on parts or reads.
    let create = (seen.iter())
        .find(|request| request.head[0].contains("?uploads"))
        .expect("a CreateMultipartUpload");
    assert_eq!(create.header("cache-control").as_deref(), Some("max-age=5"));
    for request in &seen {
        let line = &request.head[0];
        if line.contains("partNumber=") || line.starts_with("GET ") || line.starts_with("HEAD ") {
            assert!(request.header("cache-control").is_none(), "{line}");
        }
    }
}

#[test]
fn sse_c_keys_go_on_parts_and_reads() {
    if common::lacks(&["http"], "sse_c_keys_go_on_parts_and_reads") {
        return;
    }
    // The local server cannot do SSE-C, so the proxy answers for it and records.
    let proxy = FaultProxy::start();
    let initiated =
        "<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>";
    let completed =
        "<CompleteMultipartUploadResult><ETag>\"x\"</ETag></CompleteMultipartUploadResult>";
    proxy.add(
        Matcher::Request("POST", "?uploads".into()),
        Fault::Respond(200, initiated.into()),
        1,
    );
    proxy.add(
        Matcher::Containing("partNumber=".into()),
        Fault::Respond(200, String::new()),
        2,
    );
    proxy.add(
        Matcher::Request("POST", "uploadId=".into()),
        Fault::Respond(200, completed.into()),
        1,
    );
    proxy.add(
        Matcher::Request("HEAD", "/".into()),
        Fault::Respond(404, String::new()),
        1,
    );
    proxy.add(
        Matcher::Request("GET", "/".into()),
        Fault::Respond(404, error_xml("NoSuchKey")),
        1,
    );
    let storage = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_AUTO_CREATE_BUCKET", "False"),
        (
            "AWS_S3_OBJECT_PARAMETERS",
            r#"{"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "0123456789abcdef0123456789abcdef"}"#,
        ),
    ]))
    .unwrap();
    storage
        .save("secret.bin", pattern(11 * MIB, 9).as_slice())
        .unwrap();
    assert!(!storage.exists("secret.bin").unwrap());
    let error = storage.open("secret.bin", "rb").unwrap_err();
    assert_eq!(error.code(), ResultCode::NotFound, "{error}");
    proxy.clear_met("canned SSE-C replies");
    let seen = proxy.seen();
    assert_eq!(
        seen.len(),
        6,
        "start, 2 parts, complete, head, get: {seen:?}"
    );
    let mut checked = 0;
    for request in &seen {
        let line = &request.head[0];
        // CreateMultipartUpload, every UploadPart, CompleteMultipartUpload (AWS requires
        // the key there once the upload has a checksum algorithm) and HEAD.
        let needs_key = line.contains("?uploads")
            || line.contains("uploadId=")
            || line.starts_with("HEAD ")
            || line.starts_with("GET ");
        if !needs_key {
            continue;
        }
        checked += 1;
        let algorithm = request.header("x-amz-server-side-encryption-customer-algorithm");
        let key = request.header("x-amz-server-side-encryption-customer-key");
        let md5 = request.header("x-amz-server-side-encryption-customer-key-md5");
        assert_eq!(algorithm.as_deref(), Some("AES256"), "{line}");
        // As botocore sends them: the key in base64, and the base64 of its MD5.
        use base64::Engine as _;
        let raw = b"0123456789abcdef0123456789abcdef";
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(key.as_deref(), Some(b64(raw).as_str()), "{line}");
        assert_eq!(
            md5.as_deref(),
            Some(b64(&md5::compute(raw).0).as_str()),
            "{line}"
        );
    }
    assert_eq!(
        checked, 6,
        "start, two parts, the completion, the HEAD and the GET carry the key"
    );
}

#[test]
fn servers_without_conditional_writes_get_head_then_put() {
    if common::lacks(
        &["http"],
        "servers_without_conditional_writes_get_head_then_put",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let not_implemented = error_xml("NotImplemented");
    proxy.add(
        Matcher::Header("if-none-match"),
        Fault::Respond(501, not_implemented),
        1000,
    );
    let location = unique("no-conditional");
    let storage = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &location),
        ("AWS_S3_FILE_OVERWRITE", "False"),
    ]))
    .unwrap();
    let warnings = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = warnings.clone();
    s3storage::log::set_logger(Some(std::sync::Arc::new(move |level, message: &str| {
        if level == s3storage::log::Level::Warn && message.contains("conditional") {
            sink.lock().unwrap().push(message.to_string());
        }
    })));
    let first = storage.save("same.txt", &b"one"[..]).unwrap();
    let second = storage.save("same.txt", &b"two"[..]).unwrap();
    assert_eq!(first, "same.txt");
    assert_ne!(second, first);
    let large = pattern(11 * MIB, 10);
    let third = storage.save("same.txt", large.as_slice()).unwrap();
    assert!(third != first && third != second);
    let mut empty = storage.open("empty.txt", "w").unwrap();
    empty.close().unwrap();
    s3storage::log::set_logger(None);
    proxy.clear_fired("If-None-Match refused");
    assert_eq!(read_all(&storage, &first).unwrap(), b"one");
    assert_eq!(read_all(&storage, &second).unwrap(), b"two");
    assert!(read_all(&storage, &third).unwrap() == large);
    assert_eq!(storage.size("empty.txt").unwrap(), 0);
    let warnings = warnings.lock().unwrap();
    assert_eq!(warnings.len(), 1, "one warning per storage: {warnings:?}");
}

#[test]
fn a_lost_race_picks_its_next_name_from_the_original_with_max_length() {
    if common::lacks(
        &["http"],
        "a_lost_race_picks_its_next_name_from_the_original_with_max_length",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let location = unique("race");
    let storage = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &location),
        ("AWS_S3_FILE_OVERWRITE", "False"),
    ]))
    .unwrap();
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    for (source, size) in [("bytes", 300_000), ("reader", 11 * MIB), ("file", 11 * MIB)] {
        // Just before the create-only write of `race-<source>.bin`, another writer takes
        // the name (and the name it then picks, once).
        let name = format!("race-{source}.bin");
        let rival = direct.clone();
        let taken = name.clone();
        let hook = move || {
            let _ = rival.save(&taken, &b"rival"[..]);
        };
        let matcher = match size {
            300_000 => Matcher::Request("PUT", format!("/{name} ")),
            _ => Matcher::Request("POST", format!("{name}?uploadId=")),
        };
        proxy.add(matcher, Fault::Hook(std::sync::Arc::new(hook)), 1);
        let content = pattern(size, 11);
        let options = s3storage::SaveOptions {
            max_length: Some(20),
            ..Default::default()
        };
        let saved = match source {
            "bytes" => storage.save_with(&name, content.as_slice(), &options),
            "reader" => storage.save_with(&name, std::io::Cursor::new(&content), &options),
            _ => {
                let path = std::env::temp_dir().join(unique("race-file"));
                std::fs::write(&path, &content).unwrap();
                let saved = storage.save_file_with(&name, &path, &options);
                std::fs::remove_file(&path).unwrap();
                saved
            }
        }
        .unwrap();
        proxy.clear_met(source);
        assert_eq!(read_all(&direct, &name).unwrap(), b"rival");
        assert_ne!(saved, name);
        assert!(saved.len() <= 20, "{saved:?} is longer than max_length");
        // Django's alternative of the original: one suffix, never stacked.
        assert_eq!(saved.matches('_').count(), 1, "{saved:?}");
        assert!(read_all(&direct, &saved).unwrap() == content, "{source}");
    }
}

#[test]
fn per_save_parameters_win_and_bad_ones_send_nothing() {
    if common::lacks(
        &["http"],
        "per_save_parameters_win_and_bad_ones_send_nothing",
    ) {
        return;
    }
    let storage = common::storage(&[(
        "AWS_S3_OBJECT_PARAMETERS",
        r#"{"CacheControl": "max-age=1"}"#,
    )]);
    let options = s3storage::SaveOptions::from_json(
        Some(r#"{"ContentType": "text/x-custom", "CacheControl": "max-age=99", "ContentDisposition": "attachment", "Metadata": {"owner": "me"}}"#),
        None,
    )
    .unwrap();
    let name = storage
        .save_with("typed.bin", &b"data"[..], &options)
        .unwrap();
    let url = storage.url(&name).unwrap();
    let (status, headers, _) = common::fetch("GET", &url);
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/x-custom");
    assert_eq!(headers["cache-control"], "max-age=99");
    assert_eq!(headers["content-disposition"], "attachment");
    assert_eq!(headers["x-amz-meta-owner"], "me");
    for bad in [
        "{",
        "[1]",
        r#"{"Nope": 1}"#,
        r#"{"ChecksumAlgorithm": "MD5"}"#,
    ] {
        let error = s3storage::SaveOptions::from_json(Some(bad), None).unwrap_err();
        assert_eq!(error.code(), ResultCode::InvalidArgument, "{bad}: {error}");
    }
    let error = s3storage::SaveOptions::from_json(Some(r#"{"Nope": 1}"#), None).unwrap_err();
    assert!(error.to_string().contains("Nope"), "{error}");
    // Checked before anything is sent, also through save_with directly.
    let options = s3storage::SaveOptions {
        parameters: serde_json::from_str(r#"{"Nope": 1}"#).ok(),
        max_length: None,
    };
    let error = storage
        .save_with("never.bin", &b"x"[..], &options)
        .unwrap_err();
    assert_eq!(error.code(), ResultCode::InvalidArgument);
    assert!(!storage.exists("never.bin").unwrap());
    let error = storage.open_with("never.bin", "r", &options).unwrap_err();
    assert_eq!(error.code(), ResultCode::InvalidArgument);
}

#[test]
fn compression_suffixes_are_case_sensitive_on_the_wire() {
    if common::lacks(
        &["http"],
        "compression_suffixes_are_case_sensitive_on_the_wire",
    ) {
        return;
    }
    let storage = common::storage(&[]);
    storage.save("upper.GZ", &b"x"[..]).unwrap();
    storage.save("lower.gz", &b"x"[..]).unwrap();
    let (_, upper, _) = common::fetch("GET", &storage.url("upper.GZ").unwrap());
    let (_, lower, _) = common::fetch("GET", &storage.url("lower.gz").unwrap());
    assert!(upper.get("content-encoding").is_none(), "{upper:?}");
    assert_eq!(lower["content-encoding"], "gzip");
}

#[test]
fn writes_whose_reply_was_lost_are_confirmed_not_repeated() {
    if common::lacks(
        &["http", "list-uploads"],
        "writes_whose_reply_was_lost_are_confirmed_not_repeated",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    // The completion happened, its reply was cut: the object's ETag (the MD5 of the
    // parts' MD5s) shows it is ours, so close succeeds and the upload is not aborted.
    let content = pattern(11 * MIB, 12);
    proxy.add(
        Matcher::Request("POST", "uploadId=".into()),
        Fault::TruncateResponse,
        1,
    );
    stream_write(&storage, "lost-completion.bin", &content).unwrap();
    proxy.clear_met("lost completion reply");
    assert!(read_all(&direct, "lost-completion.bin").unwrap() == content);
    assert!(direct.incomplete_uploads().unwrap().is_empty());
    // A create-only PUT stored, its reply cut, retried: the 412 it then meets is its own
    // object (same MD5), so the save keeps its name and stores no second copy.
    let location = unique("lost-put");
    let create_only = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &location),
        ("AWS_S3_FILE_OVERWRITE", "False"),
    ]))
    .unwrap();
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    proxy.add(
        Matcher::Request("PUT", "lost-put.txt".into()),
        Fault::TruncateResponse,
        1,
    );
    let saved = create_only.save("lost-put.txt", &b"only once"[..]).unwrap();
    proxy.clear_met("lost put reply");
    assert_eq!(saved, "lost-put.txt");
    assert_eq!(
        direct.listdir("").unwrap().1,
        vec!["lost-put.txt".to_string()]
    );
}

#[test]
fn one_big_write_is_cut_into_parts_as_it_is_read() {
    let observed = common::Observed::new(&[("AWS_S3_FILE_BUFFER_SIZE", "5242880")]);
    let storage = &observed.storage;
    let content = pattern(23 * MIB + 17, 13);
    let mut file = storage.open("big-write.bin", "wb").unwrap();
    file.write_all(&content).unwrap();
    assert_eq!(file.size().unwrap(), content.len() as u64);
    file.close().unwrap();
    assert_eq!(observed.parts(), 5, "23 MiB in parts of 5 MiB");
    assert!(read_all(storage, "big-write.bin").unwrap() == content);
}

#[test]
fn batch_deletes_under_transient_and_persistent_faults() {
    if common::lacks(
        &["http"],
        "batch_deletes_under_transient_and_persistent_faults",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    let faults = [
        Fault::Status503,
        Fault::ResetBeforeBody,
        Fault::ResetDuringBody,
        Fault::TruncateResponse,
        Fault::Stall,
        Fault::CorruptBody,
    ];
    for fault in faults {
        for times in [1, 1000] {
            let what = format!("DeleteObjects {fault:?} x{times}");
            let names: Vec<String> = (0..3)
                .map(|i| format!("{fault:?}-{times}/{i}").replace(['(', ')'], ""))
                .collect();
            for name in &names {
                direct.save(name, &b"x"[..]).unwrap();
            }
            proxy.add(
                Matcher::Request("POST", "?delete".into()),
                fault.clone(),
                times,
            );
            let outcome = storage.delete_many(&names);
            proxy.clear_fired(&what);
            let left = names.iter().filter(|n| direct.exists(n).unwrap()).count();
            match outcome {
                Ok(failures) => {
                    assert!(failures.is_empty(), "{what}: {failures:?}");
                    // Success is never reported while a key is left.
                    assert_eq!(left, 0, "{what}: success reported, {left} keys left");
                    assert!(
                        times == 1 || matches!(fault, Fault::TruncateResponse),
                        "{what}: a persistent fault was not reported"
                    );
                }
                Err(error) => {
                    assert_ne!(times, 1, "{what}: not retried: {error}");
                    let code = error.code();
                    assert!(
                        matches!(code, ResultCode::Network | ResultCode::Server),
                        "{what}: {error}"
                    );
                }
            }
        }
    }
}

#[test]
fn copies_under_transient_and_persistent_faults() {
    if common::lacks(&["http"], "copies_under_transient_and_persistent_faults") {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = storages(&proxy);
    let content = pattern(300_000, 9);
    direct.save("copy-source.bin", content.as_slice()).unwrap();
    let in_200 = "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>We \
                  encountered an internal error.</Message></Error>";
    let faults = [
        Fault::Status503,
        Fault::ResetBeforeBody,
        Fault::TruncateResponse,
        Fault::Stall,
        Fault::Respond(200, in_200.into()),
    ];
    for fault in faults {
        for times in [1, 1000] {
            let what = format!("CopyObject {fault:?} x{times}");
            let dst = format!("copies/{fault:?}-{times}.bin").replace(['(', ')'], "");
            proxy.add(
                Matcher::LineAndHeader(dst.clone(), "x-amz-copy-source"),
                fault.clone(),
                times,
            );
            let outcome = storage.copy("copy-source.bin", &dst, &Default::default());
            proxy.clear_fired(&what);
            let stored = common::proxy::read_all(&direct, &dst).ok();
            match outcome {
                Ok(_) => {
                    assert!(
                        times == 1 || matches!(fault, Fault::TruncateResponse),
                        "{what}: a persistent fault was not reported"
                    );
                    assert!(
                        stored.as_deref() == Some(content.as_slice()),
                        "{what}: not exact"
                    );
                }
                Err(error) => {
                    assert_ne!(times, 1, "{what}: not retried: {error}");
                    let code = error.code();
                    assert!(
                        matches!(code, ResultCode::Network | ResultCode::Server),
                        "{what}: {error}"
                    );
                    // Never half a copy: the whole object, or none.
                    assert!(
                        stored.is_none() || stored.as_deref() == Some(content.as_slice()),
                        "{what}"
                    );
                }
            }
        }
    }
    assert!(direct.exists("copy-source.bin").unwrap());
}

#[test]
fn a_kept_metadata_copy_still_sets_the_storages_acl_and_storage_class() {
    if common::lacks(
        &["http"],
        "a_kept_metadata_copy_still_sets_the_storages_acl",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let location = unique("kept-copy");
    let params = r#"{"StorageClass": "STANDARD", "Metadata": {"from": "storage"}}"#;
    let storage = Storage::new(&common::settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &location),
        ("AWS_DEFAULT_ACL", "private"),
        ("AWS_S3_OBJECT_PARAMETERS", params),
    ]))
    .unwrap();
    storage.save("src.txt", &b"kept"[..]).unwrap();
    storage
        .copy("src.txt", "dst.txt", &Default::default())
        .unwrap();
    let seen = proxy.seen();
    let copy = (seen.iter())
        .find(|request| request.header("x-amz-copy-source").is_some())
        .expect("a CopyObject was sent");
    assert_eq!(
        copy.header("x-amz-metadata-directive").as_deref(),
        Some("COPY")
    );
    assert_eq!(copy.header("x-amz-acl").as_deref(), Some("private"));
    assert_eq!(
        copy.header("x-amz-storage-class").as_deref(),
        Some("STANDARD")
    );
    // The metadata is the source's (COPY), not sent again.
    assert_eq!(copy.header("x-amz-meta-from"), None);
    let info = storage.stat("dst.txt").unwrap();
    assert_eq!(
        info.metadata.get("from").map(String::as_str),
        Some("storage")
    );
}

#[test]
fn part_copies_under_transient_and_persistent_faults() {
    if common::lacks(
        &["http", "list-uploads"],
        "part_copies_under_transient_and_persistent_faults",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let location = unique("part-copies");
    let transfer =
        r#"{"multipart_threshold": 5242880, "multipart_chunksize": 5242880, "max_concurrency": 2}"#;
    let client =
        r#"{"connect_timeout": 1, "read_timeout": 2, "retries": {"total_max_attempts": 3}}"#;
    let storage = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &location),
        ("AWS_S3_TRANSFER_CONFIG", transfer),
        ("AWS_S3_CLIENT_CONFIG", client),
    ]))
    .unwrap();
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    let content = pattern(11 * MIB, 6);
    direct.save("src.bin", content.as_slice()).unwrap();
    let parts = || Matcher::LineAndHeader("partNumber=2&".into(), "x-amz-copy-source-range");
    for (fault, times) in [
        (Fault::Status503, 1),
        (Fault::TruncateResponse, 1),
        (Fault::Status503, 1000),
        (Fault::ResetBeforeBody, 1000),
    ] {
        let what = format!("UploadPartCopy {fault:?} x{times}");
        let dst = format!("copies/{fault:?}-{times}.bin");
        proxy.add(parts(), fault.clone(), times);
        let outcome = storage.copy("src.bin", &dst, &Default::default());
        proxy.clear_fired(&what);
        match (times, outcome) {
            (1, Ok(name)) => {
                assert!(
                    common::proxy::read_all(&direct, &name).unwrap() == content,
                    "{what}"
                )
            }
            (1, Err(error)) => panic!("{what}: not retried: {error}"),
            (_, Ok(_)) => panic!("{what}: a persistent fault was not reported"),
            (_, Err(error)) => {
                assert!(
                    matches!(error.code(), ResultCode::Network | ResultCode::Server),
                    "{what}: {error}"
                );
                assert!(
                    !direct.exists(&dst).unwrap(),
                    "{what}: a half copy is visible"
                );
            }
        }
        let left = direct.incomplete_uploads().unwrap();
        assert!(left.is_empty(), "{what}: uploads left: {left:?}");
    }
}

#[test]
fn a_source_replaced_during_a_part_copy_is_an_error_never_a_mix() {
    if common::lacks(
        &["http", "list-uploads"],
        "a_source_replaced_during_a_part_copy_is_an_error_never_a_mix",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let location = unique("replaced-copy");
    let transfer =
        r#"{"multipart_threshold": 5242880, "multipart_chunksize": 5242880, "max_concurrency": 1}"#;
    let storage = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &location),
        ("AWS_S3_TRANSFER_CONFIG", transfer),
    ]))
    .unwrap();
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    direct
        .save("src.bin", pattern(11 * MIB, 1).as_slice())
        .unwrap();
    let replacer = direct.clone();
    let hook = std::sync::Arc::new(move || {
        replacer
            .save("src.bin", pattern(11 * MIB, 2).as_slice())
            .unwrap();
    });
    proxy.add(
        Matcher::LineAndHeader("partNumber=2&".into(), "x-amz-copy-source-range"),
        Fault::Hook(hook),
        1,
    );
    let error = storage
        .copy("src.bin", "dst.bin", &Default::default())
        .unwrap_err();
    proxy.clear_fired("replaced");
    assert_eq!(error.code(), ResultCode::BadState, "{error}");
    assert!(
        !direct.exists("dst.bin").unwrap(),
        "a mixed copy is visible"
    );
    assert!(direct.incomplete_uploads().unwrap().is_empty());
}
