//! CopyObject: a server-side copy (the bytes never leave the server), its metadata kept
//! (COPY) or replaced (REPLACE), SSE-C source keys repeated as copy-source keys,
//! create-only destinations with `If-None-Match`, and a 200 whose body is an `Error`
//! (S3 sends one when a copy fails after the reply began) a failure, retried when the
//! SDKs retry it.

use super::objects::{refuses_condition_of, with_condition, S3Store};
use super::transport::Outgoing;
use crate::error::{Error, Result, S3Failure};
use crate::store::{CopyRequest, Overwrite, Upload, UploadedPart};
use rust_s3::command::{Command, Multipart};
use rust_s3::signing;

/// The SSE-C headers of the source, as `x-amz-copy-source-…` headers.
fn copy_source_keys(read: &[(String, String)]) -> Vec<(String, String)> {
    (read.iter())
        .filter_map(|(name, value)| {
            let rest = name.strip_prefix("x-amz-server-side-encryption-customer-")?;
            let name = format!("x-amz-copy-source-server-side-encryption-customer-{rest}");
            Some((name, value.clone()))
        })
        .collect()
}

/// The failure a 200 reply to CopyObject stands for, if its body is an `Error`.
fn copy_error(text: &str, operation: &str) -> Option<Error> {
    if crate::xml::root(text).as_deref() != Some("Error") {
        return None;
    }
    let fields = super::reply::reply_fields(text);
    Some(Error::Server(S3Failure {
        operation: operation.to_string(),
        status: 200,
        code: fields.code.unwrap_or_else(|| "InternalError".into()),
        message: fields.message.unwrap_or_default(),
        request_id: fields.request_id.unwrap_or_default(),
    }))
}

impl S3Store {
    /// CopyObject of `copy.source` to `copy.key`: `NotFound` for a missing source;
    /// with `Overwrite::Refused`, `AlreadyExists` if the destination is taken.
    pub fn copy_object(&self, copy: &CopyRequest<'_>, overwrite: Overwrite) -> Result<()> {
        let overwrite = self.check_first_key(copy.key, copy.read, overwrite)?;
        let operation = format!("CopyObject {} -> {}", copy.source, copy.key);
        let source = format!(
            "/{}/{}",
            self.bucket_name,
            signing::uri_encode(copy.source, false)
        );
        let mut headers = vec![("x-amz-copy-source".to_string(), source.clone())];
        headers.extend(copy_source_keys(copy.read.headers()));
        headers.extend(copy.read.headers().iter().cloned());
        match copy.replace {
            None => {
                headers.push(("x-amz-metadata-directive".into(), "COPY".into()));
                headers.extend(
                    copy.kept
                        .map(|kept| kept.kept_copy_headers())
                        .unwrap_or_default(),
                );
            }
            Some(write) => {
                headers.push(("x-amz-metadata-directive".into(), "REPLACE".into()));
                headers.push(("content-type".into(), write.content_type.clone()));
                headers.extend(write.create_headers().iter().cloned());
            }
        }
        let headers = with_condition(&headers, overwrite);
        let mut attempt = 1;
        loop {
            let request = Outgoing::new(Command::CopyObject { from: &source }, copy.key, &headers)
                .with_body(&[]);
            // Copying is idempotent: a reply cut off while read is asked for again.
            let text = match self.transport.fetch_text(request, &operation) {
                Ok(text) => text,
                Err(Error::NotFound(_)) => {
                    return Err(Error::NotFound(format!(
                        "File does not exist: {}",
                        copy.source
                    )))
                }
                Err(Error::Server(failure))
                    if overwrite == Overwrite::Refused && refuses_condition_of(&failure) =>
                {
                    self.conditional_writes_refused();
                    return self.copy_object(copy, Overwrite::Refused);
                }
                Err(error) => return Err(error),
            };
            let Some(error) = copy_error(&text, &operation) else {
                return Ok(());
            };
            let retryable = matches!(error.s3_code(), Some("InternalError" | "SlowDown"));
            let reason = format!("HTTP 200 carrying an error ({error})");
            if !(retryable
                && attempt < self.max_attempts()
                && self
                    .transport
                    .pause_before_retry(&operation, &reason, attempt))
            {
                return Err(error);
            }
            attempt += 1;
        }
    }
}

impl S3Store {
    /// UploadPartCopy of the source's bytes `[start, end)` as part `number`.
    pub fn upload_part_copy(
        &self,
        copy: &CopyRequest<'_>,
        upload: &Upload,
        (number, (start, end)): (u32, (u64, u64)),
    ) -> Result<UploadedPart> {
        let operation = format!("UploadPartCopy {} #{number}", copy.key);
        let source = format!(
            "/{}/{}",
            self.bucket_name,
            signing::uri_encode(copy.source, false)
        );
        let mut headers = vec![
            ("x-amz-copy-source".to_string(), source),
            (
                "x-amz-copy-source-range".to_string(),
                format!("bytes={start}-{}", end - 1),
            ),
        ];
        headers.extend(copy_source_keys(copy.read.headers()));
        headers.extend(copy.read.headers().iter().cloned());
        if let Some(etag) = copy.source_etag {
            headers.push(("x-amz-copy-source-if-match".into(), etag.to_string()));
        }
        let mut attempt = 1;
        loop {
            let command = Command::PutObject {
                content: &[],
                content_type: "application/octet-stream",
                custom_headers: None,
                multipart: Some(Multipart::new(number, &upload.id)),
            };
            let request = Outgoing::new(command, copy.key, &headers);
            let text = match self.transport.fetch_text(request, &operation) {
                // 412: x-amz-copy-source-if-match failed.
                Err(Error::AlreadyExists(_)) => {
                    return Err(Error::BadState(format!(
                        "{operation}: the source {} was replaced during the copy",
                        copy.source
                    )))
                }
                other => other?,
            };
            let error = match copy_error(&text, &operation) {
                None => return part_of(&text, number, upload, &operation),
                Some(error) => error,
            };
            let retryable = matches!(error.s3_code(), Some("InternalError" | "SlowDown"));
            let reason = format!("HTTP 200 carrying an error ({error})");
            if !(retryable
                && attempt < self.max_attempts()
                && self
                    .transport
                    .pause_before_retry(&operation, &reason, attempt))
            {
                return Err(error);
            }
            attempt += 1;
        }
    }
}

/// A `CopyPartResult`: the part's ETag, and its checksum when the upload has one.
fn part_of(text: &str, number: u32, upload: &Upload, operation: &str) -> Result<UploadedPart> {
    #[derive(serde::Deserialize)]
    struct CopyPartResult {
        #[serde(rename = "ETag")]
        etag: Option<String>,
        #[serde(rename = "ChecksumCRC32C", default)]
        crc32c: Option<String>,
        #[serde(rename = "ChecksumCRC32", default)]
        crc32: Option<String>,
    }
    let result: CopyPartResult = crate::xml::from_str(text)
        .map_err(|error| S3Failure::malformed(operation, format!("unreadable reply: {error}")))?;
    let etag = result
        .etag
        .ok_or_else(|| S3Failure::malformed(operation, "the reply carries no ETag"))?;
    let checksum = upload.checksum.and_then(|checksum| {
        let value = match checksum.algorithm {
            crate::checksums::ChecksumAlgorithm::Crc32c => result.crc32c.clone(),
            crate::checksums::ChecksumAlgorithm::Crc32 => result.crc32.clone(),
            _ => None,
        }?;
        Some((checksum.algorithm, value))
    });
    Ok(UploadedPart {
        number,
        etag,
        checksum,
    })
}
