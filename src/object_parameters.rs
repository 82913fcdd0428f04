//! Object parameters: boto3's PutObject argument names (`CacheControl`, `ACL`,
//! `Metadata`, ...) and the S3 request headers they become.
//!
//! `AWS_S3_OBJECT_PARAMETERS` uses these names; the legacy `AWS_HEADERS` uses the header
//! names, and is translated back through the same table. The layers above speak only in
//! boto3 names; [`WriteParameters`] and [`AccessParameters`] carry the headers they become
//! for each kind of request.

use crate::checksums::{ChecksumAlgorithm, ChecksumWhen};
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
];

/// Which request a set of headers is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// PUT and CreateMultipartUpload: every parameter.
    Create,
    /// HEAD, GET and UploadPart of an existing object: the SSE-C key, RequestPayer and
    /// ExpectedBucketOwner (boto3's download arguments; s3transfer's part arguments).
    Access,
    /// CompleteMultipartUpload: the SSE-C key (AWS requires it once the upload has a
    /// checksum algorithm), RequestPayer, ExpectedBucketOwner.
    Complete,
    /// AbortMultipartUpload: RequestPayer, ExpectedBucketOwner.
    Abort,
}

/// The SSE-C arguments, which every access to an encrypted object must repeat.
const SSE_C: &[&str] = &[
    "SSECustomerAlgorithm",
    "SSECustomerKey",
    "SSECustomerKeyMD5",
];

/// Arguments that every request on an object or an upload carries.
const EVERY_REQUEST: &[&str] = &["RequestPayer", "ExpectedBucketOwner"];

impl Purpose {
    fn takes(self, name: &str) -> bool {
        match self {
            Purpose::Create => true,
            Purpose::Access | Purpose::Complete => {
                SSE_C.contains(&name) || EVERY_REQUEST.contains(&name)
            }
            Purpose::Abort => EVERY_REQUEST.contains(&name),
        }
    }
}

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
fn header_text(key: &str, value: &Value) -> std::result::Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Number(number) => Ok(number.to_string()),
        _ => Err(format!("'{key}' must be a string, number or boolean")),
    }
}

/// Checks `AWS_S3_OBJECT_PARAMETERS`: known names, right shapes (a `Config` error).
pub fn validate(params: &Map<String, Value>) -> Result<()> {
    headers_for(params, Purpose::Create)
        .map(|_| ())
        .map_err(|why| Error::Config(format!("AWS_S3_OBJECT_PARAMETERS: {why}")))
}

/// Checks per-save parameters given by a caller (an `InvalidArgument` error naming them).
pub fn validate_request(params: &Map<String, Value>, what: &str) -> Result<()> {
    headers_for(params, Purpose::Create)
        .map(|_| ())
        .map_err(|why| Error::InvalidArgument(format!("{what}: {why}")))
}

/// The algorithm `ChecksumAlgorithm` names.
fn checksum_algorithm(value: &Value) -> std::result::Result<ChecksumAlgorithm, String> {
    value
        .as_str()
        .and_then(ChecksumAlgorithm::parse)
        .ok_or_else(|| {
            format!(
                "'ChecksumAlgorithm' must be CRC32, CRC32C, SHA1, SHA256 or CRC64NVME, not {value}"
            )
        })
}

/// The metadata headers of `Metadata`.
fn metadata_headers(value: &Value) -> std::result::Result<Vec<(String, String)>, String> {
    let Value::Object(metadata) = value else {
        return Err("'Metadata' must be an object of strings".into());
    };
    metadata
        .iter()
        .map(|(name, text)| {
            let header = format!("x-amz-meta-{}", name.to_ascii_lowercase());
            Ok((header, header_text(name, text)?))
        })
        .collect()
}

/// The SSE-C key headers: boto3 base64-encodes the key and adds its MD5 for the caller.
fn sse_customer_key(raw: &str, with_md5: bool) -> Vec<(String, String)> {
    let engine = base64::engine::general_purpose::STANDARD;
    let mut headers = vec![(
        "x-amz-server-side-encryption-customer-key".to_string(),
        engine.encode(raw.as_bytes()),
    )];
    if with_md5 {
        headers.push((
            "x-amz-server-side-encryption-customer-key-md5".into(),
            engine.encode(md5::compute(raw.as_bytes()).0),
        ));
    }
    headers
}

/// The request headers of the parameters that a request for `purpose` carries.
fn headers_for(
    params: &Map<String, Value>,
    purpose: Purpose,
) -> std::result::Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    for (key, value) in params {
        if key == "ChecksumAlgorithm" {
            checksum_algorithm(value)?;
            continue; // not a header: it picks the x-amz-checksum-* of each upload
        }
        let known = key == "Metadata"
            || key == "SSECustomerKey"
            || HEADERS.iter().any(|(name, _)| name == key);
        if !known {
            return Err(format!(
                "unknown object parameter '{key}' (expected boto3 PutObject names such as \
                 CacheControl, ContentDisposition, Metadata, ACL)"
            ));
        }
        if !purpose.takes(key) {
            continue;
        }
        if key == "Metadata" {
            headers.extend(metadata_headers(value)?);
        } else if key == "SSECustomerKey" {
            let with_md5 = !params.contains_key("SSECustomerKeyMD5");
            headers.extend(sse_customer_key(&header_text(key, value)?, with_md5));
        } else if let Some((_, header)) = HEADERS.iter().find(|(name, _)| name == key) {
            headers.push((header.to_string(), header_text(key, value)?));
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

/// How an object is written: its content type and the headers of its other parameters,
/// for each request of the write. No `Debug`: the headers may hold an SSE-C key.
#[derive(Clone)]
pub(crate) struct WriteParameters {
    /// The object's Content-Type.
    pub content_type: String,
    /// PUT / CreateMultipartUpload: every other parameter.
    create: Vec<(String, String)>,
    /// HEAD and UploadPart of the object: SSE-C, RequestPayer, ExpectedBucketOwner.
    access: AccessParameters,
    /// CompleteMultipartUpload: the SSE-C key, RequestPayer, ExpectedBucketOwner.
    complete: Vec<(String, String)>,
    /// AbortMultipartUpload: RequestPayer, ExpectedBucketOwner.
    abort: Vec<(String, String)>,
    /// The checksum `ChecksumAlgorithm` asks for, if it does.
    checksum: Option<ChecksumAlgorithm>,
    /// No checksum at all (a multipart copy: the server copies the parts' bytes, which
    /// this library never sees to checksum).
    unchecksummed: bool,
}

fn config_error(why: String) -> Error {
    Error::Config(format!("AWS_S3_OBJECT_PARAMETERS: {why}"))
}

impl WriteParameters {
    /// From boto3 PutObject parameters (checked before); `ContentType` becomes the type.
    pub fn from_parameters(params: &Map<String, Value>) -> Result<WriteParameters> {
        let mut rest = params.clone();
        let content_type = match rest.remove("ContentType") {
            Some(value) => header_text("ContentType", &value).map_err(config_error)?,
            None => "application/octet-stream".to_string(),
        };
        let checksum = match rest.get("ChecksumAlgorithm") {
            Some(value) => Some(checksum_algorithm(value).map_err(config_error)?),
            None => None,
        };
        Ok(WriteParameters {
            checksum,
            unchecksummed: false,
            content_type,
            create: headers_for(&rest, Purpose::Create).map_err(config_error)?,
            access: AccessParameters::from_parameters(params)?,
            complete: headers_for(&rest, Purpose::Complete).map_err(config_error)?,
            abort: headers_for(&rest, Purpose::Abort).map_err(config_error)?,
        })
    }

    /// The headers of a create request (PUT, CreateMultipartUpload).
    pub(crate) fn create_headers(&self) -> &[(String, String)] {
        &self.create
    }

    /// The create headers a copy that keeps the source's metadata (COPY) still sends:
    /// the ones S3 never copies from the source (ACL and grants, storage class,
    /// encryption, object lock, the website redirect, bucket owner, requester pays), as a
    /// save would set them; metadata, content headers and tagging stay the source's.
    pub(crate) fn kept_copy_headers(&self) -> Vec<(String, String)> {
        let copied = |name: &str| {
            name.starts_with("x-amz-meta-")
                || name == "x-amz-tagging"
                || !name.starts_with("x-amz-")
        };
        (self.create.iter())
            .filter(|(name, _)| !copied(name))
            .cloned()
            .collect()
    }

    /// What a HEAD or an UploadPart of the object repeats.
    pub(crate) fn access(&self) -> &AccessParameters {
        &self.access
    }

    /// The headers of CompleteMultipartUpload.
    pub(crate) fn complete_headers(&self) -> &[(String, String)] {
        &self.complete
    }

    /// The headers of AbortMultipartUpload.
    pub(crate) fn abort_headers(&self) -> &[(String, String)] {
        &self.abort
    }

    /// The same parameters for an upload that carries no checksum (a multipart copy).
    pub(crate) fn without_checksum(mut self) -> WriteParameters {
        self.unchecksummed = true;
        self
    }

    /// The checksum algorithm of the upload, under botocore's
    /// `request_checksum_calculation`: the one `ChecksumAlgorithm` names, else CRC32C
    /// when supported, none when only required.
    pub(crate) fn checksum(&self, when: ChecksumWhen) -> Option<ChecksumAlgorithm> {
        if self.unchecksummed {
            return None;
        }
        match (self.checksum, when) {
            (Some(named), _) => Some(named),
            (None, ChecksumWhen::Supported) => Some(ChecksumAlgorithm::default()),
            (None, ChecksumWhen::Required) => None,
        }
    }
}

/// What every access to an existing object repeats (HEAD, GET, UploadPart): the SSE-C
/// key of an encrypted object, RequestPayer and ExpectedBucketOwner. No `Debug`.
#[derive(Clone, Default)]
pub(crate) struct AccessParameters {
    headers: Vec<(String, String)>,
}

impl AccessParameters {
    /// The access parameters among boto3 PutObject parameters.
    pub fn from_parameters(params: &Map<String, Value>) -> Result<AccessParameters> {
        Ok(AccessParameters {
            headers: headers_for(params, Purpose::Access).map_err(config_error)?,
        })
    }

    /// The headers of an access request.
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
        let mut headers = headers_for(&params, Purpose::Create).unwrap();
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
        assert_eq!(error.code(), crate::ResultCode::Config);
        assert!(error.to_string().contains("CacheKontrol"));
    }

    #[test]
    fn sse_c_is_encoded_and_repeated_on_reads() {
        let params = map(json!({"SSECustomerAlgorithm": "AES256",
            "SSECustomerKey": "0123456789abcdef0123456789abcdef", "CacheControl": "x"}));
        let mut headers = headers_for(&params, Purpose::Access).unwrap();
        headers.sort();
        let raw = b"0123456789abcdef0123456789abcdef";
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(
            headers,
            vec![
                (
                    "x-amz-server-side-encryption-customer-algorithm".to_string(),
                    "AES256".to_string()
                ),
                ("x-amz-server-side-encryption-customer-key".into(), b64(raw)),
                (
                    "x-amz-server-side-encryption-customer-key-md5".into(),
                    b64(&md5::compute(raw).0)
                ),
            ]
        );
    }

    #[test]
    fn every_request_carries_payer_and_owner() {
        let params = map(
            json!({"RequestPayer": "requester", "ExpectedBucketOwner": "111",
            "SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k", "ACL": "private"}),
        );
        let write = WriteParameters::from_parameters(&params).unwrap();
        let names = |headers: &[(String, String)]| {
            let mut names: Vec<String> = headers.iter().map(|(h, _)| h.clone()).collect();
            names.sort();
            names
        };
        assert_eq!(
            names(write.abort_headers()),
            ["x-amz-expected-bucket-owner", "x-amz-request-payer"]
        );
        assert_eq!(names(write.access().headers()).len(), 5);
        assert!(names(write.create_headers()).contains(&"x-amz-acl".to_string()));
        assert!(!names(write.access().headers()).contains(&"x-amz-acl".to_string()));
    }

    #[test]
    fn checksum_algorithm_picks_the_checksum_and_is_no_header() {
        let params = map(json!({"ChecksumAlgorithm": "SHA256"}));
        let write = WriteParameters::from_parameters(&params).unwrap();
        let named = Some(ChecksumAlgorithm::Sha256);
        assert_eq!(write.checksum(ChecksumWhen::Required), named);
        assert_eq!(write.checksum(ChecksumWhen::Supported), named);
        let plain = WriteParameters::from_parameters(&Map::new()).unwrap();
        assert_eq!(plain.checksum(ChecksumWhen::Required), None);
        assert_eq!(
            plain.checksum(ChecksumWhen::Supported),
            Some(ChecksumAlgorithm::Crc32c)
        );
        assert!(write.create_headers().is_empty());
        let error = validate(&map(json!({"ChecksumAlgorithm": "MD5"}))).unwrap_err();
        assert!(error.to_string().contains("ChecksumAlgorithm"), "{error}");
        let error = validate_request(&map(json!({"Nope": 1})), "params_json").unwrap_err();
        assert_eq!(error.code(), crate::ResultCode::InvalidArgument);
        assert!(error.to_string().contains("params_json") && error.to_string().contains("Nope"));
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
