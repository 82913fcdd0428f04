//! DeleteObjects: up to 1,000 keys per request in Quiet mode (only failures come back),
//! with the Content-MD5 S3 requires on that call; a server that does not implement it
//! gets one DELETE per key from then on (said once per storage).

use super::objects::S3Store;
use super::transport::Outgoing;
use crate::error::{Error, Result, S3Failure};
use crate::store::KeyFailure;
use base64::Engine as _;
use rust_s3::command::Command;
use rust_s3::serde_types::{DeleteObjectsRequest, ObjectIdentifier};
use serde::Deserialize;
use std::sync::atomic::Ordering;

#[derive(Deserialize)]
struct DeleteResult {
    #[serde(rename = "Error", default)]
    errors: Vec<DeleteError>,
}

#[derive(Deserialize)]
struct DeleteError {
    #[serde(rename = "Key", default)]
    key: String,
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

/// The failures a DeleteObjects reply lists; a key that was already gone is none.
pub(super) fn parse_delete_result(text: &str, operation: &str) -> Result<Vec<KeyFailure>> {
    if crate::xml::root(text).as_deref() != Some("DeleteResult") {
        let fields = super::reply::reply_fields(text);
        return Err(Error::Server(S3Failure {
            operation: operation.to_string(),
            status: 200,
            code: fields.code.unwrap_or_else(|| "MalformedResponse".into()),
            message: fields
                .message
                .unwrap_or_else(|| "the reply is not a DeleteResult".into()),
            request_id: fields.request_id.unwrap_or_default(),
        }));
    }
    let result: DeleteResult = crate::xml::from_str(text).map_err(|error| {
        S3Failure::malformed(operation, format!("the reply could not be parsed: {error}"))
    })?;
    Ok((result.errors.into_iter())
        .filter(|error| error.code != "NoSuchKey")
        .map(|error| KeyFailure {
            key: error.key,
            code: error.code,
            message: error.message,
        })
        .collect())
}

/// The request: the keys (rust-s3 escapes them in its XML), in Quiet mode.
fn request(keys: &[String]) -> DeleteObjectsRequest {
    let objects = (keys.iter())
        .map(|key| ObjectIdentifier {
            key: key.clone(),
            version_id: None,
        })
        .collect();
    DeleteObjectsRequest {
        objects,
        quiet: true,
    }
}

/// Whether a refusal says the request's body arrived damaged, where the transport does
/// not retry it already (it resends on BadDigest).
fn damaged_on_the_way(failure: &S3Failure) -> bool {
    failure.status == 400 && matches!(failure.code.as_str(), "MalformedXML" | "InvalidDigest")
}

/// Whether a reply says the server has no DeleteObjects.
fn not_implemented(failure: &S3Failure) -> bool {
    matches!(failure.status, 501 | 405) || failure.code == "NotImplemented"
}

impl S3Store {
    /// Deletes `keys` (at most 1,000) with one DeleteObjects; gives the keys the
    /// server did not delete.
    pub fn delete_batch(&self, keys: &[String]) -> Result<Vec<KeyFailure>> {
        if !self.batch_deletes.load(Ordering::Relaxed) {
            return self.delete_each(keys);
        }
        // XML cannot carry most control characters, and S3 reads a carried `\r` as `\n`:
        // such keys go one by one (their URL carries them exactly).
        let (awkward, plain): (Vec<String>, Vec<String>) = keys
            .iter()
            .cloned()
            .partition(|key| key.chars().any(char::is_control));
        let mut failures = self.delete_each(&awkward)?;
        if plain.is_empty() {
            return Ok(failures);
        }
        failures.extend(self.delete_plain_batch(&plain)?);
        Ok(failures)
    }

    /// One DeleteObjects of keys XML carries exactly.
    fn delete_plain_batch(&self, keys: &[String]) -> Result<Vec<KeyFailure>> {
        let operation = format!("DeleteObjects {} ({} keys)", self.bucket_name, keys.len());
        let mut attempt = 1;
        loop {
            match self.send_batch(keys, &operation) {
                Ok(text) => return parse_delete_result(&text, &operation),
                Err(Error::Server(failure)) if not_implemented(&failure) => {
                    self.batch_deletes_refused(&failure);
                    return self.delete_each(keys);
                }
                // Our XML is well-formed and its digest right: a refusal of either means
                // the body was damaged on the way (a server may check the XML only).
                Err(Error::Server(failure))
                    if damaged_on_the_way(&failure)
                        && attempt < self.max_attempts()
                        && (self.transport).pause_before_retry(
                            &operation,
                            &failure.to_string(),
                            attempt,
                        ) =>
                {
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// One DeleteObjects request: the reply's text (a cut-off reply asked for again, as
    /// deleting is idempotent).
    fn send_batch(&self, keys: &[String], operation: &str) -> Result<String> {
        let data = request(keys);
        let body = data.to_string();
        let md5 = base64::engine::general_purpose::STANDARD.encode(md5::compute(&body).0);
        let crc = crate::checksums::ChecksumAlgorithm::Crc32c;
        let headers = [
            ("content-md5".to_string(), md5),
            (
                "x-amz-sdk-checksum-algorithm".to_string(),
                crc.name().to_string(),
            ),
            (crc.header().to_string(), crc.compute(body.as_bytes())),
        ];
        let request = Outgoing::new(Command::DeleteObjects { data }, "/", &headers)
            .with_body(body.as_bytes());
        self.transport.fetch_text(request, operation)
    }

    /// Notes, and says once per storage, that the server has no DeleteObjects.
    fn batch_deletes_refused(&self, failure: &S3Failure) {
        if self.batch_deletes.swap(false, Ordering::Relaxed) {
            crate::log::warn(&format!(
                "the server of bucket {} has no DeleteObjects ({failure}): deleting one key \
                 per request from now on",
                self.bucket_name
            ));
        }
    }

    /// One DELETE per key, for a server without DeleteObjects; a refused key is a
    /// failure, a network or server error ends the batch.
    fn delete_each(&self, keys: &[String]) -> Result<Vec<KeyFailure>> {
        let mut failures = Vec::new();
        for key in keys {
            match self.delete(key) {
                Ok(()) => {}
                Err(Error::AccessDenied(failure)) => failures.push(KeyFailure {
                    key: key.clone(),
                    code: failure.code,
                    message: failure.message,
                }),
                Err(error) => return Err(error),
            }
        }
        Ok(failures)
    }
}
