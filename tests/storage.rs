//! The behaviour suite: the specification's walkthroughs and the ported django-storages
//! tests (tests/test_s3.py) that apply, on the target the environment names: the
//! in-memory store under plain `cargo test`, every server of the matrix under
//! scripts/test.sh (tests that need a real HTTP server skip on the in-memory store).

mod common;

use common::proxy::FaultProxy;
use common::{fetch, pattern, settings, storage, unique};
use s3storage::{Error, ResultCode, Settings, Storage, UrlOptions};
use std::io::{Read, Seek, SeekFrom, Write};

fn read_all(storage: &Storage, name: &str) -> Vec<u8> {
    let mut file = storage.open(name, "rb").unwrap();
    let mut content = Vec::new();
    file.read_to_end(&mut content).unwrap();
    content
}

fn head(storage: &Storage, name: &str) -> http::HeaderMap {
    let options = UrlOptions {
        http_method: Some("HEAD".into()),
        ..Default::default()
    };
    let (status, headers, _) = fetch("HEAD", &storage.url_with(name, &options).unwrap());
    assert_eq!(status, 200, "HEAD {name}");
    headers
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The specification's "Storage" walkthrough.
#[test]
fn resolved_settings_name_no_secret() {
    if common::lacks(&["http"], "resolved_settings_name_no_secret") {
        return;
    }
    let storage = storage(&[("AWS_S3_REGION_NAME", "eu-west-3")]);
    let resolved = storage.resolved();
    assert_eq!(resolved.endpoint, common::endpoint());
    assert_eq!(resolved.region, "eu-west-3");
    assert_eq!(resolved.addressing, "path");
    assert_eq!(resolved.bucket, common::BUCKET);
    assert_eq!(resolved.credentials, "access keys in the settings");
    let (_, secret) = common::keys();
    assert!(!format!("{resolved:?}").contains(&secret));
}

#[test]
fn storage_walkthrough() {
    let storage = storage(&[]);
    assert!(!storage.exists("storage_test").unwrap());
    let mut file = storage.open("storage_test", "w").unwrap();
    file.write_all(b"storage contents").unwrap();
    file.close().unwrap();
    assert!(storage.exists("storage_test").unwrap());
    let mut file = storage.open("storage_test", "r").unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    assert_eq!(text, "storage contents");
    file.close().unwrap();
    storage.delete("storage_test").unwrap();
    assert!(!storage.exists("storage_test").unwrap());
}

/// The specification's FieldFile walk (upload_to='tests').
#[test]
fn fieldfile_walk() {
    let storage = storage(&[]);
    let name = storage
        .save("tests/django_test.txt", &b"content"[..])
        .unwrap();
    assert_eq!(name, "tests/django_test.txt");
    assert_eq!(storage.size(&name).unwrap(), 7);
    let mut file = storage.open(&name, "rb").unwrap();
    let mut three = [0u8; 3];
    file.read_exact(&mut three).unwrap();
    assert_eq!(&three, b"con");
    let mut rest = String::new();
    file.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "tent");
    let chunks: Vec<String> = file
        .chunks(2)
        .unwrap()
        .map(|chunk| String::from_utf8(chunk.unwrap()).unwrap())
        .collect();
    assert_eq!(chunks.join("-"), "co-nt-en-t");
    file.close().unwrap();

    // Same name again, default AWS_S3_FILE_OVERWRITE=True: same name, new content.
    let name2 = storage
        .save("tests/django_test.txt", &b"more content"[..])
        .unwrap();
    assert_eq!(name2, "tests/django_test.txt");
    assert_eq!(storage.size(&name2).unwrap(), 12);
    storage.delete(&name).unwrap();
    assert!(!storage.exists(&name).unwrap());
}

#[test]
fn same_name_without_overwrite_gets_a_new_name() {
    let storage = storage(&[("AWS_S3_FILE_OVERWRITE", "False")]);
    let first = storage
        .save("tests/django_test.txt", &b"content"[..])
        .unwrap();
    assert_eq!(first, "tests/django_test.txt");
    let second = storage
        .save("tests/django_test.txt", &b"more content"[..])
        .unwrap();
    assert_ne!(second, first);
    assert!(
        second.starts_with("tests/django_test_") && second.ends_with(".txt"),
        "{second}"
    );
    assert_eq!(second.len(), first.len() + 8);
    assert_eq!(read_all(&storage, &first), b"content");
    assert_eq!(read_all(&storage, &second), b"more content");
    // get_available_name agrees with what is there.
    let available = storage
        .get_available_name("tests/django_test.txt", None)
        .unwrap();
    assert_ne!(available, first);
    let overwrite = Storage::new(&settings(&[])).unwrap();
    assert_eq!(
        overwrite
            .get_available_name("parent/child.txt", Some(15))
            .unwrap(),
        "parent/chil.txt"
    );
}

// Small create-only saves under contention: tests/guarantees.rs (8 threads x 50).

#[test]
fn create_only_multipart_saves_never_overwrite_each_other() {
    if common::lacks(
        &["atomic-conditional-writes", "atomic-conditional-complete"],
        "create_only_multipart_saves_never_overwrite_each_other",
    ) {
        return;
    }
    let storage = storage(&[
        ("AWS_S3_FILE_OVERWRITE", "False"),
        (
            "AWS_S3_TRANSFER_CONFIG",
            r#"{"multipart_threshold": 5242880, "multipart_chunksize": 5242880}"#,
        ),
    ]);
    // Eight writers race for one name, twice; a barrier lines them up so that their
    // completions meet. Each must end under its own name with its own bytes.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8u8)
        .map(|thread| {
            let (storage, barrier) = (storage.clone(), barrier.clone());
            std::thread::spawn(move || {
                (0..2u8)
                    .map(|round| {
                        let content = pattern(6 * 1024 * 1024 + 17, thread * 2 + round);
                        barrier.wait();
                        let name = storage.save("big/same.bin", content.as_slice()).unwrap();
                        (name, content)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let saved: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let mut names: Vec<&String> = saved.iter().map(|(name, _)| name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 16, "16 saves, 16 names: {names:?}");
    for (name, content) in &saved {
        assert!(
            read_all(&storage, name) == *content,
            "{name} holds its own content"
        );
    }
    assert!(storage.incomplete_uploads().unwrap().is_empty());
}

#[test]
fn exists_delete_size_and_mtime() {
    let storage = storage(&[]);
    assert!(!storage.exists("file.txt").unwrap());
    storage.delete("file.txt").unwrap(); // missing is fine
    let before = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    storage.save("file.txt", &b"12345"[..]).unwrap();
    assert!(storage.exists("file.txt").unwrap());
    assert_eq!(storage.size("file.txt").unwrap(), 5);
    let modified = storage.modified_time("file.txt").unwrap();
    assert!(modified > before && modified < before + std::time::Duration::from_secs(180));
    let error = storage.size("missing.txt").unwrap_err();
    assert_eq!(error.code(), ResultCode::NotFound);
    // As django-storages: the message names the key (with AWS_LOCATION).
    let message = error.to_string();
    assert!(
        message.starts_with("File does not exist: t-") && message.ends_with("/missing.txt"),
        "{message}"
    );
    assert_eq!(
        storage.modified_time("missing.txt").unwrap_err().code(),
        ResultCode::NotFound
    );
    let error = storage.open("missing.txt", "r").unwrap_err();
    assert_eq!(error.code(), ResultCode::NotFound);
    storage.delete("file.txt").unwrap();
    assert!(!storage.exists("file.txt").unwrap());
}

#[test]
fn wrong_credentials_are_access_denied() {
    if common::lacks(
        &["auth", "second-identity"],
        "wrong_credentials_are_access_denied",
    ) {
        return;
    }
    let location = unique("denied");
    let good = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    good.save("x.txt", &b"x"[..]).unwrap();
    let bad = Storage::new(&settings(&[
        ("AWS_LOCATION", &location),
        ("AWS_S3_SECRET_ACCESS_KEY", "wrong-secret"),
        ("AWS_AUTO_CREATE_BUCKET", "False"),
    ]))
    .unwrap();
    let error = bad.exists("x.txt").unwrap_err();
    assert_eq!(error.code(), ResultCode::AccessDenied);
    let message = error.to_string();
    assert!(message.contains("403"), "{message}");
    assert!(!message.contains("wrong-secret"));
    assert_eq!(
        bad.save("y.txt", &b"y"[..]).unwrap_err().code(),
        ResultCode::AccessDenied
    );
    // A read-only identity can read but not write.
    let reader = Storage::new(&settings(&[
        ("AWS_LOCATION", &location),
        (
            "AWS_S3_ACCESS_KEY_ID",
            &std::env::var("S3STORAGE_TEST_READER_KEY").unwrap(),
        ),
        (
            "AWS_S3_SECRET_ACCESS_KEY",
            &std::env::var("S3STORAGE_TEST_READER_SECRET").unwrap(),
        ),
        ("AWS_AUTO_CREATE_BUCKET", "False"),
    ]))
    .unwrap();
    assert!(reader.exists("x.txt").unwrap());
    let error = reader.save("z.txt", &b"z"[..]).unwrap_err();
    assert_eq!(error.code(), ResultCode::AccessDenied, "{error}");
    assert!(error.to_string().contains("AccessDenied"), "{error}");
}

#[test]
fn listdir_base_subdir_and_marker() {
    if common::lacks(&["dir-markers"], "listdir_base_subdir_and_marker") {
        return;
    }
    let storage = storage(&[]);
    for name in [
        "file1.txt",
        "file2.txt",
        "some/path/1.txt",
        "some/2.txt",
        "other/3.txt",
    ] {
        storage.save(name, &b"x"[..]).unwrap();
    }
    // A directory marker object.
    let mut marker = storage.open("some/", "w").unwrap();
    marker.close().unwrap();
    let (mut dirs, mut files) = storage.listdir("").unwrap();
    dirs.sort();
    files.sort();
    assert_eq!(dirs, vec!["other", "some"]);
    assert_eq!(files, vec!["file1.txt", "file2.txt"]);
    let (dirs, files) = storage.listdir("some/").unwrap();
    assert_eq!(dirs, vec!["path"]);
    assert_eq!(files, vec!["2.txt"], "the directory marker is not listed");
    let (dirs, files) = storage.listdir("some").unwrap();
    assert_eq!(
        (dirs, files),
        (vec!["path".to_string()], vec!["2.txt".to_string()])
    );
    let (dirs, files) = storage.listdir("nothing-here").unwrap();
    assert!(dirs.is_empty() && files.is_empty());
}

#[test]
fn listdir_pages_through_many_keys() {
    let observed = common::Observed::new(&[]);
    let storage = &observed.storage;
    for i in 0..1005 {
        // Small objects; the server pages at 1000 keys.
        storage.save(&format!("many/{i:04}.txt"), &b""[..]).unwrap();
    }
    let before = observed.list_pages();
    let (_, files) = storage.listdir("many").unwrap();
    assert_eq!(files.len(), 1005);
    assert_eq!(
        observed.list_pages() - before,
        2,
        "two pages of at most 1000"
    );
    let mut expected: Vec<String> = (0..1005).map(|i| format!("{i:04}.txt")).collect();
    expected.sort();
    assert_eq!(files, expected);
}

#[test]
fn content_type_encoding_and_parameters() {
    if common::lacks(&["http"], "content_type_encoding_and_parameters") {
        return;
    }
    let storage = storage(&[(
        "AWS_S3_OBJECT_PARAMETERS",
        r#"{"CacheControl": "max-age=86400", "Metadata": {"owner": "tests"}}"#,
    )]);
    storage.save("image.jpg", &b"jpeg"[..]).unwrap();
    let headers = head(&storage, "image.jpg");
    assert_eq!(header(&headers, "content-type"), Some("image/jpeg"));
    assert_eq!(header(&headers, "cache-control"), Some("max-age=86400"));
    assert_eq!(header(&headers, "x-amz-meta-owner"), Some("tests"));
    storage.save("archive.gz", &b"not really gzip"[..]).unwrap();
    let headers = head(&storage, "archive.gz");
    // We send application/octet-stream (as django-storages does); SeaweedFS replaces that
    // default by its own guess from the extension, so only the encoding is checked here.
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    storage.save("noextension", &b"x"[..]).unwrap();
    let headers = head(&storage, "noextension");
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/octet-stream")
    );

    let explicit = common::storage(&[(
        "AWS_S3_OBJECT_PARAMETERS",
        r#"{"ContentType": "text/x-custom"}"#,
    )]);
    explicit.save("image.jpg", &b"jpeg"[..]).unwrap();
    assert_eq!(
        header(&head(&explicit, "image.jpg"), "content-type"),
        Some("text/x-custom")
    );
}

#[test]
fn encryption_and_default_acl_are_sent() {
    if common::lacks(&["http", "sse-s3"], "encryption_and_default_acl_are_sent") {
        return;
    }
    let proxy = FaultProxy::start();
    let storage = storage(&[
        ("AWS_S3_ENCRYPTION", "True"),
        ("AWS_DEFAULT_ACL", "private"),
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
    ]);
    storage.save("secret.txt", &b"x"[..]).unwrap();
    let seen = proxy.seen();
    let put = (seen.iter())
        .find(|seen| seen.head[0].starts_with("PUT ") && seen.head[0].contains("secret.txt"))
        .expect("the PUT");
    assert_eq!(put.header("x-amz-acl").as_deref(), Some("private"));
    assert_eq!(
        put.header("x-amz-server-side-encryption").as_deref(),
        Some("AES256")
    );
    let headers = head(&storage, "secret.txt");
    assert_eq!(
        header(&headers, "x-amz-server-side-encryption"),
        Some("AES256")
    );
}

#[test]
fn gzip_saves_compress_and_reads_decode() {
    if common::lacks(&["http"], "gzip_saves_compress_and_reads_decode") {
        return;
    }
    let location = unique("gzip");
    let storage = Storage::new(&settings(&[
        ("AWS_IS_GZIPPED", "True"),
        ("AWS_LOCATION", &location),
    ]))
    .unwrap();
    let css = b"body { color: red; }\n".repeat(200);
    let name = storage.save("style.css", css.as_slice()).unwrap();
    let headers = head(&storage, &name);
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    assert_eq!(header(&headers, "content-type"), Some("text/css"));
    let stored = storage.size(&name).unwrap();
    assert!(
        stored < css.len() as u64 / 4,
        "stored {stored} bytes of {}",
        css.len()
    );
    assert_eq!(read_all(&storage, &name), css);
    // Saving again (test_storage_save_gzip_twice) gives the same result.
    storage.save("style.css", css.as_slice()).unwrap();
    assert_eq!(read_all(&storage, &name), css);
    // Types outside GZIP_CONTENT_TYPES are stored as they are.
    storage.save("plain.txt", &b"plain"[..]).unwrap();
    assert_eq!(
        header(&head(&storage, "plain.txt"), "content-encoding"),
        None
    );
    // Without AWS_IS_GZIPPED the gzip bytes are returned as stored.
    let raw = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    let bytes = read_all(&raw, &name);
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
}

#[test]
fn write_mode_multipart_beyond_buffer_size() {
    let observed = common::Observed::new(&[("AWS_S3_FILE_BUFFER_SIZE", "5242880")]);
    let storage = &observed.storage;
    let content = pattern(12 * 1024 * 1024 + 3, 7);
    let mut file = storage.open("big.bin", "wb").unwrap();
    for piece in content.chunks(1024 * 1024 - 1) {
        file.write_all(piece).unwrap();
    }
    assert_eq!(file.size().unwrap(), content.len() as u64);
    file.close().unwrap();
    assert_eq!(observed.parts(), 3, "12 MiB in parts of 5 MiB");
    assert_eq!(storage.size("big.bin").unwrap(), content.len() as u64);
    assert!(read_all(storage, "big.bin") == content);
    // Ranged-free seek and read through the spool.
    let mut file = storage.open("big.bin", "rb").unwrap();
    file.seek(SeekFrom::Start(10 * 1024 * 1024)).unwrap();
    let mut piece = [0u8; 16];
    file.read_exact(&mut piece).unwrap();
    assert_eq!(
        &piece[..],
        &content[10 * 1024 * 1024..10 * 1024 * 1024 + 16]
    );
    assert_eq!(
        file.seek(SeekFrom::End(-3)).unwrap(),
        content.len() as u64 - 3
    );
}

#[test]
fn large_save_goes_multipart() {
    let observed = common::Observed::new(&[
        ("AWS_S3_MAX_MEMORY_SIZE", "1024"),
        (
            "AWS_S3_TRANSFER_CONFIG",
            r#"{"multipart_threshold": 5242880}"#,
        ),
    ]);
    let storage = &observed.storage;
    let content = pattern(11 * 1024 * 1024, 3);
    let name = storage.save("large.bin", content.as_slice()).unwrap();
    // Above the 5 MiB threshold: parts of the default 8 MiB chunk size.
    assert_eq!(observed.parts(), 2);
    assert_eq!(storage.size(&name).unwrap(), content.len() as u64);
    assert!(read_all(storage, &name) == content);
}

#[test]
fn close_without_write_creates_empty_only_if_missing() {
    let storage = storage(&[]);
    let mut file = storage.open("empty.txt", "w").unwrap();
    file.close().unwrap();
    assert!(storage.exists("empty.txt").unwrap());
    assert_eq!(storage.size("empty.txt").unwrap(), 0);
    storage.save("kept.txt", &b"keep me"[..]).unwrap();
    let mut file = storage.open("kept.txt", "w").unwrap();
    file.close().unwrap();
    assert_eq!(read_all(&storage, "kept.txt"), b"keep me");
}

#[test]
fn modes_and_states() {
    let storage = storage(&[]);
    storage.save("f.txt", &b"abc"[..]).unwrap();
    for mode in ["a", "r+", "rw", "x+", "xt", ""] {
        assert_eq!(
            storage.open("f.txt", mode).unwrap_err().code(),
            ResultCode::InvalidArgument
        );
    }
    // "x" is create-only: the name is taken.
    for mode in ["x", "xb"] {
        assert_eq!(
            storage.open("f.txt", mode).unwrap_err().code(),
            ResultCode::AlreadyExists
        );
    }
    let mut reader = storage.open("f.txt", "r").unwrap();
    assert_eq!(
        reader.write(b"x").unwrap_err().kind(),
        std::io::ErrorKind::Other
    );
    assert_eq!(
        reader.write_bytes(b"x").unwrap_err().code(),
        ResultCode::BadState
    );
    reader.close().unwrap();
    assert_eq!(
        reader.read_bytes(&mut [0; 4]).unwrap_err().code(),
        ResultCode::BadState
    );
    reader.close().unwrap();
    let mut writer = storage.open("g.txt", "w").unwrap();
    assert_eq!(
        writer.read_bytes(&mut [0; 4]).unwrap_err().code(),
        ResultCode::BadState
    );
    assert_eq!(
        writer.seek_to(SeekFrom::Start(0)).unwrap_err().code(),
        ResultCode::BadState
    );
    writer.write_bytes(b"hello").unwrap();
    assert_eq!(writer.seek_to(SeekFrom::Current(0)).unwrap(), 5);
    writer.close().unwrap();
    assert_eq!(
        writer.write_bytes(b"x").unwrap_err().code(),
        ResultCode::BadState
    );
    assert_eq!(read_all(&storage, "g.txt"), b"hello");
}

#[test]
fn dropping_a_writer_without_close_stores_nothing() {
    let storage = storage(&[]);
    {
        let mut file = storage.open("dropped.txt", "w").unwrap();
        file.write_all(b"never committed").unwrap();
    }
    assert!(!storage.exists("dropped.txt").unwrap());
}

#[test]
fn suspicious_names_send_nothing() {
    // An endpoint where nothing listens: any request would be a network error.
    let mut settings = Settings::new();
    settings.set("AWS_STORAGE_BUCKET_NAME", "b").unwrap();
    settings
        .set("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9")
        .unwrap();
    settings.set("AWS_S3_ACCESS_KEY_ID", "a").unwrap();
    settings.set("AWS_S3_SECRET_ACCESS_KEY", "s").unwrap();
    settings.set("AWS_LOCATION", "media").unwrap();
    let storage = Storage::new(&settings).unwrap();
    for name in [
        "../x",
        "../../etc/passwd",
        "/etc/passwd",
        "a/../../x",
        "a\0b",
        "a\nb",
    ] {
        // A control character (but NUL) is refused only in names this library creates:
        // a key another client wrote with one can still be listed, read and deleted.
        if name != "a\nb" {
            let error = storage.exists(name).unwrap_err();
            assert_eq!(
                error.code(),
                ResultCode::SuspiciousName,
                "{name:?}: {error}"
            );
        }
        assert_eq!(
            storage.save(name, &b"x"[..]).unwrap_err().code(),
            ResultCode::SuspiciousName
        );
        assert_eq!(
            storage.open(name, "w").unwrap_err().code(),
            ResultCode::SuspiciousName
        );
    }
    let long = "x".repeat(1100);
    assert_eq!(
        storage.exists(&long).unwrap_err().code(),
        ResultCode::SuspiciousName
    );
    // With an empty location too (django-storages #1558).
    let mut settings = settings.clone();
    settings.set("AWS_LOCATION", "").unwrap();
    let storage = Storage::new(&settings).unwrap();
    for name in ["../x", "", ".", "./", "/x"] {
        assert_eq!(
            storage.exists(name).unwrap_err().code(),
            ResultCode::SuspiciousName,
            "{name:?}"
        );
    }
    // And the transport is really unreachable, so the checks above sent nothing.
    assert_eq!(
        storage.exists("fine").unwrap_err().code(),
        ResultCode::Network
    );
}

#[test]
fn special_characters_round_trip() {
    if common::lacks(&["http"], "special_characters_round_trip") {
        return;
    }
    let storage = storage(&[]);
    for name in [
        "whacky & filename.mp4",
        "ãlöhâ.jpg",
        "a+b=c.txt",
        "100%.txt",
        "tilde~x.txt",
        "sp ace/x y.txt",
        "q?#.txt",
    ] {
        let saved = storage.save(name, name.as_bytes()).unwrap();
        assert_eq!(saved, name);
        assert!(storage.exists(name).unwrap(), "{name}");
        assert_eq!(read_all(&storage, name), name.as_bytes());
        let (status, _, body) = fetch("GET", &storage.url(name).unwrap());
        assert_eq!(
            (status, body.as_slice()),
            (200, name.as_bytes()),
            "url of {name}"
        );
    }
}

#[test]
fn location_is_stripped_from_saved_names() {
    let storage = storage(&[]);
    let name = storage.save("dir/./sub//file.txt", &b"x"[..]).unwrap();
    assert_eq!(name, "dir/sub/file.txt");
    // Django's validate_file_name refuses '..' in saved names, even when it stays inside.
    let error = storage.save("dir/sub/../file.txt", &b"x"[..]).unwrap_err();
    assert_eq!(error.code(), ResultCode::SuspiciousName);
    storage.save("dir/file.txt", &b"x"[..]).unwrap();
    assert!(storage.exists("dir/file.txt").unwrap());
    let file = storage.open("dir/file.txt", "r").unwrap();
    assert_eq!(file.name(), "dir/file.txt");
}

#[test]
fn auto_create_bucket_creates_it_once() {
    if common::lacks(&["http"], "auto_create_bucket_creates_it_once") {
        return;
    }
    let bucket = unique("auto").to_lowercase();
    let proxy = FaultProxy::start();
    let mut settings = settings(&[
        ("AWS_BUCKET_ACL", "private"),
        ("AWS_S3_ENDPOINT_URL", &proxy.endpoint()),
    ]);
    settings.set("AWS_STORAGE_BUCKET_NAME", &bucket).unwrap();
    let storage = Storage::new(&settings).unwrap();
    assert!(!storage.exists("x").unwrap());
    storage.save("x", &b"1"[..]).unwrap();
    assert!(storage.exists("x").unwrap());
    // One CreateBucket, with the bucket's ACL, before the first request; none after.
    let creates: Vec<_> = (proxy.seen().into_iter())
        .filter(|seen| seen.head[0].starts_with(&format!("PUT /{bucket} ")))
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0].index, 0, "the bucket is created first");
    assert_eq!(creates[0].header("x-amz-acl").as_deref(), Some("private"));
    let mut other = settings.clone();
    other.set("AWS_AUTO_CREATE_BUCKET", "False").unwrap();
    other
        .set("AWS_STORAGE_BUCKET_NAME", &unique("absent").to_lowercase())
        .unwrap();
    let error = Storage::new(&other).unwrap().listdir("").unwrap_err();
    assert_eq!(error.code(), ResultCode::Server, "{error}");
    assert!(error.to_string().contains("NoSuchBucket"), "{error}");
}

#[test]
fn errors_convert_for_io_users() {
    let storage = storage(&[]);
    let error: std::io::Error = storage.open("nope", "r").unwrap_err().into();
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    assert!(matches!(storage.open("nope", "r"), Err(Error::NotFound(_))));
}

#[test]
fn profile_credentials() {
    if common::lacks(&["http"], "profile_credentials") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (access, secret) = common::keys();
    let file = dir.path().join("credentials");
    std::fs::write(
        &file,
        format!("[tests]\naws_access_key_id = {access}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    // SAFETY of set_var: this test alone reads AWS_SHARED_CREDENTIALS_FILE.
    unsafe { std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", &file) };
    let mut settings = Settings::new();
    for (key, value) in [
        ("AWS_STORAGE_BUCKET_NAME", common::BUCKET),
        ("AWS_S3_ENDPOINT_URL", common::endpoint().as_str()),
        ("AWS_S3_SESSION_PROFILE", "tests"),
        ("AWS_LOCATION", &unique("profile")),
    ] {
        settings.set(key, value).unwrap();
    }
    let storage = Storage::new(&settings).unwrap();
    storage.save("p.txt", &b"p"[..]).unwrap();
    assert!(storage.exists("p.txt").unwrap());
    settings.set("AWS_S3_SESSION_PROFILE", "absent").unwrap();
    let error = Storage::new(&settings).unwrap_err();
    assert_eq!(error.code(), ResultCode::Config);
    assert!(error.to_string().contains("absent"), "{error}");
}

#[test]
fn reads_are_lazy_and_ranged() {
    let storage = storage(&[]);
    let content = pattern(24 * 1024 * 1024 + 5, 9);
    storage.save("lazy.bin", content.as_slice()).unwrap();
    let mut file = storage.open("lazy.bin", "rb").unwrap();
    let at_open = file.bytes_fetched();
    assert_eq!(at_open, 64 * 1024, "open fetches the first 64 KiB, no more");
    assert_eq!(file.size().unwrap(), content.len() as u64);
    file.seek(SeekFrom::Start(12 * 1024 * 1024)).unwrap();
    assert_eq!(file.bytes_fetched(), at_open, "seeking transfers nothing");
    let mut kib = vec![0u8; 1024];
    file.read_exact(&mut kib).unwrap();
    assert_eq!(kib, &content[12 * 1024 * 1024..12 * 1024 * 1024 + 1024]);
    assert!(
        file.bytes_fetched() <= 1024 * 1024,
        "fetched {}",
        file.bytes_fetched()
    );
    // Sequential reading to the end is byte-exact, however the reads are cut.
    file.seek(SeekFrom::Start(0)).unwrap();
    let mut all = Vec::new();
    let mut piece = vec![0u8; 77_777];
    loop {
        let n = file.read(&mut piece).unwrap();
        if n == 0 {
            break;
        }
        all.extend_from_slice(&piece[..n]);
    }
    assert!(all == content);
    // Backwards and from the end.
    file.seek(SeekFrom::End(-10)).unwrap();
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, &content[content.len() - 10..]);
}

#[test]
fn gzip_reads_stream_and_seek() {
    let storage = storage(&[("AWS_IS_GZIPPED", "True")]);
    let text: Vec<u8> = (0..200_000)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    storage.save("big.css", text.as_slice()).unwrap();
    let mut file = storage.open("big.css", "r").unwrap();
    file.seek(SeekFrom::Start(1_000_000)).unwrap();
    let mut piece = [0u8; 20];
    file.read_exact(&mut piece).unwrap();
    assert_eq!(&piece[..], &text[1_000_000..1_000_020]);
    file.seek(SeekFrom::Start(5)).unwrap();
    file.read_exact(&mut piece).unwrap();
    assert_eq!(&piece[..], &text[5..25]);
    assert_eq!(file.seek(SeekFrom::End(0)).unwrap(), text.len() as u64);
}

#[test]
fn progress_is_reported_for_saves_writes_and_reads() {
    use s3storage::{Direction, Transfer};
    use std::sync::{Arc, Mutex};
    let storage = storage(&[(
        "AWS_S3_TRANSFER_CONFIG",
        r#"{"multipart_threshold": 5242880, "multipart_chunksize": 5242880}"#,
    )]);
    type Report = (String, Direction, u64, Option<u64>);
    let reports: Arc<Mutex<Vec<Report>>> = Arc::default();
    let sink = reports.clone();
    storage.set_progress(Some(Arc::new(move |t: &Transfer<'_>| {
        sink.lock()
            .unwrap()
            .push((t.name.to_string(), t.direction, t.done, t.total));
    })));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.bin");
    let content = pattern(11 * 1024 * 1024, 1);
    std::fs::write(&path, &content).unwrap();
    let name = storage.save_file("progress.bin", &path).unwrap();
    let ups: Vec<_> = reports
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.0 == name && r.1 == Direction::Upload)
        .cloned()
        .collect();
    assert_eq!(ups.len(), 3, "one report per part: {ups:?}");
    assert!(ups.iter().all(|r| r.3 == Some(content.len() as u64)));
    assert_eq!(ups.iter().map(|r| r.2).max(), Some(content.len() as u64));
    let mut file = storage.open(&name, "rb").unwrap();
    std::io::copy(&mut file, &mut std::io::sink()).unwrap();
    let downs: Vec<_> = reports
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.1 == Direction::Download)
        .cloned()
        .collect();
    assert!(!downs.is_empty());
    assert_eq!(downs.last().unwrap().2, content.len() as u64);
    storage.set_progress(None);
}

#[test]
fn incomplete_uploads_are_listed_and_ours_never_left_behind() {
    if common::lacks(
        &["list-uploads"],
        "incomplete_uploads_are_listed_and_ours_never_left_behind",
    ) {
        return;
    }
    let storage = storage(&[("AWS_S3_FILE_BUFFER_SIZE", "5242880")]);
    assert!(storage.incomplete_uploads().unwrap().is_empty());
    {
        let mut file = storage.open("abandoned.bin", "wb").unwrap();
        file.write_all(&pattern(6 * 1024 * 1024, 2)).unwrap();
        // A multipart upload is now open on the server...
        assert_eq!(storage.incomplete_uploads().unwrap().len(), 1);
    } // ...and dropping the file without close aborts it.
    assert!(storage.incomplete_uploads().unwrap().is_empty());
    assert!(!storage.exists("abandoned.bin").unwrap());
}

#[test]
fn save_file_streams_a_local_file() {
    let storage = storage(&[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.bin");
    let content = pattern(9 * 1024 * 1024 + 5, 21);
    std::fs::write(&path, &content).unwrap();
    let name = storage.save_file("uploads/local.bin", &path).unwrap();
    assert_eq!(name, "uploads/local.bin");
    assert!(read_all(&storage, &name) == content);
    let error = storage
        .save_file("uploads/none.bin", dir.path().join("absent"))
        .unwrap_err();
    assert_eq!(error.code(), ResultCode::Io, "{error}");
    assert!(!storage.exists("uploads/none.bin").unwrap());
}

#[test]
fn bad_per_save_parameters_send_nothing() {
    let storage = storage(&[]);
    for params in [
        r#"{"CacheKontrol": "x"}"#,
        r#"["not", "an", "object"]"#,
        "{bad json",
    ] {
        let error = s3storage::SaveOptions::from_json(Some(params), None).unwrap_err();
        assert_eq!(
            error.code(),
            ResultCode::InvalidArgument,
            "{params}: {error}"
        );
    }
    let options =
        s3storage::SaveOptions::from_json(Some(r#"{"ContentType": "text/csv"}"#), Some(8)).unwrap();
    let name = storage
        .save_with("report-of-today.csv", &b"a,b"[..], &options)
        .unwrap();
    assert!(name.chars().count() <= 8, "{name}");
    assert_eq!(read_all(&storage, &name), b"a,b");
}

#[test]
fn seeks_and_reads_anywhere() {
    let storage = storage(&[]);
    let content = pattern(3 * 1024 * 1024 + 11, 22);
    storage.save("seek.bin", content.as_slice()).unwrap();
    let mut file = storage.open("seek.bin", "rb").unwrap();
    let len = content.len() as u64;
    for (seek, at) in [
        (SeekFrom::End(-11), len - 11),
        (SeekFrom::Start(1_000_000), 1_000_000),
        (SeekFrom::Current(-1_000_006), 1), // after reading 7 at 1000000
        (SeekFrom::Start(len - 1), len - 1),
    ] {
        assert_eq!(file.seek(seek).unwrap(), at);
        let mut piece = [0u8; 7];
        let n = file.read(&mut piece).unwrap();
        let end = (at as usize + 7).min(content.len());
        assert_eq!(&piece[..n], &content[at as usize..end], "at {at}");
    }
    assert_eq!(file.read(&mut [0u8; 4]).unwrap(), 0, "at the end");
    assert_eq!(file.seek(SeekFrom::End(10)).unwrap(), len + 10);
    assert_eq!(file.read(&mut [0u8; 4]).unwrap(), 0, "past the end");
    assert!(file.seek(SeekFrom::Current(-(len as i64) - 20)).is_err());
}

#[test]
fn text_and_binary_modes_read_the_same_bytes() {
    let storage = storage(&[]);
    let content = "naïve\r\nline two\n".as_bytes();
    storage.save("modes.txt", content).unwrap();
    for mode in ["r", "rb"] {
        let mut file = storage.open("modes.txt", mode).unwrap();
        let mut got = Vec::new();
        file.read_to_end(&mut got).unwrap();
        assert_eq!(got, content, "{mode}");
    }
    let mut writer = storage.open("written.txt", "w").unwrap();
    writer.write_all(content).unwrap();
    writer.close().unwrap();
    assert_eq!(read_all(&storage, "written.txt"), content);
}

#[test]
fn chunks_cover_the_file_in_order() {
    let storage = storage(&[]);
    let content = pattern(100_003, 23);
    storage.save("chunks.bin", content.as_slice()).unwrap();
    let mut file = storage.open("chunks.bin", "rb").unwrap();
    let pieces: Vec<Vec<u8>> = file
        .chunks(10_000)
        .unwrap()
        .collect::<s3storage::Result<_>>()
        .unwrap();
    assert_eq!(pieces.len(), 11);
    assert!(pieces[..10].iter().all(|piece| piece.len() == 10_000));
    assert_eq!(pieces.concat(), content);
}

#[test]
fn threads_share_one_storage() {
    let storage = storage(&[]);
    std::thread::scope(|scope| {
        for thread in 0..8u8 {
            let storage = &storage;
            scope.spawn(move || {
                for round in 0..10u8 {
                    let name = format!("threads/{thread}-{round}.bin");
                    let content = pattern(1000 + round as usize, thread);
                    assert_eq!(storage.save(&name, content.as_slice()).unwrap(), name);
                    assert!(read_all(storage, &name) == content);
                }
            });
        }
    });
    let (_, files) = storage.listdir("threads").unwrap();
    assert_eq!(files.len(), 80);
    for name in files {
        storage.delete(&format!("threads/{name}")).unwrap();
    }
    assert!(storage.listdir("threads").unwrap().1.is_empty());
}

#[test]
fn listdir_of_nested_directories_and_markers() {
    let storage = storage(&[]);
    for name in [
        "top.txt",
        "a/one.txt",
        "a/b/two.txt",
        "a/b/c/three.txt",
        "z/last.txt",
    ] {
        storage.save(name, &b"x"[..]).unwrap();
    }
    assert_eq!(
        storage.listdir("").unwrap(),
        (
            vec!["a".to_string(), "z".to_string()],
            vec!["top.txt".to_string()]
        )
    );
    assert_eq!(
        storage.listdir("a").unwrap(),
        (vec!["b".to_string()], vec!["one.txt".to_string()])
    );
    assert_eq!(
        storage.listdir("a/").unwrap(),
        storage.listdir("a").unwrap()
    );
    assert_eq!(
        storage.listdir("a/b/c").unwrap(),
        (vec![], vec!["three.txt".to_string()])
    );
    assert_eq!(storage.listdir("nothing-here").unwrap(), (vec![], vec![]));
}

#[test]
fn a_create_only_race_keeps_max_length() {
    let storage = storage(&[("AWS_S3_FILE_OVERWRITE", "False")]);
    let options = s3storage::SaveOptions::from_json(None, Some(20)).unwrap();
    let names: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6u8)
            .map(|thread| {
                let (storage, options) = (&storage, &options);
                scope.spawn(move || {
                    let content = pattern(100, thread);
                    storage.save_with("a-long-report-name.txt", content.as_slice(), options)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    let mut distinct = names.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 6, "{names:?}");
    assert!(
        names.iter().all(|name| name.chars().count() <= 20),
        "{names:?}"
    );
}

#[test]
fn open_for_writing_takes_parameters_reading_does_not() {
    let storage = storage(&[]);
    let options =
        s3storage::SaveOptions::from_json(Some(r#"{"ContentType": "text/csv"}"#), None).unwrap();
    let error = storage.open_with("r.csv", "r", &options).unwrap_err();
    assert_eq!(error.code(), ResultCode::InvalidArgument, "{error}");
    let mut file = storage.open_with("r.csv", "w", &options).unwrap();
    file.write_all(b"a,b\n").unwrap();
    assert!(!storage.exists("r.csv").unwrap(), "nothing before close");
    file.close().unwrap();
    assert_eq!(read_all(&storage, "r.csv"), b"a,b\n");
    let bad = r#"{"NotAParameter": 1}"#;
    assert_eq!(
        s3storage::SaveOptions::from_json(Some(bad), None)
            .unwrap_err()
            .code(),
        ResultCode::InvalidArgument
    );
}

#[test]
fn urls_name_the_object_and_expire_as_asked() {
    let storage = storage(&[("AWS_QUERYSTRING_EXPIRE", "120")]);
    storage.save("docs/a b.txt", &b"x"[..]).unwrap();
    let url = storage.url("docs/a b.txt").unwrap();
    assert!(url.contains("docs/a%20b.txt"), "{url}");
    let options = UrlOptions {
        http_method: Some("BREW".into()),
        ..Default::default()
    };
    let error = storage.url_with("docs/a b.txt", &options).unwrap_err();
    assert_eq!(error.code(), ResultCode::InvalidArgument);
    assert_eq!(
        storage.url("../escape").unwrap_err().code(),
        ResultCode::SuspiciousName
    );
}

#[test]
fn stat_tells_everything_one_head_says() {
    let storage = storage(&[]);
    let parameters =
        r#"{"ContentType": "text/x-stat", "Metadata": {"Owner": "Ada", "kind": "report"}}"#;
    let options = s3storage::SaveOptions::from_json(Some(parameters), None).unwrap();
    let name = storage
        .save_with("dir/stat.txt", &b"twelve bytes"[..], &options)
        .unwrap();
    let before = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    let info = storage.stat(&name).unwrap();
    assert_eq!(info.name, "dir/stat.txt");
    assert_eq!(info.size, 12);
    assert_eq!(info.content_type, "text/x-stat");
    assert_eq!(info.metadata.get("owner").map(String::as_str), Some("Ada"));
    assert_eq!(
        info.metadata.get("kind").map(String::as_str),
        Some("report")
    );
    assert_eq!(info.metadata.len(), 2, "{:?}", info.metadata);
    assert_eq!(info.etag, format!("{:x}", md5::compute(b"twelve bytes")));
    assert!(info.modified.is_some_and(|at| at > before));
    assert_eq!(info.version_id, None);
    // The name as save and open take it; a missing one and an unsafe one are errors.
    assert_eq!(storage.stat("dir//stat.txt").unwrap().name, "dir/stat.txt");
    let missing = storage.stat("dir/missing.txt").unwrap_err();
    assert_eq!(missing.code(), ResultCode::NotFound, "{missing}");
    let unsafe_name = storage.stat("../escape.txt").unwrap_err();
    assert_eq!(
        unsafe_name.code(),
        ResultCode::SuspiciousName,
        "{unsafe_name}"
    );
}

#[test]
fn listings_stream_one_level_or_everything() {
    let storage = storage(&[]);
    for (name, content) in [("a/1", "one"), ("a/2", "two!"), ("a/b/3", "3"), ("c", "")] {
        storage.save(name, content.as_bytes()).unwrap();
    }
    let names = |path: &str, recursive: bool| -> Vec<String> {
        let listing = storage.list(path, recursive).unwrap();
        listing.map(|entry| entry.unwrap().name).collect()
    };
    assert_eq!(names("", false), ["a/", "c"]);
    assert_eq!(names("a", false), ["a/1", "a/2", "a/b/"]);
    assert_eq!(names("a/", true), ["a/1", "a/2", "a/b/3"]);
    assert_eq!(names("", true), ["a/1", "a/2", "a/b/3", "c"]);
    assert!(names("nothing-here", true).is_empty());
    let entries: Vec<_> = storage
        .list("a", true)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(entries[1].size, 4);
    if !common::lacks(&["listed-etags"], "listings_stream (ETags of entries)") {
        assert_eq!(entries[1].etag, format!("{:x}", md5::compute(b"two!")));
    }
    assert!(entries[1].modified.is_some());
    let dir = storage.list("a", false).unwrap().last().unwrap().unwrap();
    assert_eq!((dir.name.as_str(), dir.size), ("a/b/", 0));
    // The names are what stat and open take.
    assert_eq!(storage.stat(&entries[2].name).unwrap().size, 1);
    let error = storage.list("../up", true).err().unwrap();
    assert_eq!(error.code(), ResultCode::SuspiciousName);
}

#[test]
fn delete_many_and_delete_prefix() {
    let storage = storage(&[]);
    for name in ["p/1", "p/2", "p/q/3", "p/q/4", "keep.txt"] {
        storage.save(name, &b"x"[..]).unwrap();
    }
    let failures = storage
        .delete_many(&["p/1", "p/missing", "keep.txt"])
        .unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(!storage.exists("p/1").unwrap() && !storage.exists("keep.txt").unwrap());
    let empty: [&str; 0] = [];
    assert_eq!(
        storage.delete_many(&empty).unwrap_err().code(),
        ResultCode::InvalidArgument
    );
    // One unsafe name: nothing is sent, nothing deleted.
    let error = storage.delete_many(&["p/2", "../escape"]).unwrap_err();
    assert_eq!(error.code(), ResultCode::SuspiciousName);
    assert!(storage.exists("p/2").unwrap());
    assert_eq!(storage.delete_prefix("p").unwrap(), 3);
    let left: Vec<_> = storage
        .list("", true)
        .unwrap()
        .map(|e| e.unwrap().name)
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(storage.delete_prefix("p").unwrap(), 0);
    // Everything under AWS_LOCATION is not a prefix to delete by accident.
    for everything in ["", ".", "p/.."] {
        let error = storage.delete_prefix(everything).unwrap_err();
        assert_eq!(
            error.code(),
            ResultCode::InvalidArgument,
            "{everything:?}: {error}"
        );
    }
}

#[test]
fn copy_and_move_on_the_server_side() {
    let storage = storage(&[]);
    let described = r#"{"ContentType": "text/x-a", "Metadata": {"owner": "Ada"}}"#;
    let options = s3storage::SaveOptions::from_json(Some(described), None).unwrap();
    storage
        .save_with("src.txt", &b"copied bytes"[..], &options)
        .unwrap();
    let kept = storage
        .copy("src.txt", "dir/kept.txt", &Default::default())
        .unwrap();
    assert_eq!(kept, "dir/kept.txt");
    let info = storage.stat(&kept).unwrap();
    assert_eq!((info.size, info.content_type.as_str()), (12, "text/x-a"));
    assert_eq!(info.metadata.get("owner").map(String::as_str), Some("Ada"));
    assert_eq!(
        common::proxy::read_all(&storage, &kept).unwrap(),
        b"copied bytes"
    );
    let replacing =
        s3storage::SaveOptions::from_json(Some(r#"{"ContentType": "text/x-b"}"#), None).unwrap();
    let replaced = storage
        .copy("src.txt", "dir/replaced.txt", &replacing)
        .unwrap();
    let info = storage.stat(&replaced).unwrap();
    assert_eq!(info.content_type, "text/x-b");
    assert!(info.metadata.is_empty(), "{:?}", info.metadata);
    // Bad input.
    let onto_itself = storage
        .copy("src.txt", "src.txt", &Default::default())
        .unwrap_err();
    assert_eq!(
        onto_itself.code(),
        ResultCode::InvalidArgument,
        "{onto_itself}"
    );
    let missing = storage
        .copy("missing.txt", "x.txt", &Default::default())
        .unwrap_err();
    assert_eq!(missing.code(), ResultCode::NotFound, "{missing}");
    let escape = storage
        .copy("src.txt", "../x.txt", &Default::default())
        .unwrap_err();
    assert_eq!(escape.code(), ResultCode::SuspiciousName);
    // Move: the destination has the bytes, the source is gone.
    let moved = storage
        .move_to("dir/kept.txt", "moved.txt", &Default::default())
        .unwrap();
    assert_eq!(
        common::proxy::read_all(&storage, &moved).unwrap(),
        b"copied bytes"
    );
    assert!(!storage.exists("dir/kept.txt").unwrap());
    let failed = storage
        .move_to("missing.txt", "y.txt", &Default::default())
        .unwrap_err();
    assert_eq!(failed.code(), ResultCode::NotFound);
}

#[test]
fn a_panic_during_a_part_copy_leaves_no_upload() {
    // The in-memory store makes no requests, so no request callback runs there.
    if common::lacks(
        &["http", "list-uploads"],
        "a_panic_during_a_part_copy_leaves_no_upload",
    ) {
        return;
    }
    let transfer =
        r#"{"multipart_threshold": 5242880, "multipart_chunksize": 5242880, "max_concurrency": 2}"#;
    let storage = storage(&[("AWS_S3_TRANSFER_CONFIG", transfer)]);
    storage
        .save("panic-src.bin", pattern(11 * 1024 * 1024, 5).as_slice())
        .unwrap();
    // A panic in a part copy's thread, and one on the completion's thread.
    for operation in ["UploadPartCopy", "CompleteMultipartUpload"] {
        let panicked = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = panicked.clone();
        storage.set_request_callback(Some(std::sync::Arc::new(move |record| {
            if record.operation == operation {
                seen.store(true, std::sync::atomic::Ordering::SeqCst);
                panic!("a callback that panics");
            }
        })));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            storage.copy("panic-src.bin", "panic-dst.bin", &Default::default())
        }));
        storage.set_request_callback(None);
        let fired = panicked.load(std::sync::atomic::Ordering::SeqCst);
        assert!(fired, "{operation}: the panic fired");
        assert!(outcome.is_err(), "{operation}: the panic goes on unwinding");
        if operation == "UploadPartCopy" {
            assert!(!storage.exists("panic-dst.bin").unwrap());
        }
        let left = storage.incomplete_uploads().unwrap();
        assert!(left.is_empty(), "{operation}: uploads left: {left:?}");
    }
}

#[test]
fn copies_follow_saves_rules_for_the_destination() {
    let storage = storage(&[("AWS_S3_FILE_OVERWRITE", "False")]);
    storage.save("a.txt", &b"source"[..]).unwrap();
    storage.save("taken.txt", &b"already here"[..]).unwrap();
    let saved = storage
        .copy("a.txt", "taken.txt", &Default::default())
        .unwrap();
    assert_ne!(saved, "taken.txt");
    assert!(
        saved.starts_with("taken_") && saved.ends_with(".txt"),
        "{saved}"
    );
    assert_eq!(
        common::proxy::read_all(&storage, "taken.txt").unwrap(),
        b"already here"
    );
    assert_eq!(
        common::proxy::read_all(&storage, &saved).unwrap(),
        b"source"
    );
}

#[test]
fn large_copies_go_in_parallel_parts_with_the_metadata() {
    let transfer =
        r#"{"multipart_threshold": 5242880, "multipart_chunksize": 5242880, "max_concurrency": 3}"#;
    let storage = storage(&[("AWS_S3_TRANSFER_CONFIG", transfer)]);
    let described = r#"{"ContentType": "text/x-big", "Metadata": {"owner": "Ada"}}"#;
    let options = s3storage::SaveOptions::from_json(Some(described), None).unwrap();
    let content = pattern(12 * 1024 * 1024 + 7, 3);
    storage
        .save_with("big-src.bin", content.as_slice(), &options)
        .unwrap();
    let copied = storage
        .copy("big-src.bin", "big-dst.bin", &Default::default())
        .unwrap();
    assert!(common::proxy::read_all(&storage, &copied).unwrap() == content);
    let info = storage.stat(&copied).unwrap();
    assert_eq!(info.content_type, "text/x-big");
    assert_eq!(info.metadata.get("owner").map(String::as_str), Some("Ada"));
    assert!(info.etag.ends_with("-3"), "three parts: {}", info.etag);
    if !common::lacks(
        &["list-uploads"],
        "large_copies_go_in_parallel_parts (uploads left)",
    ) {
        assert!(storage.incomplete_uploads().unwrap().is_empty());
    }
}
