//! Sending S3 requests through one pooled `ureq::Agent` per storage, so connections are
//! reused and endpoint, TLS, proxy and timeouts belong to the storage (rust-s3's own
//! blocking client opens a connection per request and has none of these). Each attempt
//! is a [`Signed`] request; what may be retried is retried, as the SDKs' standard mode.
//!
//! Failures come back as [`Reply`] with the status; [`Reply::check`] turns an error
//! status into our [`Error`], with the S3 error `Code` parsed from the XML body.

pub(crate) use super::reply::{xml_field, Reply};
use super::retries::{self, RetryQuota};
use super::signed::{SendError, Signed};
use crate::aws::sigv4::SigningKeys;
use crate::aws::CredentialSource;
use crate::config::{Config, RetryMode, Verify};
use crate::error::{Error, Result};
use crate::log;
use crate::requests::{RequestRecord, RequestSlot};
use http::HeaderMap;
use rust_s3::command::Command;
use rust_s3::{Bucket, Region};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// One storage's connection to its bucket.
pub(crate) struct Transport {
    agent: ureq::Agent,
    /// The signing bucket; its region moves when S3 redirects the storage to another.
    bucket: std::sync::RwLock<Bucket>,
    /// Whether the endpoint is AWS's own, derived from the region (it moves with it).
    aws_endpoint: bool,
    credentials: CredentialSource,
    max_attempts: u32,
    /// The retry quota shared by this storage's requests.
    quota: RetryQuota,
    /// botocore's `s3.payload_signing_enabled` (`None`: sign over http, not over https).
    payload_signing: Option<bool>,
    /// The endpoint, for messages.
    endpoint: String,
    /// Where each request is reported.
    requests: RequestSlot,
    /// `AWS_LOCATION`, taken off keys in request records.
    location: String,
    keys: SigningKeys,
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
    /// The body's hex SHA-256 when the caller computed it already (with the body's
    /// checksum, in the same pass); otherwise it is computed if the payload is signed.
    pub payload_sha256: Option<&'a str>,
}

impl<'a> Outgoing<'a> {
    /// A request with no query, the command's own body and its SHA-256 computed if signed.
    pub fn new(command: Command<'a>, key: &'a str, headers: &'a [(String, String)]) -> Self {
        Outgoing {
            command,
            key,
            headers,
            query: &[],
            body: None,
            payload_sha256: None,
        }
    }

    /// The same request with query parameters.
    pub fn with_query(self, query: &'a [(&'a str, &'a str)]) -> Self {
        Outgoing { query, ..self }
    }

    /// The same request with a body of its own (not the command's).
    pub fn with_body(self, body: &'a [u8]) -> Self {
        Outgoing {
            body: Some(body),
            ..self
        }
    }

    /// The same request with the body's hex SHA-256, when the caller computed it already.
    pub fn with_payload_sha256(self, payload_sha256: Option<&'a str>) -> Self {
        Outgoing {
            payload_sha256,
            ..self
        }
    }
}

/// What a failed attempt means for the next one.
enum Attempt {
    Done(Reply),
    /// Worth another attempt: why, and the reply or the transport error it came with.
    Retry(String, Result<Reply, ureq::Error>),
    Fail(Error),
}

impl Transport {
    /// Builds the pooled client and the signing bucket for a configuration.
    pub fn new(
        config: &Config,
        credentials: CredentialSource,
        requests: RequestSlot,
    ) -> Result<Transport> {
        let target = config.s3_endpoint(config.endpoint.region.as_deref());
        let endpoint = target.url.clone();
        let region = Region::Custom {
            region: target.region.clone(),
            endpoint: endpoint.clone(),
        };
        let initial = credentials.current()?;
        let mut bucket = Bucket::new(&config.bucket_name, region, initial)
            .map_err(|error| Error::Config(format!("AWS_STORAGE_BUCKET_NAME: {error}")))?;
        if target.path_style {
            bucket.set_path_style();
        } else {
            bucket.set_subdomain_style();
        }
        bucket.set_request_timeout(None);

        let tls = tls_config(&config.http.verify)?;
        let proxy = choose_proxy(&config.http.proxies, &endpoint)?;
        let agent = crate::http_client::agent(|builder| {
            let builder = builder
                .accept("")
                .timeout_connect(Some(Duration::from_secs_f64(config.http.connect_timeout)))
                .timeout_per_read(Some(Duration::from_secs_f64(config.http.read_timeout)))
                .timeout_per_write(Some(Duration::from_secs_f64(config.http.read_timeout)))
                .max_idle_connections(config.http.max_pool_connections.max(1))
                .max_idle_connections_per_host(config.http.max_pool_connections.max(1))
                .tls_config(tls);
            match proxy {
                Some(proxy) => builder.proxy(Some(proxy)),
                None => builder,
            }
        });
        Ok(Transport {
            agent,
            bucket: std::sync::RwLock::new(*bucket),
            aws_endpoint: target.aws,
            credentials,
            max_attempts: config.http.max_attempts,
            quota: RetryQuota::new(config.http.retry_mode != RetryMode::Legacy),
            payload_signing: config.http.payload_signing,
            keys: SigningKeys::default(),
            endpoint: endpoint.clone(),
            requests,
            location: config.location.trim_matches('/').to_string(),
        })
    }

    /// Whether a body that carries its checksum is still signed (its SHA-256 in
    /// `x-amz-content-sha256`): botocore signs payloads over http, not over https,
    /// unless `payload_signing_enabled` says otherwise.
    pub fn signs_checksummed_payload(&self) -> bool {
        (self.payload_signing).unwrap_or_else(|| !self.endpoint.starts_with("https:"))
    }

    /// How many attempts a request (or a read of a range) gets.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Where requests go, for diagnostics: the endpoint, the signing region (after any
    /// redirect), whether addressing is path-style, and where the credentials came from.
    pub fn destination(&self) -> (String, String, bool, String) {
        let bucket = self.bucket.read().unwrap_or_else(|p| p.into_inner());
        (
            self.endpoint.clone(),
            bucket.region().to_string(),
            bucket.is_path_style(),
            self.credentials.origin().to_string(),
        )
    }

    /// The bucket with the current credentials, to sign with (requests, URLs).
    pub fn signing_bucket(&self) -> Result<Bucket> {
        let mut bucket = self
            .bucket
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
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
        self.send_request(Outgoing::new(command, key, headers))
    }

    /// Sends a request, retrying what is safe to retry; see `send`.
    pub fn send_request(&self, request: Outgoing<'_>) -> Result<Reply> {
        let mut reply = self.send_with_retries(request.clone())?;
        if reply.status == 403 {
            reply.note = self.credentials.tried().map(|tried| format!("({tried})"));
        }
        let Some(region) = self.redirect_region(&reply) else {
            return Ok(reply);
        };
        // botocore's S3 redirector: re-sign for the bucket's region, once, and keep it.
        let old = self.move_to_region(&region)?;
        let operation = describe(&request);
        log::warn(&format!(
            "{operation}: the bucket is in region {region}, not {old}: re-signed and sent \
             again; this storage uses {region} from now on"
        ));
        let mut reply = self.send_with_retries(request)?;
        if reply.status >= 300 {
            reply.note = Some(format!(
                "(sent again to region {region} after S3 redirected it from {old})"
            ));
        }
        Ok(reply)
    }

    /// Sends a read-only request whose 2xx reply is a small XML document (a listing
    /// page) and reads it whole; a reply cut off while its body is read is retried as a
    /// lost connection is.
    pub(crate) fn fetch_text(&self, request: Outgoing<'_>, operation: &str) -> Result<String> {
        let mut attempt = 1;
        loop {
            let reply = self.send_request(request.clone())?.check(operation)?;
            match reply.text(operation) {
                Err(Error::Network {
                    message: reason, ..
                }) if attempt < self.max_attempts
                    && self.pause_before_retry(operation, &reason, attempt) =>
                {
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    /// The region an error reply says the bucket is in, if it is not the one in use:
    /// `x-amz-bucket-region` (also on a HEAD), or the `Region` of a 301
    /// PermanentRedirect or a 400 AuthorizationHeaderMalformed.
    fn redirect_region(&self, reply: &Reply) -> Option<String> {
        if reply.status < 300 {
            return None;
        }
        let named = match (reply.status, reply.error_code()) {
            (301, _) | (400, Some("AuthorizationHeaderMalformed")) => reply.error.region.clone(),
            _ => None,
        };
        let region = reply
            .header("x-amz-bucket-region")
            .map(str::to_string)
            .or(named)?;
        let current = self
            .bucket
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .region();
        (region != current.to_string()).then_some(region)
    }

    /// Moves the storage to `region` (and, on AWS's own endpoints, to that region's
    /// endpoint); gives the region it was in.
    fn move_to_region(&self, region: &str) -> Result<String> {
        let mut bucket = self.bucket.write().unwrap_or_else(|p| p.into_inner());
        let old = bucket.region();
        let endpoint = match (&old, self.aws_endpoint) {
            (_, true) => {
                let scheme = self.endpoint.split("://").next().unwrap_or("https");
                format!("{scheme}://s3.{region}.amazonaws.com")
            }
            (Region::Custom { endpoint, .. }, false) => endpoint.clone(),
            (other, false) => other.endpoint(),
        };
        bucket.region = Region::Custom {
            region: region.to_string(),
            endpoint,
        };
        Ok(old.to_string())
    }

    /// Sends a request, retrying what is safe to retry while the retry quota lasts;
    /// see `send`.
    fn send_with_retries(&self, request: Outgoing<'_>) -> Result<Reply> {
        let operation = describe(&request);
        let repeatable = !matches!(
            request.command,
            Command::InitiateMultipartUpload { .. } | Command::CompleteMultipartUpload { .. }
        );
        let (mut attempt, mut retry_cost) = (1, None);
        let payload_hash = std::cell::OnceCell::new();
        if let Some(hash) = request.payload_sha256 {
            let _ = payload_hash.set(hash.to_string());
        }
        loop {
            let outcome = self.attempt(
                request.clone(),
                &operation,
                (attempt, repeatable, &payload_hash),
            );
            let (reason, outcome) = match outcome {
                Attempt::Done(reply) => {
                    self.quota.succeeded(retry_cost);
                    return Ok(reply);
                }
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry(reason, outcome) => (reason, outcome),
            };
            let timeout = matches!(outcome, Err(ureq::Error::Timeout(_)));
            let asked = (outcome.as_ref().ok())
                .and_then(|reply| retries::retry_after(|name| reply.header(name).map(Into::into)));
            let taken = (attempt < self.max_attempts)
                .then(|| self.retry_after_pause(&operation, &reason, attempt, (timeout, asked)))
                .flatten();
            let Some(cost) = taken else {
                let why = match attempt < self.max_attempts {
                    true => "; no retry: the storage's retry quota is spent",
                    false => "",
                };
                let message = format!("{operation}: {reason} (after {attempt} attempts{why})");
                return outcome.map_err(|cause| Error::network_because(message, cause));
            };
            retry_cost = Some(cost);
            attempt += 1;
        }
    }

    /// Whether attempt `attempt + 1` of a request that failed for `reason` may go: if
    /// the retry quota allows, waits (exponential backoff with jitter) and says why.
    pub fn pause_before_retry(&self, operation: &str, reason: &str, attempt: u32) -> bool {
        (self.retry_after_pause(operation, reason, attempt, (false, None))).is_some()
    }

    /// Takes a retry's cost from the quota (more after a timeout) and waits, as long as
    /// the server asked (`x-amz-retry-after`) or the backoff says; `None`: no retry.
    fn retry_after_pause(
        &self,
        operation: &str,
        reason: &str,
        attempt: u32,
        (after_timeout, asked): (bool, Option<Duration>),
    ) -> Option<u32> {
        let Some(cost) = self.quota.acquire(after_timeout) else {
            log::warn(&format!(
                "{operation}: {reason}; not retried: this storage's retry quota is spent \
                 (too many failures lately; successes refill it)"
            ));
            return None;
        };
        let delay = asked.unwrap_or_else(|| retries::backoff(attempt));
        log::warn(&format!(
            "{operation}: {reason}; retrying in {} ms (attempt {} of {})",
            delay.as_millis(),
            attempt + 1,
            self.max_attempts
        ));
        std::thread::sleep(delay);
        Some(cost)
    }

    fn attempt(
        &self,
        request: Outgoing<'_>,
        operation: &str,
        (attempt, repeatable, payload_hash): (u32, bool, &std::cell::OnceCell<String>),
    ) -> Attempt {
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
        let (api, sent_bytes) = (api_name(&request), body_len(&request));
        let completing = api == "CompleteMultipartUpload";
        let signed = Signed {
            agent: &self.agent,
            bucket: &bucket,
            path: request.key.to_string(),
            command: request.command,
            body: request.body,
            datetime: OffsetDateTime::now_utc(),
            keys: &self.keys,
            payload_signing: self.payload_signing,
            payload_hash,
        };
        let started = std::time::Instant::now();
        let sent = signed.send();
        if self.requests.wanted() {
            self.record(&sent, (api, request.key, sent_bytes), started, attempt);
        }
        log::debug(|| {
            let outcome = match &sent {
                Ok(reply) => format!("HTTP {}", reply.status),
                Err(SendError::Transport(error)) => format!("failed: {error}"),
                Err(SendError::Build(message)) => format!("not sent: {message}"),
            };
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            format!(
                "{operation} at {}: {outcome} in {elapsed:.1} ms",
                self.endpoint
            )
        });
        match sent {
            Ok(reply) if retryable_reply(&reply, completing) => {
                let reason = match reply.error_code() {
                    Some(code) => format!("HTTP {} {code}", reply.status),
                    None => format!("HTTP {}", reply.status),
                };
                Attempt::Retry(reason, Ok(reply))
            }
            Ok(reply) => Attempt::Done(reply),
            Err(SendError::Transport(error)) if repeatable && retryable_transport(&error) => {
                Attempt::Retry(self.network_failure(&error), Err(error))
            }
            Err(SendError::Transport(error)) => {
                let message = format!("{operation}: {}", self.network_failure(&error));
                Attempt::Fail(Error::network_because(message, error))
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
/// 500, 502, 503, 504, 429, and the throttling / timeout error codes. A completion's
/// BadDigest is about the whole-object checksum it declared, which sending it again
/// cannot change (uploads.rs falls back instead).
fn retryable_reply(reply: &Reply, completing: bool) -> bool {
    if matches!(reply.status, 500 | 502 | 503 | 504 | 429) {
        return true;
    }
    if completing && reply.error_code() == Some("BadDigest") {
        return false;
    }
    matches!(
        reply.error_code(),
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

impl Transport {
    /// A transport failure, naming the endpoint: `connecting to http://127.0.0.1:9
    /// failed: connection refused`, a timeout as such, https spoken to a plain-http port
    /// as such.
    fn network_failure(&self, error: &ureq::Error) -> String {
        let endpoint = &self.endpoint;
        let text = error.to_string();
        if plain_http_answered_tls(error) {
            return format!(
                "{endpoint} does not answer TLS: is it a plain-http port? (use http:// in \
                 AWS_S3_ENDPOINT_URL, or the server's https port): {text}"
            );
        }
        let lower = text.to_ascii_lowercase();
        match error {
            ureq::Error::Timeout(ureq::Timeout::Connect) => {
                format!("connecting to {endpoint} failed: no answer within connect_timeout")
            }
            ureq::Error::Timeout(_) => format!(
                "{endpoint} did not answer in time ({lower}; AWS_S3_CLIENT_CONFIG read_timeout)"
            ),
            _ if lower.contains("refused") => {
                format!("connecting to {endpoint} failed: connection refused")
            }
            _ => format!("the connection to {endpoint} failed: {lower}"),
        }
    }
}

/// Whether TLS met a peer that does not speak it (its reply is not a TLS record).
fn plain_http_answered_tls(error: &ureq::Error) -> bool {
    let text = format!("{error:?}").to_ascii_lowercase();
    matches!(
        error,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Io { .. }
    ) && (text.contains("invalidcontenttype")
        || text.contains("corrupt message")
        || text.contains("wrong version"))
}

/// Whether a transport failure may pass (reset, timeout, refused) rather than be
/// permanent (a certificate, a bad URL or proxy).
fn retryable_transport(error: &ureq::Error) -> bool {
    !plain_http_answered_tls(error)
        && !matches!(
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

impl Transport {
    /// Tells the request callback of one attempt: what was sent, and what came back.
    fn record(
        &self,
        sent: &Result<Reply, SendError>,
        (operation, key, sent_bytes): (&'static str, &str, u64),
        started: std::time::Instant,
        attempt: u32,
    ) {
        let reply = sent.as_ref().ok();
        // A HEAD's Content-Length is the object's, not a body that came.
        let received = (reply.filter(|_| operation != "HeadObject"))
            .and_then(|reply| reply.header("content-length")?.parse::<u64>().ok())
            .unwrap_or(0);
        self.requests.record(&RequestRecord {
            operation,
            name: self.name_of(key),
            http_status: reply.map_or(0, |reply| reply.status),
            bytes: sent_bytes + received,
            seconds: started.elapsed().as_secs_f64(),
            attempt,
        });
    }

    /// A key as the caller named it: without `AWS_LOCATION`.
    fn name_of<'k>(&self, key: &'k str) -> &'k str {
        let key = key.trim_start_matches('/');
        match self.location.is_empty() {
            true => key,
            false => (key.strip_prefix(self.location.as_str()))
                .and_then(|rest| rest.strip_prefix('/'))
                .unwrap_or(key),
        }
    }
}

/// The body bytes a request sends.
fn body_len(request: &Outgoing<'_>) -> u64 {
    let content = match (&request.body, &request.command) {
        (Some(body), _) => body.len(),
        (None, Command::PutObject { content, .. }) => content.len(),
        _ => 0,
    };
    content as u64
}

/// The S3 API name of a request, for request records.
fn api_name(request: &Outgoing<'_>) -> &'static str {
    let copies =
        || (request.headers.iter()).any(|(name, _)| name.eq_ignore_ascii_case("x-amz-copy-source"));
    match &request.command {
        Command::HeadObject => "HeadObject",
        Command::GetObject | Command::GetObjectRange { .. } => "GetObject",
        Command::PutObject {
            multipart: Some(_), ..
        } if copies() => "UploadPartCopy",
        Command::PutObject {
            multipart: Some(_), ..
        } => "UploadPart",
        Command::CopyObject { .. } => "CopyObject",
        Command::DeleteObjects { .. } => "DeleteObjects",
        Command::PutObject { .. } => "PutObject",
        Command::DeleteObject => "DeleteObject",
        Command::ListObjects { .. } => "ListObjects",
        Command::ListObjectsV2 { .. } => "ListObjectsV2",
        Command::ListMultipartUploads { .. } => "ListMultipartUploads",
        Command::InitiateMultipartUpload { .. } => "CreateMultipartUpload",
        Command::CompleteMultipartUpload { .. } => "CompleteMultipartUpload",
        Command::AbortMultipartUpload { .. } => "AbortMultipartUpload",
        Command::CreateBucket { .. } => "CreateBucket",
        _ => "Other",
    }
}

/// A short description of a request for messages: `"PUT media/a.txt"`.
fn describe(request: &Outgoing<'_>) -> String {
    let key = request.key;
    let what = match &request.command {
        _ if matches!(
            api_name(request),
            "UploadPartCopy" | "CopyObject" | "DeleteObjects"
        ) =>
        {
            api_name(request)
        }
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
        other => {
            return format!("{} {key}", other.http_verb())
                .trim_end()
                .to_string()
        }
    };
    format!("{what} {key}").trim_end().to_string()
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
}
