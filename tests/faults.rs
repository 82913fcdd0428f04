//! Fault injection: a deterministic HTTP proxy between the library and SeaweedFS (on
//! loopback) answers 503, resets connections before or while the body is sent, truncates
//! or stalls or trickles responses, or corrupts request bodies, on a schedule. For each,
//! saves, streaming (multipart) writes and reads either succeed with byte-exact data or
//! fail with a clear code; failed writes leave no object and no open multipart upload;
//! the storage stays usable.

mod common;

use common::{pattern, settings, unique};
use s3storage::{ResultCode, Storage};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    Status503,
    ResetBeforeBody,
    ResetDuringBody,
    TruncateResponse,
    Stall,
    Trickle,
    CorruptBody,
}

/// Which requests a fault hits.
#[derive(Clone, Debug)]
enum Matcher {
    /// The n-th request (0-based) through the proxy.
    Nth(usize),
    /// Every request whose method and target contain this text (e.g. "partNumber=").
    Containing(String),
}

struct Rule {
    matcher: Matcher,
    fault: Fault,
    /// How many more requests it may hit.
    remaining: usize,
}

#[derive(Clone)]
struct FaultProxy {
    port: u16,
    count: Arc<AtomicUsize>,
    rules: Arc<Mutex<Vec<Rule>>>,
    seen: Arc<Mutex<Vec<String>>>,
}

fn read_head(reader: &mut BufReader<TcpStream>) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            return Some(lines);
        }
        lines.push(line);
    }
}

fn header(lines: &[String], name: &str) -> Option<String> {
    lines.iter().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

impl FaultProxy {
    fn start() -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = FaultProxy {
            port: listener.local_addr().unwrap().port(),
            count: Arc::default(),
            rules: Arc::default(),
            seen: Arc::default(),
        };
        let handle = proxy.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handle = handle.clone();
                std::thread::spawn(move || handle.serve(stream));
            }
        });
        proxy
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn add(&self, matcher: Matcher, fault: Fault, times: usize) {
        self.rules.lock().unwrap().push(Rule {
            matcher,
            fault,
            remaining: times,
        });
    }

    fn clear(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// Clears the rules after checking that every one of them was met.
    fn clear_met(&self, what: &str) {
        let rules = std::mem::take(&mut *self.rules.lock().unwrap());
        for rule in rules {
            assert_eq!(
                rule.remaining,
                0,
                "{what}: {:?} never met {:?}: {:?}",
                rule.fault,
                rule.matcher,
                self.seen.lock().unwrap()
            );
        }
    }

    fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    fn fault_for(&self, index: usize, request_line: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules.iter_mut().find(|rule| {
            rule.remaining > 0
                && match &rule.matcher {
                    Matcher::Nth(n) => *n == index,
                    Matcher::Containing(text) => request_line.contains(text.as_str()),
                }
        })?;
        rule.remaining -= 1;
        Some(rule.fault)
    }

    fn serve(&self, client: TcpStream) {
        let mut reader = BufReader::new(client.try_clone().unwrap());
        let mut client = client;
        while let Some(mut head) = read_head(&mut reader) {
            let index = self.count.fetch_add(1, Ordering::SeqCst);
            let request_line = head[0].clone();
            let fault = self.fault_for(index, &request_line);
            self.seen
                .lock()
                .unwrap()
                .push(format!("{index} {request_line} {fault:?}"));
            let length: usize = header(&head, "content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if fault == Some(Fault::ResetBeforeBody) {
                let _ = client.shutdown(Shutdown::Both);
                return;
            }
            let mut body = vec![0u8; length];
            if fault == Some(Fault::ResetDuringBody) {
                let _ = reader.read_exact(&mut body[..length / 2]);
                let _ = client.shutdown(Shutdown::Both);
                return;
            }
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            match fault {
                Some(Fault::Status503) => {
                    let xml = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
                    let _ = write!(client, "HTTP/1.1 503 Slow Down\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n\r\n{xml}", xml.len());
                    continue;
                }
                Some(Fault::Stall) => {
                    std::thread::sleep(Duration::from_secs(3));
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                Some(Fault::CorruptBody) if !body.is_empty() => {
                    let middle = body.len() / 2;
                    body[middle] ^= 0xff;
                }
                _ => {}
            }
            // Forward on a fresh upstream connection that closes after the response.
            head.retain(|line| !line.to_ascii_lowercase().starts_with("connection:"));
            head.push("connection: close".into());
            let upstream_addr = common::endpoint().trim_start_matches("http://").to_string();
            let Ok(mut upstream) = TcpStream::connect(upstream_addr) else {
                return;
            };
            let mut request = head.join("\r\n").into_bytes();
            request.extend_from_slice(b"\r\n\r\n");
            request.extend_from_slice(&body);
            if upstream.write_all(&request).is_err() {
                return;
            }
            let mut response = Vec::new();
            if upstream.read_to_end(&mut response).is_err() {
                return;
            }
            let head_end = response
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(response.len(), |p| p + 4);
            let result = match fault {
                Some(Fault::TruncateResponse) if response.len() > head_end + 1 => {
                    let cut = head_end + (response.len() - head_end) / 2;
                    let _ = client.write_all(&response[..cut]);
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                Some(Fault::Trickle) => response.chunks(2048).try_for_each(|piece| {
                    std::thread::sleep(Duration::from_millis(2));
                    client.write_all(piece)
                }),
                _ => client.write_all(&response),
            };
            if result.is_err() {
                return;
            }
            // The upstream closed: so does this exchange (its reply says connection: close).
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// A storage through the proxy (short timeouts, 3 attempts), and one direct to check on.
fn storages(proxy: &FaultProxy) -> (Storage, Storage) {
    let location = unique("faults");
    let endpoint = proxy.endpoint();
    let through = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &endpoint),
        ("AWS_AUTO_CREATE_BUCKET", "False"),
        ("AWS_LOCATION", &location),
        ("AWS_S3_FILE_BUFFER_SIZE", "5242880"),
        (
            "AWS_S3_CLIENT_CONFIG",
            r#"{"connect_timeout": 1, "read_timeout": 1, "retries": {"max_attempts": 3}}"#,
        ),
    ]))
    .unwrap();
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    direct.exists("warm-up").unwrap(); // creates the bucket if needed
    (through, direct)
}

fn read_all(storage: &Storage, name: &str) -> s3storage::Result<Vec<u8>> {
    let mut file = storage.open(name, "rb")?;
    let mut data = Vec::new();
    file.read_to_end(&mut data)
        .map_err(|e| s3storage::Error::Io(e.to_string()))?;
    Ok(data)
}

fn stream_write(storage: &Storage, name: &str, content: &[u8]) -> s3storage::Result<()> {
    let mut file = storage.open(name, "wb")?;
    for piece in content.chunks(1024 * 1024) {
        file.write_bytes(piece)?;
    }
    file.close()
}

#[test]
fn transient_faults_are_retried_and_data_is_exact() {
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
        proxy.add(Matcher::Containing("PUT".into()), fault, 1);
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
        proxy.add(Matcher::Containing("partNumber=2&".into()), fault, 1);
        let name = format!("{fault:?}/large.bin");
        stream_write(&storage, &name, &large).unwrap_or_else(|e| panic!("{fault:?} write: {e}"));
        assert!(
            read_all(&direct, &name).unwrap() == large,
            "{fault:?}: stored bytes differ"
        );
        proxy.clear_met("write");

        // Reads: a ranged GET meets the fault.
        proxy.add(Matcher::Containing("GET".into()), fault, 1);
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
    assert!(!direct.exists("never.txt").unwrap());
    proxy.clear();

    // Every part reset: close() reports it; no object, no multipart upload left.
    for fault in [Fault::ResetDuringBody, Fault::Status503, Fault::Stall] {
        proxy.add(Matcher::Containing("partNumber=".into()), fault, 1000);
        let error = stream_write(&storage, "never.bin", &large).unwrap_err();
        assert!(
            matches!(error.code(), ResultCode::Network | ResultCode::Server),
            "{fault:?}: {error}"
        );
        proxy.clear();
        assert!(!direct.exists("never.bin").unwrap(), "{fault:?}");
        assert!(
            direct.incomplete_uploads().unwrap().is_empty(),
            "{fault:?}: an upload was left open"
        );
        // Same through save (parallel parts).
        proxy.add(Matcher::Containing("partNumber=".into()), fault, 1000);
        assert!(storage.save("never-saved.bin", large.as_slice()).is_err());
        proxy.clear();
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
    assert!(
        error.to_string().contains("early") || error.to_string().contains("network"),
        "{error}"
    );
    proxy.clear();

    // And afterwards everything works again.
    storage.save("after.txt", &b"fine"[..]).unwrap();
    assert_eq!(read_all(&storage, "after.txt").unwrap(), b"fine");
}

#[test]
fn wrong_credentials_are_not_retried() {
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
