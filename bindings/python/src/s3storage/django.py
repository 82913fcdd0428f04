"""A Django storage backend configured exactly like django-storages' `S3Storage`.

Switch a project by changing one string:

    STORAGES = {
        "default": {"BACKEND": "s3storage.django.S3Storage", "OPTIONS": {...}},
        "staticfiles": {"BACKEND": "s3storage.django.S3StaticStorage"},
    }

Settings resolve as in django-storages: `OPTIONS`, then attributes named by the option
names (`querystring_auth = False` on a subclass), then the Django settings django-storages
reads (and the environment where it reads it), then its defaults; each option is also an
attribute of the storage. An unknown option raises ImproperlyConfigured. The storage
semantics are the library's, which follows django-storages; its log records go to the
`logging` logger "s3storage".
"""

from __future__ import annotations

import datetime
import io
import mimetypes
import threading
from typing import Any, Optional, cast

from django.apps import AppConfig
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import (
    ImproperlyConfigured,
    SuspiciousFileOperation,
    SuspiciousOperation,
)
from django.core.files.base import File
from django.core.files.storage import Storage as DjangoStorage
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.encoding import force_bytes

from . import _native
from .errors import ConfigError, SuspiciousName
from .storage import Storage

# django-storages' OPTIONS names and the Django settings each one reads, first found wins
# (its get_default_settings()); one row per option.
OPTION_SETTINGS: dict[str, tuple[str, ...]] = {
    "access_key": ("AWS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
    "secret_key": ("AWS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
    "security_token": ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"),
    "session_profile": ("AWS_S3_SESSION_PROFILE",),
    "file_overwrite": ("AWS_S3_FILE_OVERWRITE",),
    "object_parameters": ("AWS_S3_OBJECT_PARAMETERS",),
    "bucket_name": ("AWS_STORAGE_BUCKET_NAME",),
    "querystring_auth": ("AWS_QUERYSTRING_AUTH",),
    "querystring_expire": ("AWS_QUERYSTRING_EXPIRE",),
    "signature_version": ("AWS_S3_SIGNATURE_VERSION",),
    "location": ("AWS_LOCATION",),
    "custom_domain": ("AWS_S3_CUSTOM_DOMAIN",),
    "cloudfront_key_id": ("AWS_CLOUDFRONT_KEY_ID",),
    "cloudfront_key": ("AWS_CLOUDFRONT_KEY",),
    "addressing_style": ("AWS_S3_ADDRESSING_STYLE",),
    "file_name_charset": ("AWS_S3_FILE_NAME_CHARSET",),
    "gzip": ("AWS_IS_GZIPPED",),
    "gzip_content_types": ("GZIP_CONTENT_TYPES",),
    "url_protocol": ("AWS_S3_URL_PROTOCOL",),
    "endpoint_url": ("AWS_S3_ENDPOINT_URL",),
    "proxies": ("AWS_S3_PROXIES",),
    "region_name": ("AWS_S3_REGION_NAME",),
    "use_ssl": ("AWS_S3_USE_SSL",),
    "verify": ("AWS_S3_VERIFY",),
    "max_memory_size": ("AWS_S3_MAX_MEMORY_SIZE",),
    "default_acl": ("AWS_DEFAULT_ACL",),
    "use_threads": ("AWS_S3_USE_THREADS",),
    "transfer_config": ("AWS_S3_TRANSFER_CONFIG",),
    "client_config": ("AWS_S3_CLIENT_CONFIG",),
}
# What an unset option is, as django-storages gives it (None: the library's default).
DEFAULTS: dict[str, Any] = {
    "file_overwrite": True,
    "object_parameters": {},
    "querystring_auth": True,
    "querystring_expire": 3600,
    "location": "",
    "file_name_charset": "utf-8",
    "gzip": False,
    "gzip_content_types": ("text/css", "text/javascript", "application/javascript",
                           "application/x-javascript", "image/svg+xml"),
    "url_protocol": "https:",
    "use_ssl": True,
    "max_memory_size": 0,
    "use_threads": True,
}
# Settings django-storages reads that are no option (the library reads them too).
GLOBAL_SETTINGS = ("AWS_S3_FILE_BUFFER_SIZE", "FILE_UPLOAD_TEMP_DIR")
# Options django-storages accepts that only concern boto3 objects.
IGNORED_OPTIONS = ("cloudfront_signer",)


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


def _global(names: tuple[str, ...]) -> tuple[bool, Any]:
    for name in names:
        if hasattr(django_settings, name):
            return True, getattr(django_settings, name)
    return False, None


@deconstructible(path="s3storage.django.S3Storage")
class S3Storage(DjangoStorage):  # type: ignore[misc]
    """django-storages' `S3Storage`, backed by libs3storage."""

    default_content_type = "application/octet-stream"

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(OPTION_SETTINGS) - set(IGNORED_OPTIONS))
        if unknown:
            raise ImproperlyConfigured(
                f"Invalid setting {unknown[0]!r} for {type(self).__name__}")
        self._values = self._resolve(options)
        try:  # values are checked now; the storage (credentials) is made on first use
            _native.SettingsHandle(self._values).free()
        except ConfigError as error:
            raise ImproperlyConfigured(str(error)) from error
        self._storage: Optional[Storage] = None
        self._max_length = threading.local()

    def _resolve(self, options: dict[str, Any]) -> dict[str, Any]:
        """Options, then attributes (class or instance, as django-storages' hasattr), then
        the Django settings, then django-storages' defaults; each is also set as an
        attribute, as django-storages does."""
        values: dict[str, Any] = {}
        for option, names in OPTION_SETTINGS.items():
            found, value = True, None
            if option in options:
                value = options[option]
            elif hasattr(self, option):
                value = getattr(self, option)
            else:
                found, value = _global(names)
                if not found:
                    value = DEFAULTS.get(option)
            try:
                setattr(self, option, value)
            except AttributeError:  # a read-only property of a subclass
                pass
            if value is not None and found:  # defaults are the library's own
                values[names[0]] = _plain(value)
        for name in GLOBAL_SETTINGS:
            if hasattr(django_settings, name) and getattr(django_settings, name) is not None:
                values[name] = getattr(django_settings, name)
        return values

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_storage"] = None  # the connection pool is remade on first use
        state.pop("_max_length", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._max_length = threading.local()

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

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """The PutObject parameters of one object: AWS_S3_OBJECT_PARAMETERS by default;
        override it to vary them per object (ContentDisposition, say)."""
        return dict(self.object_parameters or {})

    def _write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        """django-storages' _get_write_parameters: an upload's content_type when the
        parameters name none (with the encoding guessed from the name); the rest, as the
        type guessed from the name, the library adds."""
        params = self.get_object_parameters(name)
        content_type = getattr(content, "content_type", None)
        if "ContentType" not in params and content_type:
            params["ContentType"] = content_type
            _type, encoding = mimetypes.guess_type(name)
            if encoding:
                params["ContentEncoding"] = encoding
        return params

    def _open(self, name: str, mode: str = "rb") -> "S3File":
        return S3File(self, name, mode)

    def save(self, name: Optional[str], content: Any, max_length: Optional[int] = None) -> str:
        # Django's save, with max_length carried to _save: a name lost to another writer
        # is replaced by one that still fits.
        self._max_length.value = max_length
        try:
            return cast(str, super().save(name, content, max_length=max_length))
        finally:
            self._max_length.value = None

    def _save(self, name: str, content: Any) -> str:
        if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
            content.seek(0)
        return cast(str, self._call("save", name, content,
                                    parameters=self._write_parameters(name, content),
                                    max_length=getattr(self._max_length, "value", None)))

    def get_available_name(self, name: str, max_length: Optional[int] = None) -> str:
        try:
            return self.storage.get_available_name(name, max_length)
        except SuspiciousName as error:
            raise SuspiciousFileOperation(str(error)) from error

    def exists(self, name: str) -> bool:
        return cast(bool, self._call("exists", name))

    def delete(self, name: str) -> None:
        self._call("delete", name)

    def size(self, name: str) -> int:
        return cast(int, self._call("size", name))

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return cast("tuple[list[str], list[str]]", self._call("listdir", path))

    def url(self, name: str, parameters: Optional[dict[str, Any]] = None,
            expire: Optional[int] = None, http_method: Optional[str] = None) -> str:
        return cast(str, self._call("url", name, parameters, expire, http_method))

    def get_modified_time(self, name: str) -> datetime.datetime:
        """Aware (UTC) with USE_TZ, naive local time without it, as django-storages."""
        modified = self._call("modified_time", name)
        return cast(datetime.datetime,
                    modified if django_settings.USE_TZ else timezone.make_naive(modified))


class S3File(File):  # type: ignore[misc]
    """What `open` gives Django, as django-storages' S3File: reads are buffered ("r"
    gives str, decoded as UTF-8; "rb" bytes); writes go to the library (which uploads
    parts as they fill; str is encoded as UTF-8) and are committed by close(); a file
    dropped without close() stores nothing. `size` is the object's size without reading
    it; a closed file can be opened again in its mode."""

    def __init__(self, backend: S3Storage, name: str, mode: str) -> None:
        self._backend = backend
        self._mode = mode
        super().__init__(None, name)
        self.mode = mode
        self._raw: Optional[Any] = None
        self._connect()

    def _connect(self) -> None:
        reading = "r" in self._mode
        params = None if reading else self._backend._write_parameters(self.name)
        raw = self._backend._call("open", self.name, "rb" if reading else "wb",
                                  parameters=params)
        self._raw = raw
        if reading:
            buffered = io.BufferedReader(raw, 1 << 20)
            self.file = buffered if "b" in self._mode else io.TextIOWrapper(buffered, encoding="utf-8")
        else:
            self.file = raw

    @property
    def size(self) -> int:
        assert self._raw is not None  # set by _connect() in __init__, never unset
        return cast(int, self._raw.size)

    @property
    def closed(self) -> bool:
        return self.file is None or self.file.closed

    def open(self, mode: Optional[str] = None) -> "S3File":
        if not self.closed:
            if "r" in self._mode:
                self.seek(0)  # as Django and django-storages
        elif mode and mode != self._mode:
            raise ValueError("Cannot reopen file with a new mode.")
        else:
            self._connect()
        return self

    def write(self, content: Any) -> int:
        if "w" not in self._mode:
            raise AttributeError("File was not opened in write mode.")
        return self.file.write(force_bytes(content))

    def abort(self) -> None:
        """Discards a write: nothing is stored."""
        assert self._raw is not None  # set by _connect() in __init__, never unset
        self._raw.abort()


@deconstructible(path="s3storage.django.S3StaticStorage")
class S3StaticStorage(S3Storage):
    """For static files: unsigned URLs (querystring auth off), so url() is stable."""

    querystring_auth = False


@deconstructible(path="s3storage.django.S3ManifestStaticStorage")
class S3ManifestStaticStorage(ManifestFilesMixin, S3StaticStorage):  # type: ignore[misc]
    """S3StaticStorage with Django's manifest of hashed names."""


def check_storages(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Django's system check (`manage.py check`): every storage of STORAGES (or the
    legacy DEFAULT_FILE_STORAGE / STATICFILES_STORAGE) whose backend is this package's is
    made with its OPTIONS and the settings, as its first use would; an unknown, wrong or
    conflicting option is an error naming it (id s3storage.E001), before any request."""
    from django.core import checks
    from django.utils.module_loading import import_string

    configured = dict(getattr(django_settings, "STORAGES", None) or {})
    for alias, legacy in (("default", "DEFAULT_FILE_STORAGE"),
                          ("staticfiles", "STATICFILES_STORAGE")):
        if alias not in configured and getattr(django_settings, legacy, None):
            configured[alias] = {"BACKEND": getattr(django_settings, legacy)}
    errors: list[Any] = []
    for alias, config in configured.items():
        path = (config or {}).get("BACKEND", "")
        try:
            backend = import_string(path)
        except ImportError:
            continue  # Django reports a backend it cannot import
        if not (isinstance(backend, type) and issubclass(backend, S3Storage)):
            continue
        try:
            backend(**dict((config or {}).get("OPTIONS") or {}))
        except ImproperlyConfigured as error:
            named = [f"the option {option!r} (setting {names[0]})"
                     for option, names in OPTION_SETTINGS.items()
                     if names[0] in str(error) or repr(option) in str(error)]
            errors.append(checks.Error(
                f"STORAGES[{alias!r}] ({path}): {error}", obj=alias, id="s3storage.E001",
                hint=("check " + ", ".join(named)) if named else None))
    return errors


def _register_check() -> None:
    from django.core import checks

    checks.register(check_storages, checks.Tags.compatibility)


class S3StorageConfig(AppConfig):  # type: ignore[misc]
    """The app to put in INSTALLED_APPS ("s3storage.django.S3StorageConfig") so that
    `manage.py check` checks the storage options before any request."""

    name = "s3storage"
    label = "s3storage"
    verbose_name = "s3storage"

    def ready(self) -> None:
        _register_check()


# Importing the backend registers the check too (the STORAGES backend is imported when
# the storage is first used; the app above makes `manage.py check` see it at once).
_register_check()
