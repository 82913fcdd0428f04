"""The library's result codes as Python exceptions. Every exception raised for a failed
call is an `S3StorageError` carrying `code` (the C result code), `code_name` and the
library's message, and where a server refused the request its `http_status`, `s3_code`
and `request_id`; most are also the built-in exception a Python programmer expects."""

from __future__ import annotations

from typing import Any

OK = 0
INVALID_ARGUMENT = 1
CONFIG = 2
SUSPICIOUS_NAME = 3
NOT_FOUND = 4
ALREADY_EXISTS = 5
ACCESS_DENIED = 6
NETWORK = 7
SERVER = 8
IO = 9
BAD_STATE = 10
CHECKSUM = 11
PANIC = 255


class S3StorageError(Exception):
    """A failed call: `code` is the library's result code, `message` its message."""

    code_name = "S3STORAGE_ERR"

    def __new__(cls, code: int, message: str) -> S3StorageError:
        # One argument up the chain, so that OSError does not take `code` for an errno.
        return super().__new__(cls, message)

    #: The HTTP status of the server's refusal (None: no reply said why).
    http_status: "int | None" = None
    #: The S3 error Code, e.g. "SignatureDoesNotMatch" (None: none).
    s3_code: "str | None" = None
    #: The reply's request id, x-amz-request-id (None: none).
    request_id: "str | None" = None

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:  # keep code, message and details through pickling
        details = {"http_status": self.http_status, "s3_code": self.s3_code,
                   "request_id": self.request_id}
        return (type(self), (self.code, self.message), details)


class InvalidArgument(S3StorageError, ValueError):
    """S3STORAGE_ERR_INVALID_ARGUMENT: a bad argument (mode, whence, JSON, length)."""

    code_name = "S3STORAGE_ERR_INVALID_ARGUMENT"


class ConfigError(S3StorageError, ValueError):
    """S3STORAGE_ERR_CONFIG: a setting is missing or wrong (Django's ImproperlyConfigured)."""

    code_name = "S3STORAGE_ERR_CONFIG"


class SuspiciousName(S3StorageError, ValueError):
    """S3STORAGE_ERR_SUSPICIOUS_NAME: the name escapes AWS_LOCATION or is unsafe
    (Django's SuspiciousOperation)."""

    code_name = "S3STORAGE_ERR_SUSPICIOUS_NAME"


class NotFound(S3StorageError, FileNotFoundError):
    """S3STORAGE_ERR_NOT_FOUND: no such object."""

    code_name = "S3STORAGE_ERR_NOT_FOUND"


class AlreadyExists(S3StorageError, FileExistsError):
    """S3STORAGE_ERR_ALREADY_EXISTS: a create-only write found the name taken."""

    code_name = "S3STORAGE_ERR_ALREADY_EXISTS"


class AccessDenied(S3StorageError, PermissionError):
    """S3STORAGE_ERR_ACCESS_DENIED: the server refused the credentials or the request."""

    code_name = "S3STORAGE_ERR_ACCESS_DENIED"


class NetworkError(S3StorageError, ConnectionError):
    """S3STORAGE_ERR_NETWORK: the server could not be reached, or the connection broke."""

    code_name = "S3STORAGE_ERR_NETWORK"


class ServerError(S3StorageError):
    """S3STORAGE_ERR_SERVER: the server answered with an error or an invalid reply."""

    code_name = "S3STORAGE_ERR_SERVER"


class LocalIOError(S3StorageError, OSError):
    """S3STORAGE_ERR_IO: a local file or the content being saved could not be read."""

    code_name = "S3STORAGE_ERR_IO"


class BadState(S3StorageError):
    """S3STORAGE_ERR_BAD_STATE: the call does not fit the file's mode or state."""

    code_name = "S3STORAGE_ERR_BAD_STATE"


class ChecksumMismatch(S3StorageError, OSError):
    """S3STORAGE_ERR_CHECKSUM: the bytes received do not match the object's checksum
    (botocore raises FlexibleChecksumError); the message names both values."""

    code_name = "S3STORAGE_ERR_CHECKSUM"


class InternalError(S3StorageError):
    """S3STORAGE_ERR_PANIC: an internal failure; the library stays usable."""

    code_name = "S3STORAGE_ERR_PANIC"


# One row per result code.
_BY_CODE = {
    INVALID_ARGUMENT: InvalidArgument,
    CONFIG: ConfigError,
    SUSPICIOUS_NAME: SuspiciousName,
    NOT_FOUND: NotFound,
    ALREADY_EXISTS: AlreadyExists,
    ACCESS_DENIED: AccessDenied,
    NETWORK: NetworkError,
    SERVER: ServerError,
    IO: LocalIOError,
    BAD_STATE: BadState,
    CHECKSUM: ChecksumMismatch,
    PANIC: InternalError,
}


def from_code(code: int, message: str, http_status: int = 0, s3_code: str = "",
              request_id: str = "") -> S3StorageError:
    """The exception for a result code (an unknown code gives the base class), with the
    server's details where it refused the request."""
    error = _BY_CODE.get(code, S3StorageError)(code, message)
    error.http_status = http_status or None
    error.s3_code = s3_code or None
    error.request_id = request_id or None
    return error


def all_codes() -> dict[int, str]:
    """Every result code this module knows, by value, with its C name (a test holds this
    equal to the library's s3storage_code_name)."""
    names = {OK: "S3STORAGE_OK"}
    names.update({code: cls.code_name for code, cls in _BY_CODE.items()})
    return names
