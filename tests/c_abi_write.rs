//! The write path through the C ABI, against the local server (through the fault proxy
//! where a fault is needed): a failed file is poisoned, s3storage_file_abort discards,
//! create-only saves stream, and the _ex functions take per-save parameters.

mod common;

use ::s3storage::ffi::*;
use ::s3storage::Storage;
use common::proxy::{read_all, storages, Fault, FaultProxy, Matcher};
use common::{pattern, settings, unique};
use std::ffi::{c_char, c_void, CStr, CString};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const MIB: usize = 1024 * 1024;

fn errmsg() -> String {
    unsafe { CStr::from_ptr(s3storage_errmsg()) }
        .to_string_lossy()
        .into_owned()
}

/// A C storage with these settings on top of the test server's.
fn c_storage(pairs: &[(&str, &str)]) -> *mut s3storage {
    let settings = s3storage_settings_new();
    let (access, secret) = common::keys();
    let endpoint = common::endpoint();
    let base = [
        ("AWS_STORAGE_BUCKET_NAME", common::BUCKET),
        ("AWS_S3_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_S3_REGION_NAME", "us-east-1"),
        ("AWS_S3_ACCESS_KEY_ID", access.as_str()),
        ("AWS_S3_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    for (key, value) in base.iter().chain(pairs) {
        let (key, value) = (CString::new(*key).unwrap(), CString::new(*value).unwrap());
        assert_eq!(
            s3storage_settings_set(settings, key.as_ptr(), value.as_ptr()),
            S3STORAGE_OK,
            "{}",
            errmsg()
        );
    }
    let mut storage = std::ptr::null_mut();
    assert_eq!(s3storage_new(settings, &mut storage), S3STORAGE_OK);
    s3storage_settings_free(settings);
    storage
}

fn c_open(storage: *mut s3storage, name: &str, mode: &str) -> *mut s3storage_file {
    let (name, mode) = (CString::new(name).unwrap(), CString::new(mode).unwrap());
    let mut file = std::ptr::null_mut();
    assert_eq!(
        s3storage_open(storage, name.as_ptr(), mode.as_ptr(), &mut file),
        S3STORAGE_OK,
        "{}",
        errmsg()
    );
    file
}

fn c_write(file: *mut s3storage_file, data: &[u8]) -> i32 {
    s3storage_file_write(file, data.as_ptr().cast(), data.len())
}

/// The proxy, a C storage through it and a Rust storage direct, on one location.
fn through_proxy(pairs: &[(&str, &str)]) -> (FaultProxy, *mut s3storage, Storage) {
    let proxy = FaultProxy::start();
    storages(&proxy); // creates the bucket if needed
    let location = unique("c-write");
    let endpoint = proxy.endpoint();
    let mut all = vec![
        ("AWS_S3_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_LOCATION", location.as_str()),
        (
            "AWS_S3_CLIENT_CONFIG",
            r#"{"connect_timeout": 1, "read_timeout": 1, "retries": {"total_max_attempts": 3}}"#,
        ),
    ];
    all.extend_from_slice(pairs);
    let storage = c_storage(&all);
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    (proxy, storage, direct)
}

#[test]
fn a_failed_file_is_poisoned_through_the_c_abi() {
    if common::lacks(
        &["http", "list-uploads"],
        "a_failed_file_is_poisoned_through_the_c_abi",
    ) {
        return;
    }
    let (proxy, storage, direct) = through_proxy(&[]);
    proxy.add(
        Matcher::Containing("partNumber=".into()),
        Fault::Status503,
        1000,
    );
    let file = c_open(storage, "poisoned.bin", "wb");
    assert_eq!(c_write(file, &pattern(6 * MIB, 1)), S3STORAGE_OK);
    std::thread::sleep(std::time::Duration::from_secs(4));
    let code = c_write(file, &pattern(5 * MIB, 2));
    assert_eq!(code, S3STORAGE_ERR_SERVER, "{}", errmsg());
    let first = errmsg();
    assert!(first.contains("SlowDown"), "{first}");
    assert_eq!(c_write(file, b"x"), S3STORAGE_ERR_SERVER);
    assert_eq!(errmsg(), first);
    assert_eq!(s3storage_file_close(file), S3STORAGE_ERR_SERVER);
    assert_eq!(errmsg(), first);
    proxy.clear_fired("parts");
    assert!(!direct.exists("poisoned.bin").unwrap());
    assert!(direct.incomplete_uploads().unwrap().is_empty());
    s3storage_free(storage);
}

#[test]
fn file_abort_discards_through_the_c_abi() {
    if common::lacks(
        &["http", "list-uploads"],
        "file_abort_discards_through_the_c_abi",
    ) {
        return;
    }
    let (proxy, storage, direct) = through_proxy(&[]);
    let file = c_open(storage, "aborted.bin", "wb");
    assert_eq!(c_write(file, &pattern(12 * MIB, 3)), S3STORAGE_OK);
    let before = proxy.requests();
    assert_eq!(s3storage_file_abort(file), S3STORAGE_OK, "{}", errmsg());
    let aborts = proxy.seen()[before..]
        .iter()
        .filter(|seen| seen.head[0].starts_with("DELETE ") && seen.head[0].contains("uploadId="))
        .count();
    assert_eq!(aborts, 1);
    assert!(!direct.exists("aborted.bin").unwrap());
    assert!(direct.incomplete_uploads().unwrap().is_empty());
    assert_eq!(s3storage_file_abort(std::ptr::null_mut()), S3STORAGE_OK);
    // A read-mode file is simply closed by abort.
    direct.save("there.txt", &b"there"[..]).unwrap();
    let file = c_open(storage, "there.txt", "r");
    assert_eq!(s3storage_file_abort(file), S3STORAGE_OK);
    assert!(direct.exists("there.txt").unwrap());
    s3storage_free(storage);
}

#[test]
fn create_only_saves_stream_what_they_read() {
    if common::lacks(&["http"], "create_only_saves_stream_what_they_read") {
        return;
    }
    // A FIFO as the local file: what the writer has pushed into it when the upload
    // begins is what the library had read by then (a spooling save reads it all first).
    let (proxy, storage, direct) = through_proxy(&[("AWS_S3_FILE_OVERWRITE", "False")]);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("content.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let content = pattern(48 * MIB, 4);
    let pushed = Arc::new(AtomicUsize::new(0));
    let at_start = Arc::new(AtomicUsize::new(0));
    let (seen_pushed, record) = (pushed.clone(), at_start.clone());
    proxy.add(
        Matcher::Request("POST", "?uploads".into()),
        Fault::Hook(Arc::new(move || {
            record.store(seen_pushed.load(Ordering::SeqCst), Ordering::SeqCst);
        })),
        1,
    );
    let writer = {
        let (fifo, content, pushed) = (fifo.clone(), content.clone(), pushed.clone());
        std::thread::spawn(move || {
            let mut pipe = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            for piece in content.chunks(256 * 1024) {
                pipe.write_all(piece).unwrap();
                pushed.fetch_add(piece.len(), Ordering::SeqCst);
            }
        })
    };
    let name = CString::new("streamed.bin").unwrap();
    let path = CString::new(fifo.to_str().unwrap()).unwrap();
    let mut saved: *mut c_char = std::ptr::null_mut();
    let code = s3storage_save_file_ex(
        storage,
        name.as_ptr(),
        path.as_ptr(),
        std::ptr::null(),
        0,
        &mut saved,
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    writer.join().unwrap();
    proxy.clear_met("upload start");
    let read_by_then = at_start.load(Ordering::SeqCst);
    assert!(
        read_by_then < 16 * MIB,
        "{read_by_then} bytes were read before the upload began: not streamed"
    );
    let saved_name = unsafe { CStr::from_ptr(saved) }
        .to_str()
        .unwrap()
        .to_string();
    s3storage_string_free(saved);
    assert_eq!(saved_name, "streamed.bin");
    assert!(read_all(&direct, "streamed.bin").unwrap() == content);
    s3storage_free(storage);
}

#[test]
fn per_save_parameters_through_the_c_abi() {
    if common::lacks(&["http"], "per_save_parameters_through_the_c_abi") {
        return;
    }
    let location = unique("c-params");
    let storage = c_storage(&[
        ("AWS_LOCATION", &location),
        ("AWS_AUTO_CREATE_BUCKET", "True"),
    ]);
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    let name = CString::new("report.bin").unwrap();
    let params = CString::new(r#"{"ContentType": "text/csv", "ContentDisposition": "attachment; filename=r.csv", "Metadata": {"k": "v"}}"#).unwrap();
    let data = b"a,b\n1,2\n";
    let mut saved: *mut c_char = std::ptr::null_mut();
    let code = s3storage_save_ex(
        storage,
        name.as_ptr(),
        data.as_ptr().cast::<c_void>(),
        data.len(),
        params.as_ptr(),
        0,
        &mut saved,
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    s3storage_string_free(saved);
    let (_, headers, body) = common::fetch("GET", &direct.url("report.bin").unwrap());
    assert_eq!(body, data);
    assert_eq!(headers["content-type"], "text/csv");
    assert_eq!(headers["content-disposition"], "attachment; filename=r.csv");
    assert_eq!(headers["x-amz-meta-k"], "v");

    // open_ex for writing takes the same parameters.
    let mode = CString::new("w").unwrap();
    let mut file = std::ptr::null_mut();
    let typed = CString::new(r#"{"ContentType": "image/x-test"}"#).unwrap();
    let code = s3storage_open_ex(
        storage,
        name.as_ptr(),
        mode.as_ptr(),
        typed.as_ptr(),
        &mut file,
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    assert_eq!(c_write(file, b"pixels"), S3STORAGE_OK);
    assert_eq!(s3storage_file_close(file), S3STORAGE_OK);
    let (_, headers, _) = common::fetch("GET", &direct.url("report.bin").unwrap());
    assert_eq!(headers["content-type"], "image/x-test");

    // Bad JSON, an unknown name or parameters with a read mode: INVALID_ARGUMENT naming
    // the problem, and nothing sent.
    let never = CString::new("never.bin").unwrap();
    for (bad, named) in [("{", "params_json"), (r#"{"Colour": "red"}"#, "Colour")] {
        let bad = CString::new(bad).unwrap();
        let mut saved: *mut c_char = std::ptr::null_mut();
        let code = s3storage_save_ex(
            storage,
            never.as_ptr(),
            data.as_ptr().cast(),
            data.len(),
            bad.as_ptr(),
            0,
            &mut saved,
        );
        assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
        assert!(errmsg().contains(named), "{}", errmsg());
        assert!(saved.is_null());
        let local = CString::new("/nonexistent").unwrap();
        let code = s3storage_save_file_ex(
            storage,
            never.as_ptr(),
            local.as_ptr(),
            bad.as_ptr(),
            0,
            &mut saved,
        );
        assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
    }
    let read = CString::new("r").unwrap();
    let mut file = std::ptr::null_mut();
    let code = s3storage_open_ex(
        storage,
        name.as_ptr(),
        read.as_ptr(),
        typed.as_ptr(),
        &mut file,
    );
    assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
    assert!(file.is_null());
    assert!(!direct.exists("never.bin").unwrap());

    // max_length: the name chosen fits.
    let long = CString::new("a-rather-long-name.txt").unwrap();
    let mut saved: *mut c_char = std::ptr::null_mut();
    let code = s3storage_save_ex(
        storage,
        long.as_ptr(),
        data.as_ptr().cast(),
        data.len(),
        std::ptr::null(),
        12,
        &mut saved,
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    let chosen = unsafe { CStr::from_ptr(saved) }
        .to_str()
        .unwrap()
        .to_string();
    s3storage_string_free(saved);
    assert!(chosen.chars().count() <= 12, "{chosen}");
    assert!(
        read_all(&direct, &chosen).unwrap() == data,
        "{chosen} holds the bytes"
    );
    s3storage_free(storage);
}

/// The read callback's state: the content and how far it has been read; `fail_at` makes
/// the callback fail once that much has been read.
struct Source {
    content: Vec<u8>,
    at: usize,
    fail_at: Option<usize>,
    calls: usize,
}

unsafe extern "C" fn read_source(
    userdata: *mut c_void,
    buf: *mut u8,
    cap: usize,
    nread: *mut usize,
) -> i32 {
    let source = &mut *(userdata as *mut Source);
    source.calls += 1;
    if source.fail_at.is_some_and(|limit| source.at >= limit) {
        return 7;
    }
    let n = cap.min(source.content.len() - source.at).min(300_000);
    std::ptr::copy_nonoverlapping(source.content[source.at..].as_ptr(), buf, n);
    source.at += n;
    *nread = n;
    0
}

#[test]
fn saves_pull_their_content_from_a_read_callback() {
    if common::lacks(
        &["http", "list-uploads"],
        "saves_pull_their_content_from_a_read_callback",
    ) {
        return;
    }
    let (proxy, storage, direct) = through_proxy(&[("AWS_S3_FILE_OVERWRITE", "False")]);
    let name = CString::new("pulled.bin").unwrap();
    let mut source = Source {
        content: pattern(13 * MIB, 5),
        at: 0,
        fail_at: None,
        calls: 0,
    };
    let mut saved: *mut c_char = std::ptr::null_mut();
    let code = s3storage_save_reader_ex(
        storage,
        name.as_ptr(),
        Some(read_source),
        (&mut source as *mut Source).cast(),
        std::ptr::null(),
        0,
        &mut saved,
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    assert!(source.calls > 40, "{} calls", source.calls);
    assert_eq!(
        unsafe { CStr::from_ptr(saved) }.to_str().unwrap(),
        "pulled.bin"
    );
    s3storage_string_free(saved);
    assert!(read_all(&direct, "pulled.bin").unwrap() == source.content);
    let parts = proxy
        .seen()
        .iter()
        .filter(|seen| seen.head[0].contains("partNumber="))
        .count();
    assert!(parts >= 2, "{parts} parts");

    // A callback that fails after 17 MiB (past the 8 MiB threshold: parts have gone up):
    // IO, nothing stored, no upload left.
    let failing = CString::new("failing.bin").unwrap();
    let before = proxy.requests();
    let mut source = Source {
        content: pattern(20 * MIB, 6),
        at: 0,
        fail_at: Some(17 * MIB),
        calls: 0,
    };
    let code = s3storage_save_reader_ex(
        storage,
        failing.as_ptr(),
        Some(read_source),
        (&mut source as *mut Source).cast(),
        std::ptr::null(),
        0,
        &mut saved,
    );
    assert_eq!(code, S3STORAGE_ERR_IO, "{}", errmsg());
    assert!(
        errmsg().contains("read callback failed (it returned 7)"),
        "{}",
        errmsg()
    );
    assert!(source.at >= 17 * MIB);
    // The failure came after the upload had started and sent a part (so the abort path
    // is what ran), and the upload was aborted.
    let sent: Vec<String> = proxy.seen()[before..]
        .iter()
        .map(|seen| seen.head[0].clone())
        .filter(|line| line.contains("failing.bin"))
        .collect();
    assert!(
        sent.iter()
            .any(|line| line.starts_with("PUT ") && line.contains("partNumber=1")),
        "no part was sent: {sent:?}"
    );
    assert!(
        sent.iter()
            .any(|line| line.starts_with("DELETE ") && line.contains("uploadId=")),
        "the upload was not aborted: {sent:?}"
    );
    assert!(!direct.exists("failing.bin").unwrap());
    assert!(direct.incomplete_uploads().unwrap().is_empty());
    let code = s3storage_save_reader_ex(
        storage,
        failing.as_ptr(),
        None,
        std::ptr::null_mut(),
        std::ptr::null(),
        0,
        &mut saved,
    );
    assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
    s3storage_free(storage);
}

/// What s3storage_errinfo gives now.
fn errinfo() -> (i32, String, String) {
    let (mut status, mut code, mut id) = (-1, std::ptr::null(), std::ptr::null());
    assert_eq!(
        s3storage_errinfo(&mut status, &mut code, &mut id),
        S3STORAGE_OK
    );
    let text = |ptr: *const c_char| unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_string();
    (status, text(code), text(id))
}

#[test]
fn errinfo_gives_the_status_code_and_request_id() {
    if common::lacks(
        &["auth", "request-ids"],
        "errinfo_gives_the_status_code_and_request_id",
    ) {
        return;
    }
    let storage = c_storage(&[("AWS_S3_SECRET_ACCESS_KEY", "wrong-secret")]);
    let name = CString::new("denied.txt").unwrap();
    let mut exists = false;
    let code = s3storage_exists(storage, name.as_ptr(), &mut exists);
    assert_eq!(code, S3STORAGE_ERR_ACCESS_DENIED, "{}", errmsg());
    let data = b"x";
    let mut saved: *mut c_char = std::ptr::null_mut();
    let code = s3storage_save(storage, name.as_ptr(), data.as_ptr().cast(), 1, &mut saved);
    assert_eq!(code, S3STORAGE_ERR_ACCESS_DENIED, "{}", errmsg());
    let (status, s3_code, request_id) = errinfo();
    assert_eq!(
        (status, s3_code.as_str()),
        (403, "SignatureDoesNotMatch"),
        "{}",
        errmsg()
    );
    assert!(!request_id.is_empty(), "no request id: {}", errmsg());
    assert!(!errmsg().contains("wrong-secret"));
    // Any out-pointer may be NULL; a failure with no reply has no details.
    let mut status = -1;
    s3storage_errinfo(&mut status, std::ptr::null_mut(), std::ptr::null_mut());
    assert_eq!(status, 403);
    s3storage_free(storage);
    let unreachable = c_storage(&[("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9")]);
    let code = s3storage_exists(unreachable, name.as_ptr(), &mut exists);
    assert_eq!(code, S3STORAGE_ERR_NETWORK);
    assert_eq!(errinfo(), (0, String::new(), String::new()));
    s3storage_free(unreachable);
}

/// Reads a C file to its end: the bytes, or the code and message of the first failure.
fn c_read_all(file: *mut s3storage_file) -> Result<Vec<u8>, (i32, String)> {
    let (mut got, mut buffer) = (Vec::new(), vec![0u8; 256 * 1024]);
    loop {
        let mut n = 0usize;
        let code = s3storage_file_read(file, buffer.as_mut_ptr().cast(), buffer.len(), &mut n);
        if code != S3STORAGE_OK {
            return Err((code, errmsg()));
        }
        if n == 0 {
            return Ok(got);
        }
        got.extend_from_slice(&buffer[..n]);
    }
}

#[test]
fn damaged_reads_are_checksum_errors_through_the_c_abi() {
    if common::lacks(
        &["http", "response-checksums"],
        "damaged_reads_are_checksum_errors_through_the_c_abi",
    ) {
        return;
    }
    let (proxy, storage, direct) = through_proxy(&[]);
    for (name, size) in [("small.bin", 10_000), ("large.bin", 3 * MIB)] {
        let content = pattern(size, 5);
        direct.save(name, content.as_slice()).unwrap();
        proxy.add(
            Matcher::Request("GET", name.into()),
            Fault::CorruptReply,
            100,
        );
        // A small object is checked by the GET that opens it, a larger one as it is read.
        let (c_name, mode) = (CString::new(name).unwrap(), CString::new("rb").unwrap());
        let mut file = std::ptr::null_mut();
        let outcome = match s3storage_open(storage, c_name.as_ptr(), mode.as_ptr(), &mut file) {
            S3STORAGE_OK => {
                let outcome = c_read_all(file);
                s3storage_file_close(file);
                outcome
            }
            code => Err((code, errmsg())),
        };
        proxy.clear_fired(name);
        let (code, message) = match outcome {
            Ok(bytes) => panic!("{name}: {} bytes delivered, damaged", bytes.len()),
            Err(failure) => failure,
        };
        assert_eq!(code, S3STORAGE_ERR_CHECKSUM, "{name}: {message}");
        assert!(message.contains("CRC32C"), "{message}");
        let code_name = unsafe { CStr::from_ptr(s3storage_code_name(code)) };
        assert_eq!(code_name.to_str().unwrap(), "S3STORAGE_ERR_CHECKSUM");
    }
    s3storage_free(storage);
}

/// What the C request callback below saw: (operation, name, status, attempt).
static REQUESTS: std::sync::Mutex<Vec<(String, String, i32, i32)>> =
    std::sync::Mutex::new(Vec::new());

unsafe extern "C" fn record_request(
    operation: *const c_char,
    name: *const c_char,
    http_status: i32,
    _bytes: u64,
    _seconds: f64,
    attempt: i32,
    userdata: *mut c_void,
) {
    assert_eq!(userdata as usize, 42);
    let text = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    let record = (text(operation), text(name), http_status, attempt);
    REQUESTS.lock().unwrap().push(record);
}

#[test]
fn the_request_callback_through_the_c_abi() {
    if common::lacks(&["http"], "the_request_callback_through_the_c_abi") {
        return;
    }
    let (proxy, storage, _direct) = through_proxy(&[]);
    let userdata = 42usize as *mut c_void;
    let callback = Some(record_request as _);
    assert_eq!(
        s3storage_set_request_callback(std::ptr::null(), callback, userdata),
        S3STORAGE_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        s3storage_set_request_callback(storage, callback, userdata),
        S3STORAGE_OK
    );
    proxy.add(
        Matcher::Request("PUT", "called.txt".into()),
        Fault::Status503,
        1,
    );
    let (name, data) = (CString::new("called.txt").unwrap(), b"hello");
    let before = proxy.requests();
    let code = s3storage_save(
        storage,
        name.as_ptr(),
        data.as_ptr().cast(),
        data.len(),
        std::ptr::null_mut(),
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    proxy.clear_fired("the 503");
    let seen = REQUESTS.lock().unwrap().clone();
    assert_eq!(seen.len(), proxy.requests() - before, "{seen:?}");
    let puts: Vec<_> = seen.iter().filter(|r| r.0 == "PutObject").collect();
    assert_eq!(puts.len(), 2, "{seen:?}");
    assert_eq!(
        (puts[0].2, puts[0].3, puts[1].2, puts[1].3),
        (503, 1, 200, 2)
    );
    assert!(puts.iter().all(|r| r.1 == "called.txt"));
    assert_eq!(
        s3storage_set_request_callback(storage, None, std::ptr::null_mut()),
        S3STORAGE_OK
    );
    s3storage_free(storage);
}

#[test]
fn stat_through_the_c_abi() {
    let storage = c_storage(&[("AWS_LOCATION", &unique("c-stat"))]);
    let (name, mode) = (
        CString::new("d/stat.txt").unwrap(),
        CString::new("wb").unwrap(),
    );
    let params =
        CString::new(r#"{"ContentType": "text/x-c", "Metadata": {"Owner": "Ada"}}"#).unwrap();
    let mut file = std::ptr::null_mut();
    let code = s3storage_open_ex(
        storage,
        name.as_ptr(),
        mode.as_ptr(),
        params.as_ptr(),
        &mut file,
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    assert_eq!(c_write(file, b"seven b"), S3STORAGE_OK);
    assert_eq!(s3storage_file_close(file), S3STORAGE_OK, "{}", errmsg());
    let mut obj = std::ptr::null_mut();
    assert_eq!(
        s3storage_stat(storage, name.as_ptr(), &mut obj),
        S3STORAGE_OK,
        "{}",
        errmsg()
    );
    let text = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
    assert_eq!(text(s3storage_object_name(obj)), "d/stat.txt");
    assert_eq!(s3storage_object_size(obj), 7);
    assert_eq!(text(s3storage_object_content_type(obj)), "text/x-c");
    assert_eq!(
        text(s3storage_object_etag(obj)),
        format!("{:x}", md5::compute(b"seven b"))
    );
    let owner = CString::new("OWNER").unwrap();
    assert_eq!(text(s3storage_object_metadata(obj, owner.as_ptr())), "Ada");
    let other = CString::new("other").unwrap();
    assert!(s3storage_object_metadata(obj, other.as_ptr()).is_null());
    let mut keys = std::ptr::null_mut();
    assert_eq!(s3storage_object_metadata_keys(obj, &mut keys), S3STORAGE_OK);
    let first = unsafe { *keys };
    assert_eq!(text(first), "owner");
    assert!(unsafe { *keys.add(1) }.is_null());
    s3storage_strv_free(keys);
    assert!(s3storage_object_modified_time(obj) > 1_700_000_000);
    assert_eq!(text(s3storage_object_version_id(obj)), "");
    s3storage_object_free(obj);
    // NULL handles: "" and 0; a missing object: NOT_FOUND, out untouched.
    assert_eq!(text(s3storage_object_name(std::ptr::null())), "");
    assert_eq!(s3storage_object_size(std::ptr::null()), 0);
    s3storage_object_free(std::ptr::null_mut());
    let missing = CString::new("d/missing.txt").unwrap();
    let mut untouched = std::ptr::null_mut();
    assert_eq!(
        s3storage_stat(storage, missing.as_ptr(), &mut untouched),
        S3STORAGE_ERR_NOT_FOUND
    );
    assert!(untouched.is_null());
    assert_eq!(
        s3storage_stat(storage, missing.as_ptr(), std::ptr::null_mut()),
        S3STORAGE_ERR_INVALID_ARGUMENT
    );
    s3storage_free(storage);
}

#[test]
fn listings_through_the_c_abi() {
    let storage = c_storage(&[("AWS_LOCATION", &unique("c-list"))]);
    for name in ["a/1", "a/2", "a/b/3"] {
        let name = CString::new(name).unwrap();
        let code = s3storage_save(
            storage,
            name.as_ptr(),
            b"xy".as_ptr().cast(),
            2,
            std::ptr::null_mut(),
        );
        assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    }
    let names = |recursive: bool| {
        let path = CString::new("a").unwrap();
        let mut lister = std::ptr::null_mut();
        assert_eq!(
            s3storage_list(storage, path.as_ptr(), recursive, &mut lister),
            S3STORAGE_OK
        );
        let mut seen = Vec::new();
        loop {
            let mut entry = std::ptr::null();
            assert_eq!(
                s3storage_lister_next(lister, &mut entry),
                S3STORAGE_OK,
                "{}",
                errmsg()
            );
            if entry.is_null() {
                break;
            }
            let name = unsafe { CStr::from_ptr(s3storage_object_name(entry)) };
            seen.push((
                name.to_str().unwrap().to_string(),
                s3storage_object_size(entry),
            ));
        }
        s3storage_lister_free(lister);
        seen
    };
    let one_level = [("a/1", 2), ("a/2", 2), ("a/b/", 0)].map(|(n, s)| (n.to_string(), s));
    assert_eq!(names(false), one_level);
    let everything = [("a/1", 2), ("a/2", 2), ("a/b/3", 2)].map(|(n, s)| (n.to_string(), s));
    assert_eq!(names(true), everything);
    let up = CString::new("../up").unwrap();
    let mut lister = std::ptr::null_mut();
    assert_eq!(
        s3storage_list(storage, up.as_ptr(), true, &mut lister),
        S3STORAGE_ERR_SUSPICIOUS_NAME
    );
    assert!(lister.is_null());
    assert_eq!(
        s3storage_lister_next(std::ptr::null_mut(), &mut std::ptr::null()),
        S3STORAGE_ERR_INVALID_ARGUMENT
    );
    s3storage_lister_free(std::ptr::null_mut());
    s3storage_free(storage);
}

#[test]
fn delete_many_and_prefix_through_the_c_abi() {
    let storage = c_storage(&[("AWS_LOCATION", &unique("c-delete"))]);
    let names: Vec<CString> = ["d/1", "d/2", "d/e/3", "keep"]
        .iter()
        .map(|n| CString::new(*n).unwrap())
        .collect();
    for name in &names {
        let code = s3storage_save(
            storage,
            name.as_ptr(),
            b"x".as_ptr().cast(),
            1,
            std::ptr::null_mut(),
        );
        assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    }
    let missing = CString::new("d/missing").unwrap();
    let batch = [names[0].as_ptr(), missing.as_ptr()];
    let mut failed = std::ptr::null_mut();
    assert_eq!(
        s3storage_delete_many(storage, batch.as_ptr(), 2, &mut failed),
        S3STORAGE_OK,
        "{}",
        errmsg()
    );
    assert!(unsafe { *failed }.is_null(), "no name failed");
    s3storage_strv_free(failed);
    // Bad input: a NULL entry, no names, a NULL array, an unsafe name.
    let with_null = [names[1].as_ptr(), std::ptr::null()];
    let code = s3storage_delete_many(storage, with_null.as_ptr(), 2, std::ptr::null_mut());
    assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
    assert!(errmsg().contains("names[1]"), "{}", errmsg());
    assert_eq!(
        s3storage_delete_many(storage, batch.as_ptr(), 0, std::ptr::null_mut()),
        S3STORAGE_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        s3storage_delete_many(storage, std::ptr::null(), 1, std::ptr::null_mut()),
        S3STORAGE_ERR_INVALID_ARGUMENT
    );
    let up = CString::new("../up").unwrap();
    let unsafe_batch = [names[1].as_ptr(), up.as_ptr()];
    assert_eq!(
        s3storage_delete_many(storage, unsafe_batch.as_ptr(), 2, std::ptr::null_mut()),
        S3STORAGE_ERR_SUSPICIOUS_NAME
    );
    let mut deleted = 0u64;
    let d = CString::new("d").unwrap();
    assert_eq!(
        s3storage_delete_prefix(storage, d.as_ptr(), &mut deleted),
        S3STORAGE_OK,
        "{}",
        errmsg()
    );
    assert_eq!(deleted, 2, "d/2 and d/e/3");
    let mut exists = false;
    assert_eq!(
        s3storage_exists(storage, names[3].as_ptr(), &mut exists),
        S3STORAGE_OK
    );
    assert!(exists);
    assert_eq!(
        s3storage_delete_prefix(storage, d.as_ptr(), std::ptr::null_mut()),
        S3STORAGE_OK
    );
    s3storage_free(storage);
}

#[test]
fn presigned_post_through_the_c_abi() {
    let storage = c_storage(&[("AWS_LOCATION", &unique("c-post"))]);
    let name = CString::new("up/${filename}").unwrap();
    let conditions = CString::new(r#"[["content-length-range", 1, 10]]"#).unwrap();
    let mut json = std::ptr::null_mut();
    let code = s3storage_presign_post(storage, name.as_ptr(), conditions.as_ptr(), 60, &mut json);
    if common::on_memory() {
        assert_eq!(code, S3STORAGE_ERR_BAD_STATE, "{}", errmsg());
        assert!(json.is_null());
    } else {
        assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
        let text = unsafe { CStr::from_ptr(json) }
            .to_str()
            .unwrap()
            .to_string();
        s3storage_string_free(json);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(
            parsed["fields"]["key"]
                .as_str()
                .unwrap()
                .ends_with("up/${filename}"),
            "{text}"
        );
        assert!(parsed["fields"]["policy"].is_string() && parsed["url"].is_string());
    }
    let bad = CString::new("not json").unwrap();
    let code = s3storage_presign_post(storage, name.as_ptr(), bad.as_ptr(), 60, &mut json);
    assert_eq!(code, S3STORAGE_ERR_INVALID_ARGUMENT);
    assert!(errmsg().contains("conditions_json"), "{}", errmsg());
    s3storage_free(storage);
}

#[test]
fn download_file_through_the_c_abi() {
    let storage = c_storage(&[("AWS_LOCATION", &unique("c-download"))]);
    let content = pattern(6 * MIB, 4);
    let name = CString::new("big.bin").unwrap();
    let code = s3storage_save(
        storage,
        name.as_ptr(),
        content.as_ptr().cast(),
        content.len(),
        std::ptr::null_mut(),
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.bin");
    let path = CString::new(target.to_str().unwrap()).unwrap();
    assert_eq!(
        s3storage_download_file(storage, name.as_ptr(), path.as_ptr()),
        S3STORAGE_OK,
        "{}",
        errmsg()
    );
    assert!(std::fs::read(&target).unwrap() == content);
    let missing = CString::new("missing.bin").unwrap();
    let other = CString::new(dir.path().join("m").to_str().unwrap()).unwrap();
    assert_eq!(
        s3storage_download_file(storage, missing.as_ptr(), other.as_ptr()),
        S3STORAGE_ERR_NOT_FOUND
    );
    assert!(!dir.path().join("m").exists());
    assert_eq!(
        s3storage_download_file(storage, name.as_ptr(), std::ptr::null()),
        S3STORAGE_ERR_INVALID_ARGUMENT
    );
    s3storage_free(storage);
}

#[test]
fn copy_and_move_through_the_c_abi() {
    let storage = c_storage(&[("AWS_LOCATION", &unique("c-copy"))]);
    let (src, dst, moved) = (
        CString::new("src.txt").unwrap(),
        CString::new("dst.txt").unwrap(),
        CString::new("moved.txt").unwrap(),
    );
    let code = s3storage_save(
        storage,
        src.as_ptr(),
        b"abc".as_ptr().cast(),
        3,
        std::ptr::null_mut(),
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    let mut saved = std::ptr::null_mut();
    let code = s3storage_copy(
        storage,
        src.as_ptr(),
        dst.as_ptr(),
        std::ptr::null(),
        &mut saved,
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    assert_eq!(
        unsafe { CStr::from_ptr(saved) }.to_str().unwrap(),
        "dst.txt"
    );
    s3storage_string_free(saved);
    let code = s3storage_move(
        storage,
        dst.as_ptr(),
        moved.as_ptr(),
        std::ptr::null(),
        std::ptr::null_mut(),
    );
    assert_eq!(code, S3STORAGE_OK, "{}", errmsg());
    let mut exists = true;
    assert_eq!(
        s3storage_exists(storage, dst.as_ptr(), &mut exists),
        S3STORAGE_OK
    );
    assert!(!exists, "the moved source is gone");
    let mut size = 0;
    assert_eq!(
        s3storage_size(storage, moved.as_ptr(), &mut size),
        S3STORAGE_OK
    );
    assert_eq!(size, 3);
    assert_eq!(
        s3storage_copy(
            storage,
            src.as_ptr(),
            src.as_ptr(),
            std::ptr::null(),
            std::ptr::null_mut()
        ),
        S3STORAGE_ERR_INVALID_ARGUMENT
    );
    let missing = CString::new("missing.txt").unwrap();
    assert_eq!(
        s3storage_move(
            storage,
            missing.as_ptr(),
            dst.as_ptr(),
            std::ptr::null(),
            std::ptr::null_mut()
        ),
        S3STORAGE_ERR_NOT_FOUND
    );
    s3storage_free(storage);
}
