//! The S3 object protocol: the only place that knows HTTP, rust-s3, S3's header names,
//! status codes and XML replies. [`S3Store`] implements the object-store seam
//! (`crate::store::ObjectStore`).
//!
//! * `objects.rs`: HEAD, PUT, ranged GETs, DELETE and CreateBucket; `listing.rs`:
//!   listing pages; `uploads.rs`: the multipart calls; `presign.rs`: object URLs;
//! * `transport.rs`: one pooled `ureq` agent per storage sends each request, with the
//!   SDKs' standard retry mode; `signed.rs`: rust-s3 builds its URL and `sigv4.rs` signs
//!   it (a body hashed at most once, or `UNSIGNED-PAYLOAD` with a checksum over https);
//! * the credentials and the SigV4 signer come from `crate::aws` (identity).

mod copies;
mod deletes;
mod listing;
mod objects;
mod post;
mod presign;
mod reply;
mod retries;
mod signed;
mod transport;
mod uploads;

pub(crate) use objects::S3Store;

use crate::error::Result;
use crate::object_parameters::{AccessParameters, WriteParameters};
use crate::store::{
    CopyRequest, Destination, FirstWindow, KeyFailure, ListPage, ObjectBody, ObjectHead,
    ObjectStore, Overwrite, PresignedPost, Upload, UploadedPart, UploadsPage, UrlRequest,
};

/// Every parser of what an S3 server sends, run on `text` (for the fuzz targets): the
/// XML replies (errors, listings, upload listings, initiations, completions) and the
/// header values this layer reads (Content-Range, Content-Length, ETag, Last-Modified,
/// checksums); each must give a value or an error, never panic or hang.
pub(crate) fn parse_server_replies(text: &str) {
    let _ = reply::reply_fields(text);
    let _ = reply::xml_field(text, "UploadId");
    let _ = uploads::completion_error(text, "fuzz");
    listing::parse_listings(text);
    let _ = objects::content_range(text);
    let _ = text.parse::<u64>();
    let _ = httpdate::parse_http_date(text);
    let _ = crate::checksums::ObjectChecksum::from_headers(|_| Some(text));
}

impl ObjectStore for S3Store {
    fn destination(&self) -> Destination {
        S3Store::destination(self)
    }

    fn max_attempts(&self) -> u32 {
        S3Store::max_attempts(self)
    }

    fn pause_before_retry(&self, operation: &str, reason: &str, attempt: u32) -> bool {
        self.transport
            .pause_before_retry(operation, reason, attempt)
    }

    fn create_bucket(&self, acl: Option<&str>) -> Result<()> {
        S3Store::create_bucket(self, acl)
    }

    fn head(&self, key: &str, read: &AccessParameters) -> Result<Option<ObjectHead>> {
        S3Store::head(self, key, read)
    }

    fn put(
        &self,
        key: &str,
        body: &[u8],
        write: &WriteParameters,
        overwrite: Overwrite,
    ) -> Result<()> {
        S3Store::put(self, key, body, write, overwrite)
    }

    fn delete(&self, key: &str) -> Result<()> {
        S3Store::delete(self, key)
    }

    fn delete_batch(&self, keys: &[String]) -> Result<Vec<KeyFailure>> {
        S3Store::delete_batch(self, keys)
    }

    fn copy_object(&self, copy: &CopyRequest<'_>, overwrite: Overwrite) -> Result<()> {
        S3Store::copy_object(self, copy, overwrite)
    }

    fn upload_part_copy(
        &self,
        copy: &CopyRequest<'_>,
        upload: &Upload,
        part: (u32, (u64, u64)),
    ) -> Result<UploadedPart> {
        S3Store::upload_part_copy(self, copy, upload, part)
    }

    fn get_range(
        &self,
        key: &str,
        (start, end): (u64, u64),
        if_match: Option<&str>,
        read: &AccessParameters,
    ) -> Result<ObjectBody> {
        S3Store::get_range(self, key, start, end, if_match, read)
    }

    fn get_first(
        &self,
        key: &str,
        len: u64,
        read: &AccessParameters,
    ) -> Result<Option<FirstWindow>> {
        S3Store::get_first(self, key, len, read)
    }

    fn list_page(&self, prefix: &str, marker: Option<&str>, delimited: bool) -> Result<ListPage> {
        S3Store::list_page(self, prefix, marker, delimited)
    }

    fn list_uploads_page(
        &self,
        prefix: &str,
        key_marker: Option<String>,
        upload_id_marker: Option<String>,
    ) -> Result<UploadsPage> {
        S3Store::list_uploads_page(self, prefix, key_marker, upload_id_marker)
    }

    fn create_multipart(&self, key: &str, write: &WriteParameters) -> Result<Upload> {
        S3Store::create_multipart(self, key, write)
    }

    fn upload_part(
        &self,
        key: &str,
        upload: &Upload,
        part: (u32, &[u8]),
        write: &WriteParameters,
    ) -> Result<UploadedPart> {
        S3Store::upload_part(self, key, upload, part, write)
    }

    fn complete(
        &self,
        key: &str,
        upload: &Upload,
        parts: Vec<UploadedPart>,
        write: (&WriteParameters, Overwrite, Option<String>),
    ) -> Result<()> {
        S3Store::complete(self, key, upload, parts, write)
    }

    fn abort(&self, key: &str, upload_id: &str, write: &WriteParameters) -> Result<()> {
        S3Store::abort(self, key, upload_id, write)
    }

    fn url(&self, request: &UrlRequest<'_>) -> Result<String> {
        S3Store::url(self, request)
    }

    fn presigned_post(
        &self,
        key: &str,
        conditions: &[serde_json::Value],
        expire: u64,
    ) -> Result<PresignedPost> {
        S3Store::presigned_post(self, key, conditions, expire)
    }
}
