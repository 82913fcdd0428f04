//! Object URLs and query-string signatures (SigV4, SigV2), as botocore's
//! `generate_presigned_url` makes them.

use super::S3Store;
use crate::aws::sigv4::{Signer, SigningKeys};
use crate::config::SignatureVersion;
use crate::error::{Error, Result};
use crate::store::UrlRequest;
use base64::Engine as _;
use hmac::Mac;
use rust_s3::signing;
use rust_s3::Bucket;
use time::OffsetDateTime;

/// SigV4 presigned URLs live at most a week.
const MAX_V4_EXPIRE: u64 = 604_800;

/// GetObject argument names → S3 query parameters.
const GET_OBJECT_QUERY: &[(&str, &str)] = &[
    ("ResponseCacheControl", "response-cache-control"),
    ("ResponseContentDisposition", "response-content-disposition"),
    ("ResponseContentEncoding", "response-content-encoding"),
    ("ResponseContentLanguage", "response-content-language"),
    ("ResponseContentType", "response-content-type"),
    ("ResponseExpires", "response-expires"),
    ("VersionId", "versionId"),
    ("PartNumber", "partNumber"),
];

/// The query parameters for GetObject arguments; an unknown name is `InvalidArgument`.
pub(crate) fn get_object_query(parameters: &[(String, String)]) -> Result<Vec<(String, String)>> {
    let mut query = Vec::new();
    for (name, value) in parameters {
        let Some((_, param)) = GET_OBJECT_QUERY.iter().find(|(arg, _)| arg == name) else {
            return Err(Error::InvalidArgument(format!(
                "url parameters: unknown GetObject parameter '{name}' (expected names such as \
                 ResponseContentDisposition, ResponseContentType, VersionId)"
            )));
        };
        query.push((param.to_string(), value.clone()));
    }
    Ok(query)
}

impl S3Store {
    /// The URL of an object: presigned with the storage's credentials, or plain when
    /// `signed` is false or there are no credentials (botocore's UNSIGNED client).
    pub fn url(&self, request: &UrlRequest<'_>) -> Result<String> {
        let query = get_object_query(request.parameters)?;
        let bucket = self.transport.signing_bucket()?;
        let credentials = bucket
            .credentials()
            .map_err(|error| Error::Config(format!("credentials: {error}")))?;
        let (Some(access_key), Some(secret_key)) = (credentials.access_key, credentials.secret_key)
        else {
            return Ok(with_query(object_url(&bucket, request.key), &query));
        };
        if !request.signed {
            return Ok(with_query(object_url(&bucket, request.key), &query));
        }
        let presign = Presign {
            bucket: &bucket,
            key: request.key,
            method: request.method,
            expire: request.expire,
            query,
            access_key: &access_key,
            secret_key: &secret_key,
            token: credentials.session_token.or(credentials.security_token),
        };
        match request.signature {
            SignatureVersion::V4 => presign.v4(),
            SignatureVersion::V2 => presign.v2(),
        }
    }
}

/// The object's URL without any query: `{endpoint}/{bucket}/{key}` or `{bucket.endpoint}/{key}`.
fn object_url(bucket: &Bucket, key: &str) -> String {
    format!("{}/{}", bucket.url(), signing::uri_encode(key, false))
}

fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                signing::uri_encode(key, true),
                signing::uri_encode(value, true)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What a presigned URL is made of.
struct Presign<'a> {
    bucket: &'a Bucket,
    key: &'a str,
    method: &'a str,
    expire: u64,
    query: Vec<(String, String)>,
    access_key: &'a str,
    secret_key: &'a str,
    token: Option<String>,
}

fn with_query(url: String, query: &[(String, String)]) -> String {
    if query.is_empty() {
        url
    } else {
        format!("{url}?{}", encode_query(query))
    }
}

impl Presign<'_> {
    /// SigV4 query-string signature.
    fn v4(self) -> Result<String> {
        let Presign {
            bucket,
            key,
            method,
            expire,
            mut query,
            access_key,
            secret_key,
            token,
        } = self;
        if expire == 0 || expire > MAX_V4_EXPIRE {
            return Err(Error::InvalidArgument(format!(
                "expire must be between 1 and {MAX_V4_EXPIRE} seconds for SigV4 URLs, not {expire}"
            )));
        }
        let now = OffsetDateTime::now_utc();
        let region = bucket.region();
        let signer = Signer {
            access_key,
            secret_key,
            region: &region,
            service: "s3",
            now: &now,
        };
        let scope = signer.scope();
        let long_date = crate::aws::sigv4::long_date(&now);
        query.extend([
            (
                "X-Amz-Algorithm".to_string(),
                "AWS4-HMAC-SHA256".to_string(),
            ),
            ("X-Amz-Credential".into(), format!("{access_key}/{scope}")),
            ("X-Amz-Date".into(), long_date),
            ("X-Amz-Expires".into(), expire.to_string()),
            ("X-Amz-SignedHeaders".into(), "host".into()),
        ]);
        if let Some(token) = token {
            query.push(("X-Amz-Security-Token".into(), token));
        }
        let unsigned = with_query(object_url(bucket, key), &query);
        let parsed = url::Url::parse(&unsigned)
            .map_err(|error| Error::InvalidArgument(format!("building the URL: {error}")))?;
        let mut headers = http::HeaderMap::new();
        let host = bucket.host();
        let host = host.split('/').next().unwrap_or(&host).to_string();
        headers.insert(
            http::header::HOST,
            host.parse()
                .map_err(|_| Error::Config(format!("endpoint host {host:?} is not valid")))?,
        );
        let signature = SigningKeys::default()
            .query_signature(&signer, (method, &parsed), &headers)
            .map_err(|error| Error::InvalidArgument(format!("signing the URL: {error}")))?;
        Ok(format!("{unsigned}&X-Amz-Signature={signature}"))
    }

    /// SigV2 query-string signature (HMAC-SHA1).
    fn v2(self) -> Result<String> {
        let Presign {
            bucket,
            key,
            method,
            expire,
            query,
            access_key,
            secret_key,
            token,
        } = self;
        let expires = OffsetDateTime::now_utc().unix_timestamp() + expire as i64;
        let mut resource = format!("/{}/{}", bucket.name(), signing::uri_encode(key, false));
        let mut signed_query: Vec<&(String, String)> = query.iter().collect();
        signed_query.sort();
        if !signed_query.is_empty() {
            let sub = signed_query
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("&");
            resource = format!("{resource}?{sub}");
        }
        let amz_headers = token
            .as_ref()
            .map(|token| format!("x-amz-security-token:{token}\n"))
            .unwrap_or_default();
        let to_sign = format!("{method}\n\n\n{expires}\n{amz_headers}{resource}");
        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret_key.as_bytes())
            .map_err(|error| Error::InvalidArgument(format!("signing the URL: {error}")))?;
        mac.update(to_sign.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let mut pairs = query.clone();
        pairs.push(("AWSAccessKeyId".into(), access_key.to_string()));
        pairs.push(("Signature".into(), signature));
        pairs.push(("Expires".into(), expires.to_string()));
        if let Some(token) = token {
            pairs.push(("x-amz-security-token".into(), token));
        }
        Ok(with_query(object_url(bucket, key), &pairs))
    }
}
