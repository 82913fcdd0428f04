//! Capabilities a test server may lack. scripts/test.sh sets S3STORAGE_TEST_LACKS from
//! tests/servers/capabilities for the server under test; a test that needs one of them
//! returns at once, and the skip is recorded, never silent: one line in the file
//! S3STORAGE_TEST_SKIPS (counted per server by scripts/test.sh) and one on stderr.
//! Shared by the library's tests (tests/common) and the CLI's (cli/tests).

/// Whether the server under test lacks any of `needed`; if so, records `test` as skipped.
pub fn lacks(needed: &[&str], test: &str) -> bool {
    let lacking = std::env::var("S3STORAGE_TEST_LACKS").unwrap_or_default();
    let Some(missing) = needed
        .iter()
        .find(|capability| lacking.split(',').any(|item| item.trim() == **capability))
    else {
        return false;
    };
    eprintln!("SKIPPED {test}: the server lacks {missing}");
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
