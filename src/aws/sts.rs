//! AWS STS: `AssumeRoleWithWebIdentity` (IRSA, web identity tokens; unsigned) and
//! `AssumeRole` (a profile's `role_arn`; SigV4-signed for the service `sts` with the
//! source credentials). The endpoint is regional (`https://sts.{region}.amazonaws.com`)
//! unless `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL` says otherwise.

use super::env;
use super::sigv4::{long_date, Payload, Signer, SigningKeys};
use crate::error::{Error, Result, S3Failure};
use rust_s3::creds::Credentials;
use rust_s3::signing;
use sha2::Digest as _;
use std::time::Duration;
use time::OffsetDateTime;

/// The client of the calls that carry tokens (STS, the SSO portal): no redirect is
/// followed (the token would go wherever it points), 10 s in all.
fn token_agent() -> ureq::Agent {
    crate::http_client::agent(|builder| builder.timeout_global(Some(Duration::from_secs(10))))
}

/// Sends one token-carrying request and gives its status and (small) body.
pub(crate) fn token_call<B: ureq::AsSendBody>(
    request: http::Request<B>,
    what: &str,
) -> Result<(u16, String)> {
    let network = |error: ureq::Error| Error::network(format!("{what}: {error}"));
    let response = token_agent().run(request).map_err(network)?;
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let text = body
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(network)?;
    Ok((status, text))
}

/// An STS endpoint.
pub(crate) struct Sts {
    endpoint: String,
    region: String,
}

/// Temporary credentials and when they expire.
pub(crate) type Temporary = (Credentials, Option<OffsetDateTime>);

/// `application/x-www-form-urlencoded` of the pairs.
fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| signing::uri_encode(text, true);
    (pairs.iter())
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// An STS reply: the credentials of `AssumeRole[WithWebIdentity]Result`, or an error.
#[derive(serde::Deserialize)]
struct Reply {
    #[serde(rename = "AssumeRoleResult", alias = "AssumeRoleWithWebIdentityResult")]
    result: Option<RoleResult>,
    #[serde(rename = "Error")]
    error: Option<ErrorXml>,
}

#[derive(serde::Deserialize)]
struct RoleResult {
    #[serde(rename = "Credentials")]
    credentials: CredentialsXml,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsXml {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorXml {
    code: Option<String>,
    message: Option<String>,
}

/// Temporary credentials from their three parts (`what` names them in an error).
pub(crate) fn temporary(
    what: &str,
    (access, secret, token): (&str, &str, &str),
    expiry: Option<OffsetDateTime>,
) -> Result<Temporary> {
    let credentials = Credentials::new(Some(access), Some(secret), None, Some(token), None)
        .map_err(|error| Error::Config(format!("{what}: {error}")))?;
    Ok((credentials, expiry))
}

/// The credentials of an STS reply.
/// The credentials of an STS reply of HTTP `status`; an `<Error>` is the endpoint's
/// refusal (`AccessDenied` for 401/403, `Server` otherwise), an unreadable reply `Server`.
pub(super) fn parse_reply(text: &str, what: &str, status: u16) -> Result<Temporary> {
    let reply: Reply = crate::xml::from_str(text).map_err(|error| {
        S3Failure::malformed(what, format!("the reply cannot be read: {error}"))
    })?;
    if let Some(error) = reply.error {
        let code = error.code.unwrap_or_default();
        let message = error.message.unwrap_or_default();
        let status = if status == 200 { 400 } else { status };
        return Err(S3Failure::refused(what, status, &code, &message));
    }
    let result = reply
        .result
        .ok_or_else(|| S3Failure::malformed(what, "the reply has no credentials"))?;
    let found = result.credentials;
    let expiry = found.expiration.and_then(|text| {
        OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).ok()
    });
    let keys = (
        &*found.access_key_id,
        &*found.secret_access_key,
        &*found.session_token,
    );
    temporary(what, keys, expiry)
}

impl Sts {
    /// The STS endpoint of `region` (us-east-1 when none).
    pub fn new(region: Option<&str>) -> Sts {
        let region = region.unwrap_or("us-east-1").to_string();
        let endpoint = env("AWS_ENDPOINT_URL_STS")
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"));
        Sts {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region,
        }
    }

    /// `AssumeRoleWithWebIdentity` with a token (read by the caller at each refresh).
    pub fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: &str,
        token: &str,
    ) -> Result<Temporary> {
        let body = form(&[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", role_arn),
            ("RoleSessionName", session_name),
            ("WebIdentityToken", token),
        ]);
        self.call("AssumeRoleWithWebIdentity", &body, None)
    }

    /// `AssumeRole` signed with `source`'s credentials.
    pub fn assume_role(&self, source: &Credentials, role: &RoleRequest<'_>) -> Result<Temporary> {
        let mut pairs = vec![
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", role.role_arn),
            ("RoleSessionName", role.session_name),
        ];
        let duration = role.duration_seconds.map(|seconds| seconds.to_string());
        if let Some(duration) = &duration {
            pairs.push(("DurationSeconds", duration));
        }
        if let Some(external_id) = role.external_id {
            pairs.push(("ExternalId", external_id));
        }
        self.call("AssumeRole", &form(&pairs), Some(source))
    }

    /// One STS call: a form POST, signed when `signer` is given; the credentials of the
    /// reply.
    fn call(&self, action: &str, body: &str, signer: Option<&Credentials>) -> Result<Temporary> {
        let what = format!("STS {action} at {}", self.endpoint);
        let url = url::Url::parse(&format!("{}/", self.endpoint))
            .map_err(|error| Error::Config(format!("{what}: {error}")))?;
        let mut headers = http::HeaderMap::new();
        let host = url.host_str().unwrap_or_default().to_string();
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        let insert = |headers: &mut http::HeaderMap, name: &'static str, value: &str| {
            let value = http::HeaderValue::from_str(value)
                .map_err(|_| Error::Config(format!("{what}: header {name} cannot be sent")));
            value.map(|value| headers.insert(name, value))
        };
        insert(&mut headers, "host", &host)?;
        insert(
            &mut headers,
            "content-type",
            "application/x-www-form-urlencoded",
        )?;
        if let Some(credentials) = signer {
            self.sign(&url, &mut headers, body, credentials)?;
        }
        let mut request = http::Request::builder().method("POST").uri(url.as_str());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let request = (request.body(body.to_string()))
            .map_err(|error| Error::Config(format!("{what}: {error}")))?;
        let (status, text) = token_call(request, &what)?;
        if status != 200 && !text.contains("<Error>") {
            return Err(S3Failure::refused(&what, status, "", ""));
        }
        parse_reply(&text, &what, status)
    }

    /// SigV4 for the service `sts`: date, session token and Authorization headers.
    fn sign(
        &self,
        url: &url::Url,
        headers: &mut http::HeaderMap,
        body: &str,
        credentials: &Credentials,
    ) -> Result<()> {
        let fail = |why: String| Error::Config(format!("signing STS AssumeRole: {why}"));
        let (Some(access), Some(secret)) = (&credentials.access_key, &credentials.secret_key)
        else {
            return Err(fail("the source profile has no keys".into()));
        };
        let now = OffsetDateTime::now_utc();
        let long = long_date(&now);
        headers.insert("x-amz-date", long.parse().map_err(|_| fail("date".into()))?);
        let token = credentials
            .session_token
            .as_ref()
            .or(credentials.security_token.as_ref());
        if let Some(token) = token {
            let value = token.parse().map_err(|_| fail("session token".into()))?;
            headers.insert("x-amz-security-token", value);
        }
        let payload = Payload::Signed(hex::encode(sha2::Sha256::digest(body.as_bytes())));
        let region: rust_s3::Region = (self.region.parse())
            .map_err(|_| fail(format!("{:?} is not a region", self.region)))?;
        let signer = Signer {
            access_key: access,
            secret_key: secret,
            region: &region,
            service: "sts",
            now: &now,
        };
        let authorization = SigningKeys::default()
            .authorization(&signer, ("POST", url), headers, &payload)
            .map_err(fail)?;
        let value = authorization
            .parse()
            .map_err(|_| fail("authorization".into()))?;
        headers.insert("authorization", value);
        Ok(())
    }
}

/// What `AssumeRole` asks for.
pub(crate) struct RoleRequest<'a> {
    /// The role.
    pub role_arn: &'a str,
    /// The session's name.
    pub session_name: &'a str,
    /// The role's external id, if it needs one.
    pub external_id: Option<&'a str>,
    /// How long the credentials last.
    pub duration_seconds: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_and_forms() {
        let xml = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                   <AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>\
                   <SecretAccessKey>s&amp;1</SecretAccessKey><SessionToken>t</SessionToken>\
                   <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>\
                   </AssumeRoleResult></AssumeRoleResponse>";
        let (credentials, expiry) = parse_reply(xml, "STS", 200).unwrap();
        assert_eq!(credentials.access_key.as_deref(), Some("ASIA1"));
        assert_eq!(credentials.secret_key.as_deref(), Some("s&1"));
        assert!(expiry.is_some());
        let error = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message>\
                     </Error></ErrorResponse>";
        let refused = parse_reply(error, "STS", 403).unwrap_err();
        assert_eq!(refused.code(), crate::ResultCode::AccessDenied);
        let message = refused.to_string();
        assert!(message.contains("AccessDenied: no"), "{message}");
        assert_eq!(form(&[("a b", "c/d=e")]), "a%20b=c%2Fd%3De");
    }
}
