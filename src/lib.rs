//! # s3storage
//!
//! django-storages' Amazon S3 backend (`S3Boto3Storage`) for C, C++, FFI users and
//! plain synchronous Rust: the same operations (exists, open/read/write/close, save
//! with name-collision handling, delete, size, modified time, listdir, url), configured
//! by the same Django setting names.
//!
//! ```no_run
//! use s3storage::{Settings, Storage};
//! use std::io::{Read, Write};
//!
//! let mut settings = Settings::new();
//! settings.set("AWS_STORAGE_BUCKET_NAME", "media")?;
//! settings.set("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:8333")?;
//! let storage = Storage::new(&settings)?;
//! let mut file = storage.open("storage_test", "w")?;
//! file.write_all(b"storage contents")?;
//! file.close()?;
//! let mut text = String::new();
//! storage.open("storage_test", "r")?.read_to_string(&mut text)?;
//! assert_eq!(text, "storage contents");
//! storage.delete("storage_test")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "cloudfront")]
mod cloudfront;
/// Without the `cloudfront` feature: CloudFront signing is a configuration error.
#[cfg(not(feature = "cloudfront"))]
mod cloudfront {
    use crate::config::Config;
    use crate::error::{Error, Result};

    fn off() -> Error {
        Error::Config(
            "AWS_CLOUDFRONT_KEY: this build of s3storage has no CloudFront signing (the \
             cloudfront feature is off)"
                .into(),
        )
    }

    /// Refuses: there is nothing to sign with.
    pub(crate) fn check_key(_pem: &str) -> Result<()> {
        Err(off())
    }

    /// Refuses: there is nothing to sign with.
    pub(crate) fn sign(_config: &Config, _url: &str, _expire: u64) -> Result<String> {
        Err(off())
    }
}
mod aws;
mod bulk;
mod checksums;
mod config;
mod content;
mod content_type;
mod copying;
mod download;
mod error;
/// The C ABI (`include/s3storage.h`): only with the `capi` feature.
#[cfg(feature = "capi")]
pub mod ffi;
mod file;
mod http_client;
#[doc(hidden)]
pub mod fuzzing;
pub mod log;
mod listing;
mod local_file;
mod multipart;
mod names;
mod object_info;
mod object_parameters;
mod object_urls;
mod operations;
mod post_policy;
mod progress;
mod read_ahead;
mod reader;
mod requests;
mod s3;
mod settings;
mod storage;
mod store;
mod xml;

/// The in-memory store (`AWS_S3_ENDPOINT_URL=memory://NAME`): storages with the same NAME
/// and bucket in one process share their objects. For tests of code that uses a storage:
/// faults can be injected into any call kind.
pub mod memory {
    pub use crate::store::memory::{calls, clear_faults, forget, inject_fault, Call, Fault};
}

pub use bulk::DeleteFailure;
pub use error::{Error, Result, ResultCode, S3Failure};
pub use file::{Chunks, Mode, S3File};
pub use listing::Listing;
pub use names::{clean_name, safe_join};
pub use object_info::ObjectInfo;
pub use object_urls::UrlOptions;
pub use progress::{Direction, ProgressFn, Transfer};
pub use requests::{RequestFn, RequestRecord};
pub use settings::Settings;
pub use storage::{Resolved, SaveOptions, Storage};
pub use store::PresignedPost;

/// The README's Rust examples, compiled by `cargo test --doc` so that they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
