//! Where a storage's credentials come from, in django-storages/boto3 order, and keeping
//! temporary ones fresh.
//!
//! 1. `AWS_S3_ACCESS_KEY_ID`/`AWS_S3_SECRET_ACCESS_KEY`, then `AWS_ACCESS_KEY_ID`/
//!    `AWS_SECRET_ACCESS_KEY` (settings, then the environment, as django-storages'
//!    `lookup_env`), with `AWS_SESSION_TOKEN`/`AWS_SECURITY_TOKEN`;
//! 2. `AWS_S3_SESSION_PROFILE` from the shared credentials file
//!    (`AWS_SHARED_CREDENTIALS_FILE` honoured);
//! 3. otherwise boto3's chain: the `AWS_PROFILE` (or `default`) profile of that file, the
//!    container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` /
//!    `_RELATIVE_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]`), then the
//!    instance metadata service, IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT`; off with
//!    `AWS_EC2_METADATA_DISABLED=true`);
//! 4. otherwise anonymous (unsigned) requests, which work for public objects.
//!
//! Credentials from an endpoint carry an expiry; [`CredentialSource::current`] fetches new
//! ones five minutes before it.

use super::profiles;
use super::sso::SsoRole;
use super::sts::{RoleRequest, Sts};
use crate::config::Config;
use crate::error::{Error, Result, S3Failure};
use crate::log;
use rust_s3::creds::Credentials;
use serde::Deserialize;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

/// How long before expiry temporary credentials are renewed.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A source whose credentials expire and are fetched again: an endpoint (container,
/// IMDS, STS, SSO) or a credential_process.
enum Renewable {
    Container {
        url: String,
    },
    Imds {
        base: String,
    },
    /// A profile's `credential_process`, run without a shell.
    Process {
        profile: String,
        command: String,
    },
    /// STS AssumeRoleWithWebIdentity; the token file is read again at each refresh.
    WebIdentity {
        role: Role,
        token_file: String,
    },
    /// IAM Identity Center: the cached SSO token traded for role credentials.
    Sso(SsoRole),
    /// STS AssumeRole, signed with the credentials of another source.
    AssumeRole {
        role: Role,
        source: Arc<CredentialSource>,
        external_id: Option<String>,
        duration_seconds: Option<u64>,
    },
}

/// A role to assume: its ARN, the session's name and the STS region.
struct Role {
    arn: String,
    session_name: String,
    region: Option<String>,
}

impl Role {
    fn new(arn: &str, session_name: Option<&str>, region: Option<String>) -> Role {
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

/// A storage's credentials, renewed when they come from an endpoint.
pub(crate) struct CredentialSource {
    renewable: Option<Renewable>,
    state: Mutex<(Credentials, Option<OffsetDateTime>)>,
    /// With no credentials at all: the sources that were tried, for refused requests.
    tried: Option<String>,
    /// Where the credentials came from, for diagnostics (never a secret).
    origin: String,
}

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

/// Keys and profile from the settings, else from the environment (django-storages reads
/// both): keys come in pairs, and never together with a profile.
struct StaticKeys {
    access: Option<String>,
    secret: Option<String>,
    token: Option<String>,
    profile: Option<String>,
}

fn setting_or_env(setting: &Option<String>, names: &[&str]) -> Option<String> {
    setting
        .clone()
        .or_else(|| names.iter().find_map(|name| env(name)))
}

impl StaticKeys {
    fn resolve(config: &Config) -> Result<StaticKeys> {
        let keys = StaticKeys {
            access: setting_or_env(
                &config.access_key,
                &["AWS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"],
            ),
            secret: setting_or_env(
                &config.secret_key,
                &["AWS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"],
            ),
            token: setting_or_env(
                &config.security_token,
                &["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"],
            ),
            profile: setting_or_env(&config.session_profile, &["AWS_S3_SESSION_PROFILE"]),
        };
        if keys.profile.is_some() && (keys.access.is_some() || keys.secret.is_some()) {
            return Err(Error::Config(
                "AWS_S3_SESSION_PROFILE/session_profile should not be provided with \
                 AWS_S3_ACCESS_KEY_ID/access_key and AWS_S3_SECRET_ACCESS_KEY/secret_key"
                    .into(),
            ));
        }
        if keys.access.is_some() != keys.secret.is_some() {
            let missing = if keys.access.is_some() {
                "AWS_S3_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY)"
            } else {
                "AWS_S3_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID)"
            };
            return Err(Error::Config(format!(
                "{missing} is missing: keys must be set in pairs"
            )));
        }
        Ok(keys)
    }
}

fn fixed(credentials: Credentials, origin: String) -> CredentialSource {
    CredentialSource {
        renewable: None,
        state: Mutex::new((credentials, None)),
        tried: None,
        origin,
    }
}

impl CredentialSource {
    /// Finds the credentials for a configuration (see the module documentation).
    pub fn resolve(config: &Config) -> Result<CredentialSource> {
        let keys = StaticKeys::resolve(config)?;
        if let (Some(access), Some(secret)) = (&keys.access, &keys.secret) {
            let credentials = Credentials::new(
                Some(access),
                Some(secret),
                None,
                keys.token.as_deref(),
                None,
            )
            .map_err(|error| Error::Config(format!("credentials: {error}")))?;
            let origin = if config.access_key.is_some() {
                "access keys in the settings"
            } else {
                "access keys in the environment"
            };
            return Ok(fixed(credentials, origin.to_string()));
        }
        let explicit = keys.profile.is_some() || env("AWS_PROFILE").is_some();
        let name = keys.profile.clone().unwrap_or_else(profiles::selected);
        let profile = profiles::load(&name)?;
        // botocore's order: a profile's assumed role, then web identity from the
        // environment, then the profile's other sources.
        let assumes = |p: &profiles::Profile| {
            p.get("role_arn").is_some()
                && (p.get("source_profile").is_some() || p.get("credential_source").is_some())
        };
        if let Some(profile) = profile.as_ref().filter(|p| assumes(p)) {
            if let Some(source) = from_profile(profile, &mut Vec::new())? {
                return Ok(source);
            }
        }
        let web_identity = (env("AWS_ROLE_ARN"), env("AWS_WEB_IDENTITY_TOKEN_FILE"));
        if let (Some(arn), Some(token_file)) = web_identity {
            let session = env("AWS_ROLE_SESSION_NAME");
            let role = Role::new(&arn, session.as_deref(), profiles::default_region(None));
            return refreshable(Renewable::WebIdentity { role, token_file });
        }
        match profile {
            Some(profile) => {
                if let Some(source) = from_profile(&profile, &mut Vec::new())? {
                    return Ok(source);
                }
            }
            None if explicit => {
                return Err(Error::Config(format!(
                    "the AWS profile '{name}' (AWS_S3_SESSION_PROFILE or AWS_PROFILE) is in \
                     neither the shared credentials file nor the config file"
                )))
            }
            None => {}
        }
        for endpoint in [container_endpoint()?, imds_endpoint()]
            .into_iter()
            .flatten()
        {
            match fetch(&endpoint) {
                Ok((credentials, expiry)) => {
                    log::debug(|| format!("using credentials from {}", describe(&endpoint)));
                    return Ok(CredentialSource {
                        origin: describe(&endpoint),
                        renewable: Some(endpoint),
                        state: Mutex::new((credentials, expiry)),
                        tried: None,
                    });
                }
                Err(error) => {
                    log::debug(|| format!("no credentials from {}: {error}", describe(&endpoint)))
                }
            }
        }
        log::debug(|| "no credentials found: requests are sent unsigned".to_string());
        let mut source = Credentials::anonymous()
            .map(|anonymous| fixed(anonymous, "none: requests are sent unsigned".into()))
            .map_err(|error| Error::Config(error.to_string()))?;
        source.tried = Some(format!(
            "no credentials were found; tried: keys in the settings and the environment, web \
             identity (AWS_ROLE_ARN), the profile '{name}' of the shared config and \
             credentials files, the container credentials endpoint{}, the instance metadata \
             service{}",
            if env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
                || env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
            {
                ""
            } else {
                " (not set)"
            },
            if imds_endpoint().is_some() {
                ""
            } else {
                " (disabled)"
            },
        ));
        Ok(source)
    }

    /// Where the credentials came from ("access keys in the settings", "STS AssumeRole
    /// of arn:...", ...), for diagnostics; never a secret.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// With no credentials at all, the sources that were tried (for a refused request).
    pub fn tried(&self) -> Option<&str> {
        self.tried.as_deref()
    }

    /// The credentials to sign with now, renewed first if they are about to expire.
    pub fn current(&self) -> Result<Credentials> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (Some(endpoint), Some(expiry)) = (&self.renewable, state.1) else {
            return Ok(state.0.clone());
        };
        if OffsetDateTime::now_utc() + REFRESH_MARGIN < expiry {
            return Ok(state.0.clone());
        }
        match fetch(endpoint) {
            Ok(fresh) => {
                log::emit(
                    log::Level::Info,
                    &format!("renewed credentials from {}", describe(endpoint)),
                );
                *state = fresh;
            }
            Err(error) if OffsetDateTime::now_utc() < expiry => {
                log::warn(&format!(
                    "could not renew credentials from {} ({error}); using the current ones until they expire",
                    describe(endpoint)
                ));
            }
            Err(error) => return Err(error),
        }
        Ok(state.0.clone())
    }
}

/// A source whose credentials come from `endpoint`, fetched now.
fn refreshable(endpoint: Renewable) -> Result<CredentialSource> {
    let (credentials, expiry) = fetch(&endpoint)?;
    log::debug(|| format!("using credentials from {}", describe(&endpoint)));
    Ok(CredentialSource {
        origin: describe(&endpoint),
        renewable: Some(endpoint),
        state: Mutex::new((credentials, expiry)),
        tried: None,
    })
}

/// The credentials a profile gives: an assumed role, static keys or
/// `credential_process`; `None` if it has none (only a region, say). `visited` holds the
/// profiles of the chain so far, to refuse a cycle.
fn from_profile(
    profile: &profiles::Profile,
    visited: &mut Vec<String>,
) -> Result<Option<CredentialSource>> {
    let place = format!("the AWS profile '{}'", profile.name);
    // A source profile's own keys win over its role_arn, as in botocore.
    let as_source = !visited.is_empty();
    visited.push(profile.name.clone());
    if as_source {
        if let Some(source) = static_keys(profile)? {
            return Ok(Some(source));
        }
    }
    if let Some(arn) = profile.get("role_arn") {
        return assumed_role(profile, arn, visited).map(Some);
    }
    if let Some(source) = static_keys(profile)? {
        log::debug(|| format!("using the static keys of {place}"));
        return Ok(Some(source));
    }
    if let Some(command) = profile.get("credential_process") {
        let endpoint = Renewable::Process {
            profile: profile.name.clone(),
            command: command.to_string(),
        };
        return refreshable(endpoint).map(Some);
    }
    if let Some(role) = SsoRole::of(profile)? {
        return refreshable(Renewable::Sso(role)).map(Some);
    }
    Ok(None)
}

/// A profile's static keys, if it has them.
fn static_keys(profile: &profiles::Profile) -> Result<Option<CredentialSource>> {
    let access = profile.get("aws_access_key_id");
    let (Some(access), Some(secret)) = (access, profile.get("aws_secret_access_key")) else {
        return Ok(None);
    };
    let token = profile.get("aws_session_token");
    let credentials = Credentials::new(Some(access), Some(secret), None, token, None)
        .map_err(|error| Error::Config(format!("the AWS profile '{}': {error}", profile.name)))?;
    let origin = format!("the static keys of the AWS profile '{}'", profile.name);
    Ok(Some(fixed(credentials, origin)))
}

/// A profile's `role_arn`: with a `web_identity_token_file`, or assumed with the
/// credentials of its `source_profile` (chains allowed, cycles refused) or
/// `credential_source`.
fn assumed_role(
    profile: &profiles::Profile,
    arn: &str,
    visited: &mut Vec<String>,
) -> Result<CredentialSource> {
    let place = format!("the AWS profile '{}'", profile.name);
    let region = profile
        .get("region")
        .map(str::to_string)
        .or_else(|| profiles::default_region(None));
    let role = Role::new(arn, profile.get("role_session_name"), region);
    if let Some(token_file) = profile.get("web_identity_token_file") {
        let token_file = token_file.to_string();
        return refreshable(Renewable::WebIdentity { role, token_file });
    }
    let source = match (
        profile.get("source_profile"),
        profile.get("credential_source"),
    ) {
        (Some(name), _) if name == profile.name => static_keys(profile)?.ok_or_else(|| {
            Error::Config(format!("{place} is its own source_profile but has no keys"))
        })?,
        (Some(name), _) => {
            if visited.iter().any(|seen| seen == name) {
                let chain = visited.join(" → ");
                return Err(Error::Config(format!(
                    "the AWS profiles form a cycle: {chain} → {name}"
                )));
            }
            let source = profiles::load(name)?.ok_or_else(|| {
                Error::Config(format!(
                    "{place}: its source_profile '{name}' does not exist"
                ))
            })?;
            from_profile(&source, visited)?.ok_or_else(|| {
                Error::Config(format!(
                    "{place}: its source_profile '{name}' has no credentials"
                ))
            })?
        }
        (None, Some(kind)) => credential_source(&place, kind)?,
        (None, None) => {
            return Err(Error::Config(format!(
                "{place} has a role_arn but neither source_profile nor credential_source"
            )))
        }
    };
    refreshable(Renewable::AssumeRole {
        role,
        source: Arc::new(source),
        external_id: profile.get("external_id").map(str::to_string),
        duration_seconds: profile.get("duration_seconds").and_then(|d| d.parse().ok()),
    })
}

/// `credential_source`: the environment's keys, the instance or the container.
fn credential_source(place: &str, kind: &str) -> Result<CredentialSource> {
    let missing = |what: &str| Error::Config(format!("{place}: credential_source {kind}: {what}"));
    match kind {
        "Environment" => {
            let (Some(access), Some(secret)) =
                (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
            else {
                return Err(missing(
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
                ));
            };
            let token = env("AWS_SESSION_TOKEN");
            Credentials::new(Some(&access), Some(&secret), None, token.as_deref(), None)
                .map(|keys| fixed(keys, "access keys in the environment".into()))
                .map_err(|error| missing(&error.to_string()))
        }
        "Ec2InstanceMetadata" => {
            refreshable(imds_endpoint().ok_or_else(|| missing("IMDS is disabled"))?)
        }
        "EcsContainer" => refreshable(
            container_endpoint()?
                .ok_or_else(|| missing("no container credentials endpoint is set"))?,
        ),
        other => Err(Error::Config(format!(
            "{place}: credential_source must be Environment, Ec2InstanceMetadata or \
             EcsContainer, not {other:?}"
        ))),
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

fn describe(endpoint: &Renewable) -> String {
    match endpoint {
        Renewable::Process { profile, .. } => {
            format!("the credential_process of profile '{profile}'")
        }
        Renewable::WebIdentity { role, .. } => {
            format!("STS AssumeRoleWithWebIdentity of {}", role.arn)
        }
        Renewable::Sso(role) => role.describe(),
        Renewable::AssumeRole { role, .. } => format!("STS AssumeRole of {}", role.arn),
        Renewable::Container { url } => format!("the container credentials endpoint {url}"),
        Renewable::Imds { base } => format!("the instance metadata service {base}"),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn container_endpoint() -> Result<Option<Renewable>> {
    if let Some(relative) = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        return Ok(Some(Renewable::Container {
            url: format!("http://169.254.170.2{relative}"),
        }));
    }
    let Some(url) = env("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
        return Ok(None);
    };
    if !container_url_allowed(&url) {
        return Err(Error::Config(format!(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI {url:?} must be https, a loopback address or \
             the ECS/EKS credential hosts (169.254.170.2, 169.254.170.23, fd00:ec2::23): the \
             authorization token is not sent anywhere else"
        )));
    }
    Ok(Some(Renewable::Container { url }))
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

fn imds_endpoint() -> Option<Renewable> {
    if env("AWS_EC2_METADATA_DISABLED").is_some_and(|value| value.eq_ignore_ascii_case("true")) {
        return None;
    }
    let ipv6 = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
        .is_some_and(|mode| mode.eq_ignore_ascii_case("ipv6"));
    let default = if ipv6 {
        "http://[fd00:ec2::254]"
    } else {
        "http://169.254.169.254"
    };
    let base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT").unwrap_or_else(|| default.into());
    Some(Renewable::Imds {
        base: base.trim_end_matches('/').to_string(),
    })
}

/// A small client for the credential endpoints: short timeouts, no proxy.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_connect(Some(Duration::from_secs(1)))
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

fn get_text(agent: &ureq::Agent, request: http::Request<()>, what: &str) -> Result<String> {
    let response = agent
        .run(request)
        .map_err(|error| Error::Network(format!("{what}: {error}")))?;
    let status = response.status().as_u16();
    let text = response
        .into_body()
        .with_config()
        .limit(1024 * 1024)
        .read_to_string()
        .map_err(|error| Error::Network(format!("{what}: {error}")))?;
    if !(200..300).contains(&status) {
        return Err(S3Failure::refused(what, status, "", ""));
    }
    Ok(text)
}

fn fetch(endpoint: &Renewable) -> Result<(Credentials, Option<OffsetDateTime>)> {
    let agent = agent();
    let build = |method: &str, url: &str| http::Request::builder().method(method).uri(url);
    let text = match endpoint {
        Renewable::Sso(role) => return role.credentials(),
        Renewable::WebIdentity { role, token_file } => {
            let token = std::fs::read_to_string(token_file).map_err(|error| {
                Error::Config(format!("the web identity token file {token_file}: {error}"))
            })?;
            let sts = Sts::new(role.region.as_deref());
            return sts.assume_role_with_web_identity(&role.arn, &role.session_name, token.trim());
        }
        Renewable::AssumeRole {
            role,
            source,
            external_id,
            duration_seconds,
        } => {
            let request = RoleRequest {
                role_arn: &role.arn,
                session_name: &role.session_name,
                external_id: external_id.as_deref(),
                duration_seconds: *duration_seconds,
            };
            return Sts::new(role.region.as_deref()).assume_role(&source.current()?, &request);
        }
        Renewable::Process { profile, command } => run_process(profile, command)?,
        Renewable::Container { url } => {
            let mut request = build("GET", url);
            let token = match env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
                Some(path) => Some(std::fs::read_to_string(&path).map_err(|error| {
                    Error::Config(format!(
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path}: {error}"
                    ))
                })?),
                None => env("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
            };
            if let Some(token) = token {
                request = request.header("Authorization", token.trim());
            }
            let request = request
                .body(())
                .map_err(|e| Error::Config(format!("container credentials URL: {e}")))?;
            get_text(&agent, request, "container credentials")?
        }
        Renewable::Imds { base } => {
            let token_request = build("PUT", &format!("{base}/latest/api/token"))
                .header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
                .body(())
                .map_err(|e| Error::Config(format!("AWS_EC2_METADATA_SERVICE_ENDPOINT: {e}")))?;
            let token = get_text(&agent, token_request, "IMDSv2 token")?;
            let with_token = |url: String| {
                build("GET", &url)
                    .header("X-aws-ec2-metadata-token", token.trim())
                    .body(())
                    .map_err(|e| Error::Config(format!("AWS_EC2_METADATA_SERVICE_ENDPOINT: {e}")))
            };
            let roles_url = format!("{base}/latest/meta-data/iam/security-credentials/");
            let roles = get_text(&agent, with_token(roles_url.clone())?, "IMDS role")?;
            let role = roles.lines().next().unwrap_or("").trim().to_string();
            if role.is_empty() {
                return Err(Error::Config("IMDS: the instance has no IAM role".into()));
            }
            get_text(
                &agent,
                with_token(format!("{roles_url}{role}"))?,
                "IMDS credentials",
            )?
        }
    };
    let parsed: EndpointCredentials = serde_json::from_str(&text).map_err(|error| {
        S3Failure::malformed(&describe(endpoint), format!("unexpected reply: {error}"))
    })?;
    if parsed.version.is_some_and(|version| version != 1) {
        return Err(Error::Config(format!(
            "{}: only Version 1 of the credentials JSON is understood",
            describe(endpoint)
        )));
    }
    let expiry = match parsed.expiration.as_deref() {
        None => None,
        Some(text) => Some(
            OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_err(
                |_| {
                    Error::Config(format!(
                        "{}: the Expiration {text:?} is not an RFC 3339 time",
                        describe(endpoint)
                    ))
                },
            )?,
        ),
    };
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
    use crate::settings::Settings;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut settings = Settings::new();
        settings.set("AWS_STORAGE_BUCKET_NAME", "bucket").unwrap();
        for (key, value) in pairs {
            settings.set(key, value).unwrap();
        }
        Config::resolve(&settings).unwrap()
    }

    #[test]
    fn keys_come_in_pairs_and_not_with_a_profile() {
        let error = StaticKeys::resolve(&config(&[
            ("AWS_S3_SESSION_PROFILE", "p"),
            ("AWS_S3_ACCESS_KEY_ID", "a"),
            ("AWS_S3_SECRET_ACCESS_KEY", "s"),
        ]))
        .err()
        .unwrap();
        assert!(
            error.to_string().contains("AWS_S3_SESSION_PROFILE"),
            "{error}"
        );
        let error = StaticKeys::resolve(&config(&[("AWS_S3_ACCESS_KEY_ID", "a")]))
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("AWS_S3_SECRET_ACCESS_KEY"),
            "{error}"
        );
    }
}
