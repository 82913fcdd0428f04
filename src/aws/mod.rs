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
