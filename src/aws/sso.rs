//! IAM Identity Center (SSO) profiles: the token `aws sso login` cached in
//! `~/.aws/sso/cache/<sha1 of the session name or start URL>.json`, traded for role
//! credentials with the portal's GetRoleCredentials. An expired token is a clear error
//! that tells the user to log in again.

use super::profiles::{self, Profile};
use super::sts::{temporary, token_call, Temporary};
use crate::error::{Error, Result, S3Failure};
use serde::Deserialize;
use sha1::Digest as _;
use time::OffsetDateTime;

/// What an SSO profile names.
pub(crate) struct SsoRole {
    profile: String,
    cache_key: String,
    region: String,
    account_id: String,
    role_name: String,
}

/// The SSO documents this module reads (the token cache, GetRoleCredentials' reply),
/// parsed from `text` (the fuzz targets').
pub(super) fn parse_replies(text: &str) {
    let _ = serde_json::from_str::<CachedToken>(text);
    let _ = serde_json::from_str::<RoleCredentialsReply>(text);
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedToken {
    access_token: String,
    expires_at: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsReply {
    role_credentials: RoleCredentials,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: i64,
}

impl SsoRole {
    /// The SSO settings of a profile (`sso_session`, or the legacy `sso_start_url`),
    /// `None` if it has none.
    pub fn of(profile: &Profile) -> Result<Option<SsoRole>> {
        let place = format!("the AWS profile '{}'", profile.name);
        let missing = |what: &str| Error::Config(format!("{place}: {what} is missing"));
        let (cache_key, region) = if let Some(session) = profile.get("sso_session") {
            let section = profiles::sso_session(session)?
                .ok_or_else(|| missing(&format!("the [sso-session {session}] section")))?;
            let region = section
                .get("sso_region")
                .ok_or_else(|| missing("sso_region"))?;
            (session.to_string(), region.to_string())
        } else if let Some(start_url) = profile.get("sso_start_url") {
            let region = profile
                .get("sso_region")
                .ok_or_else(|| missing("sso_region"))?;
            (start_url.to_string(), region.to_string())
        } else {
            return Ok(None);
        };
        Ok(Some(SsoRole {
            profile: profile.name.clone(),
            cache_key,
            region,
            account_id: profile
                .get("sso_account_id")
                .ok_or_else(|| missing("sso_account_id"))?
                .into(),
            role_name: profile
                .get("sso_role_name")
                .ok_or_else(|| missing("sso_role_name"))?
                .into(),
        }))
    }

    /// For messages.
    pub fn describe(&self) -> String {
        format!(
            "the IAM Identity Center role {} of profile '{}'",
            self.role_name, self.profile
        )
    }

    /// The cached token, if it is still valid.
    fn token(&self) -> Result<String> {
        let login = format!("run `aws sso login --profile {}`", self.profile);
        let file = profiles::sso_cache_dir()
            .map(|dir| {
                dir.join(format!(
                    "{}.json",
                    hex::encode(sha1::Sha1::digest(self.cache_key.as_bytes()))
                ))
            })
            .ok_or_else(|| Error::Config(format!("{}: HOME is not set", self.describe())))?;
        let text = std::fs::read_to_string(&file).map_err(|_| {
            Error::Config(format!(
                "{}: no SSO token in {}; {login}",
                self.describe(),
                file.display()
            ))
        })?;
        let token: CachedToken = serde_json::from_str(&text).map_err(|error| {
            Error::Config(format!(
                "{}: the SSO token cache cannot be read ({error}); {login}",
                self.describe()
            ))
        })?;
        let expires = token.expires_at.replace("UTC", "Z");
        let expires =
            OffsetDateTime::parse(&expires, &time::format_description::well_known::Rfc3339);
        match expires {
            Ok(at) if at > OffsetDateTime::now_utc() => Ok(token.access_token),
            _ => Err(Error::Config(format!(
                "{}: the SSO token expired ({}); {login}",
                self.describe(),
                token.expires_at
            ))),
        }
    }

    /// GetRoleCredentials with the cached token.
    pub fn credentials(&self) -> Result<Temporary> {
        let token = self.token()?;
        let endpoint = std::env::var("AWS_ENDPOINT_URL_SSO")
            .ok()
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| format!("https://portal.sso.{}.amazonaws.com", self.region));
        let encode = |text: &str| rust_s3::signing::uri_encode(text, true);
        let url = format!(
            "{}/federation/credentials?role_name={}&account_id={}",
            endpoint.trim_end_matches('/'),
            encode(&self.role_name),
            encode(&self.account_id)
        );
        let what = format!("{} (GetRoleCredentials at {endpoint})", self.describe());
        let request = http::Request::get(&url)
            .header("x-amz-sso_bearer_token", &token)
            .body(())
            .map_err(|error| Error::Config(format!("{what}: {error}")))?;
        let (status, text) = token_call(request, &what)?;
        if status != 200 {
            let hint = format!(
                "if the login expired, run `aws sso login --profile {}`",
                self.profile
            );
            return Err(S3Failure::refused(&what, status, "", &hint));
        }
        let reply: RoleCredentialsReply = serde_json::from_str(&text)
            .map_err(|error| S3Failure::malformed(&what, format!("unexpected reply: {error}")))?;
        let found = reply.role_credentials;
        let expiry = OffsetDateTime::from_unix_timestamp(found.expiration / 1000).ok();
        let keys = (
            &*found.access_key_id,
            &*found.secret_access_key,
            &*found.session_token,
        );
        temporary(&what, keys, expiry)
    }
}
