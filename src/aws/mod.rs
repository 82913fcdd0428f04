//! AWS identity, apart from the object protocol: where a storage's credentials come from
//! (`credentials.rs`: the chain over the settings' keys, the environment, shared files
//! and profiles; `providers.rs`: one provider per renewable source behind one trait —
//! credential_process, web identity, assumed roles, SSO, the container endpoint and
//! IMDS — renewed before they expire), the STS and SSO calls that make temporary
//! credentials (`sts.rs`, `sso.rs`), the shared config and credentials files
//! (`profiles.rs`), and the one SigV4 signer (`sigv4.rs`) that S3 requests, presigned
//! URLs and STS calls are signed with. Nothing here knows S3's objects.

mod credentials;
pub(crate) mod profiles;
mod providers;
pub(crate) mod sigv4;
mod sso;
mod sts;

pub(crate) use credentials::CredentialSource;

pub(crate) use crate::config::env;

/// Every parser of what an identity endpoint sends, run on `text` (for the fuzz targets):
/// STS's XML, the JSON of credential_process, the container endpoint and IMDS, and SSO's
/// token cache and role credentials; each must give a value or an error, never panic.
pub(crate) fn parse_identity_replies(text: &str) {
    for status in [200, 403] {
        let _ = sts::parse_reply(text, "fuzz", status);
    }
    let _ = providers::endpoint_credentials(text, "fuzz");
    sso::parse_replies(text);
}
