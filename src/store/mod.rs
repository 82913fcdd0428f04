//! The object-store seam: the calls that the storage, its files, readers and uploads make
//! of one bucket, and the types they exchange. Two stores implement it: the S3 protocol
//! (`crate::s3::S3Store`, the only code that knows HTTP) and the in-memory store
//! ([`memory`], selected by `AWS_S3_ENDPOINT_URL=memory://NAME`), so that the Django
//! semantics above this seam can be tested, and used, without a server.

pub(crate) mod memory;

use crate::checksums::{ChecksumAlgorithm, ObjectChecksum};
use crate::config::SignatureVersion;
use crate::error::Result;
use crate::object_parameters::{AccessParameters, WriteParameters};
use std::io::Read;
use std::time::SystemTime;

/// Whether a write may replace an existing object.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Overwrite {
    /// A plain write: replaces whatever is there.
    Allowed,
    /// Create-only (`If-None-Match: *`): `AlreadyExists` if the key is taken.
    Refused,
}

/// What a HEAD told about an object.
#[derive(Clone, Debug)]
pub(crate) struct ObjectHead {
    /// Content-Length.
    pub size: u64,
    /// Content-Encoding, if any.
    pub content_encoding: Option<String>,
    /// Last-Modified.
    pub modified: Option<SystemTime>,
    /// ETag, to read consistent ranges.
    pub etag: Option<String>,
    /// The checksum the server keeps for the object, when it sent one (asked for with
    /// `x-amz-checksum-mode`).
    pub checksum: Option<ObjectChecksum>,
    /// Content-Type, if the server said.
    pub content_type: Option<String>,
    /// User metadata (`x-amz-meta-*`), by key without the prefix, in the server's order.
    pub metadata: Vec<(String, String)>,
    /// `x-amz-version-id` (a versioned bucket).
    pub version_id: Option<String>,
}

/// The first bytes of an object, from the GET that opened it.
pub(crate) struct FirstWindow {
    /// The object's size, ETag, encoding and checksum.
    pub info: ObjectHead,
    /// Its first bytes (all of them for a small object).
    pub data: Vec<u8>,
    /// The rest of the same GET's body, positioned after `data`, when the object is
    /// larger: a sequential read goes on with it, so the whole object comes in one
    /// request whose checksum covers every byte.
    pub rest: Option<ObjectBody>,
}

/// How a multipart upload's parts and whole are checksummed, as its creation declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UploadChecksum {
    /// The algorithm of every part (and of the whole, for a full-object checksum).
    pub algorithm: ChecksumAlgorithm,
    /// `x-amz-checksum-type: FULL_OBJECT`: the completion carries the checksum of the
    /// whole object's bytes; else COMPOSITE (a checksum of the parts' checksums).
    pub full_object: bool,
}

/// A multipart upload begun: its id and how it is checksummed.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    /// The upload id.
    pub id: String,
    /// `None`: the parts carry no checksum (`request_checksum_calculation =
    /// when_required`, no `ChecksumAlgorithm` asked for).
    pub checksum: Option<UploadChecksum>,
}

/// The body of a ranged GET as a store delivers it.
pub(crate) trait BodyStream: Read + Send {
    /// After the last byte asked for: lets the connection go back to a pool.
    fn finish(&mut self) {}
}

/// The body of a ranged GET, positioned at the first byte asked for.
pub(crate) struct ObjectBody(Box<dyn BodyStream>);

impl ObjectBody {
    /// Wraps a store's body.
    pub fn new(body: impl BodyStream + 'static) -> ObjectBody {
        ObjectBody(Box::new(body))
    }

    /// After the last byte asked for (see [`BodyStream::finish`]).
    pub fn finish(&mut self) {
        self.0.finish();
    }
}

impl Read for ObjectBody {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(out)
    }
}

/// An object as a listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Listed {
    /// Its key.
    pub key: String,
    /// Its size.
    pub size: u64,
    /// LastModified, if the listing said.
    pub modified: Option<SystemTime>,
    /// Its ETag, if the listing said.
    pub etag: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Default)]
pub(crate) struct ListPage {
    /// Common prefixes (the "directories"), with their trailing delimiter; none for a
    /// listing without delimiter.
    pub prefixes: Vec<String>,
    /// The objects, in key order.
    pub objects: Vec<Listed>,
    /// Where the next page starts, if the listing is truncated.
    pub next_marker: Option<String>,
}

/// A key a batch delete did not delete, and the store's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyFailure {
    /// The key.
    pub key: String,
    /// The S3 error code (`AccessDenied`, ...).
    pub code: String,
    /// The S3 error message.
    pub message: String,
}

/// A multipart upload begun and not yet completed or aborted.
#[derive(Debug)]
pub(crate) struct PendingUpload {
    /// Its key.
    pub key: String,
    /// Its id.
    pub upload_id: String,
    /// When it began, if the server said.
    pub initiated: Option<SystemTime>,
}

/// One page of the multipart uploads in progress.
#[derive(Debug, Default)]
pub(crate) struct UploadsPage {
    /// The uploads.
    pub uploads: Vec<PendingUpload>,
    /// `(key marker, upload id marker)` of the next page, if truncated.
    pub next: Option<(String, Option<String>)>,
}

/// A part that went up: its number, the ETag the store gave it and its checksum.
#[derive(Clone, Debug)]
pub(crate) struct UploadedPart {
    /// 1-based part number.
    pub number: u32,
    /// The part's ETag.
    pub etag: String,
    /// The algorithm and value of the part's checksum.
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

/// What `Storage.url` asks of the store.
pub(crate) struct UrlRequest<'a> {
    /// The object's key.
    pub key: &'a str,
    /// `GET`, `HEAD`, `PUT` or `DELETE` (already checked).
    pub method: &'a str,
    /// Lifetime in seconds.
    pub expire: u64,
    /// GetObject parameters by their boto3 names, with their values as text.
    pub parameters: &'a [(String, String)],
    /// Which signature to use when signing.
    pub signature: SignatureVersion,
    /// False: the plain object URL (AWS_QUERYSTRING_AUTH=False).
    pub signed: bool,
}

/// A server-side copy: from which key to which, with the metadata kept or replaced.
pub(crate) struct CopyRequest<'a> {
    /// The source key.
    pub source: &'a str,
    /// The destination key.
    pub key: &'a str,
    /// `None`: the source's metadata and content type are kept (COPY); else these
    /// parameters replace them (REPLACE).
    pub replace: Option<&'a WriteParameters>,
    /// With `replace` `None`: the storage's own parameters for the destination
    /// (`AWS_S3_OBJECT_PARAMETERS`, `AWS_DEFAULT_ACL`), whose ACL, storage class and
    /// encryption a kept-metadata copy still sets, as a save would.
    pub kept: Option<&'a WriteParameters>,
    /// SSE-C parameters of the source (and of the destination when kept).
    pub read: &'a AccessParameters,
    /// The source's ETag when the copy began: every part copy must come from that
    /// version (`x-amz-copy-source-if-match`), never a mix of two.
    pub source_etag: Option<&'a str>,
}

/// A presigned POST: where to send the form, and its fields (the file goes last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignedPost {
    /// The bucket's URL, the form's action.
    pub url: String,
    /// The form fields: key, policy, signature, credential, date, token, exact fields.
    pub fields: std::collections::BTreeMap<String, String>,
}

impl PresignedPost {
    /// `{"url": ..., "fields": {...}}`, as boto3 returns it.
    pub fn to_json(&self) -> String {
        serde_json::json!({"url": self.url, "fields": self.fields}).to_string()
    }
}

/// Where a store's requests go, for diagnostics; never a secret.
#[derive(Clone, Debug)]
pub(crate) struct Destination {
    /// The endpoint URL.
    pub endpoint: String,
    /// The region requests are signed for.
    pub region: String,
    /// Path-style addressing.
    pub path_style: bool,
    /// Where the credentials came from.
    pub credentials: String,
}

/// The calls made of one bucket. Every method is one request kind of the S3 protocol
/// (retried by the store as the SDKs do); keys are full keys (with `AWS_LOCATION`).
pub(crate) trait ObjectStore: Send + Sync {
    /// Where requests go.
    fn destination(&self) -> Destination;
    /// How many attempts a request (or the read of a range) gets.
    fn max_attempts(&self) -> u32;
    /// Whether attempt `attempt + 1` of something that failed for `reason` (a body cut
    /// short) may go, as the store's own retries decide it (the retry quota); it waits
    /// the backoff first.
    fn pause_before_retry(&self, operation: &str, reason: &str, attempt: u32) -> bool;
    /// CreateBucket with a canned ACL; an existing bucket is fine.
    fn create_bucket(&self, acl: Option<&str>) -> Result<()>;
    /// HEAD: `None` when there is no such object.
    fn head(&self, key: &str, read: &AccessParameters) -> Result<Option<ObjectHead>>;
    /// One PUT of a whole body; with `Overwrite::Refused`, `AlreadyExists` if the key is
    /// taken.
    fn put(
        &self,
        key: &str,
        body: &[u8],
        write: &WriteParameters,
        overwrite: Overwrite,
    ) -> Result<()>;
    /// DELETE; a missing key is not an error.
    fn delete(&self, key: &str) -> Result<()>;
    /// CopyObject; a missing source is `NotFound`; with `Overwrite::Refused`,
    /// `AlreadyExists` if the destination is taken.
    fn copy_object(&self, copy: &CopyRequest<'_>, overwrite: Overwrite) -> Result<()>;
    /// DeleteObjects of up to 1,000 keys (Quiet mode): the keys not deleted, with why;
    /// missing keys are not failures. A store without the call deletes one by one.
    fn delete_batch(&self, keys: &[String]) -> Result<Vec<KeyFailure>>;
    /// A ranged GET of `[start, end)`, with `If-Match` when an ETag is given: a missing
    /// object is `NotFound`, a replaced one (`If-Match` failed) `BadState`.
    fn get_range(
        &self,
        key: &str,
        range: (u64, u64),
        if_match: Option<&str>,
        read: &AccessParameters,
    ) -> Result<ObjectBody>;
    /// The GET that opens an object for reading: its first `len` bytes and its size,
    /// ETag and encoding; `None` when there is no such object.
    fn get_first(
        &self,
        key: &str,
        len: u64,
        read: &AccessParameters,
    ) -> Result<Option<FirstWindow>>;
    /// One page of the listing of `prefix` after `marker`: grouped by `/` when
    /// `delimited`, else every key under the prefix.
    fn list_page(&self, prefix: &str, marker: Option<&str>, delimited: bool) -> Result<ListPage>;
    /// One page of the multipart uploads in progress under `prefix`.
    fn list_uploads_page(
        &self,
        prefix: &str,
        key_marker: Option<String>,
        upload_id_marker: Option<String>,
    ) -> Result<UploadsPage>;
    /// CreateMultipartUpload: gives the upload's id and checksum type; never leaves an
    /// upload it cannot name.
    fn create_multipart(&self, key: &str, write: &WriteParameters) -> Result<Upload>;
    /// UploadPart: sends part `number` and gives its ETag and checksum.
    fn upload_part(
        &self,
        key: &str,
        upload: &Upload,
        part: (u32, &[u8]),
        write: &WriteParameters,
    ) -> Result<UploadedPart>;
    /// UploadPartCopy: part `number` of `upload` is the source's bytes `[start, end)`,
    /// copied on the server; gives its ETag (and checksum, if the upload has one).
    fn upload_part_copy(
        &self,
        copy: &CopyRequest<'_>,
        upload: &Upload,
        part: (u32, (u64, u64)),
    ) -> Result<UploadedPart>;
    /// CompleteMultipartUpload of `parts` (in any order), with the whole object's
    /// checksum for a FULL_OBJECT upload; with `Overwrite::Refused`, `AlreadyExists` if
    /// the key is taken.
    fn complete(
        &self,
        key: &str,
        upload: &Upload,
        parts: Vec<UploadedPart>,
        write: (&WriteParameters, Overwrite, Option<String>),
    ) -> Result<()>;
    /// AbortMultipartUpload.
    fn abort(&self, key: &str, upload_id: &str, write: &WriteParameters) -> Result<()>;
    /// The URL of an object (presigned, or plain).
    fn url(&self, request: &UrlRequest<'_>) -> Result<String>;
    /// The URL and form fields of a browser upload (POST) of `key`, under boto3-style
    /// `conditions`, valid for `expire` seconds.
    fn presigned_post(
        &self,
        key: &str,
        conditions: &[serde_json::Value],
        expire: u64,
    ) -> Result<PresignedPost>;
}
