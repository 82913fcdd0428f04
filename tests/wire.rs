//! What goes on the wire (through a recording proxy to the local server): checksums
//! instead of Content-MD5, the payload hashed or left unsigned as botocore decides, every
//! checksum algorithm accepted by the server, and `open` for reading in one request.

mod common;

use base64::Engine as _;
use common::proxy::{read_all, FaultProxy};
use common::{pattern, settings, unique};
use s3storage::{ResultCode, SaveOptions, Storage};
use std::io::Read;

const MIB: usize = 1024 * 1024;

fn through(proxy: &FaultProxy, extra: &[(&str, &str)]) -> Storage {
    let location = unique("wire");
    let endpoint = proxy.endpoint();
    let mut pairs = vec![
        ("AWS_S3_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_LOCATION", location.as_str()),
    ];
    pairs.extend_from_slice(extra);
    Storage::new(&settings(&pairs)).unwrap()
}

fn crc32c(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(data).to_be_bytes())
}

#[test]
fn uploads_carry_crc32c_checksums_and_no_md5() {
    if common::lacks(&["http"], "uploads_carry_crc32c_checksums_and_no_md5") {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, &[]);
    let small = pattern(100_000, 1);
    storage.save("small.bin", small.as_slice()).unwrap();
    let large = pattern(11 * MIB, 2);
    storage.save("large.bin", large.as_slice()).unwrap();
    let seen = proxy.seen();
    let find = |method: &str, text: &str| {
        (seen.iter())
            .filter(|s| s.head[0].starts_with(method) && s.head[0].contains(text))
            .collect::<Vec<_>>()
    };
    let put = find("PUT", "small.bin ");
    assert_eq!(put.len(), 1);
    assert_eq!(put[0].header("x-amz-checksum-crc32c"), Some(crc32c(&small)));
    let start = find("POST", "large.bin?uploads");
    assert_eq!(
        start[0].header("x-amz-checksum-algorithm").as_deref(),
        Some("CRC32C")
    );
    let parts = find("PUT", "partNumber=");
    assert_eq!(parts.len(), 2);
    for part in &parts {
        assert!(
            part.header("x-amz-checksum-crc32c").is_some(),
            "{:?}",
            part.head[0]
        );
    }
    let complete = find("POST", "large.bin?uploadId=");
    let body = String::from_utf8_lossy(&complete[0].body);
    assert_eq!(body.matches("<ChecksumCRC32C>").count(), 2, "{body}");
    assert!(body.contains(&crc32c(&large[8 * MIB..])), "{body}");
    for request in &seen {
        assert!(
            request.header("content-md5").is_none(),
            "{:?}",
            request.head
        );
        // Over http the payload is signed (hashed once), as botocore does.
        let payload = request.header("x-amz-content-sha256").unwrap();
        assert_eq!(payload.len(), 64, "{payload}");
    }
    assert!(read_all(&storage, "large.bin").unwrap() == large);
}

#[test]
fn payload_signing_follows_the_client_config_both_ways() {
    if common::lacks(
        &["http"],
        "payload_signing_follows_the_client_config_both_ways",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let unsigned = through(
        &proxy,
        &[(
            "AWS_S3_CLIENT_CONFIG",
            r#"{"s3": {"payload_signing_enabled": false}}"#,
        )],
    );
    unsigned.save("unsigned.txt", &b"no hash"[..]).unwrap();
    let seen = proxy.seen();
    let put = (seen.iter())
        .find(|s| s.head[0].starts_with("PUT") && s.head[0].contains("unsigned.txt"))
        .unwrap();
    assert_eq!(
        put.header("x-amz-content-sha256").as_deref(),
        Some("UNSIGNED-PAYLOAD")
    );
    assert_eq!(read_all(&unsigned, "unsigned.txt").unwrap(), b"no hash");
    // A request without a checksum (a listing) is always signed.
    unsigned.listdir("").unwrap();
    let seen = proxy.seen();
    let list = seen
        .iter()
        .rev()
        .find(|s| s.head[0].contains("delimiter="))
        .unwrap();
    let hash = list.header("x-amz-content-sha256").expect("a payload hash");
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{hash}"
    );
}

#[test]
fn every_checksum_algorithm_is_accepted_by_the_server() {
    if common::lacks(
        &["http"],
        "every_checksum_algorithm_is_accepted_by_the_server",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, &[]);
    for algorithm in ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"] {
        let parameters = format!(r#"{{"ChecksumAlgorithm": "{algorithm}"}}"#);
        let options = SaveOptions::from_json(Some(&parameters), None).unwrap();
        for size in [1000, 11 * MIB] {
            let content = pattern(size, 3);
            let name = format!("{algorithm}-{size}.bin");
            storage
                .save_with(&name, content.as_slice(), &options)
                .unwrap_or_else(|e| panic!("{algorithm} {size}: {e}"));
            assert!(
                read_all(&storage, &name).unwrap() == content,
                "{algorithm} {size}"
            );
            // The algorithm asked for is the one sent: on the PUT, or on the parts (of a
            // FULL_OBJECT upload for the CRCs, a COMPOSITE one for the SHAs).
            let header = format!("x-amz-checksum-{}", algorithm.to_ascii_lowercase());
            let part_header = header.clone();
            let seen = proxy.seen();
            let uploads: Vec<_> = (seen.iter())
                .filter(|s| s.head[0].starts_with("PUT ") && s.head[0].contains(&name))
                .collect();
            assert!(!uploads.is_empty(), "{name}: nothing sent");
            for upload in uploads {
                let expected = match upload.head[0].contains("partNumber=") {
                    true => &part_header,
                    false => &header,
                };
                assert!(upload.header(expected).is_some(), "{name}: no {expected}");
            }
        }
    }
}

#[test]
fn open_for_reading_is_one_request() {
    if common::lacks(&["http"], "open_for_reading_is_one_request") {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, &[]);
    storage
        .save("kib.txt", pattern(1024, 4).as_slice())
        .unwrap();
    storage.save("empty.txt", &b""[..]).unwrap();
    let before = proxy.requests();
    let mut file = storage.open("kib.txt", "rb").unwrap();
    let mut data = Vec::new();
    file.read_to_end(&mut data).unwrap();
    assert_eq!(data, pattern(1024, 4));
    assert_eq!(file.size().unwrap(), 1024);
    assert_eq!(
        proxy.requests() - before,
        1,
        "open + read of 1 KiB: one GET"
    );
    let seen = proxy.seen();
    assert!(seen.last().unwrap().head[0].starts_with("GET "));
    // A missing object fails at open, with that same single request.
    let before = proxy.requests();
    let error = storage.open("missing.txt", "rb").unwrap_err();
    assert_eq!(error.code(), ResultCode::NotFound);
    assert_eq!(proxy.requests() - before, 1);
    // An empty object opens and reads as empty.
    let mut file = storage.open("empty.txt", "rb").unwrap();
    assert_eq!(file.size().unwrap(), 0);
    let mut data = Vec::new();
    file.read_to_end(&mut data).unwrap();
    assert!(data.is_empty());
}

#[test]
fn signatures_hold_for_awkward_headers_and_queries() {
    if common::lacks(&["http"], "signatures_hold_for_awkward_headers_and_queries") {
        return;
    }
    // Header names that prefix each other (as SSE-C's key and key-md5 do), a value with
    // inner runs of spaces, and a listing prefix holding a space (a query parameter).
    let storage = common::storage(&[(
        "AWS_S3_OBJECT_PARAMETERS",
        r#"{"Metadata": {"a": "1", "a-b": "two  spaces"}}"#,
    )]);
    let name = storage.save("dir with space/x.txt", &b"x"[..]).unwrap();
    assert_eq!(name, "dir with space/x.txt");
    let (_, files) = storage.listdir("dir with space").unwrap();
    assert_eq!(files, vec!["x.txt".to_string()]);
    let (_, headers, _) = common::fetch("GET", &storage.url(&name).unwrap());
    assert_eq!(headers["x-amz-meta-a"], "1");
}

#[test]
fn network_errors_name_the_endpoint() {
    if common::lacks(&["http"], "network_errors_name_the_endpoint") {
        return;
    }
    // Nothing listens on port 9; the S3 server speaks plain http, not TLS.
    let refused =
        Storage::new(&settings(&[("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9")])).unwrap();
    let error = refused.exists("x").unwrap_err();
    assert_eq!(error.code(), ResultCode::Network);
    let message = error.to_string();
    assert!(
        message.contains("connecting to http://127.0.0.1:9 failed: connection refused"),
        "{message}"
    );
    let https = common::endpoint().replace("http://", "https://");
    let plain = Storage::new(&settings(&[("AWS_S3_ENDPOINT_URL", &https)])).unwrap();
    let started = std::time::Instant::now();
    let error = plain.exists("x").unwrap_err();
    assert_eq!(error.code(), ResultCode::Network);
    assert!(error.to_string().contains("plain-http port"), "{error}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "it was retried"
    );
}

#[test]
fn a_wrong_region_heals_itself_once() {
    if common::lacks(&["http"], "a_wrong_region_heals_itself_once") {
        return;
    }
    use common::proxy::{Fault, Matcher};
    let proxy = FaultProxy::start();
    let storage = through(&proxy, &[("AWS_S3_REGION_NAME", "us-east-1")]);
    storage.save("here.txt", &b"here"[..]).unwrap();
    // A HEAD answered 301 with x-amz-bucket-region: re-signed for eu-west-1 and sent again.
    proxy.add(
        Matcher::Request("HEAD", "here.txt".into()),
        Fault::WrongRegion(301, "eu-west-1"),
        1,
    );
    assert!(storage.exists("here.txt").unwrap());
    proxy.clear_met("301");
    let seen = proxy.seen();
    let last = seen.last().unwrap();
    let authorization = last.header("authorization").unwrap();
    assert!(
        authorization.contains("/eu-west-1/s3/aws4_request"),
        "{authorization}"
    );
    // The storage remembers it: later requests and presigned URLs use eu-west-1.
    assert!(storage.url("here.txt").unwrap().contains("%2Feu-west-1%2F"));
    // A 400 AuthorizationHeaderMalformed naming another region moves it again.
    proxy.add(
        Matcher::Request("PUT", "there.txt".into()),
        Fault::WrongRegion(400, "ap-southeast-2"),
        1,
    );
    storage.save("there.txt", &b"there"[..]).unwrap();
    proxy.clear_met("400");
    assert!(storage.url("x").unwrap().contains("%2Fap-southeast-2%2F"));
    // Redirected for good: the error names both regions.
    proxy.add(
        Matcher::Request("HEAD", "here.txt".into()),
        Fault::WrongRegion(301, "sa-east-1"),
        1,
    );
    proxy.add(
        Matcher::Request("HEAD", "here.txt".into()),
        Fault::WrongRegion(301, "ca-central-1"),
        1,
    );
    let error = storage.exists("here.txt").unwrap_err();
    proxy.clear_met("twice");
    let message = error.to_string();
    assert!(
        message.contains("sa-east-1") && message.contains("ap-southeast-2"),
        "{message}"
    );
}

#[test]
fn multipart_saves_declare_a_full_object_checksum_that_reads_get() {
    if common::lacks(
        &["http", "full-object-checksums"],
        "multipart_saves_declare_a_full_object_checksum_that_reads_get",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, &[]);
    let content = pattern(11 * MIB, 9);
    let name = storage.save("whole.bin", content.as_slice()).unwrap();
    let seen = proxy.seen();
    let create = (seen.iter())
        .find(|s| s.head[0].starts_with("POST ") && s.head[0].contains("uploads"))
        .expect("a CreateMultipartUpload");
    assert_eq!(
        create.header("x-amz-checksum-type").as_deref(),
        Some("FULL_OBJECT")
    );
    assert_eq!(
        create.header("x-amz-checksum-algorithm").as_deref(),
        Some("CRC32C")
    );
    let complete = (seen.iter())
        .find(|s| s.head[0].starts_with("POST ") && s.head[0].contains("uploadId="))
        .expect("a CompleteMultipartUpload");
    let whole =
        base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(&content).to_be_bytes());
    assert_eq!(
        complete.header("x-amz-checksum-crc32c"),
        Some(whole.clone())
    );
    // The server keeps the whole object's checksum: a read's GET asks for it and gets it
    // as FULL_OBJECT. A HEAD does not ask (with SSE-KMS that would need kms:Decrypt).
    proxy.clear();
    assert_eq!(storage.size(&name).unwrap(), content.len() as u64);
    assert!(read_all(&storage, &name).unwrap() == content);
    let seen = proxy.seen();
    let head = (seen.iter().rev())
        .find(|s| s.head[0].starts_with("HEAD "))
        .expect("a HEAD");
    assert_eq!(head.header("x-amz-checksum-mode"), None);
    let get = (seen.iter().rev())
        .find(|s| s.head[0].starts_with("GET ") && s.head[0].contains("whole.bin"))
        .expect("a GET");
    assert_eq!(
        get.header("x-amz-checksum-mode").as_deref(),
        Some("ENABLED")
    );
    assert_eq!(get.reply_header("x-amz-checksum-crc32c"), Some(whole));
    assert_eq!(
        get.reply_header("x-amz-checksum-type").as_deref(),
        Some("FULL_OBJECT")
    );
}

#[test]
fn when_required_sends_no_checksum_and_the_default_does() {
    if common::lacks(
        &["http"],
        "when_required_sends_no_checksum_and_the_default_does",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let client = r#"{"request_checksum_calculation": "when_required", "response_checksum_validation": "when_required"}"#;
    let required = through(&proxy, &[("AWS_S3_CLIENT_CONFIG", client)]);
    let default = through(&proxy, &[]);
    for (storage, sends) in [(&required, false), (&default, true)] {
        let (small, large) = (format!("small-{sends}.bin"), format!("large-{sends}.bin"));
        let small = storage.save(&small, &b"checked?"[..]).unwrap();
        let large = storage
            .save(&large, pattern(11 * MIB, 1).as_slice())
            .unwrap();
        assert_eq!(read_all(storage, &small).unwrap(), b"checked?");
        assert_eq!(read_all(storage, &large).unwrap().len(), 11 * MIB);
        let seen = proxy.seen();
        let mut uploads = 0;
        for request in &seen {
            let line = &request.head[0];
            let checksum = (request.head.iter())
                .find(|h| h.to_ascii_lowercase().starts_with("x-amz-checksum-"));
            let ours = line.contains(&small) || line.contains(&large);
            if ours && (line.starts_with("PUT ") || line.starts_with("POST ")) {
                uploads += 1;
                assert_eq!(checksum.is_some(), sends, "{line}: {checksum:?}");
            }
            if ours && line.starts_with("GET ") {
                let mode = request.header("x-amz-checksum-mode");
                assert_eq!(mode.is_some(), sends, "{line}");
            }
        }
        assert!(uploads >= 5, "{uploads} uploads seen");
    }
}

#[test]
fn a_server_refusing_full_object_checksums_gets_the_composite_form() {
    if common::lacks(
        &["http"],
        "a_server_refusing_full_object_checksums_gets_the_composite_form",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, &[]);
    storage.exists("warm-up").unwrap();
    let refusal = "<Error><Code>InvalidRequest</Code><Message>The x-amz-checksum-type header \
                   is not supported</Message></Error>";
    proxy.add(
        common::proxy::Matcher::Header("x-amz-checksum-type"),
        common::proxy::Fault::Respond(400, refusal.into()),
        usize::MAX,
    );
    for round in 0..2 {
        let content = pattern(11 * MIB, round);
        let saved = storage.save(&format!("composite-{round}.bin"), content.as_slice());
        let name = saved.unwrap_or_else(|error| {
            let seen: Vec<_> = (proxy.seen().iter())
                .map(|s| format!("{} {:?}", s.head[0], s.fault))
                .collect();
            panic!("{error}: {seen:#?}")
        });
        assert!(read_all(&storage, &name).unwrap() == content);
    }
    // Refused once; the storage remembers and asks composite uploads from then on.
    assert_eq!(proxy.clear_fired("FULL_OBJECT refused"), 1);
    let creates = (proxy.seen().iter())
        .filter(|s| s.head[0].starts_with("POST ") && s.head[0].contains("?uploads"))
        .count();
    assert_eq!(creates, 3, "one refused creation, then one per save");
}

#[test]
fn a_completion_refusing_the_whole_objects_checksum_completes_without_it() {
    if common::lacks(
        &["http"],
        "a_completion_refusing_the_whole_objects_checksum_completes_without_it",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = through(&proxy, &[]);
    storage.exists("warm-up").unwrap();
    let refusal = "<Error><Code>BadDigest</Code><Message>The CRC32C you specified did not \
                   match the calculated checksum.</Message></Error>";
    proxy.add(
        common::proxy::Matcher::LineAndHeader("?uploadId=".into(), "x-amz-checksum-crc32c"),
        common::proxy::Fault::Respond(400, refusal.into()),
        usize::MAX,
    );
    let content = pattern(11 * MIB, 4);
    let name = storage
        .save("whole-refused.bin", content.as_slice())
        .unwrap();
    assert!(read_all(&storage, &name).unwrap() == content);
    // Refused once, not resent as it was: the next upload is composite from the start.
    assert_eq!(proxy.clear_fired("the whole's checksum refused"), 1);
    proxy.clear();
    storage.save("after.bin", content.as_slice()).unwrap();
    let seen = proxy.seen();
    let create = (seen.iter().rev())
        .find(|s| s.head[0].starts_with("POST ") && s.head[0].contains("after.bin?uploads"))
        .expect("the second CreateMultipartUpload");
    assert_eq!(create.header("x-amz-checksum-type"), None);
}
