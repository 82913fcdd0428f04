//! Sending S3 requests: rust-s3 builds and signs them, we send them.
//!
//! rust-s3's blocking client opens a new connection per request and has no per-client
//! proxy, CA or timeouts. Its `Request` trait, though, does all the S3 work (URL,
//! canonical request, SigV4 headers) given a bucket, a key and a `Command`. [`Signed`]
//! implements that trait and sends through one pooled `ureq::Agent` per storage, so
//! connections are reused and endpoint, TLS, proxy and timeouts belong to the storage.
//!
//! Failures come back as [`Reply`] with the status; [`Reply::check`] turns an error
//! status into our [`Error`], with the S3 error `Code` parsed from the XML body.

use super::credentials::CredentialSource;
use super::sigv4::{Payload, Signer, SigningKeys};
use crate::config::{AddressingStyle, Config, Verify};
use crate::error::{Error, Result, S3Failure};
use crate::log;
use http::HeaderMap;
use rand::Rng;
use rust_s3::command::Command;
use rust_s3::error::S3Error;
use rust_s3::request::{Request, ResponseData};
use rust_s3::{Bucket, Region};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// One storage's connection to its bucket.
pub(crate) struct Transport {
    agent: ureq::Agent,
    bucket: Box<Bucket>,
    credentials: CredentialSource,
    max_attempts: u32,
    /// botocore's `s3.payload_signing_enabled` (`None`: sign over http, not over https).
    payload_signing: Option<bool>,
    keys: SigningKeys,
}

/// A response: status, headers and the (unread) body.
pub(crate) struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, to be read or dropped (error replies: already read into `error_text`).
    pub body: ureq::Body,
    /// The body of an error reply (status 400 and above), read when it arrived.
    pub error_text: Option<String>,
}

impl Reply {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Passes a 2xx reply through; turns any other into an error naming `operation`.
    pub fn check(self, operation: &str) -> Result<Reply> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        Err(self.into_error(operation))
    }

    /// The error this (non-2xx) reply stands for.
    pub fn into_error(self, operation: &str) -> Error {
        let text = self.error_text.unwrap_or_default();
        let failure = S3Failure {
            operation: operation.to_string(),
            status: self.status,
            code: xml_field(&text, "Code").unwrap_or_else(|| default_code(self.status).into()),
            message: xml_field(&text, "Message").unwrap_or_default(),
        };
        match self.status {
            403 => Error::AccessDenied(failure),
            404 if matches!(failure.code.as_str(), "NoSuchKey" | "NotFound") => {
                Error::NotFound(failure.to_string())
            }
            412 => Error::AlreadyExists(failure.to_string()),
            _ => Error::Server(failure),
        }
    }

    /// Reads what is left of a (small) body, so that the connection goes back to the
    /// pool instead of being closed; a body that cannot be read is simply dropped.
    pub fn finish(mut self) {
        let mut reader = self.body.with_config().limit(64 * 1024).reader();
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    }

    /// Reads the whole body as text (for XML replies).
    pub fn text(mut self, operation: &str) -> Result<String> {
        let mut text = String::new();
        self.body
            .with_config()
            .limit(64 * 1024 * 1024)
            .reader()
            .read_to_string(&mut text)
            .map_err(|error| Error::Network(format!("{operation}: reading the reply: {error}")))?;
        Ok(text)
    }
}

/// The code S3 uses for a status when the body (e.g. of a HEAD) carries none.
fn default_code(status: u16) -> &'static str {
    match status {
        301 => "PermanentRedirect",
        400 => "BadRequest",
        403 => "AccessDenied",
        404 => "NotFound",
        412 => "PreconditionFailed",
        503 => "SlowDown",
        _ => "",
    }
}

/// The fields of S3's XML replies that we read (any root element: `Error`,
/// `InitiateMultipartUploadResult`, `CompleteMultipartUploadResult`).
#[derive(serde::Deserialize, Default)]
struct ReplyFields {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "UploadId")]
    upload_id: Option<String>,
}

/// The text of a top-level `Code`, `Message` or `UploadId` element of an S3 XML reply.
pub(crate) fn xml_field(xml: &str, field: &str) -> Option<String> {
    let fields: ReplyFields = quick_xml::de::from_str(xml).ok()?;
    match field {
        "Code" => fields.code,
        "Message" => fields.message,
        "UploadId" => fields.upload_id,
        _ => None,
    }
}

/// One request to send.
#[derive(Clone)]
pub(crate) struct Outgoing<'a> {
    /// What rust-s3 builds the URL and method from.
    pub command: Command<'a>,
    /// The object's key (`"/"` for bucket requests).
    pub key: &'a str,
    /// Extra headers, all signed.
    pub headers: &'a [(String, String)],
    /// Extra query parameters, signed.
    pub query: &'a [(&'a str, &'a str)],
    /// The body, when it is not the command's own (a completion with checksums).
    pub body: Option<&'a [u8]>,
}

/// What a failed attempt means for the next one.
enum Attempt {
    Done(Reply),
    Retry(String, Option<Reply>),
    Fail(Error),
}

impl Transport {
    /// Builds the pooled client and the signing bucket for a configuration.
    pub fn new(config: &Config, credentials: CredentialSource) -> Result<Transport> {
        let endpoint = match &config.endpoint_url {
            Some(url) => url.clone(),
            None => {
                let scheme = if config.use_ssl { "https" } else { "http" };
                match config.region_name.as_deref() {
                    None | Some("us-east-1") => format!("{scheme}://s3.amazonaws.com"),
                    Some(region) => format!("{scheme}://s3.{region}.amazonaws.com"),
                }
            }
        };
        let region = Region::Custom {
            region: config
                .region_name
                .clone()
                .unwrap_or_else(|| "us-east-1".into()),
            endpoint: endpoint.clone(),
        };
        let initial = credentials.current()?;
        let mut bucket = Bucket::new(&config.bucket_name, region, initial)
            .map_err(|error| Error::Config(format!("AWS_STORAGE_BUCKET_NAME: {error}")))?;
        let path_style = match config.addressing_style {
            AddressingStyle::Path => true,
            AddressingStyle::Virtual => false,
            // botocore: virtual for DNS-compatible names on AWS, path on custom endpoints.
            AddressingStyle::Auto => {
                config.endpoint_url.is_some()
                    || config.bucket_name.contains('.')
                    || config.bucket_name.chars().any(|c| c.is_ascii_uppercase())
            }
        };
        if path_style {
            bucket.set_path_style();
        } else {
            bucket.set_subdomain_style();
        }
        bucket.set_request_timeout(None);

        let tls = tls_config(&config.verify)?;
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("s3storage/", env!("CARGO_PKG_VERSION")))
            .accept("")
            .timeout_connect(Some(Duration::from_secs_f64(config.connect_timeout)))
            .timeout_per_read(Some(Duration::from_secs_f64(config.read_timeout)))
            .timeout_per_write(Some(Duration::from_secs_f64(config.read_timeout)))
            .max_idle_connections(config.max_pool_connections.max(1))
            .max_idle_connections_per_host(config.max_pool_connections.max(1))
            .tls_config(tls);
        if let Some(proxy) = choose_proxy(&config.proxies, &endpoint)? {
            builder = builder.proxy(Some(proxy));
        }
        Ok(Transport {
            agent: builder.build().into(),
            bucket,
            credentials,
            max_attempts: config.max_attempts,
            payload_signing: config.payload_signing,
            keys: SigningKeys::default(),
        })
    }

    /// How many attempts a request (or a read of a range) gets.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The bucket with the current credentials, to sign with (requests, URLs).
    pub fn signing_bucket(&self) -> Result<Bucket> {
        let mut bucket = (*self.bucket).clone();
        bucket.set_credentials(self.credentials.current()?);
        Ok(bucket)
    }

    /// Sends `command` on `key` with extra signed headers, retrying what is safe to retry.
    ///
    /// Returns the reply whatever its status; only transport failures are errors here.
    pub fn send(
        &self,
        command: Command<'_>,
        key: &str,
        headers: &[(String, String)],
    ) -> Result<Reply> {
        self.send_request(Outgoing {
            command,
            key,
            headers,
            query: &[],
            body: None,
        })
    }

    /// Sends a request, retrying what is safe to retry; see `send`.
    pub fn send_request(&self, request: Outgoing<'_>) -> Result<Reply> {
        let operation = describe(&request.command, request.key);
        let repeatable = !matches!(
            request.command,
            Command::InitiateMultipartUpload { .. } | Command::CompleteMultipartUpload { .. }
        );
        let mut attempt = 1;
        loop {
            let outcome = self.attempt(request.clone(), &operation, repeatable);
            match outcome {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry(reason, reply) => {
                    if attempt >= self.max_attempts {
                        return match reply {
                            Some(reply) => Ok(reply),
                            None => Err(Error::Network(format!(
                                "{operation}: {reason} (after {attempt} attempts)"
                            ))),
                        };
                    }
                    self.pause_before_retry(&operation, &reason, attempt);
                    attempt += 1;
                }
            }
        }
    }

    /// Waits before attempt `attempt + 1` (exponential backoff with jitter) and says why.
    pub fn pause_before_retry(&self, operation: &str, reason: &str, attempt: u32) {
        let delay = backoff(attempt);
        log::warn(&format!(
            "{operation}: {reason}; retrying in {} ms (attempt {} of {})",
            delay.as_millis(),
            attempt + 1,
            self.max_attempts
        ));
        std::thread::sleep(delay);
    }

    fn attempt(&self, request: Outgoing<'_>, operation: &str, repeatable: bool) -> Attempt {
        let mut bucket = match self.signing_bucket() {
            Ok(bucket) => bucket,
            Err(error) => return Attempt::Fail(error),
        };
        let mut extra = HeaderMap::new();
        for (name, value) in request.headers {
            let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) else {
                return Attempt::Fail(Error::InvalidArgument(format!(
                    "{operation}: header {name:?} cannot be sent (invalid characters)"
                )));
            };
            extra.insert(name, value);
        }
        bucket.extra_headers = extra;
        bucket.extra_query = (request.query.iter())
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let signed = Signed {
            agent: &self.agent,
            bucket: &bucket,
            path: request.key.to_string(),
            command: request.command,
            body: request.body,
            datetime: OffsetDateTime::now_utc(),
            keys: &self.keys,
            payload_signing: self.payload_signing,
        };
        log::debug(|| operation.to_string());
        match signed.send() {
            Ok(reply) if retryable_reply(&reply) => {
                let code = reply
                    .error_text
                    .as_deref()
                    .and_then(|text| xml_field(text, "Code"));
                let reason = match code {
                    Some(code) => format!("HTTP {} {code}", reply.status),
                    None => format!("HTTP {}", reply.status),
                };
                Attempt::Retry(reason, Some(reply))
            }
            Ok(reply) => Attempt::Done(reply),
            Err(SendError::Transport(error)) if repeatable && retryable_transport(&error) => {
                Attempt::Retry(error.to_string(), None)
            }
            Err(SendError::Transport(error)) => {
                Attempt::Fail(Error::Network(format!("{operation}: {error}")))
            }
            Err(SendError::Build(message)) => {
                Attempt::Fail(Error::InvalidArgument(format!("{operation}: {message}")))
            }
        }
    }
}

/// TLS as `AWS_S3_VERIFY` says: the platform's roots, none, or a CA bundle file.
fn tls_config(verify: &Verify) -> Result<ureq::tls::TlsConfig> {
    let tls = match verify {
        Verify::Default => ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build(),
        Verify::Off => ureq::tls::TlsConfig::builder()
            .disable_verification(true)
            .build(),
        Verify::CaBundle(path) => {
            let pem = std::fs::read(path).map_err(|error| {
                Error::Config(format!(
                    "AWS_S3_VERIFY: cannot read CA bundle {}: {error}",
                    path.display()
                ))
            })?;
            let certs = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                    _ => None,
                })
                .collect::<Vec<_>>();
            if certs.is_empty() {
                return Err(Error::Config(format!(
                    "AWS_S3_VERIFY: {} holds no PEM certificate",
                    path.display()
                )));
            }
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)))
                .build()
        }
    };
    Ok(tls)
}

/// Whether a reply is a transient failure worth another attempt (SDK standard mode):
/// 500, 502, 503, 504, 429, and the throttling / timeout error codes.
fn retryable_reply(reply: &Reply) -> bool {
    if matches!(reply.status, 500 | 502 | 503 | 504 | 429) {
        return true;
    }
    let code = reply
        .error_text
        .as_deref()
        .and_then(|text| xml_field(text, "Code"));
    matches!(
        code.as_deref(),
        Some(
            "RequestTimeout"
                | "RequestTimeoutException"
                | "SlowDown"
                | "Throttling"
                | "ThrottlingException"
                | "RequestThrottled"
                | "InternalError"
                // The body was damaged on the way (Content-MD5 / SHA-256 mismatch): resend.
                | "BadDigest"
                | "XAmzContentSHA256Mismatch"
        )
    )
}

/// Whether a transport failure may pass (reset, timeout, refused) rather than be
/// permanent (a certificate, a bad URL or proxy).
fn retryable_transport(error: &ureq::Error) -> bool {
    !matches!(
        error,
        ureq::Error::Tls(_)
            | ureq::Error::Rustls(_)
            | ureq::Error::Pem(_)
            | ureq::Error::BadUri(_)
            | ureq::Error::InvalidProxyUrl
            | ureq::Error::HostNotFound
            | ureq::Error::RequireHttpsOnly(_)
    )
}

/// Exponential backoff with full jitter, as the AWS SDKs' standard mode.
fn backoff(attempt: u32) -> Duration {
    let cap = 100u64 * (1u64 << attempt.min(8));
    Duration::from_millis(rand::thread_rng().gen_range(cap / 2..=cap).min(20_000))
}

/// A short description of a request for messages: `"PUT media/a.txt"`.
fn describe(command: &Command<'_>, key: &str) -> String {
    let what = match command {
        Command::HeadObject => "HEAD",
        Command::GetObject | Command::GetObjectRange { .. } => "GET",
        Command::PutObject {
            multipart: Some(_), ..
        } => "UploadPart",
        Command::PutObject { .. } => "PUT",
        Command::DeleteObject => "DELETE",
        Command::ListObjects { .. } => "LIST",
        Command::InitiateMultipartUpload { .. } => "CreateMultipartUpload",
        Command::CompleteMultipartUpload { .. } => "CompleteMultipartUpload",
        Command::AbortMultipartUpload { .. } => "AbortMultipartUpload",
        Command::CreateBucket { .. } => "CreateBucket",
        other => return format!("{} {key}", other.http_verb()),
    };
    format!("{what} {key}")
}

/// Picks the proxy for the endpoint as botocore does: `scheme://host` first, then `scheme`.
fn choose_proxy(
    proxies: &std::collections::BTreeMap<String, String>,
    endpoint: &str,
) -> Result<Option<ureq::Proxy>> {
    let scheme = endpoint.split("://").next().unwrap_or("https");
    let host = endpoint
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or("");
    let chosen = proxies
        .get(&format!("{scheme}://{host}"))
        .or_else(|| proxies.get(scheme));
    let Some(proxy) = chosen else { return Ok(None) };
    let url = if proxy.contains("://") {
        proxy.clone()
    } else {
        format!("http://{proxy}")
    };
    ureq::Proxy::new(&url).map(Some).map_err(|error| {
        Error::Config(format!(
            "AWS_S3_PROXIES: proxy {proxy:?} is not usable: {error}"
        ))
    })
}

/// Why a send failed.
enum SendError {
    /// The request could not be built (bad header, bad URL).
    Build(String),
    /// Connect, TLS, timeout, reset.
    Transport(ureq::Error),
}

impl From<S3Error> for SendError {
    fn from(error: S3Error) -> SendError {
        SendError::Build(error.to_string())
    }
}

/// One request as rust-s3 sees it: a bucket, a key, a command, a time.
pub(crate) struct Signed<'a> {
    agent: &'a ureq::Agent,
    bucket: &'a Bucket,
    path: String,
    command: Command<'a>,
    body: Option<&'a [u8]>,
    datetime: OffsetDateTime,
    keys: &'a SigningKeys,
    payload_signing: Option<bool>,
}

fn header_value(text: &str) -> std::result::Result<http::HeaderValue, SendError> {
    http::HeaderValue::from_str(text)
        .map_err(|_| SendError::Build(format!("header value {text:?} cannot be sent")))
}

impl Signed<'_> {
    /// Signs and sends through our agent.
    fn send(&self) -> std::result::Result<Reply, SendError> {
        let url = self.url()?;
        let method = self.command.http_verb().to_string();
        // Object bodies go out as the caller's slice; rust-s3's request_body() would copy
        // them (a part size of memory per part in flight).
        let owned;
        let body: &[u8] = match (self.body, &self.command) {
            (Some(body), _) => body,
            (None, Command::PutObject { content, .. }) => content,
            _ => {
                owned = self.request_body()?;
                &owned
            }
        };
        let headers = self.signed_headers(&method, &url, body)?;
        let mut request = http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str());
        for (name, value) in headers.iter() {
            request = request.header(name, value);
        }
        let request = request
            .body(body)
            .map_err(|error| SendError::Build(error.to_string()))?;
        let response = self.agent.run(request).map_err(SendError::Transport)?;
        let (parts, mut body) = response.into_parts();
        let status = parts.status.as_u16();
        let error_text = (status >= 400).then(|| {
            let mut text = String::new();
            let _ = body
                .with_config()
                .limit(64 * 1024)
                .reader()
                .read_to_string(&mut text);
            text
        });
        Ok(Reply {
            status,
            headers: parts.headers,
            body,
            error_text,
        })
    }
}

impl Signed<'_> {
    /// Every header of the request, signed: the extra ones, host, length and type,
    /// range, date, session token and the payload (`UNSIGNED-PAYLOAD` when the body
    /// carries a checksum and payload signing is off, else its SHA-256, computed once).
    fn signed_headers(
        &self,
        method: &str,
        url: &url::Url,
        body: &[u8],
    ) -> std::result::Result<HeaderMap, SendError> {
        use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RANGE};
        let follow_up = matches!(
            self.command,
            Command::PutObject {
                multipart: Some(_),
                ..
            } | Command::CompleteMultipartUpload { .. }
                | Command::AbortMultipartUpload { .. }
        );
        let mut headers = HeaderMap::new();
        for (name, value) in self.bucket.extra_headers.iter() {
            // Metadata belongs to CreateMultipartUpload only.
            if !(follow_up && name.as_str().starts_with("x-amz-meta-")) {
                headers.insert(name.clone(), value.clone());
            }
        }
        headers.insert(HOST, header_value(&self.host_header())?);
        if !matches!(method, "GET" | "HEAD" | "DELETE") {
            headers.insert(CONTENT_LENGTH, http::HeaderValue::from(body.len()));
            headers.insert(CONTENT_TYPE, header_value(&self.command.content_type())?);
        }
        if let Command::GetObjectRange { start, end } = &self.command {
            let end = end.map(|end| end.to_string()).unwrap_or_default();
            headers.insert(RANGE, header_value(&format!("bytes={start}-{end}"))?);
        }
        let checksummed = headers.keys().any(|name| {
            let name = name.as_str();
            name.starts_with("x-amz-checksum-") && name != "x-amz-checksum-algorithm"
        });
        let https = url.scheme() == "https";
        let unsigned = checksummed && self.payload_signing.map_or(https, |sign| !sign);
        let payload = Payload::of(body, unsigned);
        headers.insert("x-amz-content-sha256", header_value(payload.value())?);
        let date = self
            .datetime
            .format(LONG_DATETIME)
            .map_err(|e| SendError::Build(e.to_string()))?;
        headers.insert("x-amz-date", header_value(&date)?);
        let credentials = self.bucket.credentials()?;
        if let Some(token) = credentials.session_token.or(credentials.security_token) {
            headers.insert("x-amz-security-token", header_value(&token)?);
        }
        if let (Some(access_key), Some(secret_key)) =
            (credentials.access_key, credentials.secret_key)
        {
            let signer = Signer {
                access_key: &access_key,
                secret_key: &secret_key,
                region: &self.bucket.region(),
                now: &self.datetime,
            };
            let authorization = (self.keys)
                .authorization(&signer, (method, url), &headers, &payload)
                .map_err(SendError::Build)?;
            headers.insert(AUTHORIZATION, header_value(&authorization)?);
        }
        Ok(headers)
    }
}

/// `x-amz-date`'s format.
const LONG_DATETIME: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

impl Request for Signed<'_> {
    type Response = Reply;
    type HeaderMap = HeaderMap;

    // rust-s3's `Request` trait requires these senders, but this crate never calls them:
    // it uses the trait only to build and sign (`headers`, `url`, `request_body`) and
    // sends with `Signed::send` through the storage's pooled agent.
    fn response(&self) -> std::result::Result<Reply, S3Error> {
        unreachable!("s3storage sends with Signed::send, never through rust-s3")
    }

    fn response_data(&self, _etag: bool) -> std::result::Result<ResponseData, S3Error> {
        unreachable!("s3storage sends with Signed::send, never through rust-s3")
    }

    fn response_data_to_writer<T: std::io::Write + Send + ?Sized>(
        &self,
        _writer: &mut T,
    ) -> std::result::Result<u16, S3Error> {
        unreachable!("s3storage sends with Signed::send, never through rust-s3")
    }

    fn response_header(&self) -> std::result::Result<(HeaderMap, u16), S3Error> {
        unreachable!("s3storage sends with Signed::send, never through rust-s3")
    }

    fn datetime(&self) -> OffsetDateTime {
        self.datetime
    }

    fn bucket(&self) -> Bucket {
        self.bucket.clone()
    }

    fn command(&self) -> Command<'_> {
        self.command.clone()
    }

    fn path(&self) -> String {
        self.path.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_s3_error_codes() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><Resource>/b</Resource></Error>"#;
        assert_eq!(xml_field(xml, "Code").as_deref(), Some("NoSuchBucket"));
        assert_eq!(
            xml_field(xml, "Message").as_deref(),
            Some("The specified bucket does not exist")
        );
        assert_eq!(xml_field("", "Code"), None);
        assert_eq!(
            xml_field("<Error><Code>A&amp;B</Code></Error>", "Code").as_deref(),
            Some("A&B")
        );
    }

    #[test]
    fn proxies_by_scheme_and_host() {
        let mut proxies = std::collections::BTreeMap::new();
        proxies.insert("http".to_string(), "127.0.0.1:1".to_string());
        proxies.insert(
            "http://s3.local".to_string(),
            "http://127.0.0.1:2".to_string(),
        );
        let chosen = choose_proxy(&proxies, "http://s3.local:9000")
            .unwrap()
            .unwrap();
        assert_eq!(chosen.port(), 2);
        let chosen = choose_proxy(&proxies, "http://other:9000")
            .unwrap()
            .unwrap();
        assert_eq!(chosen.port(), 1);
        assert!(choose_proxy(&proxies, "https://other").unwrap().is_none());
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        for attempt in 1..20 {
            let delay = backoff(attempt);
            assert!(delay <= Duration::from_secs(20));
            assert!(
                delay
                    >= Duration::from_millis(100 * (1 << attempt.min(8)) / 2)
                        .min(Duration::from_secs(20))
            );
        }
    }
}
