//! Sizes and counts the other suites keep small, ignored by default and run by the test
//! command on the single SeaweedFS (`cargo test --test large -- --ignored`): a server-side
//! copy of a 6 GiB object in parallel parts, a 1 GiB `download_to` that is byte-exact and
//! that leaves no file at its target when its process is killed halfway (SIGKILL), and a
//! `delete_prefix` of 20,000 keys in at most 25 DeleteObjects requests.

mod common;

use common::{settings, unique};
use s3storage::{RequestRecord, Storage};
use std::io::{BufRead, Read};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// Whether the large tests run here (not on a server without plain HTTP).
fn large(test: &str) -> bool {
    !common::lacks(&["http"], test)
}

/// `size` bytes whose every MiB begins and ends with its index (8 bytes, little-endian):
/// any block out of place reads differently.
struct Blocks {
    size: u64,
    at: u64,
}

/// One MiB of the pattern, made once (a debug build is slow at making 6 GiB of it).
fn base() -> &'static [u8] {
    static BASE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BASE.get_or_init(|| (0..MIB).map(|i| (i % 251) as u8).collect())
}

/// The MiB number `index`: the pattern between its index at both ends.
fn block(index: u64) -> Vec<u8> {
    let mut bytes = base().to_vec();
    bytes[..8].copy_from_slice(&index.to_le_bytes());
    bytes[MIB as usize - 8..].copy_from_slice(&index.to_le_bytes());
    bytes
}

fn expected(offset: u64, len: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len as usize);
    let mut at = offset;
    while at < offset + len {
        let (index, within) = (at / MIB, at % MIB);
        let take = (MIB - within).min(offset + len - at);
        out.extend_from_slice(&block(index)[within as usize..(within + take) as usize]);
        at += take;
    }
    out
}

impl Read for Blocks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.size - self.at;
        let (index, within) = (self.at / MIB, self.at % MIB);
        let take = (buf.len() as u64).min(left).min(MIB - within) as usize;
        if take == 0 {
            return Ok(0);
        }
        let piece = block(index);
        buf[..take].copy_from_slice(&piece[within as usize..within as usize + take]);
        self.at += take as u64;
        Ok(take)
    }
}

fn storage_at(location: &str, transfer: &str) -> Storage {
    Storage::new(&settings(&[
        ("AWS_LOCATION", location),
        ("AWS_S3_TRANSFER_CONFIG", transfer),
        (
            "AWS_S3_CLIENT_CONFIG",
            r#"{"read_timeout": 300, "s3": {"payload_signing_enabled": false}}"#,
        ),
    ]))
    .unwrap()
}

/// Deletes its objects when dropped, so a failed run does not leave gigabytes behind.
struct Removed<'a>(&'a Storage, &'a [&'a str]);

impl Drop for Removed<'_> {
    fn drop(&mut self) {
        let _ = self.0.delete_many(self.1);
    }
}

/// The most requests of `operation` that were in flight at once.
fn most_at_once(spans: &[(Instant, Instant)]) -> usize {
    (spans.iter())
        .map(|(start, _)| {
            spans
                .iter()
                .filter(|(s, e)| s <= start && start < e)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Records the span of every request of `operation` a storage makes.
fn spans_of(storage: &Storage, operation: &'static str) -> Arc<Mutex<Vec<(Instant, Instant)>>> {
    let spans = Arc::new(Mutex::new(Vec::new()));
    let seen = spans.clone();
    storage.set_request_callback(Some(Arc::new(move |record: &RequestRecord<'_>| {
        if record.operation == operation && record.http_status == 200 {
            let end = Instant::now();
            let start = end - std::time::Duration::from_secs_f64(record.seconds);
            seen.lock().unwrap().push((start, end));
        }
    })));
    spans
}

fn check_ranges(storage: &Storage, name: &str, size: u64, part: u64) {
    let mut file = storage.open(name, "rb").unwrap();
    let mut offsets = vec![0, size - 16];
    offsets.extend((1..size.div_ceil(part)).flat_map(|i| [i * part - 8, i * part + MIB + 3]));
    for offset in offsets.into_iter().filter(|offset| offset + 16 <= size) {
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset)).unwrap();
        let mut got = vec![0u8; 16];
        file.read_exact(&mut got).unwrap();
        assert_eq!(got, expected(offset, 16), "the bytes at {offset}");
    }
}

#[test]
#[ignore = "large: scripts/test.sh runs it on SeaweedFS"]
fn a_6_gib_copy_goes_in_parallel_parts() {
    if !large("a_6_gib_copy_goes_in_parallel_parts") {
        return;
    }
    let location = unique("large-copy");
    let size = 6 * GIB + 12_345;
    let removed = ["six.bin", "copy.bin"];
    let writer = storage_at(
        &location,
        r#"{"multipart_chunksize": 67108864, "max_concurrency": 2}"#,
    );
    let _removed = Removed(&writer, &removed);
    let started = Instant::now();
    writer.save("six.bin", Blocks { size, at: 0 }).unwrap();
    eprintln!("6 GiB written in {:.1} s", started.elapsed().as_secs_f64());
    // The threshold above 5 GiB: CopyObject cannot take the object, parts must.
    let transfer = r#"{"multipart_threshold": 8589934592, "multipart_chunksize": 268435456, "max_concurrency": 4}"#;
    let copier = storage_at(&location, transfer);
    let spans = spans_of(&copier, "UploadPartCopy");
    let started = Instant::now();
    let copied = copier
        .copy("six.bin", "copy.bin", &Default::default())
        .unwrap();
    eprintln!("6 GiB copied in {:.1} s", started.elapsed().as_secs_f64());
    let spans = spans.lock().unwrap().clone();
    assert_eq!(
        spans.len() as u64,
        size.div_ceil(256 * MIB),
        "one request a part"
    );
    let at_once = most_at_once(&spans);
    assert!(at_once > 1, "parts were copied one at a time");
    eprintln!("{} parts, up to {at_once} at once", spans.len());
    let info = copier.stat(&copied).unwrap();
    assert_eq!(info.size, size);
    assert!(info.etag.ends_with("-25"), "{}", info.etag);
    check_ranges(&copier, &copied, size, 256 * MIB);
    assert!(copier.incomplete_uploads().unwrap().is_empty());
}

/// The child process of the SIGKILL test: downloads, telling its parent when halfway.
#[test]
#[ignore = "the child process of a_killed_download_leaves_no_file_at_its_target"]
fn download_child() {
    let (Ok(location), Ok(target)) = (
        std::env::var("S3STORAGE_LARGE_LOCATION"),
        std::env::var("S3STORAGE_LARGE_TARGET"),
    ) else {
        return;
    };
    let storage = storage_at(
        &location,
        r#"{"multipart_chunksize": 8388608, "max_concurrency": 4}"#,
    );
    let told = std::sync::atomic::AtomicBool::new(false);
    storage.set_progress(Some(Arc::new(move |transfer: &s3storage::Transfer<'_>| {
        let total = transfer.total.unwrap_or(u64::MAX);
        if transfer.done >= total / 2 && !told.swap(true, std::sync::atomic::Ordering::SeqCst) {
            println!("halfway");
            std::io::Write::flush(&mut std::io::stdout()).unwrap();
            std::thread::sleep(std::time::Duration::from_secs(5)); // to be killed here
        }
    })));
    storage.download_to("one.bin", &target).unwrap();
    println!("finished");
}

#[test]
#[ignore = "large: scripts/test.sh runs it on SeaweedFS"]
fn a_killed_download_leaves_no_file_at_its_target() {
    if !large("a_killed_download_leaves_no_file_at_its_target") {
        return;
    }
    let location = unique("large-download");
    let storage = storage_at(
        &location,
        r#"{"multipart_chunksize": 8388608, "max_concurrency": 4}"#,
    );
    storage
        .save("one.bin", Blocks { size: GIB, at: 0 })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Byte-exact.
    let whole = dir.path().join("whole.bin");
    let started = Instant::now();
    assert_eq!(storage.download_to("one.bin", &whole).unwrap(), GIB);
    eprintln!(
        "1 GiB downloaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut file = std::fs::File::open(&whole).unwrap();
    let mut piece = vec![0u8; MIB as usize];
    for index in 0..GIB / MIB {
        file.read_exact(&mut piece).unwrap();
        assert!(piece == block(index), "MiB {index} differs");
    }
    // Killed halfway: nothing at the target.
    let target = dir.path().join("killed.bin");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "download_child", "--ignored", "--nocapture"])
        .env("S3STORAGE_LARGE_LOCATION", &location)
        .env("S3STORAGE_LARGE_TARGET", &target)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let halfway = lines.find_map(|line| (line.ok()? == "halfway").then_some(()));
    child.kill().unwrap(); // SIGKILL (also when it never got halfway: no stray download)
    let status = child.wait().unwrap();
    assert!(halfway.is_some(), "the child never got halfway");
    assert!(!status.success(), "the child was killed: {status:?}");
    assert!(
        !target.exists(),
        "a killed download left a file at its target"
    );
    // What SIGKILL leaves: only the temporary file beside the target (nothing can remove
    // it from a killed process), never anything under the target's name.
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "whole.bin")
        .collect();
    assert!(
        left.iter()
            .all(|name| name.starts_with(".killed.bin.") && name.ends_with(".part")),
        "{left:?}"
    );
}

#[test]
#[ignore = "large: scripts/test.sh runs it on SeaweedFS"]
fn deleting_20000_keys_by_prefix_takes_at_most_25_requests() {
    if !large("deleting_20000_keys_by_prefix_takes_at_most_25_requests") {
        return;
    }
    let storage = storage_at(&unique("large-delete"), "{}");
    std::thread::scope(|scope| {
        for t in 0..8 {
            let storage = &storage;
            scope.spawn(move || {
                for i in (t..20_000).step_by(8) {
                    storage.save(&format!("many/{i:05}"), &b""[..]).unwrap();
                }
            });
        }
    });
    let _removed = Removed(&storage, &["kept.txt"]);
    storage
        .save("kept.txt", &b"not under the prefix"[..])
        .unwrap();
    let deletes = spans_of(&storage, "DeleteObjects");
    let started = Instant::now();
    assert_eq!(storage.delete_prefix("many").unwrap(), 20_000);
    let requests = deletes.lock().unwrap().len();
    eprintln!(
        "20,000 keys deleted in {:.2} s, {requests} DeleteObjects",
        started.elapsed().as_secs_f64()
    );
    assert!(
        (20..=25).contains(&requests),
        "{requests} DeleteObjects requests"
    );
    assert_eq!(storage.list("many", true).unwrap().count(), 0);
    assert!(storage.exists("kept.txt").unwrap());
}
