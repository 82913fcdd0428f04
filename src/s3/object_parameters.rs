//! Object parameters: boto3's PutObject argument names (`CacheControl`, `ACL`,
//! `Metadata`, ...) and the S3 request headers they become.
//!
//! `AWS_S3_OBJECT_PARAMETERS` uses these names; the legacy `AWS_HEADERS` uses the header
//! names, and is translated back through the same table. The layers above speak only in
//! boto3 names; [`WriteParameters`] and [`ReadParameters`] carry the headers they become.

use crate::error::{Error, Result};
use base64::Engine as _;
use serde_json::{Map, Value};

/// boto3 PutObject argument → S3 header, for every argument that is a plain header.
const HEADERS: &[(&str, &str)] = &[
    ("ACL", "x-amz-acl"),
    ("CacheControl", "cache-control"),
    ("ContentDisposition", "content-disposition"),
    ("ContentEncoding", "content-encoding"),
    ("ContentLanguage", "content-language"),
    ("ContentType", "content-type"),
    ("Expires", "expires"),
    ("GrantFullControl", "x-amz-grant-full-control"),
    ("GrantRead", "x-amz-grant-read"),
    ("GrantReadACP", "x-amz-grant-read-acp"),
    ("GrantWriteACP", "x-amz-grant-write-acp"),
    ("ServerSideEncryption", "x-amz-server-side-encryption"),
    ("StorageClass", "x-amz-storage-class"),
    ("WebsiteRedirectLocation", "x-amz-website-redirect-location"),
    (
        "SSECustomerAlgorithm",
        "x-amz-server-side-encryption-customer-algorithm",
    ),
    (
        "SSECustomerKeyMD5",
        "x-amz-server-side-encryption-customer-key-md5",
    ),
    ("SSEKMSKeyId", "x-amz-server-side-encryption-aws-kms-key-id"),
    (
        "SSEKMSEncryptionContext",
        "x-amz-server-side-encryption-context",
    ),
    (
        "BucketKeyEnabled",
        "x-amz-server-side-encryption-bucket-key-enabled",
    ),
    ("Tagging", "x-amz-tagging"),
    ("ObjectLockMode", "x-amz-object-lock-mode"),
    (
        "ObjectLockRetainUntilDate",
        "x-amz-object-lock-retain-until-date",
    ),
    ("ObjectLockLegalHoldStatus", "x-amz-object-lock-legal-hold"),
    ("ExpectedBucketOwner", "x-amz-expected-bucket-owner"),
    ("RequestPayer", "x-amz-request-payer"),
    ("ChecksumAlgorithm", "x-amz-sdk-checksum-algorithm"),
];

/// The SSE-C arguments, which reads (HEAD, GET) must repeat.
const SSE_C: &[&str] = &[
    "SSECustomerAlgorithm",
    "SSECustomerKey",
    "SSECustomerKeyMD5",
];

/// Canned ACLs S3 knows.
pub const CANNED_ACLS: &[&str] = &[
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "log-delivery-write",
];

/// A JSON value as the header text boto3 would send.
fn header_text(key: &str, value: &Value) -> Result<String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Number(number) => Ok(number.to_string()),
        _ => Err(Error::Config(format!(
            "AWS_S3_OBJECT_PARAMETERS: '{key}' must be a string, number or boolean"
        ))),
    }
}

/// Checks a parameters object: known names, right shapes.
pub fn validate(params: &Map<String, Value>) -> Result<()> {
    headers_for(params, false).map(|_| ())
}

/// The request headers for a write (`for_read == false`) or for a read of an SSE-C object.
pub fn headers_for(params: &Map<String, Value>, for_read: bool) -> Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    for (key, value) in params {
        if for_read && !SSE_C.contains(&key.as_str()) {
            continue;
        }
        if key == "Metadata" {
            let Value::Object(metadata) = value else {
                return Err(Error::Config(
                    "AWS_S3_OBJECT_PARAMETERS: 'Metadata' must be an object of strings".into(),
                ));
            };
            for (name, text) in metadata {
                headers.push((
                    format!("x-amz-meta-{}", name.to_ascii_lowercase()),
                    header_text(name, text)?,
                ));
            }
        } else if key == "SSECustomerKey" {
            // boto3 base64-encodes the key and adds its MD5 for the caller.
            let raw = header_text(key, value)?;
            let engine = base64::engine::general_purpose::STANDARD;
            headers.push((
                "x-amz-server-side-encryption-customer-key".into(),
                engine.encode(raw.as_bytes()),
            ));
            if !params.contains_key("SSECustomerKeyMD5") {
                headers.push((
                    "x-amz-server-side-encryption-customer-key-md5".into(),
                    engine.encode(md5::compute(raw.as_bytes()).0),
                ));
            }
        } else if let Some((_, header)) = HEADERS.iter().find(|(name, _)| name == key) {
            headers.push((header.to_string(), header_text(key, value)?));
        } else {
            return Err(Error::Config(format!(
                "AWS_S3_OBJECT_PARAMETERS: unknown object parameter '{key}' (expected boto3 \
                 PutObject names such as CacheControl, ContentDisposition, Metadata, ACL)"
            )));
        }
    }
    Ok(headers)
}

/// Translates legacy `AWS_HEADERS` (header names) into object parameters.
pub fn from_legacy_headers(headers: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut params = Map::new();
    let mut metadata = Map::new();
    for (header, value) in headers {
        let lower = header.to_ascii_lowercase();
        if let Some(name) = lower.strip_prefix("x-amz-meta-") {
            metadata.insert(name.to_string(), value.clone());
        } else if let Some((param, _)) = HEADERS.iter().find(|(_, h)| *h == lower) {
            params.insert(param.to_string(), value.clone());
        } else {
            return Err(Error::Config(format!(
                "AWS_HEADERS: header '{header}' has no AWS_S3_OBJECT_PARAMETERS equivalent"
            )));
        }
    }
    if !metadata.is_empty() {
        params.insert("Metadata".into(), Value::Object(metadata));
    }
    Ok(params)
}

/// True for parameters whose values must not be shown.
pub fn is_secret_param(name: &str) -> bool {
    name == "SSECustomerKey"
}

/// How an object is written: its content type and the headers of its other parameters.
#[derive(Clone)]
pub(crate) struct WriteParameters {
    /// The object's Content-Type.
    pub content_type: String,
    /// Headers of the other parameters (ACL, Cache-Control, metadata, encryption...).
    headers: Vec<(String, String)>,
}

impl WriteParameters {
    /// From boto3 PutObject parameters; `ContentType` (required here) becomes the type.
    pub fn from_parameters(params: &Map<String, Value>) -> Result<WriteParameters> {
        let mut rest = params.clone();
        let content_type = match rest.remove("ContentType") {
            Some(value) => header_text("ContentType", &value)?,
            None => "application/octet-stream".to_string(),
        };
        Ok(WriteParameters {
            content_type,
            headers: headers_for(&rest, false)?,
        })
    }

    /// The headers of a create request (PUT, CreateMultipartUpload).
    pub(crate) fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
}

/// What every read of an object repeats (the SSE-C key of an encrypted object).
#[derive(Clone, Default)]
pub(crate) struct ReadParameters {
    headers: Vec<(String, String)>,
}

impl ReadParameters {
    /// The read parameters among boto3 PutObject parameters.
    pub fn from_parameters(params: &Map<String, Value>) -> Result<ReadParameters> {
        Ok(ReadParameters {
            headers: headers_for(params, true)?,
        })
    }

    /// The headers of a read request (HEAD, GET).
    pub(crate) fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn params_become_headers() {
        let params = map(json!({"CacheControl": "max-age=86400", "ACL": "private",
            "Metadata": {"Owner": "me"}, "BucketKeyEnabled": true}));
        let mut headers = headers_for(&params, false).unwrap();
        headers.sort();
        assert_eq!(
            headers,
            vec![
                ("cache-control".to_string(), "max-age=86400".to_string()),
                ("x-amz-acl".into(), "private".into()),
                ("x-amz-meta-owner".into(), "me".into()),
                (
                    "x-amz-server-side-encryption-bucket-key-enabled".into(),
                    "true".into()
                ),
            ]
        );
    }

    #[test]
    fn unknown_param_is_a_config_error() {
        let error = validate(&map(json!({"CacheKontrol": "x"}))).unwrap_err();
        assert!(error.to_string().contains("CacheKontrol"));
    }

    #[test]
    fn sse_c_is_encoded_and_repeated_on_reads() {
        let params = map(json!({"SSECustomerAlgorithm": "AES256",
            "SSECustomerKey": "0123456789abcdef0123456789abcdef", "CacheControl": "x"}));
        let headers = headers_for(&params, true).unwrap();
        assert_eq!(headers.len(), 3);
        assert!(headers.iter().all(|(h, _)| h.contains("customer")));
    }

    #[test]
    fn legacy_headers_translate() {
        let params = from_legacy_headers(&map(json!({"Cache-Control": "max-age=86400",
            "Expires": "Thu, 15 Apr 2010 20:00:00 GMT", "x-amz-meta-a": "b"})))
        .unwrap();
        assert_eq!(
            Value::Object(params),
            json!({"CacheControl": "max-age=86400", "Expires": "Thu, 15 Apr 2010 20:00:00 GMT",
                "Metadata": {"a": "b"}})
        );
        assert!(from_legacy_headers(&map(json!({"X-Unknown": "1"}))).is_err());
    }
}
