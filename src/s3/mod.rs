//! The S3 object protocol: the only place that knows HTTP, rust-s3, S3's header names,
//! status codes and XML replies.
//!
//! * [`ObjectStore`]: typed calls, one per request kind: HEAD, PUT, ranged GETs, DELETE
//!   and CreateBucket (`objects.rs`), listing pages (`listing.rs`), the multipart calls
//!   (`uploads.rs`) and object URLs (`presign.rs`);
//! * `transport.rs`: one pooled `ureq` agent per storage sends each request, with the
//!   SDKs' standard retry mode; `signed.rs`: rust-s3 builds its URL and `sigv4.rs` signs
//!   it (a body hashed at most once, or `UNSIGNED-PAYLOAD` with a checksum over https);
//! * `checksums.rs`: the `x-amz-checksum-*` of uploads (CRC32C by default);
//! * `credentials.rs`: where the keys come from, renewed before they expire;
//! * `object_parameters.rs`: boto3's PutObject names and the headers they become.

mod checksums;
mod credentials;
mod listing;
pub(crate) mod object_parameters;
mod objects;
mod presign;
mod profiles;
mod signed;
mod sso;
mod sts;
mod sigv4;
mod transport;
mod uploads;

pub(crate) use credentials::CredentialSource;
pub(crate) use object_parameters::{ReadParameters, WriteParameters};
pub(crate) use objects::{ObjectBody, ObjectInfo, ObjectStore, Overwrite};
pub(crate) use presign::UrlRequest;
pub(crate) use uploads::UploadedPart;
