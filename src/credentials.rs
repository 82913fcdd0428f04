//! Where a storage's credentials come from, in django-storages/boto3 order.
//!
//! 1. `AWS_S3_ACCESS_KEY_ID`/`AWS_S3_SECRET_ACCESS_KEY`, then `AWS_ACCESS_KEY_ID`/
//!    `AWS_SECRET_ACCESS_KEY` (settings, then environment; resolved in `settings`), with
//!    `AWS_SESSION_TOKEN`/`AWS_SECURITY_TOKEN`;
//! 2. `AWS_S3_SESSION_PROFILE` from the shared credentials file
//!    (`AWS_SHARED_CREDENTIALS_FILE` honoured);
//! 3. otherwise boto3's chain: the `AWS_PROFILE` (or `default`) profile of that file;
//! 4. otherwise anonymous (unsigned) requests, which work for public objects.

use crate::error::{Error, Result};
use crate::log;
use crate::settings::Config;
use s3::creds::Credentials;

/// The credentials a storage signs with.
pub(crate) fn resolve(config: &Config) -> Result<Credentials> {
    if let (Some(access), Some(secret)) = (&config.access_key, &config.secret_key) {
        return Credentials::new(
            Some(access),
            Some(secret),
            None,
            config.security_token.as_deref(),
            None,
        )
        .map_err(|error| Error::Config(format!("credentials: {error}")));
    }
    if let Some(profile) = &config.session_profile {
        return Credentials::from_profile(Some(profile)).map_err(|error| {
            Error::Config(format!(
                "AWS_S3_SESSION_PROFILE: profile '{profile}' could not be read from the shared \
                 credentials file ({error})"
            ))
        });
    }
    let profile = std::env::var("AWS_PROFILE").ok();
    if let Ok(credentials) = Credentials::from_profile(profile.as_deref()) {
        log::debug(|| "using credentials from the shared credentials file".to_string());
        return Ok(credentials);
    }
    log::debug(|| "no credentials found: requests are sent unsigned".to_string());
    Credentials::anonymous().map_err(|error| Error::Config(error.to_string()))
}
