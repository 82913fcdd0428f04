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

mod cloudfront;
mod config;
mod content;
mod content_type;
mod error;
pub mod ffi;
mod file;
#[doc(hidden)]
pub mod fuzzing;
pub mod log;
mod multipart;
mod names;
mod object_urls;
mod progress;
mod reader;
mod s3;
mod settings;
mod storage;

pub use error::{Error, Result, ResultCode, S3Failure};
pub use file::{Mode, S3File};
pub use names::{clean_name, safe_join};
pub use object_urls::UrlOptions;
pub use progress::{Direction, ProgressFn, Transfer};
pub use settings::Settings;
pub use storage::{SaveOptions, Storage};
