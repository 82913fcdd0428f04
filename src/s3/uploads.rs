//! The multipart upload calls: CreateMultipartUpload (with a sweep of the upload a lost
//! reply may have left), UploadPart, CompleteMultipartUpload (its XML with each part's
//! checksum, a 200 carrying an Error retried, a lost reply confirmed by the ETag) and
//! AbortMultipartUpload.

use super::objects::{refuses_condition, with_condition, S3Store};
use super::transport::{xml_field, Outgoing, Reply};
use crate::error::{Error, Result, S3Failure};
use crate::object_parameters::WriteParameters;
use crate::store::{Overwrite, Upload, UploadChecksum, UploadedPart};
use rust_s3::command::{Command, Multipart};
use rust_s3::serde_types::CompleteMultipartUploadData;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

/// The body of CompleteMultipartUpload: each part's number, ETag and checksum (which
/// AWS requires when the upload was created with a checksum algorithm).
fn completion_xml(parts: &[UploadedPart]) -> String {
    use std::fmt::Write as _;
    let mut xml = String::from("<CompleteMultipartUpload>");
    for part in parts {
        let etag = quick_xml::escape::escape(part.etag.as_str());
        let _ = write!(
            xml,
            "<Part><PartNumber>{}</PartNumber><ETag>{etag}</ETag>",
            part.number
        );
        if let Some((algorithm, value)) = &part.checksum {
            let element = algorithm.element();
            let _ = write!(xml, "<{element}>{value}</{element}>");
        }
        xml.push_str("</Part>");
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml
}

/// How far back (for clock skew) an upload whose creation reply was lost is looked for.
const LOST_UPLOAD_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether a failed request may still have been carried out by the server (its reply
/// was lost or unreadable).
fn outcome_unknown(error: &Error) -> bool {
    match error {
        Error::Network { .. } => true,
        Error::Server(failure) => failure.status == 200 || failure.status >= 500,
        _ => false,
    }
}

impl S3Store {
    /// CreateMultipartUpload with the object's parameters; gives the upload id. If the
    /// reply was lost after the request went out, the upload it may have begun is found
    /// (this key, begun since just before the request) and aborted, so none is left.
    pub fn create_multipart(&self, key: &str, write: &WriteParameters) -> Result<Upload> {
        let asked = SystemTime::now() - LOST_UPLOAD_WINDOW;
        let outcome = self.initiate_checked(key, write);
        if let Err(error) = &outcome {
            if outcome_unknown(error) {
                self.abort_lost_uploads(key, asked, write);
            }
        }
        outcome
    }

    /// Aborts the uploads of `key` begun since `since` (their ids were never seen).
    fn abort_lost_uploads(&self, key: &str, since: SystemTime, write: &WriteParameters) {
        let Ok(page) = self.list_uploads_page(key, None, None) else {
            return;
        };
        let lost = (page.uploads.iter())
            .filter(|upload| upload.key == key && upload.initiated.is_some_and(|at| at >= since));
        for upload in lost {
            let outcome = self.abort(key, &upload.upload_id, write);
            crate::log::warn(&format!(
                "CreateMultipartUpload {key}: the reply was lost; aborting the upload {} it \
                 began: {}",
                upload.upload_id,
                match outcome {
                    Ok(()) => "done".to_string(),
                    Err(error) => error.to_string(),
                }
            ));
        }
    }

    /// The checksum a new upload declares: a full-object CRC unless the server refused
    /// one before (or the algorithm has none), else the composite form.
    fn upload_checksum(&self, write: &WriteParameters) -> Option<UploadChecksum> {
        let algorithm = write.checksum(self.checksums.request)?;
        let full =
            algorithm.has_full_object_form() && self.full_object_uploads.load(Ordering::Relaxed);
        Some(UploadChecksum {
            algorithm: if full {
                algorithm
            } else {
                algorithm.for_parts()
            },
            full_object: full,
        })
    }

    /// CreateMultipartUpload, once more in the composite form if the server refuses a
    /// full-object checksum (said once per storage).
    fn initiate_checked(&self, key: &str, write: &WriteParameters) -> Result<Upload> {
        let checksum = self.upload_checksum(write);
        match self.initiate(key, write, checksum) {
            Err(Error::Server(failure))
                if checksum.is_some_and(|c| c.full_object) && refuses_full_object(&failure) =>
            {
                self.full_object_refused(&failure);
                self.initiate(key, write, self.upload_checksum(write))
            }
            outcome => outcome,
        }
    }

    /// Notes, and says once per storage, that the server refused a full-object checksum.
    fn full_object_refused(&self, failure: &S3Failure) {
        if self.full_object_uploads.swap(false, Ordering::Relaxed) {
            crate::log::warn(&format!(
                "the server of bucket {} refuses full-object checksums of multipart uploads \
                 ({failure}): uploads use the composite form from now on, which a full read \
                 of the object cannot check",
                self.bucket_name
            ));
        }
    }

    fn initiate(
        &self,
        key: &str,
        write: &WriteParameters,
        checksum: Option<UploadChecksum>,
    ) -> Result<Upload> {
        let operation = format!("CreateMultipartUpload {key}");
        let command = Command::InitiateMultipartUpload {
            content_type: &write.content_type,
        };
        let mut headers = write.create_headers().to_vec();
        if let Some(checksum) = checksum {
            let algorithm = checksum.algorithm.name();
            headers.push(("x-amz-checksum-algorithm".into(), algorithm.into()));
            // COMPOSITE is the default type: a server that knows no types sees none.
            if checksum.full_object {
                headers.push(("x-amz-checksum-type".into(), "FULL_OBJECT".into()));
            }
        }
        let text = self
            .transport
            .send(command, key, &headers)?
            .check(&operation)?
            .text(&operation)?;
        let id = xml_field(&text, "UploadId")
            .ok_or_else(|| S3Failure::malformed(&operation, "the reply carries no UploadId"))?;
        Ok(Upload { id, checksum })
    }

    /// UploadPart: sends one part and gives its ETag.
    pub fn upload_part(
        &self,
        key: &str,
        upload: &Upload,
        (number, data): (u32, &[u8]),
        write: &WriteParameters,
    ) -> Result<UploadedPart> {
        let operation = format!("UploadPart {key} #{number}");
        let command = Command::PutObject {
            content: data,
            content_type: "application/octet-stream",
            custom_headers: None,
            multipart: Some(Multipart::new(number, &upload.id)),
        };
        let algorithm = upload.checksum.map(|checksum| checksum.algorithm);
        let (checksum, sha256) = self.body_digests(algorithm, data);
        let mut headers = write.access().headers().to_vec();
        if let Some((algorithm, value)) = &checksum {
            headers.push((algorithm.header().into(), value.clone()));
        }
        let request = Outgoing::new(command, key, &headers).with_payload_sha256(sha256.as_deref());
        let reply = (self.transport.send_request(request))?.check(&operation)?;
        let etag = reply
            .header("etag")
            .ok_or_else(|| S3Failure::malformed(&operation, "the reply carries no ETag"))?
            .to_string();
        reply.finish();
        Ok(UploadedPart {
            number,
            etag,
            checksum,
        })
    }

    /// CompleteMultipartUpload of `parts` (in any order); with `Overwrite::Refused`,
    /// `AlreadyExists` if the key is taken. A 200 whose body is an S3 `Error` is retried
    /// as the AWS SDKs do; one that is not the expected XML is a failure.
    pub fn complete(
        &self,
        key: &str,
        upload: &Upload,
        mut parts: Vec<UploadedPart>,
        (write, overwrite, whole): (&WriteParameters, Overwrite, Option<String>),
    ) -> Result<()> {
        let overwrite = self.check_first(key, write, overwrite)?;
        let upload_id = upload.id.as_str();
        parts.sort_by_key(|part| part.number);
        let body = completion_xml(&parts);
        let operation = format!("CompleteMultipartUpload {key}");
        let mut headers = with_condition(write.complete_headers(), overwrite);
        if let (Some(checksum), Some(whole)) = (upload.checksum, &whole) {
            headers.push((checksum.algorithm.header().into(), whole.clone()));
            headers.push(("x-amz-checksum-type".into(), "FULL_OBJECT".into()));
        }
        let mut attempt = 1;
        loop {
            let command = Command::CompleteMultipartUpload {
                upload_id,
                data: CompleteMultipartUploadData { parts: Vec::new() },
            };
            let request = Outgoing::new(command, key, &headers).with_body(body.as_bytes());
            let reply = match self.transport.send_request(request) {
                Ok(reply) => reply,
                Err(error) => return self.confirm_completed(key, &parts, write, error),
            };
            if overwrite == Overwrite::Refused && refuses_condition(&reply) {
                self.conditional_writes_refused();
                return self.complete(key, upload, parts, (write, Overwrite::Refused, whole));
            }
            if whole.is_some() && reply.status == 400 {
                let error = reply.into_error(&operation);
                if let Error::Server(failure) = &error {
                    if refuses_full_object(failure) || failure.code == "BadDigest" {
                        // The server took the type at creation but not the value: the
                        // parts' own checksums still hold; complete without the whole's.
                        self.full_object_refused(failure);
                        return self.complete(key, upload, parts, (write, overwrite, None));
                    }
                }
                return Err(error);
            }
            let text = match reply.check(&operation).and_then(|r| r.text(&operation)) {
                Ok(text) => text,
                Err(error) => return self.confirm_completed(key, &parts, write, error),
            };
            match completion_error(&text, &operation) {
                None => return Ok(()),
                Some(error) if attempt >= self.max_attempts() => return Err(error),
                Some(error) => {
                    let reason = format!("HTTP 200 carrying an error ({error})");
                    if !self
                        .transport
                        .pause_before_retry(&operation, &reason, attempt)
                    {
                        return Err(error);
                    }
                    attempt += 1;
                }
            }
        }
    }

    /// After a completion whose reply was lost (`error` is a network failure), whether
    /// the object is there all the same: its ETag is the one these parts make
    /// (the MD5 of their MD5s, and their count). Then the completion succeeded.
    fn confirm_completed(
        &self,
        key: &str,
        parts: &[UploadedPart],
        write: &WriteParameters,
        error: Error,
    ) -> Result<()> {
        let (Error::Network { .. }, Some(expected)) = (&error, multipart_etag(parts)) else {
            return Err(error);
        };
        match self.head(key, write.access()) {
            Ok(Some(info)) if info.etag.as_deref() == Some(expected.as_str()) => {
                crate::log::warn(&format!(
                    "CompleteMultipartUpload {key}: the reply was lost ({error}), but the \
                     object is complete (ETag {expected})"
                ));
                Ok(())
            }
            _ => Err(error),
        }
    }

    /// AbortMultipartUpload.
    pub fn abort(&self, key: &str, upload_id: &str, write: &WriteParameters) -> Result<()> {
        let operation = format!("AbortMultipartUpload {key}");
        let command = Command::AbortMultipartUpload { upload_id };
        self.transport
            .send(command, key, write.abort_headers())?
            .check(&operation)
            .map(Reply::finish)
    }
}

/// Whether a refused CreateMultipartUpload is about the full-object checksum type (a
/// 400 or 501 naming the checksum type, or NotImplemented).
fn refuses_full_object(failure: &S3Failure) -> bool {
    let text = format!("{} {}", failure.code, failure.message).to_ascii_lowercase();
    matches!(failure.status, 400 | 501)
        && (text.contains("checksum") || failure.code == "NotImplemented")
}

/// The ETag S3 gives a multipart object: the MD5 of the parts' MD5s, and their count.
fn multipart_etag(parts: &[UploadedPart]) -> Option<String> {
    let mut digests = Vec::with_capacity(parts.len() * 16);
    for part in parts {
        digests.extend(hex::decode(part.etag.trim_matches('"')).ok()?);
    }
    Some(format!("\"{:x}-{}\"", md5::compute(&digests), parts.len()))
}

/// The failure a 200 reply to CompleteMultipartUpload stands for, if any: an `Error`
/// document (S3 sends one when the completion fails after the reply began), or a body
/// that is not `CompleteMultipartUploadResult` (moto names it
/// `CompleteMultipartUploadResponse`; botocore accepts any root but `Error`).
pub(super) fn completion_error(text: &str, operation: &str) -> Option<Error> {
    match crate::xml::root(text).as_deref() {
        Some("CompleteMultipartUploadResult" | "CompleteMultipartUploadResponse") => None,
        Some("Error") => {
            let fields = super::reply::reply_fields(text);
            Some(Error::Server(S3Failure {
                operation: operation.to_string(),
                status: 200,
                code: fields.code.unwrap_or_else(|| "InternalError".into()),
                message: fields.message.unwrap_or_default(),
                request_id: fields.request_id.unwrap_or_default(),
            }))
        }
        _ => Some(S3Failure::malformed(
            operation,
            "the reply is not a CompleteMultipartUploadResult",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_replies_are_checked() {
        let ok = r#"<?xml version="1.0"?><CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ETag>"x"</ETag></CompleteMultipartUploadResult>"#;
        assert!(completion_error(ok, "C").is_none());
        let moto = r#"<CompleteMultipartUploadResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>k</Key><ETag>"x-1"</ETag></CompleteMultipartUploadResponse>"#;
        assert!(completion_error(moto, "C").is_none());
        let error = r#"<?xml version="1.0"?><Error><Code>InternalError</Code><Message>boom</Message></Error>"#;
        let failure = completion_error(error, "C").unwrap().to_string();
        assert!(
            failure.contains("InternalError") && failure.contains("boom"),
            "{failure}"
        );
        let namespaced = r#"<s3:Error xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Code>SlowDown</s3:Code></s3:Error>"#;
        assert!(completion_error(namespaced, "C").is_some());
        assert!(completion_error("", "C").is_some());
        assert!(completion_error("<html>gateway</html>", "C").is_some());
    }
}
