//! Capabilities a test server may lack. scripts/test.sh sets S3STORAGE_TEST_LACKS from
//! tests/servers/capabilities for the server under test; a test that needs one of them
//! returns at once, and the skip is recorded, never silent: one line in the file
//! S3STORAGE_TEST_SKIPS (counted per server by scripts/test.sh) and one on stderr.
//! Shared by the library's tests (tests/common) and the CLI's (cli/tests).

/// What the target lacks: S3STORAGE_TEST_LACKS (scripts/test.sh sets it per server), or,
/// with no server configured, the in-memory store's line of tests/servers/capabilities.
fn lacking() -> String {
    if let Ok(lacking) = std::env::var("S3STORAGE_TEST_LACKS") {
        return lacking;
    }
    if std::env::var("S3STORAGE_TEST_ENDPOINT").is_ok() {
        return String::new();
    }
    let table = include_str!("../servers/capabilities");
    let line = table.lines().find_map(|line| line.strip_prefix("memory "));
    line.expect("tests/servers/capabilities has a memory line")
        .trim()
        .to_string()
}

/// Whether the server under test lacks any of `needed`; if so, records `test` as skipped.
pub fn lacks(needed: &[&str], test: &str) -> bool {
    let lacking = lacking();
    let Some(missing) = needed
        .iter()
        .find(|capability| lacking.split(',').any(|item| item.trim() == **capability))
    else {
        return false;
    };
    match std::env::var("S3STORAGE_TEST_ENDPOINT") {
        Ok(_) => eprintln!("SKIPPED {test}: the server lacks {missing}"),
        Err(_) => eprintln!(
            "SKIPPED {test}: needs {missing}, which the in-memory store lacks (no S3 server is \
             configured; scripts/test.sh runs every test on real servers)"
        ),
    }
    if let Ok(path) = std::env::var("S3STORAGE_TEST_SKIPS") {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("the skip log is writable");
        writeln!(file, "{test}\t{missing}").expect("the skip log is writable");
    }
    true
}
