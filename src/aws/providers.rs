//! The credential sources whose credentials expire and are fetched again, one provider
//! each behind one small trait: the container credentials endpoint, the instance
//! metadata service (IMDSv2), a profile's `credential_process`, STS web identity and
//! AssumeRole, and IAM Identity Center (SSO, in `sso.rs`). `credentials.rs` walks the
//! chain that picks one.

use super::env;
use super::sso::SsoRole;
use super::sts::{RoleRequest, Sts, Temporary};
use super::CredentialSource;
use crate::error::{Error, Result, S3Failure};
use rust_s3::creds::Credentials;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// A source of temporary credentials, asked again before they expire.
pub(crate) trait Provider: Send + Sync {
    /// What it is, for messages and diagnostics (never a secret).
    fn describe(&self) -> String;
    /// Fresh credentials and when they expire.
    fn fetch(&self) -> Result<Temporary>;
}

/// A role to assume: its ARN, the session's name and the STS region.
pub(crate) struct Role {
    pub arn: String,
    pub session_name: String,
    pub region: Option<String>,
}

impl Role {
    /// A role; without a session name, `s3storage-session-<unix time>`.
    pub fn new(arn: &str, session_name: Option<&str>, region: Option<String>) -> Role {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        Role {
            arn: arn.to_string(),
            session_name: session_name
                .map(str::to_string)
                .unwrap_or_else(|| format!("s3storage-session-{now}")),
            region,
        }
    }
}

/// STS AssumeRoleWithWebIdentity; the token file is read again at each renewal.
pub(crate) struct WebIdentity {
    pub role: Role,
    pub token_file: String,
}

impl Provider for WebIdentity {
    fn describe(&self) -> String {
        format!("STS AssumeRoleWithWebIdentity of {}", self.role.arn)
    }

    fn fetch(&self) -> Result<Temporary> {
        let token = std::fs::read_to_string(&self.token_file).map_err(|error| {
            Error::Config(format!(
                "the web identity token file {}: {error}",
                self.token_file
            ))
        })?;
        let sts = Sts::new(self.role.region.as_deref());
        sts.assume_role_with_web_identity(&self.role.arn, &self.role.session_name, token.trim())
    }
}

/// STS AssumeRole, signed with the credentials of another source.
pub(crate) struct AssumeRole {
    pub role: Role,
    pub source: Arc<CredentialSource>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<u64>,
}

impl Provider for AssumeRole {
    fn describe(&self) -> String {
        format!("STS AssumeRole of {}", self.role.arn)
    }

    fn fetch(&self) -> Result<Temporary> {
        let request = RoleRequest {
            role_arn: &self.role.arn,
            session_name: &self.role.session_name,
            external_id: self.external_id.as_deref(),
            duration_seconds: self.duration_seconds,
        };
        Sts::new(self.role.region.as_deref()).assume_role(&self.source.current()?, &request)
    }
}

impl Provider for SsoRole {
    fn describe(&self) -> String {
        SsoRole::describe(self)
    }

    fn fetch(&self) -> Result<Temporary> {
        self.credentials()
    }
}

/// A profile's `credential_process`, run without a shell.
pub(crate) struct Process {
    pub profile: String,
    pub command: String,
}

impl Provider for Process {
    fn describe(&self) -> String {
        format!("the credential_process of profile '{}'", self.profile)
    }

    fn fetch(&self) -> Result<Temporary> {
        endpoint_credentials(
            &run_process(&self.profile, &self.command)?,
            &self.describe(),
        )
    }
}

/// Runs a `credential_process` without a shell; its standard error is never shown (it
/// may hold secrets), only its exit status.
fn run_process(profile: &str, command: &str) -> Result<String> {
    let fail =
        |why: String| Error::Config(format!("credential_process of profile '{profile}': {why}"));
    let words = shlex::split(command).filter(|words| !words.is_empty());
    let words = words.ok_or_else(|| fail("the command cannot be parsed".into()))?;
    let output = std::process::Command::new(&words[0])
        .args(&words[1..])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|error| fail(format!("{} cannot be run: {error}", words[0])))?;
    if !output.status.success() {
        return Err(fail(format!("{} exited with {}", words[0], output.status)));
    }
    String::from_utf8(output.stdout).map_err(|_| fail("its output is not UTF-8".into()))
}

/// The container credentials endpoint (ECS, EKS Pod Identity).
pub(crate) struct Container {
    pub url: String,
}

impl Container {
    /// The endpoint the environment names, if any; a URL botocore would refuse is a
    /// configuration error.
    pub fn from_env() -> Result<Option<Container>> {
        if let Some(relative) = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let url = format!("http://169.254.170.2{relative}");
            return Ok(Some(Container { url }));
        }
        let Some(url) = env("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
            return Ok(None);
        };
        if !container_url_allowed(&url) {
            return Err(Error::Config(format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI {url:?} must be https, a loopback address \
                 or the ECS/EKS credential hosts (169.254.170.2, 169.254.170.23, fd00:ec2::23): \
                 the authorization token is not sent anywhere else"
            )));
        }
        Ok(Some(Container { url }))
    }

    fn token() -> Result<Option<String>> {
        match env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            Some(path) => std::fs::read_to_string(&path).map(Some).map_err(|error| {
                Error::Config(format!(
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path}: {error}"
                ))
            }),
            None => Ok(env("AWS_CONTAINER_AUTHORIZATION_TOKEN")),
        }
    }
}

impl Provider for Container {
    fn describe(&self) -> String {
        format!("the container credentials endpoint {}", self.url)
    }

    fn fetch(&self) -> Result<Temporary> {
        let mut request = http::Request::get(&self.url);
        if let Some(token) = Container::token()? {
            request = request.header("Authorization", token.trim());
        }
        let request = request
            .body(())
            .map_err(|e| Error::Config(format!("container credentials URL: {e}")))?;
        let text = get_text(&agent(), request, "container credentials")?;
        endpoint_credentials(&text, &self.describe())
    }
}

/// botocore's guard on the container credentials URL.
fn container_url_allowed(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    if parsed.scheme() == "https" {
        return true;
    }
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) => {
            ip.is_loopback()
                || ip == std::net::Ipv4Addr::new(169, 254, 170, 2)
                || ip == std::net::Ipv4Addr::new(169, 254, 170, 23)
        }
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip == "fd00:ec2::23".parse::<std::net::Ipv6Addr>().expect("valid")
        }
        Some(url::Host::Domain(host)) => host == "localhost",
        None => false,
    }
}

/// The instance metadata service, IMDSv2.
pub(crate) struct Imds {
    pub base: String,
}

impl Imds {
    /// The service as the environment configures it; `None` when it is disabled.
    pub fn from_env() -> Option<Imds> {
        let disabled = env("AWS_EC2_METADATA_DISABLED");
        if disabled.is_some_and(|value| value.eq_ignore_ascii_case("true")) {
            return None;
        }
        let ipv6 = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
            .is_some_and(|mode| mode.eq_ignore_ascii_case("ipv6"));
        let default = match ipv6 {
            true => "http://[fd00:ec2::254]",
            false => "http://169.254.169.254",
        };
        let base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT").unwrap_or_else(|| default.into());
        Some(Imds {
            base: base.trim_end_matches('/').to_string(),
        })
    }
}

impl Provider for Imds {
    fn describe(&self) -> String {
        format!("the instance metadata service {}", self.base)
    }

    fn fetch(&self) -> Result<Temporary> {
        let agent = agent();
        let invalid =
            |e: http::Error| Error::Config(format!("AWS_EC2_METADATA_SERVICE_ENDPOINT: {e}"));
        let token_request = http::Request::put(format!("{}/latest/api/token", self.base))
            .header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
            .body(())
            .map_err(invalid)?;
        let token = get_text(&agent, token_request, "IMDSv2 token")?;
        let with_token = |url: String| {
            http::Request::get(url)
                .header("X-aws-ec2-metadata-token", token.trim())
                .body(())
                .map_err(invalid)
        };
        let roles_url = format!("{}/latest/meta-data/iam/security-credentials/", self.base);
        let roles = get_text(&agent, with_token(roles_url.clone())?, "IMDS role")?;
        let role = roles.lines().next().unwrap_or("").trim().to_string();
        if role.is_empty() {
            return Err(Error::Config("IMDS: the instance has no IAM role".into()));
        }
        let request = with_token(format!("{roles_url}{role}"))?;
        endpoint_credentials(
            &get_text(&agent, request, "IMDS credentials")?,
            &self.describe(),
        )
    }
}

/// A small client for the credential endpoints: short timeouts, no proxy.
fn agent() -> ureq::Agent {
    crate::http_client::agent(|builder| {
        builder
            .proxy(None)
            .timeout_connect(Some(Duration::from_secs(1)))
            .timeout_global(Some(Duration::from_secs(5)))
    })
}

fn get_text(agent: &ureq::Agent, request: http::Request<()>, what: &str) -> Result<String> {
    let response = agent
        .run(request)
        .map_err(|error| Error::network(format!("{what}: {error}")))?;
    let status = response.status().as_u16();
    let text = response
        .into_body()
        .with_config()
        .limit(1024 * 1024)
        .read_to_string()
        .map_err(|error| Error::network(format!("{what}: {error}")))?;
    if !(200..300).contains(&status) {
        return Err(S3Failure::refused(what, status, "", ""));
    }
    Ok(text)
}

/// The credentials JSON of the container endpoint, IMDS and `credential_process`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EndpointCredentials {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default, alias = "SessionToken")]
    token: Option<String>,
    #[serde(default, rename = "Version")]
    version: Option<u32>,
    #[serde(default)]
    expiration: Option<String>,
}

/// The credentials and expiry of an endpoint's JSON reply (`what` names the endpoint).
pub(super) fn endpoint_credentials(text: &str, what: &str) -> Result<Temporary> {
    let parsed: EndpointCredentials = serde_json::from_str(text)
        .map_err(|error| S3Failure::malformed(what, format!("unexpected reply: {error}")))?;
    if parsed.version.is_some_and(|version| version != 1) {
        return Err(Error::Config(format!(
            "{what}: only Version 1 of the credentials JSON is understood"
        )));
    }
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let expiry = (parsed.expiration.as_deref())
        .map(|text| {
            OffsetDateTime::parse(text, rfc3339).map_err(|_| {
                Error::Config(format!(
                    "{what}: the Expiration {text:?} is not an RFC 3339 time"
                ))
            })
        })
        .transpose()?;
    let credentials = Credentials::new(
        Some(&parsed.access_key_id),
        Some(&parsed.secret_access_key),
        None,
        parsed.token.as_deref(),
        None,
    )
    .map_err(|error| Error::Config(format!("credentials: {error}")))?;
    Ok((credentials, expiry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_container_urls_are_allowed() {
        for url in [
            "https://example.com/x",
            "http://127.0.0.1:9/c",
            "http://169.254.170.2/v2",
        ] {
            assert!(container_url_allowed(url), "{url}");
        }
        for url in [
            "http://10.0.0.1/creds",
            "http://example.com/creds",
            "not a url",
        ] {
            assert!(!container_url_allowed(url), "{url}");
        }
    }

    #[test]
    fn endpoint_json_is_checked() {
        let good = r#"{"AccessKeyId": "A", "SecretAccessKey": "S", "Token": "T",
            "Expiration": "2099-01-01T00:00:00Z"}"#;
        let (credentials, expiry) = endpoint_credentials(good, "test").unwrap();
        assert_eq!(credentials.session_token.as_deref(), Some("T"));
        assert!(expiry.is_some());
        let v2 = r#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}"#;
        assert_eq!(
            endpoint_credentials(v2, "t").unwrap_err().code(),
            crate::ResultCode::Config
        );
        let garbage = endpoint_credentials("<html>", "t").unwrap_err();
        assert_eq!(garbage.code(), crate::ResultCode::Server);
    }
}
