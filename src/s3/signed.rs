//! One signed request: rust-s3 builds its URL (from a bucket, a key and a `Command`),
//! `sigv4` signs it, our pooled agent sends it. rust-s3's `Request` trait is implemented
//! only for the URL and body builders; its own senders are never called.

use super::reply::Reply;
use crate::aws::sigv4::{long_date, Payload, Signer, SigningKeys};
use http::HeaderMap;
use rust_s3::command::Command;
use rust_s3::error::S3Error;
use rust_s3::request::{Request, ResponseData};
use rust_s3::Bucket;
use std::io::Read;
use time::OffsetDateTime;

/// Why a send failed.
pub(super) enum SendError {
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
pub(super) struct Signed<'a> {
    pub agent: &'a ureq::Agent,
    pub bucket: &'a Bucket,
    pub path: String,
    pub command: Command<'a>,
    pub body: Option<&'a [u8]>,
    pub datetime: OffsetDateTime,
    pub keys: &'a SigningKeys,
    pub payload_signing: Option<bool>,
    /// The body's SHA-256, computed by the first attempt that needs it.
    pub payload_hash: &'a std::cell::OnceCell<String>,
}

fn header_value(text: &str) -> std::result::Result<http::HeaderValue, SendError> {
    http::HeaderValue::from_str(text)
        .map_err(|_| SendError::Build(format!("header value {text:?} cannot be sent")))
}

impl Signed<'_> {
    /// Signs and sends through our agent.
    pub fn send(&self) -> std::result::Result<Reply, SendError> {
        let mut url = self.url()?;
        // rust-s3 writes a space in the query as `+`; SigV4 (and AWS) take `%20`.
        if let Some(query) = url.query().filter(|query| query.contains('+')) {
            let query = query.replace('+', "%20");
            url.set_query(Some(&query));
        }
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
        let error_text = (status >= 300).then(|| {
            let mut text = String::new();
            let _ = body
                .with_config()
                .limit(64 * 1024)
                .reader()
                .read_to_string(&mut text);
            text
        });
        Ok(Reply::new(status, parts.headers, body, error_text))
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
            // A Content-Type the request gives (a copy replacing the metadata) is kept.
            if !headers.contains_key(CONTENT_TYPE) {
                headers.insert(CONTENT_TYPE, header_value(&self.command.content_type())?);
            }
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
        let payload = Payload::of(body, unsigned, self.payload_hash);
        headers.insert("x-amz-content-sha256", header_value(payload.value())?);
        headers.insert("x-amz-date", header_value(&long_date(&self.datetime))?);
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
                service: "s3",
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
