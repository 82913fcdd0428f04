//! `Storage.url(name, parameters, expire, http_method)`, as django-storages builds it.
//!
//! * custom domain: `{AWS_S3_URL_PROTOCOL}//{domain}/{filepath_to_uri(key)}` with the
//!   parameters as a raw query string;
//! * `AWS_QUERYSTRING_AUTH=False`: the plain (unsigned) object URL;
//! * otherwise a presigned URL: SigV4 query parameters, or SigV2 with
//!   `AWS_S3_SIGNATURE_VERSION='s3'`. `parameters` are GetObject argument names
//!   (`ResponseContentDisposition`, ...), mapped to S3's query parameters.

use crate::config::{Config, SignatureVersion};
use crate::error::{Error, Result};
use base64::Engine as _;
use hmac::Mac;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use s3::signing;
use s3::Bucket;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// The optional arguments of `url()`.
#[derive(Clone, Debug, Default)]
pub struct UrlOptions {
    /// GetObject parameters (presigned URLs) or raw query parameters (custom domain).
    pub parameters: Option<Map<String, Value>>,
    /// Lifetime in seconds; `None` means `AWS_QUERYSTRING_EXPIRE`.
    pub expire: Option<u64>,
    /// `GET` (default), `HEAD`, `PUT` or `DELETE`.
    pub http_method: Option<String>,
}

/// SigV4 presigned URLs live at most a week.
const MAX_V4_EXPIRE: u64 = 604_800;

/// Python's `quote` safe set for Django's `filepath_to_uri`: `/~!*()'` plus unreserved.
const FILEPATH_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'~')
    .remove(b'!')
    .remove(b'*')
    .remove(b'(')
    .remove(b')')
    .remove(b'\'')
    .remove(b'_')
    .remove(b'.')
    .remove(b'-');

/// Python's `quote_plus` safe set (space becomes `+` separately).
const QUERY_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Django's `filepath_to_uri`.
pub(crate) fn filepath_to_uri(path: &str) -> String {
    utf8_percent_encode(&path.replace('\\', "/"), FILEPATH_SAFE).to_string()
}

/// Python's `urlencode` of a dict (values as `str()` gives them).
fn urlencode(parameters: &Map<String, Value>) -> String {
    let quote_plus = |text: &str| {
        text.split(' ')
            .map(|part| utf8_percent_encode(part, QUERY_SAFE).to_string())
            .collect::<Vec<_>>()
            .join("+")
    };
    parameters
        .iter()
        .map(|(key, value)| format!("{}={}", quote_plus(key), quote_plus(&python_str(value))))
        .collect::<Vec<_>>()
        .join("&")
}

/// `str(value)` as Python prints JSON-ish values.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

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

fn get_object_query(parameters: Option<&Map<String, Value>>) -> Result<Vec<(String, String)>> {
    let mut query = Vec::new();
    for (name, value) in parameters.into_iter().flatten() {
        let Some((_, param)) = GET_OBJECT_QUERY.iter().find(|(arg, _)| arg == name) else {
            return Err(Error::InvalidArgument(format!(
                "url parameters: unknown GetObject parameter '{name}' (expected names such as \
                 ResponseContentDisposition, ResponseContentType, VersionId)"
            )));
        };
        query.push((param.to_string(), python_str(value)));
    }
    Ok(query)
}

fn method_of(options: &UrlOptions) -> Result<String> {
    let method = options
        .http_method
        .as_deref()
        .unwrap_or("GET")
        .to_ascii_uppercase();
    match method.as_str() {
        "GET" | "HEAD" | "PUT" | "DELETE" => Ok(method),
        _ => Err(Error::InvalidArgument(format!(
            "http_method must be GET, HEAD, PUT or DELETE, not {method:?}"
        ))),
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

/// Builds the URL of `key` (`name` is the caller's name, for messages).
pub(crate) fn build(
    config: &Config,
    bucket: &Bucket,
    key: &str,
    options: &UrlOptions,
) -> Result<String> {
    let expire = options.expire.unwrap_or(config.querystring_expire);
    if let Some(domain) = &config.custom_domain {
        let mut url = format!(
            "{}//{}/{}",
            config.url_protocol,
            domain,
            filepath_to_uri(key)
        );
        if let Some(parameters) = options.parameters.as_ref().filter(|p| !p.is_empty()) {
            url = format!("{url}?{}", urlencode(parameters));
        }
        if config.querystring_auth && config.cloudfront_key.is_some() {
            return cloudfront::sign(config, &url, expire);
        }
        return Ok(url);
    }
    let method = method_of(options)?;
    let query = get_object_query(options.parameters.as_ref())?;
    let credentials = bucket
        .credentials()
        .map_err(|error| Error::Config(format!("credentials: {error}")))?;
    let (Some(access_key), Some(secret_key)) = (credentials.access_key, credentials.secret_key)
    else {
        // No credentials, or AWS_QUERYSTRING_AUTH=False: botocore's UNSIGNED client.
        return Ok(with_query(object_url(bucket, key), &query));
    };
    if !config.querystring_auth {
        return Ok(with_query(object_url(bucket, key), &query));
    }
    let presign = Presign {
        bucket,
        key,
        method: &method,
        expire,
        query,
        access_key: &access_key,
        secret_key: &secret_key,
        token: credentials.session_token.or(credentials.security_token),
    };
    match config.signature_version {
        SignatureVersion::V4 => presign.v4(),
        SignatureVersion::V2 => presign.v2(),
    }
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
        let signing_error =
            |error: s3::error::S3Error| Error::InvalidArgument(format!("signing the URL: {error}"));
        let scope = signing::scope_string(&now, &region).map_err(signing_error)?;
        let long_date = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            now.year(),
            now.month() as u8,
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
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
        let canonical = signing::canonical_request(method, &parsed, &headers, "UNSIGNED-PAYLOAD")
            .map_err(signing_error)?;
        let to_sign = signing::string_to_sign(&now, &region, &canonical).map_err(signing_error)?;
        let signing_key =
            signing::signing_key(&now, secret_key, &region, "s3").map_err(signing_error)?;
        let mut mac = signing::HmacSha256::new_from_slice(&signing_key)
            .map_err(|error| Error::InvalidArgument(format!("signing the URL: {error}")))?;
        mac.update(to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
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

/// CloudFront canned-policy signing (RSA-SHA1, PKCS#1 v1.5), as botocore's CloudFrontSigner.
pub(crate) mod cloudfront {
    use super::*;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer};

    /// CloudFront's URL-safe base64: `+` → `-`, `=` → `_`, `/` → `~`.
    pub(crate) fn url_safe_base64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .replace('+', "-")
            .replace('=', "_")
            .replace('/', "~")
    }

    /// The canned policy for `url` valid until `expires` (seconds since the epoch).
    pub(crate) fn canned_policy(url: &str, expires: i64) -> String {
        let resource = serde_json::to_string(url).expect("a string serialises");
        format!(
            r#"{{"Statement":[{{"Resource":{resource},"Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#
        )
    }

    fn private_key(pem: &str) -> Result<rsa::RsaPrivateKey> {
        rsa::RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(pem))
            .map_err(|_| {
                Error::Config(
                    "AWS_CLOUDFRONT_KEY must be a PEM RSA private key (PKCS#1 or PKCS#8)".into(),
                )
            })
    }

    /// Checks that the configured key can sign (at storage creation).
    pub(crate) fn check_key(pem: &str) -> Result<()> {
        private_key(pem).map(|_| ())
    }

    /// Signs `url` with a canned policy expiring `expire` seconds from now.
    pub(crate) fn sign(config: &Config, url: &str, expire: u64) -> Result<String> {
        let (Some(pem), Some(key_id)) = (&config.cloudfront_key, &config.cloudfront_key_id) else {
            return Ok(url.to_string());
        };
        let expires = OffsetDateTime::now_utc().unix_timestamp() + expire as i64;
        sign_until(pem, key_id, url, expires)
    }

    /// Signs `url` with a canned policy valid until `expires`.
    pub(crate) fn sign_until(pem: &str, key_id: &str, url: &str, expires: i64) -> Result<String> {
        let key = private_key(pem)?;
        let signer = rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(key);
        let policy = canned_policy(url, expires);
        let signature = signer.sign(policy.as_bytes()).to_vec();
        let separator = if url.contains('?') { '&' } else { '?' };
        Ok(format!(
            "{url}{separator}Expires={expires}&Signature={}&Key-Pair-Id={key_id}",
            url_safe_base64(&signature)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The key of django-storages' test_storage_url_custom_domain_signed_urls.
    pub(crate) const TEST_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICWwIBAAKBgQCXVuwcMk+JmVSKuQ1K4dZx4Z1dEcRQgTlqvhAyljIpttXlZh2/
fD3GkJCiqfwEmo+cdNK/LFzRj/CX8Wz1z1lH2USONpG6sAkotkatCbejiItDu5y6
janGJHfuWXu6B/o9gwZylU1gIsePY3lLNk+r9QhXUO4jXw6zLJftVwKPhQIDAQAB
AoGAbpkRV9HUmoQ5al+uPSkp5HOy4s8XHpYxdbaMc8ubwSxiyJCF8OhE5RXE/Xso
N90UUox1b0xmUKfWddPzgvgTD/Ub7D6Ukf+nVWDX60tWgNxICAUHptGL3tWweaAy
H+0+vZ0TzvTt9r00vW0FzO7F8X9/Rs1ntDRLtF3RCCxdq0kCQQDHFu+t811lCvy/
67rMEKGvNsNNSTrzOrNr3PqUrCnOrzKazjFVjsKv5VzI/U+rXGYKWJsMpuCFiHZ3
DILUC09TAkEAwpm2S6MN6pzn9eY6pmhOxZ+GQGGRUkKZfC1GDxaRSRb8sKTjptYw
WSemJSxiDzdj3Po2hF0lbhkpJgUq6xnCxwJAZgHHfn5CLSJrDD7Q7/vZi/foK3JJ
BRTfl3Wa4pAvv5meuRjKyEakVBGV79lyd5+ZHNX3Y40hXunjoO3FHrZIxwJAdRzu
waxahrRxQOKSr20c4wAzWnGddIUSO9I/VHs/al5EKsbBHrnOlQkwizSfuwqZtfZ7
csNf8FeCFRiNELoLJwJAZxWBE2+8J9VW9AQ0SE7j4FyM/B8FvRhF5PLAAsw/OxHO
SxiFP7Ptdac1tm5H5zOqaqSHWphI19HNNilXKmxuCA==
-----END RSA PRIVATE KEY-----";

    #[test]
    fn cloudfront_signature_as_django_storages() {
        let url = "https://mock.cloudfront.net/file.txt";
        let signed = cloudfront::sign_until(TEST_PEM, "test-key", url, 3600).unwrap();
        assert_eq!(
            signed,
            format!(
                "{url}?Expires=3600&Signature=DbqVgh3FHtttQxof214tSAVE8Nqn3Q4Ii7eR3iykbOqAPbV\
                 89HC3EB~0CWxarpLNtbfosS5LxiP5EutriM7E8uR4Gm~UVY-PFUjPcwqdnmAiKJF0EVs7koJc\
                 MR8MKDStuWfFKVUPJ8H7ORYTOrixyHBV2NOrpI6SN5UX6ctNM50_&Key-Pair-Id=test-key"
            )
        );
        assert!(cloudfront::check_key("not a key").is_err());
        assert_eq!(
            cloudfront::canned_policy("https://x/a", 5),
            r#"{"Statement":[{"Resource":"https://x/a","Condition":{"DateLessThan":{"AWS:EpochTime":5}}}]}"#
        );
    }

    #[test]
    fn filepath_to_uri_as_django() {
        assert_eq!(
            filepath_to_uri("whacky & filename.mp4"),
            "whacky%20%26%20filename.mp4"
        );
        assert_eq!(filepath_to_uri("ãlöhâ.jpg"), "%C3%A3l%C3%B6h%C3%A2.jpg");
        assert_eq!(filepath_to_uri("a/b~c!*()'.txt"), "a/b~c!*()'.txt");
        assert_eq!(filepath_to_uri("a+b%c"), "a%2Bb%25c");
        assert_eq!(filepath_to_uri(""), "");
    }

    #[test]
    fn urlencode_as_python() {
        let params = json!({"version": 10, "a b": "c&d"})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(urlencode(&params), "a+b=c%26d&version=10");
    }

    #[test]
    fn get_object_parameters_map_to_queries() {
        let params = json!({"ResponseContentDisposition": "attachment"})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            get_object_query(Some(&params)).unwrap(),
            vec![(
                "response-content-disposition".to_string(),
                "attachment".to_string()
            )]
        );
        let bad = json!({"Nope": 1}).as_object().unwrap().clone();
        assert!(get_object_query(Some(&bad)).is_err());
    }
}
