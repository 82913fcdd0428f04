//! The typed S3 calls the storage is built from: one method per request kind, each
//! turning S3's status codes, headers and XML into our types and errors.

use super::object_parameters::{ReadParameters, WriteParameters};
use super::transport::{xml_field, Transport};
use super::CredentialSource;
use crate::config::Config;
use crate::error::{Error, Result, S3Failure};
use rust_s3::command::{Command, Multipart};
use rust_s3::serde_types::{CompleteMultipartUploadData, Part};
use serde::Deserialize;
use std::io::{self, Read};
use std::time::SystemTime;

/// One bucket's objects, reached through a pooled, retrying, signing transport.
pub(crate) struct ObjectStore {
    pub(super) transport: Transport,
    bucket_name: String,
    /// The region a bucket created here is placed in (`None`: us-east-1).
    location_constraint: Option<String>,
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

/// The body of a ranged GET, positioned at the first byte asked for.
pub(crate) struct ObjectBody {
    body: ureq::BodyReader<'static>,
    /// Bytes to drop first: a server that ignores `Range` sends the object from byte 0.
    skip: u64,
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

/// One page of the multipart uploads in progress.
pub(crate) struct UploadsPage {
    /// `(key, upload id)` of each upload.
    pub uploads: Vec<(String, String)>,
    /// `(key marker, upload id marker)` of the next page, if truncated.
    pub next: Option<(String, Option<String>)>,
}

/// A part that went up: its number and the ETag the server gave it.
pub(crate) struct UploadedPart {
    /// 1-based part number.
    pub number: u32,
    /// The part's ETag.
    pub etag: String,
}

#[derive(Deserialize)]
struct ListBucketResult {
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
}

/// The header list of a create-only request, or the plain one.
fn with_condition(headers: &[(String, String)], create_only: bool) -> Vec<(String, String)> {
    let mut headers = headers.to_vec();
    if create_only {
        headers.push(("if-none-match".into(), "*".into()));
    }
    headers
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
        let reply = reply.check(&format!("HEAD {key}"))?;
        Ok(Some(ObjectInfo {
            size: reply
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            content_encoding: reply.header("content-encoding").map(str::to_string),
            modified: reply
                .header("last-modified")
                .and_then(|v| httpdate::parse_http_date(v).ok()),
            etag: reply.header("etag").map(str::to_string),
        }))
    }

    /// One PUT of a whole body; `create_only` fails with `AlreadyExists` if the key exists.
    pub fn put(
        &self,
        key: &str,
        body: &[u8],
        write: &WriteParameters,
        create_only: bool,
    ) -> Result<()> {
        let command = Command::PutObject {
            content: body,
            content_type: &write.content_type,
            custom_headers: None,
            multipart: None,
        };
        let headers = with_condition(write.headers(), create_only);
        self.transport
            .send(command, key, &headers)?
            .check(&format!("PUT {key}"))
            .map(|_| ())
    }

    /// DELETE; a key that does not exist is not an error.
    pub fn delete(&self, key: &str) -> Result<()> {
        let reply = self.transport.send(Command::DeleteObject, key, &[])?;
        if reply.status == 404 {
            return Ok(());
        }
        reply.check(&format!("DELETE {key}")).map(|_| ())
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
        let skip = if reply.status == 200 { start } else { 0 };
        Ok(ObjectBody {
            body: reply.body.into_with_config().limit(u64::MAX).reader(),
            skip,
        })
    }

    /// One page of the keys under `prefix`, grouped by `/`, from `marker` on.
    pub fn list_page(&self, prefix: &str, marker: Option<&str>) -> Result<ListPage> {
        let command = Command::ListObjects {
            prefix: prefix.to_string(),
            delimiter: Some("/".into()),
            marker: marker.map(str::to_string),
            max_keys: None,
        };
        let operation = format!("LIST {}/{prefix}", self.bucket_name);
        let page: ListBucketResult = self.listing(command, &operation)?;
        let prefixes: Vec<String> = page.common_prefixes.into_iter().map(|p| p.prefix).collect();
        let keys: Vec<String> = page.contents.into_iter().map(|entry| entry.key).collect();
        let last = prefixes.iter().chain(&keys).max().cloned();
        let next_marker = match page.is_truncated.as_deref() {
            Some("true") => page.next_marker.or(last),
            _ => None,
        };
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
        let page: ListMultipartUploadsResult = self.listing(command, &operation)?;
        let next = match (page.is_truncated.as_deref(), page.next_key_marker) {
            (Some("true"), Some(key_marker)) => Some((key_marker, page.next_upload_id_marker)),
            _ => None,
        };
        Ok(UploadsPage {
            uploads: page
                .uploads
                .into_iter()
                .map(|upload| (upload.key, upload.upload_id))
                .collect(),
            next,
        })
    }

    /// One page of a bucket listing, parsed.
    fn listing<T: serde::de::DeserializeOwned>(
        &self,
        command: Command<'_>,
        operation: &str,
    ) -> Result<T> {
        let text = self
            .transport
            .send(command, "/", &[])?
            .check(operation)?
            .text(operation)?;
        quick_xml::de::from_str(&text).map_err(|error| {
            S3Failure::malformed(
                operation,
                format!("the listing could not be parsed: {error}"),
            )
        })
    }

    /// CreateMultipartUpload with the object's parameters; gives the upload id.
    pub fn create_multipart(&self, key: &str, write: &WriteParameters) -> Result<String> {
        let operation = format!("CreateMultipartUpload {key}");
        let command = Command::InitiateMultipartUpload {
            content_type: &write.content_type,
        };
        let text = self
            .transport
            .send(command, key, write.headers())?
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
        number: u32,
        data: &[u8],
    ) -> Result<UploadedPart> {
        let operation = format!("UploadPart {key} #{number}");
        let command = Command::PutObject {
            content: data,
            content_type: "application/octet-stream",
            custom_headers: None,
            multipart: Some(Multipart::new(number, upload_id)),
        };
        let reply = self.transport.send(command, key, &[])?.check(&operation)?;
        let etag = reply
            .header("etag")
            .ok_or_else(|| S3Failure::malformed(&operation, "the reply carries no ETag"))?
            .to_string();
        Ok(UploadedPart { number, etag })
    }

    /// CompleteMultipartUpload of `parts` (in any order); with `create_only`, fails with
    /// `AlreadyExists` if the key exists. A 200 carrying an S3 `Error` is a failure.
    pub fn complete(
        &self,
        key: &str,
        upload_id: &str,
        mut parts: Vec<UploadedPart>,
        create_only: bool,
    ) -> Result<()> {
        parts.sort_by_key(|part| part.number);
        let parts = parts
            .into_iter()
            .map(|part| Part {
                part_number: part.number,
                etag: part.etag,
            })
            .collect();
        let operation = format!("CompleteMultipartUpload {key}");
        let command = Command::CompleteMultipartUpload {
            upload_id,
            data: CompleteMultipartUploadData { parts },
        };
        let headers = with_condition(&[], create_only);
        let reply = self.transport.send(command, key, &headers)?;
        let text = reply.check(&operation)?.text(&operation)?;
        // S3 may answer 200 with an error document once the body has started.
        match xml_field(&text, "Code") {
            Some(code) if text.contains("<Error>") => Err(Error::Server(S3Failure {
                operation: operation.clone(),
                status: 200,
                message: xml_field(&text, "Message").unwrap_or_default(),
                code,
            })),
            _ => Ok(()),
        }
    }

    /// AbortMultipartUpload.
    pub fn abort(&self, key: &str, upload_id: &str) -> Result<()> {
        let operation = format!("AbortMultipartUpload {key}");
        self.transport
            .send(Command::AbortMultipartUpload { upload_id }, key, &[])?
            .check(&operation)
            .map(|_| ())
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
