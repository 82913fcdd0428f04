//! Shared helpers for the tests that run against the real local S3 server
//! (started by `scripts/test.sh`, which exports `S3STORAGE_TEST_*`).
#![allow(dead_code)]

pub mod proxy;

use s3storage::{Settings, Storage};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bucket every test uses (created on first use by AWS_AUTO_CREATE_BUCKET).
pub const BUCKET: &str = "s3storage-tests";

/// Whether the tests run on the in-memory store (`memory://tests`): when no S3 server is
/// configured (plain `cargo test`), or with S3STORAGE_TEST_TARGET=memory. Tests that need
/// what it lacks (tests/servers/capabilities, line `memory`) skip, saying so.
pub fn on_memory() -> bool {
    if std::env::var("S3STORAGE_TEST_TARGET").is_ok_and(|target| target == "memory") {
        return true;
    }
    let configured = std::env::var("S3STORAGE_TEST_ENDPOINT").is_ok();
    // Under scripts/test.sh a server target without its server is a broken run, never a
    // quiet fallback to the in-memory store.
    let required = std::env::var("S3STORAGE_TEST_TARGET").is_ok_and(|target| target == "server");
    assert!(
        configured || !required,
        "S3STORAGE_TEST_TARGET=server but no S3STORAGE_TEST_ENDPOINT"
    );
    !configured
}

/// The endpoint of the target: the server scripts/test.sh started, or the in-memory store.
pub fn endpoint() -> String {
    if on_memory() {
        return "memory://tests".into();
    }
    std::env::var("S3STORAGE_TEST_ENDPOINT").unwrap()
}

fn var(name: &str) -> String {
    if on_memory() {
        return format!("memory-{}", name.to_ascii_lowercase());
    }
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/test.sh"))
}

/// The admin credentials of the test server.
pub fn keys() -> (String, String) {
    (
        var("S3STORAGE_TEST_ACCESS_KEY"),
        var("S3STORAGE_TEST_SECRET_KEY"),
    )
}

/// A fresh, unique location (key prefix) so tests do not see each other's objects.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{n}-{nanos}", std::process::id())
}

/// Settings for the test server, plus `extra`.
pub fn settings(extra: &[(&str, &str)]) -> Settings {
    let (access, secret) = keys();
    let mut settings = Settings::new();
    for (key, value) in [
        ("AWS_STORAGE_BUCKET_NAME", BUCKET),
        ("AWS_S3_ENDPOINT_URL", endpoint().as_str()),
        ("AWS_S3_REGION_NAME", "us-east-1"),
        ("AWS_S3_ACCESS_KEY_ID", access.as_str()),
        ("AWS_S3_SECRET_ACCESS_KEY", secret.as_str()),
        ("AWS_AUTO_CREATE_BUCKET", "True"),
    ] {
        settings.set(key, value).unwrap();
    }
    for (key, value) in extra {
        settings.set(key, value).unwrap();
    }
    settings
}

/// Settings for the test server without keys: the credential chain must find them.
pub fn keyless(location: &str) -> Settings {
    let mut settings = Settings::new();
    for (key, value) in [
        ("AWS_STORAGE_BUCKET_NAME", BUCKET),
        ("AWS_S3_ENDPOINT_URL", endpoint().as_str()),
        ("AWS_LOCATION", location),
    ] {
        settings.set(key, value).unwrap();
    }
    settings
}

/// Sets (or with `None` removes) an environment variable. Only for test binaries that
/// hold a single test, so that nothing else reads the environment meanwhile.
pub fn set_env(name: &str, value: Option<&str>) {
    // SAFETY of set_var/remove_var: such a binary runs its one test on one thread.
    unsafe {
        match value {
            Some(value) => std::env::set_var(name, value),
            None => std::env::remove_var(name),
        }
    }
}

/// A storage on the test server under a unique location.
pub fn storage(extra: &[(&str, &str)]) -> Storage {
    let location = unique("t");
    let mut pairs: Vec<(&str, &str)> = vec![("AWS_LOCATION", location.as_str())];
    pairs.extend_from_slice(extra);
    Storage::new(&settings(&pairs)).unwrap()
}

/// Response of a plain HTTP request to a URL (status, headers, body).
pub fn fetch(method: &str, url: &str) -> (u16, http::HeaderMap, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let request = http::Request::builder()
        .method(method)
        .uri(url)
        .body(())
        .unwrap();
    let response = agent.run(request).expect("request to the local server");
    let (parts, mut body) = response.into_parts();
    let bytes = body.read_to_vec().unwrap_or_default();
    (parts.status.as_u16(), parts.headers, bytes)
}

/// A pseudo-random, reproducible byte pattern.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    let mut state = seed as u32 ^ 0x9e37_79b9;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state & 0xff) as u8
        })
        .collect()
}

/// A helper process (TLS terminator, proxy) that is killed when dropped.
pub struct Helper {
    child: std::process::Child,
    /// The loopback port it listens on.
    pub port: u16,
    /// Its scratch directory (config, certificates, logs).
    pub dir: tempfile::TempDir,
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on the port.
pub fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

fn command(program: &str) -> std::process::Command {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "{program} is not installed: run the tests with scripts/test.sh (scripts/install-deps.sh)"
    );
    std::process::Command::new(program)
}

/// Runs a command to completion, panicking with its output if it fails.
pub fn run(program: &str, args: &[&str], dir: &std::path::Path) -> String {
    let output = command(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A stunnel TLS terminator on loopback in front of the test server, with a certificate
/// for 127.0.0.1 issued by a CA made here (`dir/ca.pem`).
pub fn tls_terminator() -> Helper {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=s3storage test CA",
        ],
        path,
    );
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
        path,
    );
    std::fs::write(
        path.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "server.pem",
            "-extfile",
            "san.ext",
        ],
        path,
    );
    let port = free_port();
    let upstream = endpoint().trim_start_matches("http://").to_string();
    std::fs::write(
        path.join("stunnel.conf"),
        format!(
            "foreground = yes\npid =\n[s3]\naccept = 127.0.0.1:{port}\nconnect = {upstream}\n\
             cert = {0}/server.pem\nkey = {0}/server.key\n",
            path.display()
        ),
    )
    .unwrap();
    let config = path.join("stunnel.conf");
    spawn_helper("stunnel4", &[config.to_str().unwrap()], port, dir)
}

/// Starts a helper program, waits until it listens on `port`, and keeps it until dropped.
fn spawn_helper(program: &str, args: &[&str], port: u16, dir: tempfile::TempDir) -> Helper {
    let child = command(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port);
    Helper { child, port, dir }
}

/// A tinyproxy HTTP proxy on loopback, logging each request to `dir/proxy.log`.
pub fn http_proxy() -> Helper {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("proxy.log");
    std::fs::write(
        dir.path().join("tinyproxy.conf"),
        format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\n\
             MaxClients 20\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
            log.display()
        ),
    )
    .unwrap();
    let config = dir.path().join("tinyproxy.conf");
    spawn_helper(
        "tinyproxy",
        &["-d", "-c", config.to_str().unwrap()],
        port,
        dir,
    )
}

mod capabilities;
#[allow(unused_imports)] // not every test file needs it
pub use capabilities::lacks;

/// A storage whose requests can be counted: on the in-memory store, a store of its own
/// (`s3storage::memory::calls`); on a server, through a recording proxy.
pub struct Observed {
    /// The storage.
    pub storage: Storage,
    memory: Option<String>,
    proxy: Option<proxy::FaultProxy>,
}

impl Observed {
    /// A storage on the target under a unique location, plus `extra`.
    pub fn new(extra: &[(&str, &str)]) -> Observed {
        let location = unique("observed");
        let (endpoint, memory, proxy) = if on_memory() {
            let name = unique("observed");
            (format!("memory://{name}"), Some(name), None)
        } else {
            let proxy = proxy::FaultProxy::start();
            storage(&[]).exists("warm-up").unwrap(); // creates the bucket if needed
            (proxy.endpoint(), None, Some(proxy))
        };
        let mut pairs: Vec<(&str, &str)> = vec![
            ("AWS_LOCATION", &location),
            ("AWS_S3_ENDPOINT_URL", &endpoint),
            ("AWS_AUTO_CREATE_BUCKET", "False"),
        ];
        pairs.extend_from_slice(extra);
        let storage = Storage::new(&settings(&pairs)).unwrap();
        Observed {
            storage,
            memory,
            proxy,
        }
    }

    fn count(&self, call: s3storage::memory::Call, request: &str) -> usize {
        match (&self.memory, &self.proxy) {
            (Some(name), _) => s3storage::memory::calls(name, call),
            (None, Some(proxy)) => (proxy.seen().iter())
                .filter(|seen| seen.head[0].contains(request))
                .count(),
            (None, None) => unreachable!(),
        }
    }

    /// UploadPart requests so far.
    pub fn parts(&self) -> usize {
        self.count(s3storage::memory::Call::Part, "partNumber=")
    }

    /// Listing pages asked for so far.
    pub fn list_pages(&self) -> usize {
        self.count(s3storage::memory::Call::List, "delimiter=")
    }
}
