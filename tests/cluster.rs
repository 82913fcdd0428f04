//! Node failures on the multi-node SeaweedFS (scripts/seaweedfs-cluster.sh; replication
//! 001: every volume on two of the three volume servers). Ignored unless run by the
//! cluster target of scripts/test.sh (`cargo test --test cluster -- --ignored`), which
//! sets S3STORAGE_CLUSTER_DIR.
//!
//! 1. SIGKILL of one volume server while a 256 MiB save, three 256 MiB reads and a loop
//!    of streaming writes run: every operation completes, byte-exact.
//! 2. A second one killed: every operation fails with a code and the server's error, in
//!    bounded time, and leaves no object and no multipart upload behind.
//! 3. Both restarted: the same storage works again.

mod common;

use common::pattern;
use common::proxy::read_all;
use s3storage::{ResultCode, Storage};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const MIB: usize = 1024 * 1024;
const CLIENT: &str =
    r#"{"connect_timeout": 2, "read_timeout": 10, "retries": {"total_max_attempts": 3}}"#;
/// A generous ceiling for one failing operation: attempts × (connect + read timeouts),
/// per part in flight, plus backoff. A hang shows as a failure, not as a stuck run.
const FAILS_WITHIN: Duration = Duration::from_secs(3 * 12 * 4 + 30);

fn cluster(command: &str, volume: u32) {
    let dir =
        std::env::var("S3STORAGE_CLUSTER_DIR").expect("run by scripts/test.sh's cluster target");
    let status = std::process::Command::new("scripts/seaweedfs-cluster.sh")
        .args([command, &dir, &volume.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "seaweedfs-cluster.sh {command} {volume}");
}

/// A port of the cluster (`master`, `filer`, `volume1`, ...), from DIR/ports.
fn port(service: &str) -> u16 {
    let dir = std::env::var("S3STORAGE_CLUSTER_DIR").unwrap();
    let ports = std::fs::read_to_string(format!("{dir}/ports")).unwrap();
    ports
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{service}_port=")))
        .unwrap()
        .parse()
        .unwrap()
}

/// Whether a volume server answers on its port (the fault fired when it does not).
fn volume_answers(volume: u32) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port(&format!("volume{volume}")))).is_ok()
}

/// For each chunk of the object at `key` (bucket-relative), the volume servers (1, 2, 3)
/// that hold a copy of it, asked of the filer and the master; `None` when the object's
/// chunks are behind a chunk manifest (then which servers matter is not known here).
fn replica_servers(key: &str) -> Option<Vec<Vec<u32>>> {
    let url = format!(
        "http://127.0.0.1:{}/buckets/{}/{key}?metadata=true",
        port("filer"),
        common::BUCKET
    );
    let (status, _, body) = common::fetch("GET", &url);
    assert_eq!(status, 200, "{url}");
    let entry: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let chunks = entry["chunks"].as_array().expect("chunks");
    assert!(!chunks.is_empty(), "{entry}");
    let mut servers = Vec::new();
    for chunk in chunks {
        if chunk["is_chunk_manifest"].as_bool() == Some(true) {
            return None;
        }
        let file_id = chunk["file_id"].as_str().expect("file_id");
        let volume = file_id.split(',').next().unwrap();
        let url = format!(
            "http://127.0.0.1:{}/dir/lookup?volumeId={volume}",
            port("master")
        );
        let (_, _, body) = common::fetch("GET", &url);
        let lookup: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let holders: Vec<u32> = (lookup["locations"].as_array().expect("locations").iter())
            .filter_map(|location| location["url"].as_str())
            .filter_map(|url| {
                (1..=3).find(|n| url.ends_with(&format!(":{}", port(&format!("volume{n}")))))
            })
            .collect();
        assert!(!holders.is_empty(), "{lookup}");
        servers.push(holders);
    }
    Some(servers)
}

/// A save's source that hands over 1 MiB per read and then waits 15 ms, so that a
/// 256 MiB save takes several seconds and is provably in flight at a kill.
struct Throttled<'a> {
    data: &'a [u8],
    at: usize,
}

impl std::io::Read for Throttled<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = buffer.len().min(MIB).min(self.data.len() - self.at);
        buffer[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        thread::sleep(Duration::from_millis(15));
        Ok(n)
    }
}

/// A whole read, slowed to take several seconds (1 MiB, then 20 ms), so that it is
/// provably in flight when a server is killed; `reading` is set once it has begun.
fn slow_read_all(
    storage: &Storage,
    name: &str,
    reading: &AtomicBool,
) -> s3storage::Result<Vec<u8>> {
    let mut file = storage.open(name, "rb")?;
    let (mut data, mut buffer) = (Vec::new(), vec![0u8; MIB]);
    loop {
        match file.read_bytes(&mut buffer)? {
            0 => return Ok(data),
            n => data.extend_from_slice(&buffer[..n]),
        }
        reading.store(true, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
#[ignore = "needs the SeaweedFS cluster: scripts/test.sh runs it on its cluster target"]
fn node_failures() {
    let location = common::unique("cluster");
    let storage = Storage::new(&common::settings(&[
        ("AWS_LOCATION", &location),
        ("AWS_S3_CLIENT_CONFIG", CLIENT),
    ]))
    .unwrap();
    let target = Arc::new(pattern(256 * MIB, 1));
    storage.save("read-target.bin", &target[..]).unwrap();
    let replicas = replica_servers(&format!("{location}/read-target.bin"));
    // The kill of server 1 must matter to the reads: some chunk has a copy there.
    if let Some(chunks) = &replicas {
        assert!(
            chunks.iter().any(|servers| servers.contains(&1)),
            "no chunk of the read target is on server 1: {chunks:?}"
        );
    }

    one_volume_server_dies(&storage, &target);
    a_second_one_dies(&storage, &target, replicas);

    cluster("start-volume", 1);
    cluster("start-volume", 2);
    let started = Instant::now();
    let again = pattern(8 * MIB, 9);
    while let Err(error) = storage.save("after-restart.bin", &again[..]) {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "still failing: {error}"
        );
        thread::sleep(Duration::from_secs(1));
    }
    eprintln!(
        "writes work again {:?} after the restart",
        started.elapsed()
    );
    assert!(read_all(&storage, "after-restart.bin").unwrap() == again);
    assert!(read_all(&storage, "read-target.bin").unwrap() == *target);
}

fn one_volume_server_dies(storage: &Storage, target: &Arc<Vec<u8>>) {
    let saved = Arc::new(pattern(256 * MIB, 2));
    let (stop, save_done) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let streamed = Arc::new(AtomicUsize::new(0));
    let saver = {
        let (storage, saved, done) = (storage.clone(), saved.clone(), save_done.clone());
        thread::spawn(move || {
            let source = Throttled {
                data: &saved[..],
                at: 0,
            };
            let result = storage.save("during-kill.bin", source);
            done.store(true, Ordering::SeqCst);
            result
        })
    };
    let reading: Vec<_> = (0..3).map(|_| Arc::new(AtomicBool::new(false))).collect();
    let readers: Vec<_> = (reading.iter().cloned())
        .map(|flag| {
            let storage = storage.clone();
            thread::spawn(move || {
                let data = slow_read_all(&storage, "read-target.bin", &flag);
                flag.store(false, Ordering::SeqCst);
                data
            })
        })
        .collect();
    let streamer = {
        let (storage, stop, streamed) = (storage.clone(), stop.clone(), streamed.clone());
        thread::spawn(move || stream_until(&storage, &stop, &streamed))
    };
    // Kill once a streaming write has completed (so the loop is running), while the
    // save and the reads (both slowed down) are still under way.
    let waiting = Instant::now();
    while streamed.load(Ordering::SeqCst) == 0 && waiting.elapsed() < Duration::from_secs(30) {
        thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !save_done.load(Ordering::SeqCst),
        "the save ended before the kill: no fault"
    );
    // Every operation is in flight at the kill: the reads have begun and not ended, and
    // streaming writes have completed before it (and must after it).
    for flag in &reading {
        assert!(
            flag.load(Ordering::SeqCst),
            "a read was not in flight at the kill"
        );
    }
    let before_kill = streamed.load(Ordering::SeqCst);
    assert!(
        before_kill >= 1,
        "no streaming write completed before the kill"
    );
    cluster("kill-volume", 1);
    assert!(!volume_answers(1), "volume server 1 still answers");
    assert_eq!(saver.join().unwrap().unwrap(), "during-kill.bin");
    for reader in readers {
        assert!(
            reader.join().unwrap().unwrap() == **target,
            "a read differs"
        );
    }
    thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    streamer.join().unwrap();
    let after = streamed.load(Ordering::SeqCst) - before_kill;
    assert!(after >= 1, "no streaming write completed after the kill");
    assert!(read_all(storage, "during-kill.bin").unwrap() == *saved);
    eprintln!("one server down: save, 3 reads, {after} streaming writes after the kill, all exact");
}

/// Streaming writes (12 MiB in 1 MiB writes, so parts go up as they fill) until `stop`;
/// each is read back exactly.
fn stream_until(storage: &Storage, stop: &AtomicBool, count: &AtomicUsize) {
    let mut round = 0u8;
    while !stop.load(Ordering::SeqCst) {
        let content = pattern(12 * MIB, round);
        let name = format!("stream-{round}.bin");
        let mut file = storage.open(&name, "wb").unwrap();
        for piece in content.chunks(MIB) {
            file.write_all(piece).unwrap();
        }
        file.close().unwrap();
        assert!(
            read_all(storage, &name).unwrap() == content,
            "{name} differs"
        );
        count.fetch_add(1, Ordering::SeqCst);
        round = round.wrapping_add(1);
    }
}

fn a_second_one_dies(storage: &Storage, target: &[u8], replicas: Option<Vec<Vec<u32>>>) {
    cluster("kill-volume", 2);
    assert!(!volume_answers(2), "volume server 2 still answers");
    type Check<'a> = (&'a str, &'a (dyn Fn() -> s3storage::Result<()> + Sync));
    let checks: [Check<'_>; 3] = [
        ("a 32 MiB save", &|| {
            storage
                .save("down-big.bin", &pattern(32 * MIB, 3)[..])
                .map(drop)
        }),
        ("a 1 KiB save", &|| {
            storage
                .save("down-small.bin", &pattern(1024, 4)[..])
                .map(drop)
        }),
        ("a streaming write", &|| {
            let mut file = storage.open("down-stream.bin", "wb")?;
            for piece in pattern(12 * MIB, 5).chunks(MIB) {
                file.write_all(piece)
                    .map_err(|e| s3storage::Error::from_io_error("write", e))?;
            }
            file.close()
        }),
    ];
    // The three at once: each waits out its timeouts and retries.
    thread::scope(|scope| {
        for (what, operation) in checks {
            scope.spawn(move || {
                let started = Instant::now();
                let error = operation().expect_err(what);
                let elapsed = started.elapsed();
                eprintln!("two servers down: {what} failed in {elapsed:?}: {error}");
                assert!(elapsed < FAILS_WITHIN, "{what} took {elapsed:?}");
                assert!(
                    matches!(error.code(), ResultCode::Server | ResultCode::Network),
                    "{what}: {error}"
                );
                let named = error.to_string().contains("HTTP 5")
                    || error.to_string().contains("did not answer in time");
                assert!(named, "{what}: {error}");
            });
        }
    });
    for name in ["down-big.bin", "down-small.bin", "down-stream.bin"] {
        assert!(!storage.exists(name).unwrap(), "{name} is visible");
    }
    assert!(
        storage.incomplete_uploads().unwrap().is_empty(),
        "an upload was left"
    );
    // Reads: exact where a copy of every chunk survives (on server 3), a clean error
    // where one has none.
    let survives = replicas
        .as_ref()
        .map(|chunks| chunks.iter().all(|servers| servers.contains(&3)));
    eprintln!("two servers down: every chunk of the read has a copy on server 3: {survives:?}");
    match (read_all(storage, "read-target.bin"), survives) {
        (Ok(data), Some(true) | None) => assert!(data == target, "a read returned wrong bytes"),
        (Ok(_), Some(false)) => panic!("a read succeeded with no copy of a chunk left"),
        (Err(error), Some(false) | None) => {
            eprintln!("two servers down: the read failed cleanly: {error}");
            assert!(matches!(
                error.code(),
                ResultCode::Server | ResultCode::Network
            ));
        }
        (Err(error), Some(true)) => panic!("a read failed while every chunk has a copy: {error}"),
    }
}
