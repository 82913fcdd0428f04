//! The s3storage side of the benchmark (`scripts/bench.sh` drives it; see bench/bench.py).
//!
//! Usage, configured from the environment by Django setting names:
//!   bench small ROUNDS OPS      median ops/s of exists (hit, miss), save 1 KiB,
//!                               open+read 1 KiB and delete, as JSON
//!   bench save LOCAL NAME       save a local file (streamed)
//!   bench write NAME MIB        open(NAME, "wb") and write MIB pieces of 1 MiB
//!   bench read NAME             open(NAME, "rb") and read it all
//!   bench threads N OPS         N threads sharing one storage, each doing OPS rounds of
//!                               save 1 KiB, exists, open+read, delete: total ops/s
//!   bench populate PREFIX N     N empty objects under PREFIX (8 threads)
//!   bench listdir PREFIX        listdir(PREFIX): prints the number of files
//!   bench list PREFIX           list(PREFIX, recursive), streamed: prints the count
//!   bench copy SRC DST          server-side copy (parallel part copies when large)
//!   bench download NAME LOCAL   download_to into a local file (streamed or in ranges)
//!   bench delete-prefix PREFIX  delete_prefix: prints the count and DeleteObjects sent

use s3storage::{Settings, Storage};
use std::io::{Read, Write};
use std::time::Instant;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

fn rate(rounds: usize, ops: usize, mut op: impl FnMut(usize)) -> f64 {
    median(
        (0..rounds)
            .map(|round| {
                let start = Instant::now();
                for i in 0..ops {
                    op(round * ops + i);
                }
                ops as f64 / start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// One thread's share of the `threads` benchmark: save, exists, open+read, delete.
fn mixed_ops(storage: &Storage, thread: usize, ops: usize) {
    let kib = vec![b'x'; 1024];
    for i in 0..ops {
        let name = format!("threads/{thread}-{i}.txt");
        let saved = storage.save(&name, kib.as_slice()).unwrap();
        assert!(storage.exists(&saved).unwrap());
        let mut data = Vec::new();
        storage
            .open(&saved, "rb")
            .unwrap()
            .read_to_end(&mut data)
            .unwrap();
        assert_eq!(data.len(), 1024);
        storage.delete(&saved).unwrap();
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let storage = Storage::new(&Settings::from_env()?)?;
    match args.get(1).map(String::as_str) {
        Some("small") => {
            let rounds: usize = args[2].parse()?;
            let ops: usize = args[3].parse()?;
            let kib = vec![b'x'; 1024];
            storage.save("small/hit.txt", kib.as_slice())?;
            let results = [
                (
                    "exists_hit",
                    rate(rounds, ops, |_| {
                        assert!(storage.exists("small/hit.txt").unwrap())
                    }),
                ),
                (
                    "exists_miss",
                    rate(rounds, ops, |_| {
                        assert!(!storage.exists("small/miss.txt").unwrap())
                    }),
                ),
                (
                    "save_1k",
                    rate(rounds, ops, |i| {
                        storage
                            .save(&format!("small/{i}.txt"), kib.as_slice())
                            .unwrap();
                    }),
                ),
                (
                    "open_read_1k",
                    rate(rounds, ops, |i| {
                        let mut file = storage.open(&format!("small/{i}.txt"), "rb").unwrap();
                        let mut data = Vec::new();
                        file.read_to_end(&mut data).unwrap();
                        assert_eq!(data.len(), 1024);
                    }),
                ),
                (
                    "delete",
                    rate(rounds, ops, |i| {
                        storage.delete(&format!("small/{i}.txt")).unwrap()
                    }),
                ),
            ];
            let fields: Vec<String> = results
                .iter()
                .map(|(k, v)| format!("\"{k}\": {v:.1}"))
                .collect();
            println!("{{{}}}", fields.join(", "));
        }
        Some("save") => {
            storage.save_file(&args[3], &args[2])?;
        }
        Some("write") => {
            let mib: usize = args[3].parse()?;
            let piece: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
            let mut file = storage.open(&args[2], "wb")?;
            for _ in 0..mib {
                file.write_all(&piece)?;
            }
            file.close()?;
        }
        Some("read") => {
            let mut file = storage.open(&args[2], "rb")?;
            let mut buf = vec![0u8; 1024 * 1024];
            let mut total = 0u64;
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                total += n as u64;
            }
            assert_eq!(total, file.size()?);
        }
        Some("threads") => {
            let (threads, ops): (usize, usize) = (args[2].parse()?, args[3].parse()?);
            let start = Instant::now();
            std::thread::scope(|scope| {
                for t in 0..threads {
                    let storage = &storage;
                    scope.spawn(move || mixed_ops(storage, t, ops));
                }
            });
            let rate = (threads * ops * 4) as f64 / start.elapsed().as_secs_f64();
            println!("{{\"ops_per_s\": {rate:.1}}}");
        }
        Some("populate") => {
            let (prefix, count): (&str, usize) = (&args[2], args[3].parse()?);
            std::thread::scope(|scope| {
                for t in 0..8 {
                    let storage = &storage;
                    scope.spawn(move || {
                        for i in (t..count).step_by(8) {
                            storage.save(&format!("{prefix}/{i:06}"), &b""[..]).unwrap();
                        }
                    });
                }
            });
        }
        Some("listdir") => {
            let (_, files) = storage.listdir(&args[2])?;
            println!("{}", files.len());
        }
        Some("list") => {
            let mut count = 0u64;
            for entry in storage.list(&args[2], true)? {
                entry?;
                count += 1;
            }
            println!("{count}");
        }
        Some("copy") => {
            storage.copy(&args[2], &args[3], &Default::default())?;
        }
        Some("download") => {
            storage.download_to(&args[2], &args[3])?;
        }
        Some("delete-prefix") => {
            let batches = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let counted = batches.clone();
            storage.set_request_callback(Some(std::sync::Arc::new(move |request| {
                if request.operation == "DeleteObjects" {
                    counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })));
            let deleted = storage.delete_prefix(&args[2])?;
            let batches = batches.load(std::sync::atomic::Ordering::Relaxed);
            println!("{deleted} {batches}");
        }
        _ => return Err("usage: see the comment at the top of examples/bench.rs".into()),
    }
    Ok(())
}
