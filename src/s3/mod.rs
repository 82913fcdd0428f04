//! The S3 object protocol: the only place that knows HTTP, rust-s3, S3's header names,
//! status codes and XML replies.
//!
//! * [`ObjectStore`] (`objects.rs`): typed calls, one per request kind (HEAD, PUT, ranged
//!   GET, listing pages, the multipart calls, CreateBucket) and object URLs
//!   (`presign.rs`);
//! * `transport.rs`: rust-s3 builds each request's URL, `sigv4.rs` signs it (a body
//!   hashed at most once, or `UNSIGNED-PAYLOAD` with a checksum over https), one pooled
//!   `ureq` agent per storage sends it, with the SDKs' standard retry mode;
//! * `checksums.rs`: the `x-amz-checksum-*` of uploads (CRC32C by default);
//! * `credentials.rs`: where the keys come from, renewed before they expire;
//! * `object_parameters.rs`: boto3's PutObject names and the headers they become.

mod checksums;
mod credentials;
pub(crate) mod object_parameters;
mod objects;
mod presign;
mod sigv4;
mod transport;

pub(crate) use credentials::CredentialSource;
pub(crate) use object_parameters::{ReadParameters, WriteParameters};
pub(crate) use objects::{ObjectBody, ObjectInfo, ObjectStore, Overwrite, UploadedPart};
pub(crate) use presign::UrlRequest;
