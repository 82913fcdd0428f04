//! The in-memory store (`memory://NAME`) on its own: shared by name, isolated from other
//! names, and the Django semantics under injected faults (retried transient faults,
//! persistent ones reported, poisoned files, nothing half-written, no upload left). Runs
//! with no server, whatever the target.

mod common;

use common::proxy::read_all as read;
use s3storage::memory::{self, Call, Fault};
use s3storage::{ResultCode, Settings, Storage};
use std::io::{Seek, Write};

const MIB: usize = 1024 * 1024;

/// A storage on the in-memory store `name`, plus `extra`.
fn on(name: &str, extra: &[(&str, &str)]) -> Storage {
    let mut settings = Settings::new();
    settings.set("AWS_STORAGE_BUCKET_NAME", "media").unwrap();
    settings
        .set("AWS_S3_ENDPOINT_URL", &format!("memory://{name}"))
        .unwrap();
    for (key, value) in extra {
        settings.set(key, value).unwrap();
    }
    Storage::new(&settings).unwrap()
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

#[test]
fn the_readme_example() {
    let storage = on("unit-tests", &[]);
    memory::inject_fault("unit-tests", Call::Put, Fault::Unavailable, 1).unwrap();
    storage.save("a.txt", &b"x"[..]).unwrap();
    memory::inject_fault("unit-tests", Call::Put, Fault::Unavailable, 100).unwrap();
    assert!(storage.save("b.txt", &b"x"[..]).is_err());
    assert_eq!(memory::clear_faults("unit-tests"), 100 - 3);
    assert_eq!(memory::calls("unit-tests", Call::Put), 5);
}

#[test]
fn stores_are_shared_by_name_and_bucket_only() {
    let one = on("shared", &[]);
    let two = on("shared", &[]);
    one.save("a.txt", &b"one"[..]).unwrap();
    assert_eq!(read(&two, "a.txt").unwrap(), b"one");
    assert!(!on("other", &[]).exists("a.txt").unwrap());
    let mut settings = Settings::new();
    settings
        .set("AWS_STORAGE_BUCKET_NAME", "elsewhere")
        .unwrap();
    settings
        .set("AWS_S3_ENDPOINT_URL", "memory://shared")
        .unwrap();
    assert!(!Storage::new(&settings).unwrap().exists("a.txt").unwrap());
    assert_eq!(one.resolved().endpoint, "memory://shared");
    assert!(one
        .url("a.txt")
        .unwrap()
        .starts_with("memory://shared/media/"));
    memory::forget("shared");
    assert!(!on("shared", &[]).exists("a.txt").unwrap());
}

#[test]
fn bad_memory_endpoints_are_config_errors() {
    for endpoint in [
        "memory://",
        "memory://a/b",
        "memory://a?max_keys=0",
        "memory://a?x=1",
    ] {
        let mut settings = Settings::new();
        let error = settings.set("AWS_S3_ENDPOINT_URL", endpoint).unwrap_err();
        assert_eq!(error.code(), ResultCode::Config, "{endpoint}");
        assert!(error.to_string().contains("memory://"), "{error}");
    }
    let error = memory::inject_fault("never-opened", Call::Put, Fault::Unavailable, 1).unwrap_err();
    assert_eq!(error.code(), ResultCode::InvalidArgument);
}

#[test]
fn a_transient_fault_on_any_retried_call_ends_in_success() {
    let storage = on("transient", &[]);
    let big = bytes(11 * MIB, 1);
    storage.save("there.bin", big.as_slice()).unwrap();
    let cases = [
        (Call::Head, Fault::ConnectionLost),
        (Call::Put, Fault::InternalError),
        (Call::Get, Fault::ConnectionLost),
        (Call::List, Fault::Unavailable),
        (Call::Start, Fault::Unavailable),
        (Call::Part, Fault::ConnectionLost),
        (Call::Complete, Fault::InternalError),
        (Call::Delete, Fault::Unavailable),
    ];
    for (call, fault) in cases {
        memory::inject_fault("transient", call, fault, 1).unwrap();
        let outcome = match call {
            Call::Head => storage.exists("there.bin").map(|found| assert!(found)),
            Call::Put => storage.save("small.bin", &b"x"[..]).map(drop),
            Call::Get => read(&storage, "there.bin").map(|data| assert!(data == big)),
            Call::List => storage
                .listdir("")
                .map(|(_, files)| assert!(!files.is_empty())),
            Call::Delete => storage.delete("small.bin"),
            _ => storage
                .save(&format!("{call:?}.bin"), big.as_slice())
                .map(drop),
        };
        outcome.unwrap_or_else(|error| panic!("{call:?} {fault:?}: {error}"));
        assert_eq!(
            memory::clear_faults("transient"),
            0,
            "{call:?}: the fault never fired"
        );
    }
    assert!(storage.incomplete_uploads().unwrap().is_empty());
}

#[test]
fn a_lost_connection_on_start_or_complete_is_not_retried() {
    let storage = on("not-idempotent", &[]);
    for call in [Call::Start, Call::Complete] {
        memory::inject_fault("not-idempotent", call, Fault::ConnectionLost, 1).unwrap();
        let error = storage
            .save("big.bin", bytes(11 * MIB, 2).as_slice())
            .unwrap_err();
        assert_eq!(error.code(), ResultCode::Network, "{call:?}: {error}");
        assert_eq!(memory::clear_faults("not-idempotent"), 0);
        assert!(
            !storage.exists("big.bin").unwrap(),
            "{call:?}: an object was stored"
        );
        assert!(
            storage.incomplete_uploads().unwrap().is_empty(),
            "{call:?}: upload left"
        );
    }
}

#[test]
fn persistent_faults_are_reported_and_leave_nothing() {
    let storage = on("persistent", &[]);
    let big = bytes(11 * MIB, 3);
    for (call, code) in [
        (Call::Put, ResultCode::Server),
        (Call::Start, ResultCode::Server),
        (Call::Part, ResultCode::Network),
        (Call::Complete, ResultCode::Server),
    ] {
        let fault = match code {
            ResultCode::Network => Fault::ConnectionLost,
            _ => Fault::Unavailable,
        };
        memory::inject_fault("persistent", call, fault, 1000).unwrap();
        let content = if call == Call::Put {
            &b"small"[..]
        } else {
            big.as_slice()
        };
        let error = storage.save("never.bin", content).unwrap_err();
        assert!(
            memory::clear_faults("persistent") < 1000,
            "{call:?} never fired"
        );
        assert_eq!(error.code(), code, "{call:?}: {error}");
        assert!(
            !storage.exists("never.bin").unwrap(),
            "{call:?}: an object was stored"
        );
        assert!(
            storage.incomplete_uploads().unwrap().is_empty(),
            "{call:?}: upload left"
        );
    }
    // Access denied is never retried.
    memory::inject_fault("persistent", Call::Head, Fault::AccessDenied, 1).unwrap();
    let error = storage.exists("x").unwrap_err();
    assert_eq!(error.code(), ResultCode::AccessDenied);
    assert_eq!(memory::clear_faults("persistent"), 0);
    storage.save("after.txt", &b"fine"[..]).unwrap();
}

#[test]
fn a_failed_part_poisons_the_file_and_close_never_commits() {
    let storage = on("poisoned", &[("AWS_S3_FILE_BUFFER_SIZE", "5242880")]);
    memory::inject_fault("poisoned", Call::Part, Fault::ConnectionLost, 1000).unwrap();
    let mut file = storage.open("report.bin", "wb").unwrap();
    let mut first = None;
    for _ in 0..20 {
        if let Err(error) = file.write_bytes(&bytes(MIB, 4)) {
            first = Some(error);
            break;
        }
    }
    let first = first.expect("a write reports the failed part");
    assert_eq!(first.code(), ResultCode::Network, "{first}");
    // Every later call says the same; close reports it and commits nothing.
    assert_eq!(
        file.write_bytes(b"x").unwrap_err().to_string(),
        first.to_string()
    );
    assert_eq!(file.close().unwrap_err().to_string(), first.to_string());
    memory::clear_faults("poisoned");
    assert!(!storage.exists("report.bin").unwrap());
    assert!(storage.incomplete_uploads().unwrap().is_empty());
}

#[test]
fn abort_and_drop_discard_what_was_written() {
    let storage = on("discard", &[("AWS_S3_FILE_BUFFER_SIZE", "5242880")]);
    let mut file = storage.open("aborted.bin", "wb").unwrap();
    file.write_all(&bytes(12 * MIB, 5)).unwrap();
    file.abort().unwrap();
    assert!(
        memory::calls("discard", Call::Part) >= 2,
        "parts went up before the abort"
    );
    assert_eq!(memory::calls("discard", Call::Abort), 1);
    let mut dropped = storage.open("dropped.bin", "wb").unwrap();
    dropped.write_all(&bytes(6 * MIB, 6)).unwrap();
    drop(dropped);
    for name in ["aborted.bin", "dropped.bin"] {
        assert!(!storage.exists(name).unwrap(), "{name} was stored");
    }
    assert!(storage.incomplete_uploads().unwrap().is_empty());
}

#[test]
fn reads_of_a_replaced_object_fail_never_mix() {
    let storage = on("replaced", &[]);
    let old = bytes(3 * MIB, 7);
    storage.save("moving.bin", old.as_slice()).unwrap();
    let mut sequential = storage.open("moving.bin", "rb").unwrap();
    let mut seeking = storage.open("moving.bin", "rb").unwrap();
    let mut start = vec![0u8; 64 * 1024];
    sequential.read_bytes(&mut start).unwrap();
    storage
        .save("moving.bin", bytes(3 * MIB, 8).as_slice())
        .unwrap();
    // The opening GET's body is one version: reading on from it gives the old bytes,
    // whole.
    let mut got = start;
    let mut rest = vec![0u8; MIB];
    loop {
        match sequential.read_bytes(&mut rest) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&rest[..n]),
            Err(error) => panic!("{error}"),
        }
    }
    assert!(got == old, "a sequential read mixed two versions");
    // A range asked for after a seek carries If-Match: the replacement is reported.
    seeking
        .seek(std::io::SeekFrom::Start(2 * MIB as u64))
        .unwrap();
    let error = seeking.read_bytes(&mut rest).unwrap_err();
    assert_eq!(error.code(), ResultCode::BadState, "{error}");
}

#[test]
fn listings_page_as_s3_does() {
    let storage = on("paged?max_keys=3", &[]);
    for name in ["a/1", "a/2", "b", "c", "d/x/y", "e", "f", "g"] {
        storage.save(name, &b""[..]).unwrap();
    }
    let before = memory::calls("paged", Call::List);
    let (dirs, files) = storage.listdir("").unwrap();
    assert_eq!(dirs, ["a", "d"]);
    assert_eq!(files, ["b", "c", "e", "f", "g"]);
    assert_eq!(
        memory::calls("paged", Call::List) - before,
        3,
        "7 entries, 3 a page"
    );
}

/// Reads `name` to its end in pieces of `piece` bytes: the bytes, or the first error
/// (never an end of file after it).
fn read_through(storage: &Storage, name: &str, piece: usize) -> s3storage::Result<Vec<u8>> {
    read_rest(storage.open(name, "rb")?, piece)
}

/// Reads an open file to its end, as [`read_through`] does.
fn read_rest(mut file: s3storage::S3File, piece: usize) -> s3storage::Result<Vec<u8>> {
    let (mut got, mut buffer) = (Vec::new(), vec![0u8; piece]);
    loop {
        match file.read_bytes(&mut buffer) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(error) => {
                // Every later read reports it too: no end of file over damaged bytes.
                let again = file.read_bytes(&mut buffer).unwrap_err();
                assert_eq!(again.code(), error.code(), "{again}");
                return Err(error);
            }
        }
    }
}

#[test]
fn damaged_reads_are_caught_never_delivered() {
    let storage = on("damaged", &[]);
    let small = bytes(10_000, 1);
    storage.save("small.bin", small.as_slice()).unwrap();
    // Once: the fresh GET brings the true bytes.
    memory::inject_fault("damaged", Call::Get, Fault::CorruptBody, 1).unwrap();
    assert!(read(&storage, "small.bin").unwrap() == small);
    assert_eq!(memory::clear_faults("damaged"), 0, "the fault did not fire");
    // Twice: the mismatch is the error, naming both checksums.
    memory::inject_fault("damaged", Call::Get, Fault::CorruptBody, 2).unwrap();
    let error = failure(read(&storage, "small.bin"));
    assert_eq!(memory::clear_faults("damaged"), 0, "the fault did not fire");
    assert_eq!(error.code(), ResultCode::Checksum, "{error}");
    let message = error.to_string();
    assert!(
        message.contains("CRC32C") && message.matches("==").count() >= 2,
        "{message}"
    );
    // Larger objects, read in order through the opening GET's body, through ranges,
    // and written by a multipart upload: an error at the end, never the damaged bytes.
    let large = bytes(3 * MIB, 2);
    storage.save("large.bin", large.as_slice()).unwrap();
    let mut file = storage.open("multipart.bin", "wb").unwrap();
    let multipart = bytes(12 * MIB, 3);
    file.write_all(&multipart).unwrap();
    file.close().unwrap();
    for (name, content) in [("large.bin", &large), ("multipart.bin", &multipart)] {
        assert!(read_through(&storage, name, 64 * 1024).unwrap() == *content);
        memory::inject_fault("damaged", Call::Get, Fault::CorruptBody, 1).unwrap();
        let error = failure(read_through(&storage, name, 64 * 1024));
        assert_eq!(memory::clear_faults("damaged"), 0, "the fault did not fire");
        assert_eq!(error.code(), ResultCode::Checksum, "{name}: {error}");
    }
    // A range after a seek, then reading on to the end from there: the bytes from 0
    // were not all seen in order, so nothing is claimed (and nothing fails).
    let mut file = storage.open("large.bin", "rb").unwrap();
    file.seek(std::io::SeekFrom::Start(MIB as u64)).unwrap();
    let mut tail = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut tail).unwrap();
    assert!(tail == large[MIB..]);
}

#[test]
fn a_part_damaged_inside_the_store_fails_the_completion() {
    // The part's own checksum matched what was sent; only the full-object checksum the
    // completion declares (combined from the parts, or streamed) sees the damage.
    for algorithm in ["CRC32", "CRC32C", "CRC64NVME"] {
        let parameters = format!(r#"{{"ChecksumAlgorithm": "{algorithm}"}}"#);
        let storage = on("damaged-part", &[("AWS_S3_OBJECT_PARAMETERS", &parameters)]);
        let content = bytes(20 * MIB, 5);
        memory::inject_fault("damaged-part", Call::Part, Fault::CorruptBody, 1).unwrap();
        let mut file = storage.open("whole.bin", "wb").unwrap();
        file.write_all(&content).unwrap();
        let error = file.close().unwrap_err();
        let left = memory::clear_faults("damaged-part");
        assert_eq!(left, 0, "{algorithm}: the fault did not fire");
        assert!(
            error.to_string().contains("BadDigest"),
            "{algorithm}: {error}"
        );
        assert!(!storage.exists("whole.bin").unwrap(), "{algorithm}");
        assert!(
            storage.incomplete_uploads().unwrap().is_empty(),
            "{algorithm}"
        );
        // Undamaged, the same upload completes with the same declared checksum.
        let mut file = storage.open("whole.bin", "wb").unwrap();
        file.write_all(&content).unwrap();
        file.close().unwrap();
        assert!(
            read(&storage, "whole.bin").unwrap() == content,
            "{algorithm}"
        );
        storage.delete("whole.bin").unwrap();
    }
}

#[test]
fn when_required_stores_and_checks_no_checksum() {
    let client = r#"{"request_checksum_calculation": "when_required"}"#;
    let storage = on("unchecked", &[("AWS_S3_CLIENT_CONFIG", client)]);
    let small = bytes(10_000, 4);
    storage.save("small.bin", small.as_slice()).unwrap();
    memory::inject_fault("unchecked", Call::Get, Fault::CorruptBody, 1).unwrap();
    // Nothing to check against: the damage goes through (what the default prevents).
    let got = read(&storage, "small.bin").unwrap();
    assert_eq!(
        memory::clear_faults("unchecked"),
        0,
        "the fault did not fire"
    );
    assert!(got != small && got.len() == small.len());
    // Asking for a checksum by name stores one even so.
    let named = on(
        "unchecked",
        &[
            ("AWS_S3_CLIENT_CONFIG", client),
            (
                "AWS_S3_OBJECT_PARAMETERS",
                r#"{"ChecksumAlgorithm": "CRC64NVME"}"#,
            ),
        ],
    );
    named.save("named.bin", small.as_slice()).unwrap();
    memory::inject_fault("unchecked", Call::Get, Fault::CorruptBody, 2).unwrap();
    let error = failure(read(&named, "named.bin"));
    assert_eq!(error.code(), ResultCode::Checksum, "{error}");
    assert!(error.to_string().contains("CRC64NVME"), "{error}");
}

/// The error of an outcome that must be one (the bytes are not printed: they are many).
fn failure(outcome: s3storage::Result<Vec<u8>>) -> s3storage::Error {
    match outcome {
        Ok(bytes) => panic!("{} bytes delivered where an error was due", bytes.len()),
        Err(error) => error,
    }
}

#[test]
fn listings_fetch_one_page_at_a_time() {
    let storage = on("streamed?max_keys=3", &[]);
    for i in 0..20 {
        storage.save(&format!("k/{i:02}"), &b"x"[..]).unwrap();
    }
    let before = memory::calls("streamed", Call::List);
    let mut listing = storage.list("k", true).unwrap();
    assert_eq!(
        memory::calls("streamed", Call::List),
        before,
        "nothing before the first entry"
    );
    let first: Vec<_> = listing.by_ref().take(3).map(|e| e.unwrap().name).collect();
    assert_eq!(first, ["k/00", "k/01", "k/02"]);
    assert_eq!(
        memory::calls("streamed", Call::List),
        before + 1,
        "one page for three"
    );
    assert_eq!(listing.count(), 17);
    assert_eq!(memory::calls("streamed", Call::List), before + 7);
    // A failed page is the last item.
    memory::inject_fault("streamed", Call::List, Fault::AccessDenied, 1).unwrap();
    let mut failing = storage.list("k", true).unwrap();
    assert_eq!(
        failing.next().unwrap().unwrap_err().code(),
        ResultCode::AccessDenied
    );
    assert!(failing.next().is_none());
}

#[test]
fn delete_prefix_batches_a_thousand_keys_per_request() {
    let storage = on("bulk?max_keys=1000", &[]);
    for i in 0..2500 {
        storage.save(&format!("many/{i:05}"), &b""[..]).unwrap();
    }
    storage.save("other", &b""[..]).unwrap();
    let before = memory::calls("bulk", Call::DeleteMany);
    assert_eq!(storage.delete_prefix("many").unwrap(), 2500);
    assert_eq!(
        memory::calls("bulk", Call::DeleteMany) - before,
        3,
        "1000 + 1000 + 500"
    );
    assert!(storage.exists("other").unwrap());
    // A persistent fault: the error, and what was listed after it is left.
    for i in 0..10 {
        storage.save(&format!("again/{i}"), &b""[..]).unwrap();
    }
    memory::inject_fault("bulk", Call::DeleteMany, Fault::AccessDenied, 1).unwrap();
    let error = storage.delete_prefix("again").unwrap_err();
    assert_eq!(error.code(), ResultCode::AccessDenied, "{error}");
    assert_eq!(storage.list("again", true).unwrap().count(), 10);
}

#[test]
fn a_move_whose_delete_fails_names_where_the_copy_went() {
    let storage = on("move-delete", &[("AWS_S3_FILE_OVERWRITE", "False")]);
    storage.save("src.txt", &b"moving"[..]).unwrap();
    storage.save("dst.txt", &b"taken"[..]).unwrap();
    memory::inject_fault("move-delete", Call::Delete, Fault::AccessDenied, 1).unwrap();
    let error = storage
        .move_to("src.txt", "dst.txt", &Default::default())
        .unwrap_err();
    assert_eq!(memory::clear_faults("move-delete"), 0, "the fault fired");
    assert_eq!(error.code(), ResultCode::AccessDenied, "{error}");
    let copied = (storage.list("", false).unwrap())
        .map(|entry| entry.unwrap().name)
        .find(|name| name.starts_with("dst_"))
        .expect("the copy went to an available name");
    assert!(error.to_string().contains(&copied), "{error}");
    assert_eq!(read(&storage, &copied).unwrap(), b"moving");
    assert_eq!(
        read(&storage, "src.txt").unwrap(),
        b"moving",
        "the source stays"
    );
}

#[test]
fn create_only_files_never_replace_an_object() {
    let storage = on("exclusive", &[]);
    storage.save("taken.txt", &b"first"[..]).unwrap();
    let error = storage.open("taken.txt", "xb").unwrap_err();
    assert_eq!(error.code(), ResultCode::AlreadyExists, "{error}");
    let mut file = storage.open("new.txt", "x").unwrap();
    file.write_all(b"created").unwrap();
    file.close().unwrap();
    assert_eq!(read(&storage, "new.txt").unwrap(), b"created");
    // Taken between open and close: the close fails, the other writer's bytes stay.
    for content in [&b"late"[..], &b""[..], &bytes(12 * MIB, 1)[..]] {
        let name = format!("raced-{}.txt", content.len());
        let mut file = storage.open(&name, "xb").unwrap();
        file.write_all(content).unwrap();
        storage.save(&name, &b"winner"[..]).unwrap();
        let error = file.close().unwrap_err();
        assert_eq!(error.code(), ResultCode::AlreadyExists, "{name}: {error}");
        assert_eq!(read(&storage, &name).unwrap(), b"winner", "{name}");
    }
    assert!(storage.incomplete_uploads().unwrap().is_empty());
    let error = storage.open("a.txt", "a").unwrap_err();
    assert_eq!(error.code(), ResultCode::InvalidArgument);
}

#[test]
fn a_long_sequential_read_is_fetched_ahead_in_ranges() {
    let transfer = r#"{"multipart_chunksize": 5242880, "max_concurrency": 3,
        "read_ahead": "always"}"#;
    let storage = on("read-ahead", &[("AWS_S3_TRANSFER_CONFIG", transfer)]);
    let content = bytes(26 * MIB, 9);
    storage.save("long.bin", content.as_slice()).unwrap();
    let before = memory::calls("read-ahead", Call::Get);
    assert!(read_through(&storage, "long.bin", MIB).unwrap() == content);
    // The opening GET, then the rest in 5 MiB ranges: 26 MiB - 64 KiB in 6.
    assert_eq!(memory::calls("read-ahead", Call::Get) - before, 1 + 6);
    // Off for random access: a seek and a small read fetch one small range.
    let mut file = storage.open("long.bin", "rb").unwrap();
    file.seek(std::io::SeekFrom::Start(20 * MIB as u64))
        .unwrap();
    let before = memory::calls("read-ahead", Call::Get);
    let mut piece = vec![0u8; 1024];
    file.read_bytes(&mut piece).unwrap();
    assert!(piece == content[20 * MIB..20 * MIB + 1024]);
    assert_eq!(memory::calls("read-ahead", Call::Get) - before, 1);
    // Faults on the ranges fetched ahead: a transient one is retried and the bytes are
    // exact; a persistent one is the read's error; damage is caught at the end.
    for (fault, times, outcome) in [
        (Fault::ConnectionLost, 1, None),
        (Fault::InternalError, 100, Some(ResultCode::Server)),
        (Fault::CorruptBody, 1, Some(ResultCode::Checksum)),
    ] {
        let file = storage.open("long.bin", "rb").unwrap();
        memory::inject_fault("read-ahead", Call::Get, fault, times).unwrap();
        let got = read_rest(file, MIB);
        let left = memory::clear_faults("read-ahead");
        assert!(left < times, "{fault:?} did not fire");
        match outcome {
            None => assert!(got.unwrap() == content, "{fault:?}"),
            Some(code) => {
                let error = got.map(|b| b.len()).expect_err(&format!("{fault:?}"));
                assert_eq!(error.code(), code, "{fault:?}: {error}");
            }
        }
    }
    assert!(read_through(&storage, "long.bin", 3 * MIB).unwrap() == content);
    // "never": one stream; "auto": one stream until its four chunks after the first four
    // come slower than 128 MiB/s (here a caller that works 10 ms per MiB), then ranges
    // from there on: 60 MiB in 5 MiB chunks, decided at 40 MiB, four ranges after it.
    let content = bytes(60 * MIB, 10);
    storage.save("long.bin", content.as_slice()).unwrap();
    for (mode, pause, gets) in [("never", 10, 0), ("auto", 10, 4)] {
        let transfer = format!(
            r#"{{"multipart_chunksize": 5242880, "max_concurrency": 3, "read_ahead": "{mode}"}}"#
        );
        let storage = on("read-ahead", &[("AWS_S3_TRANSFER_CONFIG", &transfer)]);
        let mut file = storage.open("long.bin", "rb").unwrap();
        let before = memory::calls("read-ahead", Call::Get);
        let (mut got, mut piece) = (Vec::new(), vec![0u8; MIB]);
        loop {
            let n = file.read_bytes(&mut piece).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&piece[..n]);
            std::thread::sleep(std::time::Duration::from_millis(pause));
        }
        assert!(got == content, "{mode}");
        assert_eq!(
            memory::calls("read-ahead", Call::Get) - before,
            gets,
            "{mode}"
        );
    }
    let error = (Settings::new())
        .set("AWS_S3_TRANSFER_CONFIG", r#"{"read_ahead": "sometimes"}"#)
        .unwrap_err();
    assert_eq!(error.code(), ResultCode::Config, "{error}");
    assert!(error.to_string().contains("read_ahead must be"), "{error}");
}
