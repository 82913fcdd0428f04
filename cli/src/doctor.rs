//! `s3storage doctor`: the resolved configuration (never a secret), then one line per
//! check: the settings are valid, the bucket answers, a test object can be written, read
//! back and deleted. The first failure says why in one line and skips what depends on it.

use crate::output::Output;
use s3storage::{Error, ResultCode, Storage};
use serde_json::{json, Value};
use std::io::Read;
use std::time::Instant;

/// One check's outcome.
struct Check {
    name: String,
    outcome: Result<String, Error>,
}

/// Runs the checks and prints them; gives the code of the first failure (or OK).
pub fn run(storage: Result<Storage, Error>, out: &Output) -> ResultCode {
    let storage = match storage {
        Ok(storage) => storage,
        Err(error) => {
            let code = error.code();
            let check = Check {
                name: "the settings".into(),
                outcome: Err(error),
            };
            report(out, Value::Null, Vec::new(), &[check], &[]);
            return code;
        }
    };
    let resolved = storage.resolved();
    let configuration = vec![
        ("bucket", resolved.bucket.clone()),
        ("location", resolved.location.clone()),
        ("endpoint", resolved.endpoint.clone()),
        ("region", resolved.region.clone()),
        ("addressing", resolved.addressing.to_string()),
        ("credentials", resolved.credentials.clone()),
        (
            "overwrite",
            if resolved.file_overwrite {
                "True"
            } else {
                "False"
            }
            .into(),
        ),
    ];
    let as_json = Value::Object(
        configuration
            .iter()
            .map(|(key, value)| (key.to_string(), json!(value)))
            .collect(),
    );
    let (checks, skipped) = checks(&storage);
    report(out, as_json, configuration, &checks, &skipped);
    checks
        .iter()
        .find_map(|check| check.outcome.as_ref().err().map(Error::code))
        .unwrap_or(ResultCode::Ok)
}

/// The steps, in order; each needs the ones before it.
#[derive(Clone, Copy)]
enum Step {
    BucketAnswers,
    Write,
    ReadBack,
    Delete,
}

impl Step {
    const ALL: [Step; 4] = [
        Step::BucketAnswers,
        Step::Write,
        Step::ReadBack,
        Step::Delete,
    ];

    fn name(self) -> &'static str {
        match self {
            Step::BucketAnswers => "the bucket answers",
            Step::Write => "write a test object",
            Step::ReadBack => "read it back",
            Step::Delete => "delete it",
        }
    }
}

/// A test object's round trip; after a failure the remaining steps are skipped.
fn checks(storage: &Storage) -> (Vec<Check>, Vec<String>) {
    let probe = Probe {
        name: format!("s3storage-doctor-{}.txt", std::process::id()),
        content: format!("s3storage doctor probe {}\n", std::process::id()),
        saved: None,
    };
    let (mut done, mut skipped, mut probe) = (Vec::new(), Vec::new(), probe);
    for step in Step::ALL {
        // A test object that was written is deleted whatever failed after it.
        let cleanup = matches!(step, Step::Delete) && probe.saved.is_some();
        if done.iter().any(|check: &Check| check.outcome.is_err()) && !cleanup {
            skipped.push(step.name().to_string());
        } else {
            done.push(check(step.name(), run_step(storage, step, &mut probe)));
        }
    }
    (done, skipped)
}

/// The test object: its wanted name, content, and the name the save used.
struct Probe {
    name: String,
    content: String,
    saved: Option<String>,
}

fn run_step(storage: &Storage, step: Step, probe: &mut Probe) -> Result<String, Error> {
    let saved = probe.saved.clone().unwrap_or_else(|| probe.name.clone());
    match step {
        Step::BucketAnswers => {
            let started = Instant::now();
            storage.exists(&probe.name)?;
            Ok(format!(
                "HEAD answered in {} ms",
                started.elapsed().as_millis()
            ))
        }
        Step::Write => {
            let name = storage.save(&probe.name, probe.content.as_bytes())?;
            probe.saved = Some(name.clone());
            Ok(format!("{name}, {} bytes", probe.content.len()))
        }
        Step::ReadBack => read_back(storage, &saved, &probe.content),
        Step::Delete => {
            storage.delete(&saved)?;
            match storage.exists(&saved)? {
                false => Ok(format!("{saved} is gone")),
                true => Err(Error::Server(failure(
                    "the object is still there after DELETE",
                ))),
            }
        }
    }
}

fn check(name: &str, outcome: Result<String, Error>) -> Check {
    Check {
        name: name.to_string(),
        outcome,
    }
}

fn read_back(storage: &Storage, name: &str, expected: &str) -> Result<String, Error> {
    let mut text = String::new();
    storage
        .open(name, "r")?
        .read_to_string(&mut text)
        .map_err(|error| Error::from_io_error("reading the test object", error))?;
    if text != expected {
        return Err(Error::Server(failure(
            "the test object read back differs from what was written",
        )));
    }
    Ok(format!("{} bytes, as written", text.len()))
}

/// A failure of the server's that no request reported.
fn failure(message: &str) -> s3storage::S3Failure {
    s3storage::S3Failure {
        operation: "doctor".into(),
        status: 200,
        code: "Inconsistent".into(),
        message: message.into(),
        ..Default::default()
    }
}

fn report(
    out: &Output,
    configuration: Value,
    lines: Vec<(&str, String)>,
    checks: &[Check],
    skipped: &[String],
) {
    let as_json: Vec<Value> = checks
        .iter()
        .map(|check| match &check.outcome {
            Ok(detail) => json!({"check": check.name, "status": "ok", "detail": detail}),
            Err(error) => json!({"check": check.name, "status": "fail",
                "code": format!("{:?}", error.code()), "detail": one_line(error)}),
        })
        .chain(
            skipped
                .iter()
                .map(|name| json!({"check": name, "status": "skipped"})),
        )
        .collect();
    let _ = out.result(
        json!({"configuration": configuration, "checks": as_json}),
        || {
            let mut text: Vec<String> = Vec::new();
            if !lines.is_empty() {
                text.push("configuration".into());
                text.extend(
                    lines
                        .iter()
                        .map(|(key, value)| format!("  {key:<12} {value}")),
                );
            }
            text.push("checks".into());
            for check in checks {
                text.push(match &check.outcome {
                    Ok(detail) => format!("  ok    {}: {detail}", check.name),
                    Err(error) => format!("  FAIL  {}: {}", check.name, one_line(error)),
                });
            }
            text.extend(
                skipped
                    .iter()
                    .map(|name| format!("  skip  {name} (after the failure above)")),
            );
            text.join("\n")
        },
    );
}

/// The failure in one line, with what to do where the cause is known.
fn one_line(error: &Error) -> String {
    let text = error.to_string().replace('\n', " ");
    match rejects_checksums(error) {
        true => format!(
            "{text}: the server rejects the checksum headers the AWS SDKs send since 2025 \
             (as R2, B2 and older MinIO do): set request_checksum_calculation and \
             response_checksum_validation to \"when_required\" in AWS_S3_CLIENT_CONFIG \
             (or AWS_REQUEST_CHECKSUM_CALCULATION=when_required and \
             AWS_RESPONSE_CHECKSUM_VALIDATION=when_required)"
        ),
        false => text,
    }
}

/// Whether a refusal names the flexible-checksum headers (`x-amz-checksum-*`,
/// `x-amz-sdk-checksum-algorithm`) or the checksum type.
fn rejects_checksums(error: &Error) -> bool {
    let text = error.to_string().to_ascii_lowercase();
    matches!(error.http_status(), Some(400 | 501))
        && (text.contains("x-amz-checksum") || text.contains("x-amz-sdk-checksum"))
}
