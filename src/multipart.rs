//! One multipart upload: create, upload parts, complete (optionally create-only) or abort.
//!
//! Used by `Storage::save` for large content and by `S3File` in write mode, so both
//! follow the same rules: a failure aborts the upload, so no upload is left behind.

use crate::error::{Error, Result};
use crate::transport::{xml_field, Transport};
use s3::command::{Command, Multipart};
use s3::serde_types::{CompleteMultipartUploadData, Part};

/// An upload in progress.
pub(crate) struct Upload {
    key: String,
    upload_id: String,
    parts: Vec<Part>,
}

impl Upload {
    /// `CreateMultipartUpload` with the object's content type and write headers.
    pub fn start(
        transport: &Transport,
        key: &str,
        content_type: &str,
        headers: &[(String, String)],
    ) -> Result<Upload> {
        let operation = format!("CreateMultipartUpload {key}");
        let reply = transport
            .send(
                Command::InitiateMultipartUpload { content_type },
                key,
                headers,
            )?
            .check(&operation)?;
        let text = reply.text(&operation)?;
        let upload_id = xml_field(&text, "UploadId").ok_or_else(|| {
            Error::Server(crate::error::S3Failure {
                operation: operation.clone(),
                status: 200,
                code: "MalformedResponse".into(),
                message: "the reply carries no UploadId".into(),
            })
        })?;
        Ok(Upload {
            key: key.to_string(),
            upload_id,
            parts: Vec::new(),
        })
    }

    /// Number of parts uploaded so far.
    pub fn part_count(&self) -> usize {
        self.parts.len()
    }

    /// Uploads the next part.
    pub fn put_part(&mut self, transport: &Transport, data: &[u8]) -> Result<()> {
        let part_number = self.parts.len() as u32 + 1;
        let operation = format!("UploadPart {} #{part_number}", self.key);
        let command = Command::PutObject {
            content: data,
            content_type: "application/octet-stream",
            custom_headers: None,
            multipart: Some(Multipart::new(part_number, &self.upload_id)),
        };
        let reply = transport.send(command, &self.key, &[])?.check(&operation)?;
        let etag = reply.header("etag").unwrap_or_default().to_string();
        self.parts.push(Part { part_number, etag });
        Ok(())
    }

    /// Completes the upload; with `create_only`, fails with `AlreadyExists` if the key
    /// exists (`If-None-Match: *`). On any failure the upload is aborted.
    pub fn complete(self, transport: &Transport, create_only: bool) -> Result<()> {
        let operation = format!("CompleteMultipartUpload {}", self.key);
        let headers: Vec<(String, String)> = if create_only {
            vec![("if-none-match".into(), "*".into())]
        } else {
            Vec::new()
        };
        let command = Command::CompleteMultipartUpload {
            upload_id: &self.upload_id,
            data: CompleteMultipartUploadData {
                parts: self.parts.clone(),
            },
        };
        let result = transport
            .send(command, &self.key, &headers)
            .and_then(|reply| reply.check(&operation))
            .and_then(|reply| {
                // S3 may answer 200 with an error document once the body has started.
                let text = reply.text(&operation)?;
                match xml_field(&text, "Code") {
                    Some(code) if text.contains("<Error>") => {
                        Err(Error::Server(crate::error::S3Failure {
                            operation: operation.clone(),
                            status: 200,
                            message: xml_field(&text, "Message").unwrap_or_default(),
                            code,
                        }))
                    }
                    _ => Ok(()),
                }
            });
        if let Err(error) = result {
            self.abort(transport);
            return Err(error);
        }
        Ok(())
    }

    /// Aborts the upload (best effort: a failure to abort is logged, not returned).
    pub fn abort(self, transport: &Transport) {
        let operation = format!("AbortMultipartUpload {}", self.key);
        let outcome = transport
            .send(
                Command::AbortMultipartUpload {
                    upload_id: &self.upload_id,
                },
                &self.key,
                &[],
            )
            .and_then(|reply| reply.check(&operation));
        if let Err(error) = outcome {
            crate::log::warn(&format!("{operation}: could not abort: {error}"));
        }
    }
}
