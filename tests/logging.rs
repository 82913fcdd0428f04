//! The library's records through the `log` facade (what a Rust program sees with any
//! `log` backend). One test: it installs the process-wide `log` backend.

mod common;

use std::sync::Mutex;

static RECORDS: Mutex<Vec<(log_facade::Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log_facade::Log for Capture {
    fn enabled(&self, _: &log_facade::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log_facade::Record<'_>) {
        let entry = (
            record.level(),
            record.target().to_string(),
            record.args().to_string(),
        );
        RECORDS.lock().unwrap().push(entry);
    }
    fn flush(&self) {}
}

#[test]
fn requests_are_logged_through_the_log_facade_without_secrets() {
    if common::lacks(
        &["http"],
        "requests_are_logged_through_the_log_facade_without_secrets",
    ) {
        return;
    }
    log_facade::set_boxed_logger(Box::new(Capture)).unwrap();
    log_facade::set_max_level(log_facade::LevelFilter::Debug);
    let storage = common::storage(&[]);
    assert!(!storage.exists("missing.txt").unwrap());
    let records = RECORDS.lock().unwrap().clone();
    let line = records
        .iter()
        .find(|(level, target, text)| {
            *level == log_facade::Level::Debug
                && target == "s3storage"
                && text.starts_with("HEAD ")
                && text.contains("missing.txt")
        })
        .unwrap_or_else(|| panic!("no request line: {records:?}"));
    let endpoint = common::endpoint();
    assert!(
        line.2.contains(&endpoint) && line.2.contains("HTTP 404"),
        "{line:?}"
    );
    assert!(line.2.ends_with(" ms"), "{line:?}");
    let (_, secret) = common::keys();
    assert!(records.iter().all(|(_, _, text)| !text.contains(&secret)));
}
