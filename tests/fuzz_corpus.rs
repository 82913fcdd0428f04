//! The fuzz corpus (fuzz/corpus/<target>/*) as regression tests: every input the fuzz
//! targets have kept must still satisfy their properties (see s3storage::fuzzing).

fn run_corpus(target: &str, check: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails its property", path.display());
        count += 1;
    }
    assert!(count > 0, "no corpus for {target}");
}

#[test]
fn names_corpus() {
    run_corpus("names", s3storage::fuzzing::names);
}

#[test]
fn settings_corpus() {
    run_corpus("settings", s3storage::fuzzing::settings);
}

#[test]
fn url_corpus() {
    run_corpus("url", s3storage::fuzzing::url);
}

#[test]
fn replies_corpus() {
    run_corpus("replies", s3storage::fuzzing::replies);
}

#[test]
fn headers_corpus() {
    run_corpus("headers", s3storage::fuzzing::headers);
}
