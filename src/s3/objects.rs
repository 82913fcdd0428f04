//! The typed S3 calls the storage is built from: one method per request kind, each
//! turning S3's status codes, headers and XML into our types and errors.

use super::checksums::ChecksumAlgorithm;
use super::object_parameters::{ReadParameters, WriteParameters};
use super::transport::{xml_field, Outgoing, Reply, Transport};
use super::CredentialSource;
use crate::config::Config;
use crate::error::{Error, Result, S3Failure};
use rust_s3::command::{Command, Multipart};
use rust_s3::serde_types::CompleteMultipartUploadData;
use serde::Deserialize;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

/// One bucket's objects, reached through a pooled, retrying, signing transport.
pub(crate) struct ObjectStore {
    pub(super) transport: Transport,
    bucket_name: String,
    /// The region a bucket created here is placed in (`None`: us-east-1).
    location_constraint: Option<String>,
    /// False once the server refused `If-None-Match` (501, or 400 naming it): create-only
    /// writes then check with HEAD first, as django-storages does.
    conditional_writes: AtomicBool,
}

/// Whether a write may replace an existing object.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Overwrite {
    /// A plain write: replaces whatever is there.
    Allowed,
    /// Create-only (`If-None-Match: *`): `AlreadyExists` if the key is taken.
    Refused,
}

/// What a HEAD told about an object.
pub(crate) struct ObjectInfo {
    /// Content-Length.
    pub size: u64,
    /// Content-Encoding, if any.
    pub content_encoding: Option<String>,
    /// Last-Modified.
    pub modified: Option<SystemTime>,
    /// ETag, to read consistent ranges.
    pub etag: Option<String>,
}

/// The first bytes of an object, from the GET that opened it.
pub(crate) struct FirstWindow {
    /// The object's size, ETag and encoding.
    pub info: ObjectInfo,
    /// Its first bytes (all of them for a small object).
    pub data: Vec<u8>,
}

/// The body of a ranged GET, positioned at the first byte asked for.
pub(crate) struct ObjectBody {
    body: ureq::BodyReader<'static>,
    /// Bytes to drop first: a server that ignores `Range` sends the object from byte 0.
    skip: u64,
}

impl ObjectBody {
    /// After the last byte asked for: reads the end of the body, so that the connection
    /// goes back to the pool instead of being closed.
    pub fn finish(&mut self) {
        let _ = io::copy(&mut (&mut self.body).take(64 * 1024), &mut io::sink());
    }
}

impl Read for ObjectBody {
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

/// One page of a delimited listing.
pub(crate) struct ListPage {
    /// Common prefixes (the "directories"), with their trailing delimiter.
    pub prefixes: Vec<String>,
    /// Object keys.
    pub keys: Vec<String>,
    /// Where the next page starts, if the listing is truncated.
    pub next_marker: Option<String>,
}

/// A multipart upload begun and not yet completed or aborted.
pub(crate) struct PendingUpload {
    /// Its key.
    pub key: String,
    /// Its id.
    pub upload_id: String,
    /// When it began, if the server said.
    pub initiated: Option<SystemTime>,
}

/// One page of the multipart uploads in progress.
pub(crate) struct UploadsPage {
    /// The uploads.
    pub uploads: Vec<PendingUpload>,
    /// `(key marker, upload id marker)` of the next page, if truncated.
    pub next: Option<(String, Option<String>)>,
}

/// A part that went up: its number, the ETag the server gave it and its checksum.
pub(crate) struct UploadedPart {
    /// 1-based part number.
    pub number: u32,
    /// The part's ETag.
    pub etag: String,
    /// The algorithm and value of the part's checksum.
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

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

#[derive(Deserialize)]
struct ListBucketResult {
    #[serde(rename = "EncodingType", default)]
    encoding_type: Option<String>,
    #[serde(rename = "IsTruncated", default)]
    is_truncated: Option<String>,
    #[serde(rename = "NextMarker", default)]
    next_marker: Option<String>,
    #[serde(rename = "Contents", default)]
    contents: Vec<ListEntry>,
    #[serde(rename = "CommonPrefixes", default)]
    common_prefixes: Vec<ListPrefix>,
}

#[derive(Deserialize)]
struct ListEntry {
    #[serde(rename = "Key")]
    key: String,
}

#[derive(Deserialize)]
struct ListPrefix {
    #[serde(rename = "Prefix")]
    prefix: String,
}

#[derive(Deserialize)]
struct ListMultipartUploadsResult {
    #[serde(rename = "IsTruncated", default)]
    is_truncated: Option<String>,
    #[serde(rename = "NextKeyMarker", default)]
    next_key_marker: Option<String>,
    #[serde(rename = "NextUploadIdMarker", default)]
    next_upload_id_marker: Option<String>,
    #[serde(rename = "Upload", default)]
    uploads: Vec<UploadEntry>,
}

#[derive(Deserialize)]
struct UploadEntry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "UploadId")]
    upload_id: String,
    #[serde(rename = "Initiated", default)]
    initiated: Option<String>,
}

/// How far back (for clock skew) an upload whose creation reply was lost is looked for.
const LOST_UPLOAD_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether a failed request may still have been carried out by the server (its reply
/// was lost or unreadable).
fn outcome_unknown(error: &Error) -> bool {
    match error {
        Error::Network(_) => true,
        Error::Server(failure) => failure.status == 200 || failure.status >= 500,
        _ => false,
    }
}

/// The header list of a create-only request, or the plain one.
fn with_condition(headers: &[(String, String)], overwrite: Overwrite) -> Vec<(String, String)> {
    let mut headers = headers.to_vec();
    if overwrite == Overwrite::Refused {
        headers.push(("if-none-match".into(), "*".into()));
    }
    headers
}

/// Whether a reply says the server does not implement `If-None-Match` on writes.
fn refuses_condition(reply: &Reply) -> bool {
    let text = reply.error_text.as_deref().unwrap_or_default();
    reply.status == 501
        || (reply.status == 400 && text.to_ascii_lowercase().contains("if-none-match"))
}

/// Checks that a 206 reply holds the range asked for: `Content-Range: bytes a-b/n`.
fn check_content_range(reply: &Reply, operation: &str, start: u64, end: u64) -> Result<()> {
    if reply.status != 206 {
        return Ok(());
    }
    let header = reply.header("content-range").unwrap_or_default();
    let range = header
        .strip_prefix("bytes ")
        .and_then(|rest| rest.split('/').next())
        .and_then(|range| range.split_once('-'))
        .and_then(|(first, last)| Some((first.parse::<u64>().ok()?, last.parse::<u64>().ok()?)));
    if range == Some((start, end - 1)) {
        return Ok(());
    }
    Err(Error::Network(format!(
        "{operation}: the reply's Content-Range {header:?} is not the range asked for"
    )))
}

/// The root element of an XML document (`Error`, `CompleteMultipartUploadResult`...),
/// without its namespace prefix.
fn xml_root(text: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Start(start) | quick_xml::events::Event::Empty(start) => {
                let name = start.local_name();
                return Some(String::from_utf8_lossy(name.as_ref()).into_owned());
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

/// A key (or prefix, or marker) of a listing sent with `encoding-type=url`.
fn decode_listed(text: String, url_encoded: bool) -> Result<String> {
    if !url_encoded {
        return Ok(text);
    }
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| S3Failure::malformed("LIST", format!("a listed key is not UTF-8: {text:?}")))
}

impl ObjectStore {
    /// Finds the credentials and builds the transport for a configuration.
    pub fn new(config: &Config) -> Result<ObjectStore> {
        let credentials = CredentialSource::resolve(config)?;
        Ok(ObjectStore {
            transport: Transport::new(config, credentials)?,
            bucket_name: config.bucket_name.clone(),
            location_constraint: config
                .region_name
                .clone()
                .filter(|region| region != "us-east-1"),
            conditional_writes: AtomicBool::new(true),
        })
    }

    /// How many attempts a request (or the read of a range) gets.
    pub fn max_attempts(&self) -> u32 {
        self.transport.max_attempts()
    }

    /// HEAD: `None` for 404, the object's info for 2xx, an error otherwise.
    pub fn head(&self, key: &str, read: &ReadParameters) -> Result<Option<ObjectInfo>> {
        let reply = self
            .transport
            .send(Command::HeadObject, key, read.headers())?;
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
        Ok(Some(ObjectInfo {
            size,
            content_encoding: reply.header("content-encoding").map(str::to_string),
            modified: reply
                .header("last-modified")
                .and_then(|v| httpdate::parse_http_date(v).ok()),
            etag: reply.header("etag").map(str::to_string),
        }))
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
        let algorithm = write.checksum();
        headers.push((algorithm.header().into(), algorithm.compute(body)));
        let reply = self.transport.send(command, key, &headers)?;
        if overwrite == Overwrite::Refused && refuses_condition(&reply) {
            self.conditional_writes_refused();
            return self.put(key, body, write, Overwrite::Refused);
        }
        match reply.check(&format!("PUT {key}")) {
            Err(Error::AlreadyExists(_)) if self.stored_by_us(key, body, write) => Ok(()),
            other => other.map(Reply::finish),
        }
    }

    /// Where the server cannot write conditionally, a create-only write checks with HEAD
    /// first and then writes plainly (django-storages' way; not atomic).
    fn check_first(
        &self,
        key: &str,
        write: &WriteParameters,
        overwrite: Overwrite,
    ) -> Result<Overwrite> {
        if overwrite == Overwrite::Allowed || self.conditional_writes.load(Ordering::Relaxed) {
            return Ok(overwrite);
        }
        match self.head(key, write.access())? {
            Some(_) => Err(Error::AlreadyExists(format!(
                "{key} exists (checked with HEAD: the server cannot write conditionally)"
            ))),
            None => Ok(Overwrite::Allowed),
        }
    }

    /// Notes, and says once per storage, that the server refused `If-None-Match`.
    fn conditional_writes_refused(&self) {
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
        read: &ReadParameters,
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
        let skip = if reply.status == 200 { start } else { 0 };
        Ok(ObjectBody {
            body: reply.body.into_with_config().limit(u64::MAX).reader(),
            skip,
        })
    }

    /// Opens an object for reading with one request: the ranged GET of its first `len`
    /// bytes is also the existence check (404: `None`) and gives its size (from
    /// `Content-Range`), ETag and encoding. An empty object (416, or a 200 without a
    /// body) opens as empty.
    pub fn get_first(
        &self,
        key: &str,
        len: u64,
        read: &ReadParameters,
    ) -> Result<Option<FirstWindow>> {
        let mut attempt = 1;
        loop {
            match self.get_first_once(key, len, read) {
                // A body cut short or stalled: ask again, as for any range.
                Err(Error::Network(reason)) if attempt < self.max_attempts() => {
                    let operation = format!("GET {key}");
                    self.transport
                        .pause_before_retry(&operation, &reason, attempt);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn get_first_once(
        &self,
        key: &str,
        len: u64,
        read: &ReadParameters,
    ) -> Result<Option<FirstWindow>> {
        let operation = format!("GET {key} bytes 0-{}", len - 1);
        let command = Command::GetObjectRange {
            start: 0,
            end: Some(len - 1),
        };
        let mut reply = self.transport.send(command, key, read.headers())?;
        let info = |size: u64, reply: &Reply| ObjectInfo {
            size,
            content_encoding: reply.header("content-encoding").map(str::to_string),
            modified: (reply.header("last-modified"))
                .and_then(|v| httpdate::parse_http_date(v).ok()),
            etag: reply.header("etag").map(str::to_string),
        };
        let size = match reply.status {
            404 => return Ok(None),
            416 => {
                let info = info(0, &reply);
                return Ok(Some(FirstWindow {
                    info,
                    data: Vec::new(),
                }));
            }
            206 => {
                let total = (reply.header("content-range"))
                    .and_then(|range| range.rsplit('/').next()?.parse::<u64>().ok());
                let size = total.ok_or_else(|| {
                    S3Failure::malformed(&operation, "the reply has no valid Content-Range")
                })?;
                check_content_range(&reply, &operation, 0, len.min(size))?;
                size
            }
            _ => {
                reply = reply.check(&operation)?;
                let length = reply.header("content-length").and_then(|v| v.parse().ok());
                length.unwrap_or(0)
            }
        };
        let info = info(size, &reply);
        let mut data = Vec::with_capacity(len.min(size) as usize);
        let mut body = reply.body.into_with_config().limit(u64::MAX).reader();
        let read = (&mut body).take(len.min(size)).read_to_end(&mut data);
        read.map_err(|error| Error::Network(format!("{operation}: reading the body: {error}")))?;
        if data.len() as u64 == size {
            // Seeing the end lets the connection go back to the pool.
            let _ = body.read(&mut [0u8; 1]);
        }
        if (data.len() as u64) < len.min(size) {
            return Err(Error::Network(format!(
                "{operation}: the body ended after {} bytes",
                data.len()
            )));
        }
        Ok(Some(FirstWindow { info, data }))
    }

    /// One page of the keys under `prefix`, grouped by `/`, from `marker` on. Keys are
    /// asked for URL-encoded, so that any key (even one XML cannot carry) comes back
    /// exactly. A truncated page whose marker does not advance is a server error.
    pub fn list_page(&self, prefix: &str, marker: Option<&str>) -> Result<ListPage> {
        let command = Command::ListObjects {
            prefix: prefix.to_string(),
            delimiter: Some("/".into()),
            marker: marker.map(str::to_string),
            max_keys: None,
        };
        let operation = format!("LIST {}/{prefix}", self.bucket_name);
        let query = [("encoding-type", "url")];
        let page: ListBucketResult = self.listing(command, &operation, &query)?;
        let encoded = page.encoding_type.as_deref() == Some("url");
        let decode = |text: String| decode_listed(text, encoded);
        let prefixes = (page.common_prefixes.into_iter())
            .map(|p| decode(p.prefix))
            .collect::<Result<Vec<_>>>()?;
        let keys = (page.contents.into_iter())
            .map(|entry| decode(entry.key))
            .collect::<Result<Vec<_>>>()?;
        if page.is_truncated.as_deref() != Some("true") {
            return Ok(ListPage {
                prefixes,
                keys,
                next_marker: None,
            });
        }
        let last = prefixes.iter().chain(&keys).max().cloned();
        let next_marker = page.next_marker.map(decode).transpose()?.or(last);
        if next_marker.is_none() || next_marker.as_deref() <= marker {
            return Err(S3Failure::malformed(
                &operation,
                format!(
                    "the listing is truncated but its continuation marker {next_marker:?} \
                     does not advance past {marker:?}"
                ),
            ));
        }
        Ok(ListPage {
            prefixes,
            keys,
            next_marker,
        })
    }

    /// One page of the multipart uploads begun under `prefix` and not yet ended.
    pub fn list_uploads_page(
        &self,
        prefix: &str,
        key_marker: Option<String>,
        upload_id_marker: Option<String>,
    ) -> Result<UploadsPage> {
        let command = Command::ListMultipartUploads {
            prefix: Some(prefix),
            delimiter: None,
            key_marker,
            upload_id_marker,
            max_uploads: None,
        };
        let operation = format!("ListMultipartUploads {}/{prefix}", self.bucket_name);
        let page: ListMultipartUploadsResult = self.listing(command, &operation, &[])?;
        let next = match (page.is_truncated.as_deref(), page.next_key_marker) {
            (Some("true"), Some(key_marker)) => Some((key_marker, page.next_upload_id_marker)),
            _ => None,
        };
        Ok(UploadsPage {
            uploads: (page.uploads.into_iter())
                .map(|upload| PendingUpload {
                    initiated: upload.initiated.as_deref().and_then(|text| {
                        let format = &time::format_description::well_known::Rfc3339;
                        let parsed = time::OffsetDateTime::parse(text, format).ok()?;
                        Some(SystemTime::from(parsed))
                    }),
                    key: upload.key,
                    upload_id: upload.upload_id,
                })
                .collect(),
            next,
        })
    }

    /// One page of a bucket listing, parsed.
    fn listing<T: serde::de::DeserializeOwned>(
        &self,
        command: Command<'_>,
        operation: &str,
        query: &[(&str, &str)],
    ) -> Result<T> {
        let request = Outgoing {
            command,
            key: "/",
            headers: &[],
            query,
            body: None,
        };
        let text = self
            .transport
            .send_request(request)?
            .check(operation)?
            .text(operation)?;
        quick_xml::de::from_str(&text).map_err(|error| {
            S3Failure::malformed(
                operation,
                format!("the listing could not be parsed: {error}"),
            )
        })
    }

    /// CreateMultipartUpload with the object's parameters; gives the upload id. If the
    /// reply was lost after the request went out, the upload it may have begun is found
    /// (this key, begun since just before the request) and aborted, so none is left.
    pub fn create_multipart(&self, key: &str, write: &WriteParameters) -> Result<String> {
        let asked = SystemTime::now() - LOST_UPLOAD_WINDOW;
        let outcome = self.initiate(key, write);
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

    fn initiate(&self, key: &str, write: &WriteParameters) -> Result<String> {
        let operation = format!("CreateMultipartUpload {key}");
        let command = Command::InitiateMultipartUpload {
            content_type: &write.content_type,
        };
        let mut headers = write.create_headers().to_vec();
        let algorithm = write.checksum().for_parts();
        headers.push(("x-amz-checksum-algorithm".into(), algorithm.name().into()));
        let text = self
            .transport
            .send(command, key, &headers)?
            .check(&operation)?
            .text(&operation)?;
        xml_field(&text, "UploadId")
            .ok_or_else(|| S3Failure::malformed(&operation, "the reply carries no UploadId"))
    }

    /// UploadPart: sends one part and gives its ETag.
    pub fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        (number, data): (u32, &[u8]),
        write: &WriteParameters,
    ) -> Result<UploadedPart> {
        let operation = format!("UploadPart {key} #{number}");
        let command = Command::PutObject {
            content: data,
            content_type: "application/octet-stream",
            custom_headers: None,
            multipart: Some(Multipart::new(number, upload_id)),
        };
        let algorithm = write.checksum().for_parts();
        let checksum = algorithm.compute(data);
        let mut headers = write.access().headers().to_vec();
        headers.push((algorithm.header().into(), checksum.clone()));
        let reply = self
            .transport
            .send(command, key, &headers)?
            .check(&operation)?;
        let etag = reply
            .header("etag")
            .ok_or_else(|| S3Failure::malformed(&operation, "the reply carries no ETag"))?
            .to_string();
        reply.finish();
        Ok(UploadedPart {
            number,
            etag,
            checksum: Some((algorithm, checksum)),
        })
    }

    /// CompleteMultipartUpload of `parts` (in any order); with `Overwrite::Refused`,
    /// `AlreadyExists` if the key is taken. A 200 whose body is an S3 `Error` is retried
    /// as the AWS SDKs do; one that is not the expected XML is a failure.
    pub fn complete(
        &self,
        key: &str,
        upload_id: &str,
        mut parts: Vec<UploadedPart>,
        (write, overwrite): (&WriteParameters, Overwrite),
    ) -> Result<()> {
        let overwrite = self.check_first(key, write, overwrite)?;
        parts.sort_by_key(|part| part.number);
        let body = completion_xml(&parts);
        let operation = format!("CompleteMultipartUpload {key}");
        let headers = with_condition(write.upload_headers(), overwrite);
        let mut attempt = 1;
        loop {
            let command = Command::CompleteMultipartUpload {
                upload_id,
                data: CompleteMultipartUploadData { parts: Vec::new() },
            };
            let request = Outgoing {
                command,
                key,
                headers: &headers,
                query: &[],
                body: Some(body.as_bytes()),
            };
            let reply = match self.transport.send_request(request) {
                Ok(reply) => reply,
                Err(error) => return self.confirm_completed(key, &parts, write, error),
            };
            if overwrite == Overwrite::Refused && refuses_condition(&reply) {
                self.conditional_writes_refused();
                return self.complete(key, upload_id, parts, (write, Overwrite::Refused));
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
                    self.transport
                        .pause_before_retry(&operation, &reason, attempt);
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
        let (Error::Network(_), Some(expected)) = (&error, multipart_etag(parts)) else {
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

    /// After a create-only PUT was refused (412), whether the object there is this very
    /// body, stored by an earlier attempt whose reply was lost: its ETag is the body's MD5.
    fn stored_by_us(&self, key: &str, body: &[u8], write: &WriteParameters) -> bool {
        let expected = format!("\"{:x}\"", md5::compute(body));
        matches!(
            self.head(key, write.access()),
            Ok(Some(info)) if info.etag.as_deref() == Some(expected.as_str())
        )
    }

    /// AbortMultipartUpload.
    pub fn abort(&self, key: &str, upload_id: &str, write: &WriteParameters) -> Result<()> {
        let operation = format!("AbortMultipartUpload {key}");
        let command = Command::AbortMultipartUpload { upload_id };
        self.transport
            .send(command, key, write.upload_headers())?
            .check(&operation)
            .map(Reply::finish)
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
/// that is not `CompleteMultipartUploadResult`.
fn completion_error(text: &str, operation: &str) -> Option<Error> {
    match xml_root(text).as_deref() {
        Some("CompleteMultipartUploadResult") => None,
        Some("Error") => Some(Error::Server(S3Failure {
            operation: operation.to_string(),
            status: 200,
            code: xml_field(text, "Code").unwrap_or_else(|| "InternalError".into()),
            message: xml_field(text, "Message").unwrap_or_default(),
        })),
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

    #[test]
    fn listed_keys_are_decoded_only_when_encoded() {
        assert_eq!(decode_listed("a%01b+c".into(), true).unwrap(), "a\u{1}b c");
        assert_eq!(decode_listed("100%41".into(), false).unwrap(), "100%41");
    }
}
