//! S3's replies: status, headers, body, and the one parse of an error reply's XML
//! (`Code`, `Message`, `Region`, `RequestId`) that every caller reads; a non-2xx reply
//! becomes our [`Error`] here.

use crate::error::{Error, Result, S3Failure};
use http::HeaderMap;
use std::io::Read;

/// A response: status, headers and the (unread) body.
pub(crate) struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, to be read or dropped (error replies: already read into `error_text`).
    pub body: ureq::Body,
    /// The body of an error reply (status 300 and above), read when it arrived.
    pub error_text: Option<String>,
    /// Its XML fields, parsed once when it arrived.
    pub error: ReplyFields,
    /// What the transport adds to an error's message (a region redirect).
    pub note: Option<String>,
}

impl Reply {
    /// A reply as it arrived; an error reply's body (`error_text`) is parsed here, once.
    pub fn new(
        status: u16,
        headers: HeaderMap,
        body: ureq::Body,
        error_text: Option<String>,
    ) -> Reply {
        let error = (error_text.as_deref()).map_or_else(ReplyFields::default, reply_fields);
        Reply {
            status,
            headers,
            body,
            error_text,
            error,
            note: None,
        }
    }

    /// The S3 error `Code` of an error reply.
    pub fn error_code(&self) -> Option<&str> {
        self.error.code.as_deref()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Passes a 2xx reply through; turns any other into an error naming `operation`.
    pub fn check(self, operation: &str) -> Result<Reply> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        Err(self.into_error(operation))
    }

    /// The error this (non-2xx) reply stands for.
    pub fn into_error(self, operation: &str) -> Error {
        let header_id = self.header("x-amz-request-id").map(str::to_string);
        let fields = self.error;
        let mut message = fields.message.unwrap_or_default();
        if let Some(note) = &self.note {
            message = format!("{message} {note}").trim().to_string();
        }
        let failure = S3Failure {
            operation: operation.to_string(),
            status: self.status,
            code: (fields.code).unwrap_or_else(|| default_code(self.status).into()),
            message,
            request_id: header_id.or(fields.request_id).unwrap_or_default(),
        };
        match self.status {
            403 => Error::AccessDenied(failure),
            404 if matches!(failure.code.as_str(), "NoSuchKey" | "NotFound") => {
                Error::NotFound(failure.to_string())
            }
            412 => Error::AlreadyExists(failure.to_string()),
            _ => Error::Server(failure),
        }
    }

    /// Reads what is left of a (small) body, so that the connection goes back to the
    /// pool instead of being closed; a body that cannot be read is simply dropped.
    pub fn finish(mut self) {
        // Only a body of known, small length: waiting on a stalled chunked one is worse
        // than a new connection.
        let small = (self.header("content-length"))
            .and_then(|length| length.parse::<u64>().ok())
            .is_some_and(|length| length <= 64 * 1024);
        if small {
            let mut reader = self.body.with_config().limit(64 * 1024).reader();
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        }
    }

    /// Reads the whole body as text (for XML replies).
    pub fn text(mut self, operation: &str) -> Result<String> {
        let mut text = String::new();
        self.body
            .with_config()
            .limit(64 * 1024 * 1024)
            .reader()
            .read_to_string(&mut text)
            .map_err(|error| Error::network(format!("{operation}: reading the reply: {error}")))?;
        Ok(text)
    }
}

/// The code S3 uses for a status when the body (e.g. of a HEAD) carries none.
fn default_code(status: u16) -> &'static str {
    match status {
        301 => "PermanentRedirect",
        400 => "BadRequest",
        403 => "AccessDenied",
        404 => "NotFound",
        412 => "PreconditionFailed",
        503 => "SlowDown",
        _ => "",
    }
}

/// The fields of S3's XML replies that we read (any root element: `Error`,
/// `InitiateMultipartUploadResult`, `CompleteMultipartUploadResult`).
#[derive(serde::Deserialize, Default, Clone)]
pub(crate) struct ReplyFields {
    /// `Code`.
    #[serde(rename = "Code")]
    pub code: Option<String>,
    /// `Message`.
    #[serde(rename = "Message")]
    pub message: Option<String>,
    /// `UploadId`.
    #[serde(rename = "UploadId")]
    pub upload_id: Option<String>,
    /// `Region`.
    #[serde(rename = "Region")]
    pub region: Option<String>,
    /// `RequestId`.
    #[serde(rename = "RequestId")]
    pub request_id: Option<String>,
}

/// The fields of an S3 XML reply (any root element), parsed once; a document that is not
/// XML has none.
pub(crate) fn reply_fields(xml: &str) -> ReplyFields {
    crate::xml::from_str(xml).unwrap_or_default()
}

/// The text of a top-level `Code`, `Message` or `UploadId` element of an S3 XML reply.
pub(crate) fn xml_field(xml: &str, field: &str) -> Option<String> {
    let fields = reply_fields(xml);
    match field {
        "Code" => fields.code,
        "Message" => fields.message,
        "UploadId" => fields.upload_id,
        "Region" => fields.region,
        "RequestId" => fields.request_id,
        _ => None,
    }
}
