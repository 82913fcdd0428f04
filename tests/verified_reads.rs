//! Verified reads through the fault proxy: a GET whose body has one byte flipped (its
//! length and the server's checksum header intact) gives an error or the true bytes,
//! never the flipped ones: for a small object read whole, for 3 MiB and 40 MiB objects
//! read in order through `open('rb')`, and for an object written by a multipart upload.
//! Each test first asserts that its fault fired.

mod common;

use common::pattern;
use common::proxy::{read_all, storages, Fault, FaultProxy, Matcher};
use s3storage::{ResultCode, Storage};

const MIB: usize = 1024 * 1024;

/// Reads `name` to its end in pieces: the bytes, or the first error (and every later
/// read must report it too: no end of file after damaged bytes).
fn read_through(storage: &Storage, name: &str) -> s3storage::Result<Vec<u8>> {
    let mut file = storage.open(name, "rb")?;
    let (mut got, mut buffer) = (Vec::new(), vec![0u8; 256 * 1024]);
    loop {
        match file.read_bytes(&mut buffer) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(error) => {
                let again = file.read_bytes(&mut buffer).unwrap_err();
                assert_eq!(again.code(), error.code(), "{again}");
                return Err(error);
            }
        }
    }
}

/// The GETs of `name` (not listings), damaged `times` times.
fn damage_gets(proxy: &FaultProxy, name: &str, times: usize) {
    proxy.clear();
    proxy.add(
        Matcher::Request("GET", name.to_string()),
        Fault::CorruptReply,
        times,
    );
}

fn fired(proxy: &FaultProxy) -> usize {
    proxy.clear_fired("CorruptReply")
}

#[test]
fn a_small_object_read_whole_is_checked_and_fetched_again() {
    if common::lacks(
        &["http", "response-checksums"],
        "a_small_object_read_whole_is_checked_and_fetched_again",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (through, direct) = storages(&proxy);
    let content = pattern(50_000, 1);
    let name = direct.save("small.bin", content.as_slice()).unwrap();
    // Once: the fresh GET brings the true bytes.
    damage_gets(&proxy, &name, 1);
    let got = read_all(&through, &name);
    assert_eq!(fired(&proxy), 1, "the fault did not fire");
    assert!(got.unwrap() == content, "damaged bytes were delivered");
    // Every time: a checksum error naming both values.
    damage_gets(&proxy, &name, 100);
    let error = failure(read_all(&through, &name));
    assert_eq!(fired(&proxy), 2, "the GET was not asked for exactly twice");
    assert_eq!(error.code(), ResultCode::Checksum, "{error}");
    assert!(error.to_string().contains("CRC32C"), "{error}");
}

#[test]
fn large_objects_read_in_order_end_in_an_error_not_damaged_bytes() {
    if common::lacks(
        &["http", "response-checksums"],
        "large_objects_read_in_order_end_in_an_error_not_damaged_bytes",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (through, direct) = storages(&proxy);
    for size in [3 * MIB, 40 * MIB] {
        // 40 MiB is saved as a multipart upload: checked only with a full-object checksum.
        let name = "large_objects_read_in_order_end_in_an_error_not_damaged_bytes (40 MiB)";
        if size > 8 * MIB && common::lacks(&["full-object-checksums"], name) {
            continue;
        }
        let content = pattern(size, 2);
        let name = direct
            .save(&format!("large-{size}.bin"), content.as_slice())
            .unwrap();
        damage_gets(&proxy, &name, 1);
        let outcome = read_through(&through, &name);
        assert_eq!(fired(&proxy), 1, "the fault did not fire");
        match outcome {
            Ok(got) => assert!(got == content, "{size}: damaged bytes delivered"),
            Err(error) => assert_eq!(error.code(), ResultCode::Checksum, "{error}"),
        }
        proxy.clear();
        assert!(read_through(&through, &name).unwrap() == content);
    }
}

#[test]
fn a_multipart_written_object_is_checked_when_read() {
    if common::lacks(
        &["http", "response-checksums", "full-object-checksums"],
        "a_multipart_written_object_is_checked_when_read",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let (through, direct) = storages(&proxy);
    let content = pattern(12 * MIB, 3);
    let mut file = direct.open("parts.bin", "wb").unwrap();
    std::io::Write::write_all(&mut file, &content).unwrap();
    file.close().unwrap();
    damage_gets(&proxy, "parts.bin", 1);
    let error = failure(read_through(&through, "parts.bin"));
    assert_eq!(fired(&proxy), 1, "the fault did not fire");
    assert_eq!(error.code(), ResultCode::Checksum, "{error}");
    proxy.clear();
    assert!(read_through(&through, "parts.bin").unwrap() == content);
}

/// The error of an outcome that must be one (the bytes are not printed: they are many).
fn failure(outcome: s3storage::Result<Vec<u8>>) -> s3storage::Error {
    match outcome {
        Ok(bytes) => panic!("{} bytes delivered where an error was due", bytes.len()),
        Err(error) => error,
    }
}
