//! The `s3storage` command end to end against the local server scripts/test.sh starts
//! (S3STORAGE_TEST_* in the environment): every command, JSON output, exit statuses,
//! progress bars only on a terminal, and `doctor` with good settings, wrong credentials
//! and a wrong endpoint.

#[path = "../../tests/common/mod.rs"]
mod common;

use common as capabilities;

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The command with the test server's settings in its environment, under a fresh location.
fn s3storage(location: &str) -> Command {
    with_settings(Command::new(env!("CARGO_BIN_EXE_s3storage")), location)
}

/// `command` with only the test server's settings (and PATH) in its environment.
fn with_settings(mut command: Command, location: &str) -> Command {
    let env =
        |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name}: run scripts/test.sh"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_STORAGE_BUCKET_NAME", "s3storage-cli-tests")
        .env("AWS_AUTO_CREATE_BUCKET", "True")
        .env("AWS_S3_ENDPOINT_URL", env("S3STORAGE_TEST_ENDPOINT"))
        .env("AWS_S3_REGION_NAME", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", env("S3STORAGE_TEST_ACCESS_KEY"))
        .env("AWS_SECRET_ACCESS_KEY", env("S3STORAGE_TEST_SECRET_KEY"))
        .env("AWS_LOCATION", location);
    command
}

fn location(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("cli-{name}-{}-{nanos}", std::process::id())
}

fn run(location: &str, args: &[&str]) -> Output {
    s3storage(location).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs and expects exit status `code`.
fn expect(location: &str, args: &[&str], code: i32) -> Output {
    let output = run(location, args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "s3storage {args:?}: stdout {} stderr {}",
        stdout(&output),
        stderr(&output)
    );
    output
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

#[test]
fn every_file_command() {
    if capabilities::lacks(&["http"], "every_file_command") {
        return;
    }
    let at = location("files");
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local.bin");
    let content: Vec<u8> = (0..7_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&local, &content).unwrap();
    let local = local.to_str().unwrap();

    let put = expect(&at, &["put", local, "docs/big.bin"], 0);
    assert_eq!(stdout(&put), "docs/big.bin\n");
    assert!(
        stderr(&put).is_empty(),
        "no progress bar when not on a terminal: {}",
        stderr(&put)
    );
    let renamed = expect(
        &at,
        &[
            "--set",
            "AWS_S3_FILE_OVERWRITE=False",
            "put",
            local,
            "docs/big.bin",
        ],
        0,
    );
    let renamed = stdout(&renamed).trim().to_string();
    assert!(
        renamed.starts_with("docs/big_") && renamed.ends_with(".bin"),
        "{renamed}"
    );

    let listed = json(&expect(&at, &["ls", "docs", "--json"], 0));
    assert_eq!(listed["files"].as_array().unwrap().len(), 2);
    assert_eq!(stdout(&expect(&at, &["ls"], 0)), "docs/\n");
    let stat = json(&expect(&at, &["stat", "docs/big.bin", "--json"], 0));
    assert_eq!(stat["size"], 7_000_000);
    assert!(stat["modified"].as_str().unwrap().ends_with('Z'));
    assert!(stat["url"].as_str().unwrap().contains("X-Amz-Signature="));
    assert_eq!(stat["etag"].as_str().unwrap().len(), 32, "{stat}"); // an MD5, quotes removed
    assert_eq!(stat["content_type"], "application/octet-stream");
    assert!(stat["metadata"].as_object().unwrap().is_empty());
    let text = stdout(&expect(&at, &["stat", "docs/big.bin"], 0));
    assert!(
        text.contains("etag:") && text.contains("content type: "),
        "{text}"
    );

    let copy = dir.path().join("copy.bin");
    expect(&at, &["get", "docs/big.bin", copy.to_str().unwrap()], 0);
    assert!(std::fs::read(&copy).unwrap() == content);
    let cat = expect(&at, &["cat", "docs/big.bin"], 0);
    assert!(cat.stdout == content);

    let mut child = s3storage(&at)
        .args(["put", "-", "piped.txt"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"from stdin\n")
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert_eq!(stdout(&piped), "piped.txt\n");
    assert_eq!(
        stdout(&expect(&at, &["cat", "piped.txt"], 0)),
        "from stdin\n"
    );

    let url = json(&expect(
        &at,
        &[
            "url",
            "piped.txt",
            "--expire",
            "60",
            "--method",
            "HEAD",
            "--json",
        ],
        0,
    ));
    assert!(url["url"].as_str().unwrap().contains("X-Amz-Expires=60"));
    assert_eq!(
        json(&expect(&at, &["rm", "piped.txt", "--json"], 0))["deleted"],
        "piped.txt"
    );
    expect(&at, &["rm", "piped.txt"], 0);
}

#[test]
fn failures_exit_with_the_result_code() {
    if capabilities::lacks(&["http", "auth"], "failures_exit_with_the_result_code") {
        return;
    }
    let at = location("codes");
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("never.bin");
    let missing = expect(&at, &["get", "missing.bin", target.to_str().unwrap()], 4);
    let message = stderr(&missing);
    assert!(
        message.starts_with("s3storage: File does not exist: ")
            && message.ends_with("/missing.bin\n"),
        "{message}"
    );
    assert!(!target.exists(), "a failed get leaves no file");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let as_json = expect(&at, &["stat", "missing.bin", "--json"], 4);
    let error: Value = serde_json::from_slice(&as_json.stderr).unwrap();
    assert_eq!(
        (error["error"].as_str(), error["code"].as_i64()),
        (Some("NotFound"), Some(4))
    );
    expect(&at, &["cat", "../../etc/passwd"], 3);
    expect(&at, &["--set", "AWS_QUERYSTRING_EXPIRE=soon", "ls"], 2);
    let unpaired = expect(&at, &["--set", "AWS_SECRET_ACCESS_KEY:hunter2", "ls"], 1);
    let message = stderr(&unpaired);
    assert!(
        message.contains("--set") && !message.contains("hunter2"),
        "{message}"
    );
    expect(&at, &["url", "x", "--method", "BREW"], 1);
    expect(&at, &["nonsense"], 1);
    expect(&at, &["put", "/nonexistent/file", "x"], 9);
    let denied = expect(&at, &["--set", "AWS_SECRET_ACCESS_KEY=wrong", "ls"], 6);
    let message = stderr(&denied);
    assert!(
        message.contains("HTTP 403") && !message.contains("=wrong"),
        "{message}"
    );
}

#[test]
fn help_for_every_command() {
    if capabilities::lacks(&["http"], "help_for_every_command") {
        return;
    }
    for command in [
        "ls", "stat", "cat", "put", "get", "cp", "mv", "rm", "url", "presign", "doctor",
    ] {
        let help = expect("", &[command, "--help"], 0);
        assert!(stdout(&help).contains("Usage: s3storage"), "{command}");
    }
    assert!(stdout(&expect("", &["--help"], 0)).contains("exit status"));
}

#[test]
fn doctor_says_what_works_and_why_not() {
    if capabilities::lacks(&["http", "auth"], "doctor_says_what_works_and_why_not") {
        return;
    }
    let at = location("doctor");
    let good = expect(&at, &["doctor"], 0);
    let text = stdout(&good);
    for line in [
        "  endpoint     http://127.0.0.1:",
        "  credentials  access keys in the settings",
        "  ok    the bucket answers",
        "  ok    write a test object",
        "  ok    read it back",
        "  ok    delete it",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    let secret = std::env::var("S3STORAGE_TEST_SECRET_KEY").unwrap();
    assert!(!text.contains(&secret));
    // The probe it names was written and is gone.
    let probe = (text.lines())
        .find(|line| line.contains("write a test object"))
        .and_then(|line| {
            line.split_whitespace()
                .find(|w| w.starts_with("s3storage-doctor-"))
        })
        .map(|word| word.trim_end_matches(','))
        .unwrap_or_else(|| panic!("no probe named: {text}"))
        .to_string();
    expect(&at, &["stat", &probe], 4);
    assert!(
        stdout(&expect(&at, &["ls"], 0)).is_empty(),
        "the probe is deleted"
    );

    let wrong_keys = expect(&at, &["--set", "AWS_SECRET_ACCESS_KEY=wrong", "doctor"], 6);
    let text = stdout(&wrong_keys);
    let failures: Vec<&str> = text.lines().filter(|l| l.starts_with("  FAIL")).collect();
    assert_eq!(failures.len(), 1, "{text}");
    assert!(
        failures[0].contains("the bucket answers: access denied")
            && failures[0].contains("HTTP 403"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("  skip")).count(),
        3,
        "{text}"
    );

    let wrong_endpoint = expect(
        &at,
        &[
            "--set",
            "AWS_S3_ENDPOINT_URL=http://127.0.0.1:9",
            "doctor",
            "--json",
        ],
        7,
    );
    let report = json(&wrong_endpoint);
    assert_eq!(report["configuration"]["endpoint"], "http://127.0.0.1:9");
    assert_eq!(report["checks"][0]["status"], "fail");
    let detail = report["checks"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("connecting to http://127.0.0.1:9 failed: connection refused"),
        "{detail}"
    );

    let bad = expect(
        &at,
        &["--set", "AWS_S3_ADDRESSING_STYLE=sideways", "doctor"],
        2,
    );
    assert!(stdout(&bad)
        .contains("  FAIL  the settings: improperly configured: AWS_S3_ADDRESSING_STYLE"));
}

#[test]
fn progress_bars_only_on_a_terminal() {
    if capabilities::lacks(&["http"], "progress_bars_only_on_a_terminal") {
        return;
    }
    let at = location("progress");
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("p.bin");
    std::fs::write(&local, vec![7u8; 6_000_000]).unwrap();
    let typescript = dir.path().join("typescript");
    let command = format!(
        "{} put {} p.bin",
        env!("CARGO_BIN_EXE_s3storage"),
        local.display()
    );
    // script(1) runs the command on a pseudo-terminal.
    let status = with_settings(Command::new("script"), &at)
        .env("TERM", "xterm")
        .args(["-qec", &command, typescript.to_str().unwrap()])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let seen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(
        seen.contains("MiB/5.72 MiB") || seen.contains("/5.72 MiB"),
        "{seen}"
    );
    let piped = expect(&at, &["put", local.to_str().unwrap(), "p2.bin"], 0);
    assert!(stderr(&piped).is_empty());
}

#[test]
fn downloads_are_plain_files_and_pipes_may_close() {
    if capabilities::lacks(&["http"], "downloads_are_plain_files_and_pipes_may_close") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let at = location("plain");
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("one.txt");
    std::fs::write(&local, b"one\n").unwrap();
    let put = json(&expect(
        &at,
        &["put", local.to_str().unwrap(), "one.txt", "--json"],
        0,
    ));
    assert_eq!(
        (put["name"].as_str(), put["size"].as_u64()),
        (Some("one.txt"), Some(4))
    );
    let copy = dir.path().join("copy.txt");
    let shell = format!(
        "umask 022 && {} get one.txt {}",
        env!("CARGO_BIN_EXE_s3storage"),
        copy.display()
    );
    let status = with_settings(Command::new("sh"), &at)
        .args(["-c", &shell])
        .status()
        .unwrap();
    assert!(status.success());
    let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "{mode:o}");
    // A reader that goes away early is not a failure (no panic, no error: exit 0).
    let big = dir.path().join("big.bin");
    std::fs::write(&big, vec![b'x'; 4 << 20]).unwrap();
    expect(&at, &["put", big.to_str().unwrap(), "big.bin"], 0);
    let shell = format!(
        "{} cat big.bin | head -c 1",
        env!("CARGO_BIN_EXE_s3storage")
    );
    let piped = with_settings(Command::new("bash"), &at)
        .args(["-o", "pipefail", "-c", &shell])
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    assert!(stderr(&piped).is_empty(), "{}", stderr(&piped));
}

#[test]
fn doctor_names_the_switch_for_a_server_that_rejects_checksums() {
    if capabilities::lacks(
        &["http"],
        "doctor_names_the_switch_for_a_server_that_rejects_checksums",
    ) {
        return;
    }
    let at = location("doctor-checksums");
    expect(&at, &["ls"], 0); // the bucket exists before the proxy is in the way
                             // In front of the test server, refusing checksum values as B2 does.
    let proxy = common::proxy::FaultProxy::start();
    let xml = "<Error><Code>InvalidArgument</Code><Message>Unsupported header \
               'x-amz-checksum-crc32c' received for this API call.</Message></Error>";
    proxy.add(
        common::proxy::Matcher::Header("x-amz-checksum-crc32c"),
        common::proxy::Fault::Respond(400, xml.into()),
        usize::MAX,
    );
    let endpoint = format!("AWS_S3_ENDPOINT_URL={}", proxy.endpoint());
    let refused = expect(&at, &["--set", &endpoint, "doctor"], 8);
    let text = stdout(&refused);
    assert!(
        text.contains("FAIL  write a test object")
            && text.contains("request_checksum_calculation")
            && text.contains("when_required"),
        "{text}"
    );
    let client = r#"AWS_S3_CLIENT_CONFIG={"request_checksum_calculation": "when_required", "response_checksum_validation": "when_required"}"#;
    let fine = expect(&at, &["--set", &endpoint, "--set", client, "doctor"], 0);
    assert!(
        stdout(&fine).contains("ok    write a test object"),
        "{}",
        stdout(&fine)
    );
}

#[test]
fn verbose_prints_one_line_per_request() {
    if capabilities::lacks(&["http"], "verbose_prints_one_line_per_request") {
        return;
    }
    let at = location("verbose");
    expect(&at, &["ls"], 0);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("v.txt");
    std::fs::write(&local, b"seen").unwrap();
    let put = expect(
        &at,
        &["--verbose", "put", local.to_str().unwrap(), "v.txt"],
        0,
    );
    let lines = stderr(&put);
    assert!(
        lines.contains("PutObject v.txt -> HTTP 200, 4 bytes") && lines.contains("(attempt 1)"),
        "{lines}"
    );
    let secret = std::env::var("S3STORAGE_TEST_SECRET_KEY").unwrap();
    assert!(!lines.contains(&secret));
    let quiet = expect(&at, &["cat", "v.txt"], 0);
    assert!(!stderr(&quiet).contains("GetObject"));
}

#[test]
fn recursive_ls_streams_and_recursive_rm_deletes_everything_below() {
    if capabilities::lacks(
        &["http"],
        "recursive_ls_streams_and_recursive_rm_deletes_everything_below",
    ) {
        return;
    }
    let at = location("recursive");
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("x.txt");
    std::fs::write(&local, b"xyz").unwrap();
    for name in ["t/1", "t/u/2", "other"] {
        expect(&at, &["put", local.to_str().unwrap(), name], 0);
    }
    let listed = stdout(&expect(&at, &["ls", "-r", "t", "--json"], 0));
    let entries: Vec<Value> = listed
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(entries.len(), 2, "{listed}");
    assert_eq!(
        (entries[0]["name"].as_str(), entries[0]["size"].as_u64()),
        (Some("t/1"), Some(3))
    );
    assert_eq!(entries[1]["name"], "t/u/2");
    let text = stdout(&expect(&at, &["ls", "--recursive", "t"], 0));
    assert!(
        text.lines().count() == 2 && text.contains("t/u/2"),
        "{text}"
    );
    assert_eq!(
        stdout(&expect(&at, &["cp", "t/1", "t/copy"], 0)).trim(),
        "t/copy"
    );
    assert_eq!(
        stdout(&expect(&at, &["mv", "t/copy", "t/moved"], 0)).trim(),
        "t/moved"
    );
    expect(&at, &["stat", "t/copy"], 4);
    expect(&at, &["cp", "t/none", "t/x"], 4);
    let removed = json(&expect(&at, &["rm", "-r", "t", "--json"], 0));
    assert_eq!(removed["count"], 3);
    assert!(stdout(&expect(&at, &["ls", "-r", "t"], 0)).is_empty());
    assert!(stdout(&expect(&at, &["ls"], 0)).contains("other"));
}

#[test]
fn cp_uploads_and_downloads_and_presign_signs_get_put_and_post() {
    if capabilities::lacks(&["http"], "cp_uploads_and_downloads_and_presign") {
        return;
    }
    let at = location("cp-presign");
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("up.txt");
    std::fs::write(&local, b"uploaded by cp").unwrap();
    let local_arg = local.to_str().unwrap();
    // Local -> object is an upload, object -> local a download, object -> object a copy.
    assert_eq!(
        stdout(&expect(&at, &["cp", local_arg, "c/up.txt"], 0)).trim(),
        "c/up.txt"
    );
    let back = dir.path().join("back.txt");
    expect(&at, &["cp", "c/up.txt", back.to_str().unwrap()], 0);
    assert_eq!(std::fs::read(&back).unwrap(), b"uploaded by cp");
    let piped = expect(&at, &["cp", "c/up.txt", "-"], 0);
    assert_eq!(piped.stdout, b"uploaded by cp");
    expect(&at, &["cp", local_arg, back.to_str().unwrap()], 1);
    expect(
        &at,
        &["cp", "c/none.txt", dir.path().join("no").to_str().unwrap()],
        4,
    );
    assert!(
        !dir.path().join("no").exists(),
        "no file for a failed download"
    );
    // presign: GET reads, PUT writes, POST uploads a form within its conditions.
    let curl = |args: &[&str]| {
        let output = Command::new("curl")
            .args(["-s", "-w", "%{http_code}"])
            .args(args)
            .output();
        stdout(&output.expect("curl runs"))
    };
    let get = json(&expect(&at, &["presign", "c/up.txt", "--json"], 0));
    assert_eq!(curl(&[get["url"].as_str().unwrap()]), "uploaded by cp200");
    let put = stdout(&expect(
        &at,
        &["presign", "c/put.txt", "--method", "put"],
        0,
    ));
    let sent = dir.path().join("put.txt");
    std::fs::write(&sent, b"put through a presigned URL").unwrap();
    assert_eq!(
        curl(&["-o", "/dev/null", "-T", sent.to_str().unwrap(), put.trim()]),
        "200"
    );
    assert_eq!(
        stdout(&expect(&at, &["cat", "c/put.txt"], 0)),
        "put through a presigned URL"
    );
    let range = r#"["content-length-range", 1, 20]"#;
    let post = json(&expect(
        &at,
        &[
            "presign",
            "c/form.txt",
            "--method",
            "POST",
            "--condition",
            range,
        ],
        0,
    ));
    let mut form: Vec<String> = Vec::new();
    for (name, value) in post["fields"].as_object().unwrap() {
        form.extend(["-F".into(), format!("{name}={}", value.as_str().unwrap())]);
    }
    let posted = |content: &[u8]| {
        std::fs::write(&sent, content).unwrap();
        let mut args: Vec<&str> = form.iter().map(String::as_str).collect();
        let file = format!("file=@{}", sent.to_str().unwrap());
        args.extend([
            "-o",
            "/dev/null",
            "-F",
            &file,
            post["url"].as_str().unwrap(),
        ]);
        curl(&args)
    };
    assert!(posted(b"small form").starts_with('2'), "within the range");
    assert_eq!(
        stdout(&expect(&at, &["cat", "c/form.txt"], 0)),
        "small form"
    );
    // The refusal needs a server that checks POST policies (moto does not).
    if !capabilities::lacks(
        &["auth"],
        "cli presign POST outside its content-length-range",
    ) {
        let refused = posted(b"far more than twenty bytes of form");
        assert!(refused.starts_with('4'), "outside the range: {refused}");
        assert_eq!(
            stdout(&expect(&at, &["cat", "c/form.txt"], 0)),
            "small form"
        );
    }
    // Settings under which url() is plain: no presigned URL, an error rather than a URL
    // that cannot do what was asked.
    let plain = location("presign-plain");
    for setting in [
        "AWS_QUERYSTRING_AUTH=False",
        "AWS_S3_CUSTOM_DOMAIN=cdn.example.com",
    ] {
        let output = s3storage(&plain)
            .args(["presign", "c/x", "--method", "PUT", "--set", setting])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{setting}: {}",
            stdout(&output)
        );
    }
    // Bad input: conditions without POST, a condition that is not JSON.
    expect(&at, &["presign", "c/x", "--condition", range], 1);
    expect(
        &at,
        &["presign", "c/x", "--method", "POST", "--condition", "[1,"],
        1,
    );
}
