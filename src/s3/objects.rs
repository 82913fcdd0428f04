//! The typed S3 calls the storage is built from: one method per request kind, each
//! turning S3's status codes, headers and XML into our types and errors.

use super::transport::{Outgoing, Reply, Transport};
use crate::aws::CredentialSource;
use crate::checksums::{ChecksumAlgorithm, ChecksumWhen, ObjectChecksum};
use crate::config::Config;
use crate::error::{Error, Result, S3Failure};
use crate::object_parameters::{AccessParameters, WriteParameters};
use crate::requests::RequestSlot;
use crate::store::{BodyStream, Destination, FirstWindow, ObjectBody, ObjectHead, Overwrite};
use rust_s3::command::Command;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};

/// One bucket's objects, reached through a pooled, retrying, signing transport.
pub(crate) struct S3Store {
    pub(super) transport: Transport,
    pub(super) bucket_name: String,
    /// The region a bucket created here is placed in (`None`: us-east-1).
    location_constraint: Option<String>,
    /// False once the server refused `If-None-Match` (501, or 400 naming it): create-only
    /// writes then check with HEAD first, as django-storages does.
    conditional_writes: AtomicBool,
    /// botocore's checksum switches, resolved.
    pub(super) checksums: Checksums,
    /// False once the server refused a multipart upload of checksum type FULL_OBJECT:
    /// uploads are then COMPOSITE.
    pub(super) full_object_uploads: AtomicBool,
    /// False once the server answered DeleteObjects as not implemented.
    pub(super) batch_deletes: AtomicBool,
}

/// `request_checksum_calculation` and `response_checksum_validation`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Checksums {
    pub request: ChecksumWhen,
    pub response: ChecksumWhen,
}

/// A checksum switch: from the settings or the environment, else the profile's key
/// (botocore's order), else when_supported.
fn checksum_switch(
    configured: Option<ChecksumWhen>,
    profile: Option<&str>,
    key: &str,
) -> Result<ChecksumWhen> {
    if let Some(when) = configured {
        return Ok(when);
    }
    match crate::aws::profiles::value(profile, key) {
        None => Ok(ChecksumWhen::default()),
        Some(value) => ChecksumWhen::parse(&value).ok_or_else(|| {
            Error::Config(format!(
                "the AWS profile's {key}: {value:?} is not when_supported or when_required"
            ))
        }),
    }
}

/// The body of a ranged GET, positioned at the first byte asked for.
pub(super) struct S3Body {
    body: ureq::BodyReader<'static>,
    /// Bytes to drop first: a server that ignores `Range` sends the object from byte 0.
    skip: u64,
}

impl BodyStream for S3Body {
    /// Reads the end of the body, so that the connection goes back to the pool instead
    /// of being closed.
    fn finish(&mut self) {
        let _ = io::copy(&mut (&mut self.body).take(64 * 1024), &mut io::sink());
    }
}

impl Read for S3Body {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.skip > 0 {
            let skipped = io::copy(&mut (&mut self.body).take(self.skip), &mut io::sink())?;
            if skipped < self.skip {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the body ended before the range asked for",
                ));
            }
            self.skip = 0;
        }
        self.body.read(out)
    }
}

/// Why the GET that opens an object failed: the request (already retried by the
/// transport), or the reading of its body (retried by `get_first`).
enum First {
    Failed(Error),
    BodyFailed(String),
}

impl From<Error> for First {
    fn from(error: Error) -> First {
        First::Failed(error)
    }
}

/// The header list of a create-only request, or the plain one.
pub(super) fn with_condition(
    headers: &[(String, String)],
    overwrite: Overwrite,
) -> Vec<(String, String)> {
    let mut headers = headers.to_vec();
    if overwrite == Overwrite::Refused {
        headers.push(("if-none-match".into(), "*".into()));
    }
    headers
}

/// Whether a reply says the server does not implement `If-None-Match` on writes.
pub(super) fn refuses_condition(reply: &Reply) -> bool {
    condition_refused(
        reply.status,
        reply.error_text.as_deref().unwrap_or_default(),
    )
}

/// Whether a refusal says the server does not implement `If-None-Match` on writes.
pub(super) fn refuses_condition_of(failure: &S3Failure) -> bool {
    condition_refused(
        failure.status,
        &format!("{} {}", failure.code, failure.message),
    )
}

/// A 501 that names no other header (B2: "A header you provided implies functionality
/// that is not implemented"), or a 400 or 501 naming `If-None-Match`. A 501 naming
/// another header (R2's for `x-amz-acl`) is about that header, not the condition.
fn condition_refused(status: u16, text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    let names_condition = text.contains("if-none-match");
    let names_other_header = text.contains("x-amz-");
    (status == 501 && (names_condition || !names_other_header))
        || (status == 400 && names_condition)
}

/// The first and last byte of a `Content-Range: bytes a-b/n` header.
pub(super) fn content_range(header: &str) -> Option<(u64, u64)> {
    let (first, last) = (header.strip_prefix("bytes ")?.split('/').next()?).split_once('-')?;
    Some((first.parse().ok()?, last.parse().ok()?))
}

/// Checks that a 206 reply holds the range asked for: `Content-Range: bytes a-b/n`.
fn check_content_range(reply: &Reply, operation: &str, start: u64, end: u64) -> Result<()> {
    if reply.status != 206 {
        return Ok(());
    }
    let header = reply.header("content-range").unwrap_or_default();
    if content_range(header) == Some((start, end - 1)) {
        return Ok(());
    }
    Err(Error::network(format!(
        "{operation}: the reply's Content-Range {header:?} is not the range asked for"
    )))
}

impl S3Store {
    /// Finds the credentials and builds the transport for a configuration.
    pub fn new(config: &Config, requests: RequestSlot) -> Result<S3Store> {
        let credentials = CredentialSource::resolve(config)?;
        // botocore's region chain after the settings: AWS_REGION, AWS_DEFAULT_REGION,
        // the profile's region (none: us-east-1).
        let mut config = config.clone();
        let profile = (config.keys.session_profile.clone())
            .or_else(|| crate::config::env("AWS_S3_SESSION_PROFILE"));
        let profile = profile.as_deref();
        if config.endpoint.region.is_none() {
            config.endpoint.region = crate::aws::profiles::default_region(profile);
        }
        let checksums = Checksums {
            request: checksum_switch(
                config.http.request_checksums,
                profile,
                "request_checksum_calculation",
            )?,
            response: checksum_switch(
                config.http.response_checksums,
                profile,
                "response_checksum_validation",
            )?,
        };
        let config = &config;
        Ok(S3Store {
            transport: Transport::new(config, credentials, requests)?,
            bucket_name: config.bucket_name.clone(),
            location_constraint: config
                .endpoint
                .region
                .clone()
                .filter(|region| region != "us-east-1"),
            conditional_writes: AtomicBool::new(true),
            checksums,
            full_object_uploads: AtomicBool::new(true),
            batch_deletes: AtomicBool::new(true),
        })
    }

    /// Where requests go (see [`Transport::destination`]).
    pub fn destination(&self) -> Destination {
        let (endpoint, region, path_style, credentials) = self.transport.destination();
        Destination {
            endpoint,
            region,
            path_style,
            credentials,
        }
    }

    /// How many attempts a request (or the read of a range) gets.
    pub fn max_attempts(&self) -> u32 {
        self.transport.max_attempts()
    }

    /// HEAD: `None` for 404, the object's info for 2xx, an error otherwise. It does not
    /// ask for the checksum: with `x-amz-checksum-mode` a HEAD of an SSE-KMS object needs
    /// `kms:Decrypt`, which an existence check must not (botocore asks on GETs only).
    pub fn head(&self, key: &str, read: &AccessParameters) -> Result<Option<ObjectHead>> {
        self.head_with(key, read.headers())
    }

    /// HEAD standing in for a GET that did not say what the object is: it asks for the
    /// checksum, as the GET would (reading the object needs `kms:Decrypt` anyway).
    fn head_for_read(&self, key: &str, read: &AccessParameters) -> Result<Option<ObjectHead>> {
        self.head_with(key, &self.checked_read_headers(read))
    }

    fn head_with(&self, key: &str, headers: &[(String, String)]) -> Result<Option<ObjectHead>> {
        let reply = self.transport.send(Command::HeadObject, key, headers)?;
        if reply.status == 404 {
            return Ok(None);
        }
        let operation = format!("HEAD {key}");
        let reply = reply.check(&operation)?;
        let size = reply
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                S3Failure::malformed(&operation, "the reply has no valid Content-Length")
            })?;
        Ok(Some(self.object_info(size, &reply)))
    }

    /// One PUT of a whole body; with `Overwrite::Refused`, `AlreadyExists` if the key
    /// is taken.
    pub fn put(
        &self,
        key: &str,
        body: &[u8],
        write: &WriteParameters,
        overwrite: Overwrite,
    ) -> Result<()> {
        let overwrite = self.check_first(key, write, overwrite)?;
        let command = Command::PutObject {
            content: body,
            content_type: &write.content_type,
            custom_headers: None,
            multipart: None,
        };
        let mut headers = with_condition(write.create_headers(), overwrite);
        let (checksum, sha256) = self.body_digests(write.checksum(self.checksums.request), body);
        if let Some((algorithm, value)) = checksum {
            // As botocore sends it: the algorithm named, and its value.
            headers.push((
                "x-amz-sdk-checksum-algorithm".into(),
                algorithm.name().into(),
            ));
            headers.push((algorithm.header().into(), value));
        }
        let request = Outgoing::new(command, key, &headers).with_payload_sha256(sha256.as_deref());
        let reply = self.transport.send_request(request)?;
        if overwrite == Overwrite::Refused && refuses_condition(&reply) {
            self.conditional_writes_refused();
            return self.put(key, body, write, Overwrite::Refused);
        }
        match reply.check(&format!("PUT {key}")) {
            Err(Error::AlreadyExists(_)) if self.stored_by_us(key, body, write) => Ok(()),
            other => other.map(Reply::finish),
        }
    }

    /// A body's checksum of `algorithm` and, where such a body's payload is signed, its
    /// SHA-256 too, in one pass over the bytes (the transport hashes an unsigned-checksum
    /// body itself).
    pub(super) fn body_digests(
        &self,
        algorithm: Option<ChecksumAlgorithm>,
        body: &[u8],
    ) -> (Option<(ChecksumAlgorithm, String)>, Option<String>) {
        match algorithm {
            Some(algorithm) if self.transport.signs_checksummed_payload() => {
                let (value, sha256) = algorithm.compute_with_sha256(body);
                (Some((algorithm, value)), Some(sha256))
            }
            Some(algorithm) => (Some((algorithm, algorithm.compute(body))), None),
            None => (None, None),
        }
    }

    /// Where the server cannot write conditionally, a create-only write checks with HEAD
    /// first and then writes plainly (django-storages' way; not atomic).
    pub(super) fn check_first(
        &self,
        key: &str,
        write: &WriteParameters,
        overwrite: Overwrite,
    ) -> Result<Overwrite> {
        self.check_first_key(key, write.access(), overwrite)
    }

    /// `check_first` with the access parameters of the HEAD.
    pub(super) fn check_first_key(
        &self,
        key: &str,
        read: &AccessParameters,
        overwrite: Overwrite,
    ) -> Result<Overwrite> {
        if overwrite == Overwrite::Allowed || self.conditional_writes.load(Ordering::Relaxed) {
            return Ok(overwrite);
        }
        match self.head(key, read)? {
            Some(_) => Err(Error::AlreadyExists(format!(
                "{key} exists (checked with HEAD: the server cannot write conditionally)"
            ))),
            None => Ok(Overwrite::Allowed),
        }
    }

    /// Notes, and says once per storage, that the server refused `If-None-Match`.
    pub(super) fn conditional_writes_refused(&self) {
        if self.conditional_writes.swap(false, Ordering::Relaxed) {
            crate::log::warn(&format!(
                "the server of bucket {} refuses conditional writes (If-None-Match): with \
                 AWS_S3_FILE_OVERWRITE=False each write is now checked with HEAD first, as \
                 django-storages does, which cannot guarantee that a concurrent writer's \
                 object is never overwritten",
                self.bucket_name
            ));
        }
    }

    /// DELETE; a key that does not exist is not an error.
    pub fn delete(&self, key: &str) -> Result<()> {
        let reply = self.transport.send(Command::DeleteObject, key, &[])?;
        if reply.status == 404 {
            return Ok(());
        }
        reply.check(&format!("DELETE {key}")).map(Reply::finish)
    }

    /// A ranged GET of `[start, end)`, with `If-Match` when an ETag is given: 404 is
    /// `NotFound`, 412 (the object was replaced) is `BadState`.
    pub fn get_range(
        &self,
        key: &str,
        start: u64,
        end: u64,
        if_match: Option<&str>,
        read: &AccessParameters,
    ) -> Result<ObjectBody> {
        let mut headers = read.headers().to_vec();
        if let Some(etag) = if_match {
            headers.push(("if-match".into(), etag.to_string()));
        }
        let operation = format!("GET {key} bytes {start}-{}", end - 1);
        let command = Command::GetObjectRange {
            start,
            end: Some(end - 1),
        };
        let reply = self.transport.send(command, key, &headers)?;
        let reply = match reply.status {
            404 => return Err(Error::NotFound(format!("File does not exist: {key}"))),
            412 => {
                return Err(Error::BadState(format!(
                    "{operation}: the object was replaced while it was being read"
                )))
            }
            _ => reply.check(&operation)?,
        };
        check_content_range(&reply, &operation, start, end)?;
        // A server that ignores If-Match still names the version it sends.
        let sent = reply.header("etag").map(|etag| etag.trim_matches('"'));
        if let (Some(wanted), Some(sent)) = (if_match, sent) {
            if wanted.trim_matches('"') != sent {
                return Err(Error::BadState(format!(
                    "{operation}: the object was replaced while it was being read (ETag {sent}, \
                     not {wanted})"
                )));
            }
        }
        let skip = if reply.status == 200 { start } else { 0 };
        Ok(ObjectBody::new(S3Body {
            body: reply.body.into_with_config().limit(u64::MAX).reader(),
            skip,
        }))
    }

    /// Opens an object for reading with one GET of the whole object: it is also the
    /// existence check (404: `None`), gives the size, ETag, encoding and checksum, and
    /// brings the first `len` bytes; the rest of its body is kept for a sequential read
    /// to go on with. A body cut short or stalled in its first bytes is asked for again.
    pub fn get_first(
        &self,
        key: &str,
        len: u64,
        read: &AccessParameters,
    ) -> Result<Option<FirstWindow>> {
        let mut attempt = 1;
        loop {
            match self.get_first_once(key, len, read) {
                // The reply came but its body was cut short or stalled: ask again, as
                // for any range (a failed request was retried by the transport already).
                Err(First::BodyFailed(reason))
                    if attempt < self.max_attempts()
                        && (self.transport).pause_before_retry(
                            &format!("GET {key}"),
                            &reason,
                            attempt,
                        ) =>
                {
                    attempt += 1;
                }
                Err(First::BodyFailed(reason)) => return Err(Error::network(reason)),
                Err(First::Failed(error)) => return Err(error),
                Ok(first) => return Ok(first),
            }
        }
    }

    /// The headers of a read that may check the object's checksum: the access
    /// parameters, and `x-amz-checksum-mode: ENABLED` unless validation is only
    /// `when_required`.
    fn checked_read_headers(&self, read: &AccessParameters) -> Vec<(String, String)> {
        let mut headers = read.headers().to_vec();
        if self.checksums.response == ChecksumWhen::Supported {
            headers.push(("x-amz-checksum-mode".into(), "ENABLED".into()));
        }
        headers
    }

    /// What a HEAD or GET reply says of its object of `size` bytes.
    fn object_info(&self, size: u64, reply: &Reply) -> ObjectHead {
        let checksum = match self.checksums.response {
            ChecksumWhen::Supported => ObjectChecksum::from_headers(|name| reply.header(name)),
            ChecksumWhen::Required => None,
        };
        ObjectHead {
            size,
            content_encoding: reply.header("content-encoding").map(str::to_string),
            modified: (reply.header("last-modified"))
                .and_then(|v| httpdate::parse_http_date(v).ok()),
            etag: reply.header("etag").map(str::to_string),
            checksum,
            content_type: reply.header("content-type").map(str::to_string),
            metadata: (reply.headers.iter())
                .filter_map(|(name, value)| {
                    let key = name.as_str().strip_prefix("x-amz-meta-")?;
                    Some((key.to_string(), value.to_str().ok()?.to_string()))
                })
                .collect(),
            version_id: reply.header("x-amz-version-id").map(str::to_string),
        }
    }

    fn get_first_once(
        &self,
        key: &str,
        len: u64,
        read: &AccessParameters,
    ) -> std::result::Result<Option<FirstWindow>, First> {
        let operation = format!("GET {key}");
        let headers = self.checked_read_headers(read);
        let reply = self.transport.send(Command::GetObject, key, &headers)?;
        let length = reply.header("content-length").and_then(|v| v.parse().ok());
        let size = match (reply.status, length) {
            (404, _) => return Ok(None),
            (200, Some(length)) => length,
            // A body of unknown length: the size from HEAD, the bytes by ranges.
            (200, None) => return self.first_by_head(key, read),
            _ => {
                return Err(reply.check(&operation).err().map_or_else(
                    || First::Failed(S3Failure::malformed(&operation, "unexpected status")),
                    First::Failed,
                ))
            }
        };
        let info = self.object_info(size, &reply);
        let want = len.min(size);
        let mut data = Vec::with_capacity(want as usize);
        let mut body = reply.body.into_with_config().limit(u64::MAX).reader();
        let read = (&mut body).take(want).read_to_end(&mut data);
        read.map_err(|e| First::BodyFailed(format!("{operation}: reading the body: {e}")))?;
        if (data.len() as u64) < want {
            let got = data.len();
            return Err(First::BodyFailed(format!(
                "{operation}: the body ended after {got} bytes"
            )));
        }
        let rest = match want == size {
            true => {
                // Seeing the end lets the connection go back to the pool.
                let _ = body.read(&mut [0u8; 1]);
                None
            }
            false => Some(ObjectBody::new(S3Body { body, skip: 0 })),
        };
        Ok(Some(FirstWindow { info, data, rest }))
    }

    /// The object's size and ETag from a HEAD, when the GET that opened it did not say;
    /// its bytes are then fetched by ranges as they are read.
    fn first_by_head(
        &self,
        key: &str,
        read: &AccessParameters,
    ) -> std::result::Result<Option<FirstWindow>, First> {
        // The read's HEAD asks for the checksum, as the GET it stands in for does.
        let info = self.head_for_read(key, read)?;
        Ok(info.map(|info| FirstWindow {
            info,
            data: Vec::new(),
            rest: None,
        }))
    }

    /// After a create-only PUT was refused (412), whether the object there is this very
    /// body, stored by an earlier attempt whose reply was lost: its ETag is the body's MD5.
    fn stored_by_us(&self, key: &str, body: &[u8], write: &WriteParameters) -> bool {
        let expected = format!("\"{:x}\"", md5::compute(body));
        matches!(
            self.head(key, write.access()),
            Ok(Some(info)) if info.etag.as_deref() == Some(expected.as_str())
        )
    }

    /// CreateBucket in the configured region with a canned ACL; an existing bucket
    /// (409) is fine.
    pub fn create_bucket(&self, acl: Option<&str>) -> Result<()> {
        let headers: Vec<(String, String)> = acl
            .map(|acl| vec![("x-amz-acl".to_string(), acl.to_string())])
            .unwrap_or_default();
        let mut configuration = rust_s3::BucketConfiguration::public();
        if let Some(region) = &self.location_constraint {
            configuration.set_location_constraint(region.parse().map_err(|_| {
                Error::Config(format!("AWS_S3_REGION_NAME: {region:?} is not a region"))
            })?);
        }
        let operation = format!("CreateBucket {}", self.bucket_name);
        let reply = self.transport.send(
            Command::CreateBucket {
                config: configuration,
            },
            "",
            &headers,
        )?;
        match reply.status {
            200..=299 => {
                crate::log::debug(|| format!("created bucket {}", self.bucket_name));
                Ok(())
            }
            409 => Ok(()), // BucketAlreadyOwnedByYou / BucketAlreadyExists
            _ => Err(reply.into_error(&operation)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::condition_refused;

    #[test]
    fn only_refusals_of_the_condition_count() {
        let b2 = "<Error><Code>NotImplemented</Code><Message>A header you provided implies \
                  functionality that is not implemented</Message></Error>";
        assert!(condition_refused(501, b2));
        assert!(condition_refused(501, ""));
        assert!(condition_refused(
            400,
            "<Message>If-None-Match is not supported</Message>"
        ));
        let r2 = "<Code>NotImplemented</Code><Message>Header 'x-amz-acl' with value \
                  'public-read' not implemented</Message>";
        assert!(!condition_refused(501, r2));
        assert!(!condition_refused(
            400,
            "<Code>AccessControlListNotSupported</Code>"
        ));
        assert!(!condition_refused(412, "<Code>PreconditionFailed</Code>"));
        assert!(!condition_refused(
            409,
            "<Code>ConditionalRequestConflict</Code>"
        ));
    }
}
