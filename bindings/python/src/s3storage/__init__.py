"""s3storage: django-storages' Amazon S3 backend semantics, through the C library
libs3storage (shipped inside this package).

    from s3storage import Storage
    storage = Storage(AWS_STORAGE_BUCKET_NAME="media", AWS_S3_FILE_OVERWRITE=False)
    name = storage.save("docs/report.txt", b"content")   # the name actually used
    with storage.open(name) as f:
        data = f.read()

`s3storage.django.S3Storage` is a Django storage backend configured like django-storages'.
"""

from ._native import setting_names, version
from .errors import (
    AccessDenied,
    AlreadyExists,
    BadState,
    ChecksumMismatch,
    ConfigError,
    InternalError,
    InvalidArgument,
    LocalIOError,
    NetworkError,
    NotFound,
    S3StorageError,
    ServerError,
    SuspiciousName,
)
from .storage import File, ObjectInfo, Request, Storage

__version__ = version()

__all__ = [
    "AccessDenied",
    "AlreadyExists",
    "BadState",
    "ChecksumMismatch",
    "ConfigError",
    "File",
    "InternalError",
    "InvalidArgument",
    "LocalIOError",
    "NetworkError",
    "NotFound",
    "S3StorageError",
    "ServerError",
    "ObjectInfo",
    "Request",
    "Storage",
    "SuspiciousName",
    "setting_names",
    "version",
]
