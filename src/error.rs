//! One error type for the whole library, and the stable numeric codes it maps onto.
//!
//! Every failure a caller can see is an [`Error`]; [`Error::code`] gives the
//! [`ResultCode`] that the C layer returns. Messages say what failed and what to
//! do; they never carry a secret.

use std::fmt;
use std::sync::Arc;

/// The underlying error of a network or local I/O failure (shared, so that errors clone).
pub type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Declares [`ResultCode`] from one table: variant, value and meaning, written once.
macro_rules! result_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $value:literal,)+) => {
        /// The stable numeric result codes of the C API (`include/s3storage.h`). A value never
        /// changes meaning; new codes are added at the end.
        #[repr(i32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ResultCode {
            $($(#[doc = $doc])+ $variant = $value,)+
        }

        impl ResultCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [ResultCode] = &[$(ResultCode::$variant),+];

            /// The code for a raw integer, if it is one of ours.
            pub fn from_i32(value: i32) -> Option<ResultCode> {
                match value {
                    $($value => Some(ResultCode::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

result_codes! {
    /// Success.
    Ok = 0,
    /// NULL pointer, non-UTF-8 string, bad mode, bad whence, bad length.
    InvalidArgument = 1,
    /// Improperly configured (Django's `ImproperlyConfigured`).
    Config = 2,
    /// The name escapes `AWS_LOCATION` or is otherwise unsafe (`SuspiciousOperation`).
    SuspiciousName = 3,
    /// No such object (`FileNotFoundError`).
    NotFound = 4,
    /// A create-only write found the name taken.
    AlreadyExists = 5,
    /// The server refused the credentials or the request (HTTP 403).
    AccessDenied = 6,
    /// Connect, TLS, timeout or reset.
    Network = 7,
    /// Any other S3 error.
    Server = 8,
    /// Local I/O (spool file, local source file).
    Io = 9,
    /// Operation not allowed in the file's current state.
    BadState = 10,
    /// The bytes received do not match the checksum the server sent with them.
    Checksum = 11,
    /// A panic was caught at the C boundary.
    Panic = 255,
}

/// What S3 said when it refused a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct S3Failure {
    /// The operation and key, e.g. `"HEAD media/a.txt"`.
    pub operation: String,
    /// The HTTP status.
    pub status: u16,
    /// The S3 error `Code` from the XML body (e.g. `AccessDenied`), or `""`.
    pub code: String,
    /// The S3 error `Message`, or `""`.
    pub message: String,
    /// The reply's `x-amz-request-id` (what AWS support asks for), or `""`.
    pub request_id: String,
}

impl S3Failure {
    /// A 200 reply that could not be understood (no UploadId, unparsable XML...).
    pub(crate) fn malformed(operation: &str, message: impl Into<String>) -> Error {
        Error::Server(S3Failure {
            operation: operation.to_string(),
            status: 200,
            code: "MalformedResponse".into(),
            message: message.into(),
            request_id: String::new(),
        })
    }
}

impl S3Failure {
    /// A refusal by an endpoint (S3, STS, SSO, a credentials endpoint): `AccessDenied`
    /// for 401 and 403, `Server` for any other status.
    pub(crate) fn refused(operation: &str, status: u16, code: &str, message: &str) -> Error {
        let failure = S3Failure {
            operation: operation.to_string(),
            status,
            code: code.to_string(),
            message: message.to_string(),
            request_id: String::new(),
        };
        match status {
            401 | 403 => Error::AccessDenied(failure),
            _ => Error::Server(failure),
        }
    }
}

impl fmt::Display for S3Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: HTTP {}", self.operation, self.status)?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// Every error of the library.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller passed something unusable (bad mode, bad whence, bad JSON...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A setting is unknown, malformed or inconsistent; the message names the key.
    #[error("improperly configured: {0}")]
    Config(String),
    /// A name escapes `AWS_LOCATION` or is otherwise unsafe; nothing was sent.
    #[error("suspicious name: {0}")]
    SuspiciousName(String),
    /// The object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A create-only write found the name taken.
    #[error("{0}")]
    AlreadyExists(String),
    /// HTTP 403 from the server.
    #[error("access denied: {0} (check the credentials and the bucket policy)")]
    AccessDenied(S3Failure),
    /// Connect, TLS, timeout or reset.
    #[error("network error: {message}")]
    Network {
        /// What failed, naming the operation and the endpoint.
        message: String,
        /// The transport's or the system's own error, where there is one.
        #[source]
        source: Option<Cause>,
    },
    /// Any other S3 error.
    #[error("S3 error: {0}")]
    Server(S3Failure),
    /// Local I/O failed.
    #[error("I/O error: {message}")]
    Io {
        /// What failed, with what was being done.
        message: String,
        /// The system's error, where there is one.
        #[source]
        source: Option<Cause>,
    },
    /// The operation is not allowed in the current state.
    #[error("bad state: {0}")]
    BadState(String),
    /// The bytes received do not match the full-object checksum the server sent with
    /// them (checked again with a fresh request where that could help); the message
    /// names both values.
    #[error("checksum mismatch: {0}")]
    Checksum(String),
}

impl Error {
    /// The stable result code of this error.
    pub fn code(&self) -> ResultCode {
        match self {
            Error::InvalidArgument(_) => ResultCode::InvalidArgument,
            Error::Config(_) => ResultCode::Config,
            Error::SuspiciousName(_) => ResultCode::SuspiciousName,
            Error::NotFound(_) => ResultCode::NotFound,
            Error::AlreadyExists(_) => ResultCode::AlreadyExists,
            Error::AccessDenied(_) => ResultCode::AccessDenied,
            Error::Network { .. } => ResultCode::Network,
            Error::Server(_) => ResultCode::Server,
            Error::Io { .. } => ResultCode::Io,
            Error::BadState(_) => ResultCode::BadState,
            Error::Checksum(_) => ResultCode::Checksum,
        }
    }

    /// The S3 failure behind this error, when a server refused the request.
    fn failure(&self) -> Option<&S3Failure> {
        match self {
            Error::AccessDenied(failure) | Error::Server(failure) => Some(failure),
            _ => None,
        }
    }

    /// The HTTP status of the server's refusal (`None` when no reply said so: a network
    /// or local failure, a bad argument).
    pub fn http_status(&self) -> Option<u16> {
        self.failure().map(|failure| failure.status)
    }

    /// The S3 error `Code` of the server's refusal (`SignatureDoesNotMatch`, ...).
    pub fn s3_code(&self) -> Option<&str> {
        self.failure()
            .map(|failure| failure.code.as_str())
            .filter(|code| !code.is_empty())
    }

    /// The request id (`x-amz-request-id`) of the server's refusal.
    pub fn request_id(&self) -> Option<&str> {
        self.failure()
            .map(|failure| failure.request_id.as_str())
            .filter(|id| !id.is_empty())
    }

    /// The same error (same code, status, S3 code and request id), its message
    /// beginning with `what` (what the failed step was part of).
    pub(crate) fn within(self, what: &str) -> Error {
        let prefixed = |message: String| format!("{what}: {message}");
        match self {
            Error::InvalidArgument(m) => Error::InvalidArgument(prefixed(m)),
            Error::Config(m) => Error::Config(prefixed(m)),
            Error::SuspiciousName(m) => Error::SuspiciousName(prefixed(m)),
            Error::NotFound(m) => Error::NotFound(prefixed(m)),
            Error::AlreadyExists(m) => Error::AlreadyExists(prefixed(m)),
            Error::BadState(m) => Error::BadState(prefixed(m)),
            Error::Checksum(m) => Error::Checksum(prefixed(m)),
            Error::AccessDenied(mut failure) => {
                failure.operation = prefixed(failure.operation);
                Error::AccessDenied(failure)
            }
            Error::Server(mut failure) => {
                failure.operation = prefixed(failure.operation);
                Error::Server(failure)
            }
            Error::Network { message, source } => Error::Network {
                message: prefixed(message),
                source,
            },
            Error::Io { message, source } => Error::Io {
                message: prefixed(message),
                source,
            },
        }
    }

    /// An I/O error with what was being done (the `io::Error` kept as the source).
    pub(crate) fn io(context: &str, error: std::io::Error) -> Error {
        Error::Io {
            message: format!("{context}: {error}"),
            source: Some(Arc::new(error)),
        }
    }

    /// A local failure that no system error stands behind.
    pub fn io_message(message: impl Into<String>) -> Error {
        Error::Io {
            message: message.into(),
            source: None,
        }
    }

    /// A network failure described by `message`.
    pub fn network(message: impl Into<String>) -> Error {
        Error::Network {
            message: message.into(),
            source: None,
        }
    }

    /// A network failure described by `message`, caused by `source` (ureq's or the
    /// system's error), which `std::error::Error::source` gives back.
    pub fn network_because(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Network {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for std::io::Error {
    fn from(error: Error) -> std::io::Error {
        let kind = match error.code() {
            ResultCode::NotFound => std::io::ErrorKind::NotFound,
            ResultCode::AccessDenied => std::io::ErrorKind::PermissionDenied,
            ResultCode::AlreadyExists => std::io::ErrorKind::AlreadyExists,
            ResultCode::InvalidArgument | ResultCode::SuspiciousName => {
                std::io::ErrorKind::InvalidInput
            }
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, error)
    }
}

impl Error {
    /// The library's error inside an `io::Error` that an [`crate::S3File`]'s `Read`,
    /// `Write` or `Seek` returned (its code and message intact), or a plain `io::Error`
    /// as [`Error::Io`] with `context`.
    pub fn from_io_error(context: &str, error: std::io::Error) -> Error {
        if error.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            let inner = error.into_inner().expect("checked above");
            return *inner.downcast::<Error>().expect("checked above");
        }
        Error::io(context, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in ResultCode::ALL {
            assert_eq!(ResultCode::from_i32(*code as i32), Some(*code));
        }
        assert_eq!(ResultCode::ALL.len(), 13);
        assert_eq!(ResultCode::from_i32(12), None);
    }

    #[test]
    fn network_and_io_errors_keep_their_source() {
        use std::error::Error as _;
        let local = Error::io("opening a.txt", std::io::Error::other("disk on fire"));
        assert_eq!(local.source().unwrap().to_string(), "disk on fire");
        let mut settings = crate::Settings::new();
        settings.set("AWS_STORAGE_BUCKET_NAME", "b").unwrap();
        settings
            .set("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9")
            .unwrap();
        settings.set("AWS_S3_ACCESS_KEY_ID", "a").unwrap();
        settings.set("AWS_S3_SECRET_ACCESS_KEY", "s").unwrap();
        let refused = crate::Storage::new(&settings)
            .unwrap()
            .exists("x")
            .unwrap_err();
        assert_eq!(refused.code(), ResultCode::Network, "{refused}");
        let cause = refused
            .source()
            .expect("the transport's error is the source");
        assert!(!cause.to_string().is_empty());
        assert_eq!(Error::network("no cause").source().map(|_| ()), None);
    }

    #[test]
    fn io_error_carries_our_error_back() {
        let error = Error::NotFound("File does not exist: a".into());
        let io: std::io::Error = error.into();
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        let back = Error::from_io_error("read", io);
        assert_eq!(back.code(), ResultCode::NotFound);
        assert_eq!(back.to_string(), "File does not exist: a");
    }

    #[test]
    fn failure_message_names_code_and_status() {
        let failure = S3Failure {
            operation: "HEAD a".into(),
            status: 403,
            code: "AccessDenied".into(),
            message: "Access Denied".into(),
            request_id: "R1".into(),
        };
        let error = Error::AccessDenied(failure.clone());
        assert_eq!(
            (error.http_status(), error.s3_code(), error.request_id()),
            (Some(403), Some("AccessDenied"), Some("R1"))
        );
        let network = Error::network("reset");
        assert_eq!(
            (
                network.http_status(),
                network.s3_code(),
                network.request_id()
            ),
            (None, None, None)
        );
        assert_eq!(
            Error::AccessDenied(failure).to_string(),
            "access denied: HEAD a failed: HTTP 403 AccessDenied: Access Denied (check the credentials and the bucket policy)"
        );
    }
}
