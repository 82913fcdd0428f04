//! Listings: one page of a delimited listing (keys asked for URL-encoded, so that any
//! key comes back exactly) and one page of the multipart uploads in progress.

use super::objects::S3Store;
use super::transport::Outgoing;
use crate::error::{Result, S3Failure};
use crate::store::{ListPage, Listed, PendingUpload, UploadsPage};
use rust_s3::command::Command;
use serde::Deserialize;
use std::time::SystemTime;

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
    #[serde(rename = "Size", default)]
    size: Option<u64>,
    #[serde(rename = "LastModified", default)]
    last_modified: Option<String>,
    #[serde(rename = "ETag", default)]
    etag: Option<String>,
}

/// An RFC 3339 time of a listing (LastModified, Initiated).
fn listed_time(text: Option<&str>) -> Option<SystemTime> {
    let format = &time::format_description::well_known::Rfc3339;
    let parsed = time::OffsetDateTime::parse(text?, format).ok()?;
    Some(SystemTime::from(parsed))
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

impl S3Store {
    /// One page of the keys under `prefix` (grouped by `/` when `delimited`) from
    /// `marker` on. Keys are asked for URL-encoded, so that any key (even one XML cannot
    /// carry) comes back exactly. A truncated page whose marker does not advance is a
    /// server error.
    pub fn list_page(
        &self,
        prefix: &str,
        marker: Option<&str>,
        delimited: bool,
    ) -> Result<ListPage> {
        let command = Command::ListObjects {
            prefix: prefix.to_string(),
            delimiter: delimited.then(|| "/".into()),
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
        let objects = (page.contents.into_iter())
            .map(|entry| {
                Ok(Listed {
                    key: decode(entry.key)?,
                    size: entry.size.unwrap_or(0),
                    modified: listed_time(entry.last_modified.as_deref()),
                    etag: entry.etag,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if page.is_truncated.as_deref() != Some("true") {
            return Ok(ListPage {
                prefixes,
                objects,
                next_marker: None,
            });
        }
        let keys = objects.iter().map(|object| &object.key);
        let last = prefixes.iter().chain(keys).max().cloned();
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
            objects,
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
                    initiated: listed_time(upload.initiated.as_deref()),
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
        let request = Outgoing::new(command, "/", &[]).with_query(query);
        let text = self.transport.fetch_text(request, operation)?;
        crate::xml::from_str(&text).map_err(|error| {
            S3Failure::malformed(
                operation,
                format!("the listing could not be parsed: {error}"),
            )
        })
    }
}

/// Every listing document a server may send, parsed from `text` (the fuzz targets').
pub(super) fn parse_listings(text: &str) {
    let _ = crate::xml::from_str::<ListBucketResult>(text);
    let _ = crate::xml::from_str::<ListMultipartUploadsResult>(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_keys_are_decoded_only_when_encoded() {
        assert_eq!(decode_listed("a%01b+c".into(), true).unwrap(), "a\u{1}b c");
        assert_eq!(decode_listed("100%41".into(), false).unwrap(), "100%41");
    }
}
