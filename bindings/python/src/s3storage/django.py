"""A Django storage backend configured exactly like django-storages' `S3Storage`.

Switch a project by changing one string:

    STORAGES = {
        "default": {"BACKEND": "s3storage.django.S3Storage", "OPTIONS": {...}},
        "staticfiles": {"BACKEND": "s3storage.django.S3StaticStorage"},
    }

Settings resolve as in django-storages: the `AWS_*` Django settings (and the environment
where django-storages reads it), then class attributes named by the option names
(`querystring_auth = False` on a subclass), then `OPTIONS`; an unknown option raises
ImproperlyConfigured. The storage semantics are the library's, which follows
django-storages.
"""

from __future__ import annotations

import datetime
import io
from typing import Any, Optional

from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.core.files.base import File
from django.core.files.storage import Storage as DjangoStorage
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from . import _native
from .errors import ConfigError, SuspiciousName
from .storage import Storage

# django-storages' OPTIONS names and the setting each one stands for (its
# get_default_settings()); one row per option.
OPTION_SETTINGS = {
    "access_key": "AWS_S3_ACCESS_KEY_ID",
    "secret_key": "AWS_S3_SECRET_ACCESS_KEY",
    "security_token": "AWS_SESSION_TOKEN",
    "session_profile": "AWS_S3_SESSION_PROFILE",
    "file_overwrite": "AWS_S3_FILE_OVERWRITE",
    "object_parameters": "AWS_S3_OBJECT_PARAMETERS",
    "bucket_name": "AWS_STORAGE_BUCKET_NAME",
    "querystring_auth": "AWS_QUERYSTRING_AUTH",
    "querystring_expire": "AWS_QUERYSTRING_EXPIRE",
    "signature_version": "AWS_S3_SIGNATURE_VERSION",
    "location": "AWS_LOCATION",
    "custom_domain": "AWS_S3_CUSTOM_DOMAIN",
    "cloudfront_key_id": "AWS_CLOUDFRONT_KEY_ID",
    "cloudfront_key": "AWS_CLOUDFRONT_KEY",
    "addressing_style": "AWS_S3_ADDRESSING_STYLE",
    "file_name_charset": "AWS_S3_FILE_NAME_CHARSET",
    "gzip": "AWS_IS_GZIPPED",
    "gzip_content_types": "GZIP_CONTENT_TYPES",
    "url_protocol": "AWS_S3_URL_PROTOCOL",
    "endpoint_url": "AWS_S3_ENDPOINT_URL",
    "proxies": "AWS_S3_PROXIES",
    "region_name": "AWS_S3_REGION_NAME",
    "use_ssl": "AWS_S3_USE_SSL",
    "verify": "AWS_S3_VERIFY",
    "max_memory_size": "AWS_S3_MAX_MEMORY_SIZE",
    "default_acl": "AWS_DEFAULT_ACL",
    "use_threads": "AWS_S3_USE_THREADS",
    "transfer_config": "AWS_S3_TRANSFER_CONFIG",
    "client_config": "AWS_S3_CLIENT_CONFIG",
}
# Django settings the library reads that are not AWS_ names.
_DJANGO_SETTINGS = ("FILE_UPLOAD_TEMP_DIR",)


def _plain(value: Any) -> Any:
    """botocore's Config / boto3's TransferConfig as the dicts the library takes."""
    provided = getattr(value, "_user_provided_options", None)
    if isinstance(provided, dict):  # botocore.config.Config
        return dict(provided)
    if type(value).__name__ == "TransferConfig":
        names = ("multipart_threshold", "multipart_chunksize", "max_concurrency",
                 "use_threads", "num_download_attempts", "max_io_queue", "io_chunksize")
        return {name: getattr(value, name) for name in names if hasattr(value, name)}
    if isinstance(value, bytes):
        return value.decode()
    return value


@deconstructible(path="s3storage.django.S3Storage")
class S3Storage(DjangoStorage):
    """django-storages' `S3Storage`, backed by libs3storage."""

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(OPTION_SETTINGS))
        if unknown:
            raise ImproperlyConfigured(
                f"Invalid setting {unknown[0]!r} for {type(self).__name__}")
        self._values = self._resolve(options)
        try:  # values are checked now; the storage (credentials) is made on first use
            _native.SettingsHandle(self._values).free()
        except ConfigError as error:
            raise ImproperlyConfigured(str(error)) from error
        self._storage: Optional[Storage] = None

    def _resolve(self, options: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in _native.setting_names():
            if name.startswith("AWS_") or name == "GZIP_CONTENT_TYPES" or name in _DJANGO_SETTINGS:
                if hasattr(django_settings, name):
                    values[name] = _plain(getattr(django_settings, name))
        for option, setting in OPTION_SETTINGS.items():
            if option in options:
                values[setting] = _plain(options[option])
            elif hasattr(type(self), option):
                values[setting] = _plain(getattr(type(self), option))
        return values

    @property
    def storage(self) -> Storage:
        """The library's storage, made on first use."""
        if self._storage is None:
            try:
                self._storage = Storage(self._values)
            except ConfigError as error:
                raise ImproperlyConfigured(str(error)) from error
        return self._storage

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.storage, method)(*args, **kwargs)
        except SuspiciousName as error:
            raise SuspiciousOperation(str(error)) from error

    def _open(self, name: str, mode: str = "rb") -> File:
        return S3File(self._call("open", name, mode.replace("t", "").replace("+", "") or "rb"), name)

    def _save(self, name: str, content: Any) -> str:
        if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
            content.seek(0)
        parameters = {}
        content_type = getattr(content, "content_type", None)
        if content_type:
            parameters["ContentType"] = content_type
        return self._call("save", name, content, parameters=parameters or None)

    def get_available_name(self, name: str, max_length: Optional[int] = None) -> str:
        return self._call("get_available_name", name, max_length)

    def exists(self, name: str) -> bool:
        return self._call("exists", name)

    def delete(self, name: str) -> None:
        self._call("delete", name)

    def size(self, name: str) -> int:
        return self._call("size", name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self._call("listdir", path)

    def url(self, name: str, parameters: Optional[dict] = None, expire: Optional[int] = None,
            http_method: Optional[str] = None) -> str:
        return self._call("url", name, parameters, expire, http_method)

    def get_modified_time(self, name: str) -> datetime.datetime:
        """Aware (UTC) with USE_TZ, naive local time without it, as django-storages."""
        modified = self._call("modified_time", name)
        return modified if django_settings.USE_TZ else timezone.make_naive(modified)

    def get_default_settings(self) -> dict[str, Any]:
        """The resolved settings by django-storages option name (secrets left out)."""
        secret = {"secret_key", "security_token", "cloudfront_key"}
        by_setting = {setting: option for option, setting in OPTION_SETTINGS.items()}
        return {by_setting[k]: v for k, v in self._values.items() if k in by_setting
                and by_setting[k] not in secret}


class S3File(File):
    """What `open` gives Django: a File over the library's file, buffered; `size` is
    the object's size without reading it."""

    def __init__(self, raw: Any, name: str) -> None:
        buffered = io.BufferedReader(raw, 1 << 20) if raw.readable() else io.BufferedWriter(raw, 1 << 20)
        super().__init__(buffered, name)
        self._raw = raw
        self.mode = raw.mode

    @property
    def size(self) -> int:
        return self._raw.size

    def abort(self) -> None:
        """Discards a write: nothing is stored."""
        self._raw.abort()


@deconstructible(path="s3storage.django.S3StaticStorage")
class S3StaticStorage(S3Storage):
    """For static files: unsigned URLs (querystring auth off), so url() is stable."""

    querystring_auth = False


@deconstructible(path="s3storage.django.S3ManifestStaticStorage")
class S3ManifestStaticStorage(ManifestFilesMixin, S3StaticStorage):
    """S3StaticStorage with Django's manifest of hashed names."""
