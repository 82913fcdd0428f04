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
//! Each renewable source is a [`Provider`] (`providers.rs`); credentials from one carry an
//! expiry, and [`CredentialSource::current`] fetches new ones five minutes before it.

use super::env;
use super::profiles;
use super::providers::{AssumeRole, Container, Imds, Process, Provider, Role, WebIdentity};
use super::sso::SsoRole;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::log;
use rust_s3::creds::Credentials;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

/// How long before expiry temporary credentials are renewed.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A storage's credentials, renewed when they come from a provider.
pub(crate) struct CredentialSource {
    renewable: Option<Box<dyn Provider>>,
    state: Mutex<(Credentials, Option<OffsetDateTime>)>,
    /// With no credentials at all: the sources that were tried, for refused requests.
    tried: Option<String>,
    /// Where the credentials came from, for diagnostics (never a secret).
    origin: String,
}

/// The pair of keys the configuration resolved (settings, else environment), if any.
struct StaticKeys<'a>(&'a crate::config::KeySpec);

impl StaticKeys<'_> {
    /// The source of a pair of keys, from the settings or the environment, if given.
    fn source(&self, config: &Config) -> Result<Option<CredentialSource>> {
        let (Some(access), Some(secret)) = (&self.0.access_key, &self.0.secret_key) else {
            return Ok(None);
        };
        let token = self.0.security_token.as_deref();
        let credentials = Credentials::new(Some(access), Some(secret), None, token, None)
            .map_err(|error| Error::Config(format!("credentials: {error}")))?;
        let origin = match config.keys.from_settings {
            true => "access keys in the settings",
            false => "access keys in the environment",
        };
        Ok(Some(fixed(credentials, origin.to_string())))
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
    /// Finds the credentials for a configuration, walking botocore's chain (see the
    /// module documentation): the first source that has them wins.
    pub fn resolve(config: &Config) -> Result<CredentialSource> {
        if let Some(source) = StaticKeys(&config.keys).source(config)? {
            return Ok(source);
        }
        let profile = &config.keys.session_profile;
        let name = profile.clone().unwrap_or_else(profiles::selected);
        let explicit = profile.is_some() || env("AWS_PROFILE").is_some();
        if let Some(source) = from_profiles(&name, explicit)? {
            return Ok(source);
        }
        if let Some(source) = from_endpoints()? {
            return Ok(source);
        }
        anonymous(&name)
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
        let (Some(provider), Some(expiry)) = (&self.renewable, state.1) else {
            return Ok(state.0.clone());
        };
        if OffsetDateTime::now_utc() + REFRESH_MARGIN < expiry {
            return Ok(state.0.clone());
        }
        match provider.fetch() {
            Ok(fresh) => {
                let renewed = format!("renewed credentials from {}", provider.describe());
                log::emit(log::Level::Info, &renewed);
                *state = fresh;
            }
            Err(error) if OffsetDateTime::now_utc() < expiry => {
                log::warn(&format!(
                    "could not renew credentials from {} ({error}); using the current ones \
                     until they expire",
                    provider.describe()
                ));
            }
            Err(error) => return Err(error),
        }
        Ok(state.0.clone())
    }
}

/// A source whose credentials come from `provider`, fetched now.
fn refreshable(provider: impl Provider + 'static) -> Result<CredentialSource> {
    let (credentials, expiry) = provider.fetch()?;
    log::debug(|| format!("using credentials from {}", provider.describe()));
    Ok(CredentialSource {
        origin: provider.describe(),
        renewable: Some(Box::new(provider)),
        state: Mutex::new((credentials, expiry)),
        tried: None,
    })
}

/// The profile `name` and web identity, in botocore's order: a profile's assumed role,
/// then web identity from the environment, then the profile's other sources. A profile
/// asked for by name (`explicit`) that does not exist is an error.
fn from_profiles(name: &str, explicit: bool) -> Result<Option<CredentialSource>> {
    let profile = profiles::load(name)?;
    let assumes = |p: &profiles::Profile| {
        p.get("role_arn").is_some()
            && (p.get("source_profile").is_some() || p.get("credential_source").is_some())
    };
    if let Some(profile) = profile.as_ref().filter(|p| assumes(p)) {
        if let Some(source) = from_profile(profile, &mut Vec::new())? {
            return Ok(Some(source));
        }
    }
    let web_identity = (env("AWS_ROLE_ARN"), env("AWS_WEB_IDENTITY_TOKEN_FILE"));
    if let (Some(arn), Some(token_file)) = web_identity {
        let session = env("AWS_ROLE_SESSION_NAME");
        let role = Role::new(&arn, session.as_deref(), profiles::default_region(None));
        return refreshable(WebIdentity { role, token_file }).map(Some);
    }
    match profile {
        Some(profile) => from_profile(&profile, &mut Vec::new()),
        None if explicit => Err(Error::Config(format!(
            "the AWS profile '{name}' (AWS_S3_SESSION_PROFILE or AWS_PROFILE) is in neither \
             the shared credentials file nor the config file"
        ))),
        None => Ok(None),
    }
}

/// The container credentials endpoint, then the instance metadata service: the first
/// that answers with credentials.
fn from_endpoints() -> Result<Option<CredentialSource>> {
    let container = Container::from_env()?.map(|c| Box::new(c) as Box<dyn Provider>);
    let imds = Imds::from_env().map(|i| Box::new(i) as Box<dyn Provider>);
    for provider in [container, imds].into_iter().flatten() {
        match provider.fetch() {
            Ok((credentials, expiry)) => {
                log::debug(|| format!("using credentials from {}", provider.describe()));
                return Ok(Some(CredentialSource {
                    origin: provider.describe(),
                    renewable: Some(provider),
                    state: Mutex::new((credentials, expiry)),
                    tried: None,
                }));
            }
            Err(error) => {
                log::debug(|| format!("no credentials from {}: {error}", provider.describe()))
            }
        }
    }
    Ok(None)
}

/// No credentials anywhere: unsigned requests (which work for public objects), with the
/// sources that were tried for the message of a refused request.
fn anonymous(profile: &str) -> Result<CredentialSource> {
    log::debug(|| "no credentials found: requests are sent unsigned".to_string());
    let mut source = Credentials::anonymous()
        .map(|anonymous| fixed(anonymous, "none: requests are sent unsigned".into()))
        .map_err(|error| Error::Config(error.to_string()))?;
    let container = env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
        || env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some();
    source.tried = Some(format!(
        "no credentials were found; tried: keys in the settings and the environment, web \
         identity (AWS_ROLE_ARN), the profile '{profile}' of the shared config and \
         credentials files, the container credentials endpoint{}, the instance metadata \
         service{}",
        if container { "" } else { " (not set)" },
        if Imds::from_env().is_some() {
            ""
        } else {
            " (disabled)"
        },
    ));
    Ok(source)
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
        let process = Process {
            profile: profile.name.clone(),
            command: command.to_string(),
        };
        return refreshable(process).map(Some);
    }
    if let Some(role) = SsoRole::of(profile)? {
        return refreshable(role).map(Some);
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
        return refreshable(WebIdentity { role, token_file });
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
    refreshable(AssumeRole {
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
            refreshable(Imds::from_env().ok_or_else(|| missing("IMDS is disabled"))?)
        }
        "EcsContainer" => refreshable(
            Container::from_env()?
                .ok_or_else(|| missing("no container credentials endpoint is set"))?,
        ),
        other => Err(Error::Config(format!(
            "{place}: credential_source must be Environment, Ec2InstanceMetadata or \
             EcsContainer, not {other:?}"
        ))),
    }
}
