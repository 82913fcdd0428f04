//! `download_to`: one streamed GET or parallel ranged GETs (`read_ahead`) into a
//! temporary file beside the target, checked, fsynced and renamed. Byte-exact (on every
//! target, both ways), and through the fault proxy: a persistent fault, a damaged range or
//! stream and an object replaced mid-download each leave the target as it was, with no
//! partial file beside it. Each fault test asserts its fault fired.

mod common;

use common::proxy::{storages, Fault, FaultProxy, Matcher};
use common::{pattern, settings, storage, unique};
use s3storage::{ResultCode, Storage};
use std::sync::Arc;

const MIB: usize = 1024 * 1024;
/// Ranges of 5 MiB, three at once, from the opening GET on.
const TRANSFER: &str =
    r#"{"multipart_chunksize": 5242880, "max_concurrency": 3, "read_ahead": "always"}"#;

/// The files in `dir` (a partial download would be one more).
fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn downloads_are_exact_in_ranges_and_streamed() {
    let ranged = storage(&[("AWS_S3_TRANSFER_CONFIG", TRANSFER)]);
    let streamed = Storage::new(&settings(&[
        ("AWS_LOCATION", &ranged.resolved().location),
        (
            "AWS_S3_TRANSFER_CONFIG",
            &TRANSFER.replace("always", "never"),
        ),
    ]))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for size in [0, 1000, 5 * MIB, 17 * MIB + 3] {
        let content = pattern(size, 7);
        let name = ranged
            .save(&format!("d/{size}.bin"), content.as_slice())
            .unwrap();
        for (how, storage) in [("ranged", &ranged), ("streamed", &streamed)] {
            let target = dir.path().join(format!("{size}.{how}"));
            assert_eq!(storage.download_to(&name, &target).unwrap(), size as u64);
            assert!(
                std::fs::read(&target).unwrap() == content,
                "{size} bytes {how} differ"
            );
        }
    }
    assert_eq!(files_in(dir.path()).len(), 8, "{:?}", files_in(dir.path()));
    let storage = ranged;
    let missing = storage
        .download_to("d/missing.bin", dir.path().join("m"))
        .unwrap_err();
    assert_eq!(missing.code(), ResultCode::NotFound);
    assert!(!dir.path().join("m").exists());
    let unsafe_name = storage
        .download_to("../up", dir.path().join("u"))
        .unwrap_err();
    assert_eq!(unsafe_name.code(), ResultCode::SuspiciousName);
}

/// A storage through the proxy with small ranges, and one direct, on one location.
fn through(proxy: &FaultProxy) -> (Storage, Storage) {
    let (_, direct) = storages(proxy);
    let location = unique("downloads");
    let through = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &location),
        ("AWS_S3_TRANSFER_CONFIG", TRANSFER),
        (
            "AWS_S3_CLIENT_CONFIG",
            r#"{"connect_timeout": 1, "read_timeout": 2, "retries": {"total_max_attempts": 3}}"#,
        ),
    ]))
    .unwrap();
    drop(direct);
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    (through, direct)
}

#[test]
fn failures_leave_the_target_as_it_was() {
    // The 12 MiB object is saved in parts: checked only with a full-object checksum.
    if common::lacks(
        &["http", "full-object-checksums"],
        "failures_leave_the_target_as_it_was",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = through(&proxy);
    let content = pattern(12 * MIB, 8);
    direct.save("big.bin", content.as_slice()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.bin");
    std::fs::write(&target, b"the old file").unwrap();
    let ranges = || Matcher::LineAndHeader("big.bin".into(), "range");
    // A damaged range, once: the whole is checked, fetched again, and exact.
    proxy.add(ranges(), Fault::CorruptReply, 1);
    storage.download_to("big.bin", &target).unwrap();
    assert_eq!(proxy.clear_fired("damaged once"), 1);
    assert!(std::fs::read(&target).unwrap() == content);
    std::fs::write(&target, b"the old file").unwrap();
    for (fault, times, code) in [
        (Fault::CorruptReply, 1000, ResultCode::Checksum),
        (Fault::Status503, 1000, ResultCode::Server),
        (Fault::ResetBeforeBody, 1000, ResultCode::Network),
    ] {
        proxy.add(ranges(), fault.clone(), times);
        let error = storage.download_to("big.bin", &target).unwrap_err();
        proxy.clear_fired(&format!("{fault:?}"));
        assert_eq!(error.code(), code, "{fault:?}: {error}");
        assert_eq!(
            std::fs::read(&target).unwrap(),
            b"the old file",
            "{fault:?}"
        );
        assert_eq!(
            files_in(dir.path()),
            ["big.bin"],
            "{fault:?}: a partial file is left"
        );
    }
}

#[test]
fn an_object_replaced_mid_download_is_an_error_never_a_mixed_file() {
    if common::lacks(
        &["http"],
        "an_object_replaced_mid_download_is_an_error_never_a_mixed_file",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (storage, direct) = through(&proxy);
    direct
        .save("moving.bin", pattern(12 * MIB, 1).as_slice())
        .unwrap();
    let replacer = direct.clone();
    let hook = Arc::new(move || {
        replacer
            .save("moving.bin", pattern(12 * MIB, 2).as_slice())
            .unwrap();
    });
    proxy.add(
        Matcher::LineAndHeader("moving.bin".into(), "range"),
        Fault::Hook(hook),
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("moving.bin");
    let error = storage.download_to("moving.bin", &target).unwrap_err();
    proxy.clear_fired("replaced");
    assert_eq!(error.code(), ResultCode::BadState, "{error}");
    assert!(!target.exists());
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

/// Reads `file` to its end in 1 MiB pieces: the bytes, or the first error with the
/// bytes delivered before it (which must be the object's own).
fn read_on(mut file: s3storage::S3File) -> (Vec<u8>, Option<s3storage::Error>) {
    let (mut got, mut buffer) = (Vec::new(), vec![0u8; MIB]);
    loop {
        match file.read_bytes(&mut buffer) {
            Ok(0) => return (got, None),
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(error) => return (got, Some(error)),
        }
    }
}

#[test]
fn ranged_reads_under_every_fault() {
    // A 16 MiB object in 5 MiB ranges: open('rb') reads ahead, download_to in parallel.
    let ranges = || Matcher::LineAndHeader("big.bin".into(), "range");
    reads_under_every_fault("always", &ranges, "ranged_reads_under_every_fault");
}

#[test]
fn streamed_reads_under_every_fault() {
    // The same object on one stream: the opening GET and the ranges that resume it.
    let gets = || Matcher::Request("GET", "big.bin".into());
    reads_under_every_fault("never", &gets, "streamed_reads_under_every_fault");
}

/// open('rb') read to its end and download_to, with `read_ahead` `mode`, under each
/// fault once and persistently on the requests `matcher` picks.
fn reads_under_every_fault(mode: &str, matcher: &dyn Fn() -> Matcher, test: &str) {
    if common::lacks(&["http", "full-object-checksums"], test) {
        return;
    }
    let proxy = FaultProxy::start();
    let (_, direct) = through(&proxy);
    // Two attempts and a 1 s read timeout: a persistent stall costs seconds, not tens.
    let transfer = TRANSFER.replace("always", mode);
    let storage = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
        ("AWS_LOCATION", &direct.resolved().location),
        ("AWS_S3_TRANSFER_CONFIG", &transfer),
        (
            "AWS_S3_CLIENT_CONFIG",
            r#"{"connect_timeout": 1, "read_timeout": 1, "retries": {"total_max_attempts": 2}}"#,
        ),
    ]))
    .unwrap();
    let content = pattern(16 * MIB, 11);
    direct.save("big.bin", content.as_slice()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.bin");
    use ResultCode::{Checksum, Network, Server};
    for (fault, persistent) in [
        (Fault::Status503, Server),
        (Fault::ResetBeforeBody, Network),
        (Fault::TruncateResponse, Network),
        (Fault::Stall, Network),
        (Fault::CorruptReply, Checksum),
    ] {
        for times in [1, 1000] {
            let what = format!("{mode}: {fault:?} x{times}");
            proxy.add(matcher(), fault.clone(), times);
            let (got, error) = match storage.open("big.bin", "rb") {
                Ok(file) => read_on(file),
                Err(error) => (Vec::new(), Some(error)),
            };
            assert!(
                proxy.clear_fired(&what) >= 1,
                "{what}: the fault did not fire"
            );
            // Damage is found at the end of a read, whose bytes are delivered already:
            // reported, even once, never an end of file. Every other transient fault is
            // retried, and what came before an error is the object's own.
            let damaged = matches!(fault, Fault::CorruptReply);
            assert!(
                damaged || got == content[..got.len()],
                "{what}: damaged bytes"
            );
            let code = match (times, &fault) {
                (1, Fault::CorruptReply) => Some(Checksum),
                (1, _) => None,
                _ => Some(persistent),
            };
            assert_eq!(error.as_ref().map(|e| e.code()), code, "{what}: {error:?}");
            assert_eq!(error.is_none(), got.len() == content.len(), "{what}");
            proxy.add(matcher(), fault.clone(), times);
            let downloaded = storage.download_to("big.bin", &target);
            assert!(
                proxy.clear_fired(&what) >= 1,
                "{what}: the fault did not fire"
            );
            match times {
                1 => assert!(std::fs::read(&target).unwrap() == content, "{what}"),
                _ => {
                    let error = downloaded.unwrap_err();
                    assert_eq!(error.code(), persistent, "{what}: {error}");
                    assert!(files_in(dir.path()).is_empty(), "{what}: a file is left");
                }
            }
            let _ = std::fs::remove_file(&target);
        }
    }
}
