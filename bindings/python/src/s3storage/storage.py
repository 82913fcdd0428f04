"""`Storage` and `File`: django-storages' S3 semantics from Python, through the C ABI."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import datetime
import io
import os
import threading
import warnings
from ctypes import byref, c_bool, c_char_p, c_int64, c_size_t, c_uint64, c_void_p
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping, Optional, Union

from . import _native as native
from ._native import lib, text

Content = Union[bytes, bytearray, memoryview, str, BinaryIO, Any]


@dataclasses.dataclass(frozen=True)
class Request:
    """One HTTP request a storage made (retries included), as the request hook sees it."""

    operation: str
    """The S3 API operation: "GetObject", "PutObject", "UploadPart", ..."""
    name: str
    """The object's name without AWS_LOCATION ("" for bucket requests)."""
    http_status: int
    """The reply's status; 0 when no reply came (a network error)."""
    bytes: int
    """Body bytes sent, plus the reply's Content-Length."""
    seconds: float
    """From sending the request to the reply's head."""
    attempt: int
    """1 for the first try, 2 for the first retry, ..."""


@dataclasses.dataclass(frozen=True)
class ObjectInfo:
    """One object's metadata, from one HEAD (`Storage.stat`)."""

    name: str
    """Its name, without AWS_LOCATION."""
    size: int
    """Its size in bytes, as stored."""
    modified: Optional[datetime.datetime]
    """When it was last modified (UTC), if the server said."""
    etag: str
    """Its ETag, quotes removed."""
    content_type: str
    """Its Content-Type ("" when unknown)."""
    metadata: dict[str, str]
    """Its user metadata (x-amz-meta-*), lower-case keys."""
    version_id: Optional[str]
    """Its version id in a versioned bucket."""


def _object_info(obj: Any) -> ObjectInfo:
    def string(getter: Any) -> str:
        return (getter(obj) or b"").decode("utf-8", "replace")

    keys = native.call_with_out(lib.s3storage_object_metadata_keys, obj, out_type=native._STRV)
    metadata = {key: (lib.s3storage_object_metadata(obj, key.encode()) or b"").decode("utf-8", "replace")
                for key in native.take_strv(keys)}
    seconds = lib.s3storage_object_modified_time(obj)
    return ObjectInfo(
        name=string(lib.s3storage_object_name),
        size=lib.s3storage_object_size(obj),
        modified=datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc) if seconds else None,
        etag=string(lib.s3storage_object_etag),
        content_type=string(lib.s3storage_object_content_type),
        metadata=metadata,
        version_id=string(lib.s3storage_object_version_id) or None,
    )


class Storage:
    """One bucket's storage, configured by Django setting names.

    ``Storage(AWS_STORAGE_BUCKET_NAME="media", AWS_S3_ENDPOINT_URL=...)`` or
    ``Storage({"AWS_STORAGE_BUCKET_NAME": "media"})``; values may be Python values (bool,
    None, int, dict, list) or their string forms. Unknown names and bad values raise
    `ConfigError` naming the setting. One storage may be used by many threads at once;
    every call releases the GIL while it waits on the network.
    """

    def __init__(self, settings: Optional[Mapping[str, Any]] = None, /, **more: Any) -> None:
        self._guard: Optional[_Guard] = None
        self._make(dict(settings or {}, **more), from_env=False)

    @classmethod
    def from_env(cls, settings: Optional[Mapping[str, Any]] = None, /, **more: Any) -> "Storage":
        """Every known setting present in the environment, then `settings` over them."""
        storage = cls.__new__(cls)
        storage._guard = None
        storage._make(dict(settings or {}, **more), from_env=True)
        return storage

    def _make(self, values: Mapping[str, Any], from_env: bool) -> None:
        native.install_logging()
        settings = native.SettingsHandle(values, from_env=from_env)
        try:
            handle = native.call_with_out(lib.s3storage_new, settings.handle).value
        finally:
            settings.free()
        self._guard = _Guard(handle, lib.s3storage_free, "the storage is closed")

    @property
    def _h(self) -> Any:
        """`with self._h as handle:` the handle, kept alive for the call."""
        if self._guard is None:
            raise ValueError("the storage is closed")
        return self._guard.use()

    def close(self) -> None:
        """Frees the storage (its connection pool) once calls in flight on other threads
        are done. Files opened from it stay usable."""
        if self._guard is not None:
            self._guard.close()

    def __enter__(self) -> "Storage":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __copy__(self) -> "Storage":
        return self  # one storage is meant to be shared (it is thread-safe)

    def __deepcopy__(self, memo: Any) -> "Storage":
        return self

    def __reduce__(self) -> Any:
        raise TypeError("an s3storage.Storage cannot be pickled: make a new one from its settings")

    def set_request_hook(self, hook: Optional[Callable[[Request], None]]) -> None:
        """Calls `hook` with a `Request` for every HTTP request this storage makes,
        retries included, on the thread that made it (possibly a worker thread of the
        library); `None` removes it. It never sees a header or a secret. An exception it
        raises is printed and ignored. A memory:// storage makes no requests."""
        def relay(operation: bytes, name: bytes, status: int, size: int, seconds: float,
                  attempt: int, _userdata: Any) -> None:
            hook(Request(operation.decode(), name.decode("utf-8", "replace"), status, size,
                         seconds, attempt))  # type: ignore[misc]

        callback = native.REQUEST_CALLBACK(relay) if hook is not None else native.REQUEST_CALLBACK()
        with self._h as h:
            native.check(lib.s3storage_set_request_callback(h, callback, None))
        self._request_hook = callback  # kept alive while the library may call it

    def exists(self, name: str) -> bool:
        """Whether an object is stored under `name` (one HEAD request)."""
        with self._h as h:
            out = native.call_with_out(lib.s3storage_exists, h, text(name, "name"), out_type=c_bool)
        return bool(out.value)

    def stat(self, name: str) -> ObjectInfo:
        """Everything one HEAD tells of `name`: size, modified time, ETag, content type,
        user metadata and version id; `NotFound` if there is no such object."""
        with self._h as h:
            obj = native.call_with_out(lib.s3storage_stat, h, text(name, "name")).value
        try:
            return _object_info(obj)
        finally:
            lib.s3storage_object_free(obj)

    def delete_many(self, names: Iterable[str]) -> builtins.list[str]:
        """Deletes `names` with DeleteObjects, 1,000 per request; gives the names that
        were not deleted (missing names are not failures). Every name is checked first;
        an empty list raises InvalidArgument."""
        if isinstance(names, (str, bytes)):
            raise TypeError("delete_many takes a list of names, not one name")
        encoded = [text(name, "name") for name in names]
        array = (c_char_p * max(len(encoded), 1))(*encoded)
        with self._h as h:
            failed = native.call_with_out(lib.s3storage_delete_many, h, array, len(encoded),
                                          out_type=native._STRV)
        return native.take_strv(failed)

    def delete_prefix(self, path: str) -> int:
        """Deletes every object under `path/`, recursively, streaming the listing into
        DeleteObjects batches; gives how many were deleted."""
        with self._h as h:
            return int(native.call_with_out(lib.s3storage_delete_prefix, h, text(path, "path"),
                                            out_type=c_uint64).value)

    def presigned_post(self, name: str, conditions: Optional[builtins.list[Any]] = None,
                       expires: Optional[int] = None) -> dict[str, Any]:
        """boto3's `generate_presigned_post`: `{"url": ..., "fields": {...}}` with which a
        browser uploads `name` directly (a multipart/form-data POST, the file last), under
        boto3's `conditions` list, valid `expires` seconds (default
        AWS_QUERYSTRING_EXPIRE). Nothing is sent."""
        import json

        encoded = None if conditions is None else json.dumps(conditions).encode()
        with self._h as h:
            out = native.call_with_out(lib.s3storage_presign_post, h, text(name, "name"), encoded,
                                       -1 if expires is None else int(expires))
        result: dict[str, Any] = json.loads(native.take_string(out))
        return result

    def download(self, name: str, path: Union[str, os.PathLike[Any]]) -> None:
        """Downloads `name` into the local file `path` (one streamed GET while it is
        fast, parallel ranged GETs where one stream is the bottleneck: `read_ahead`),
        checked against the object's checksum and renamed into place: `path` is never
        left half-written."""
        with self._h as h:
            native.check(lib.s3storage_download_file(h, text(name, "name"),
                                                     text(os.fspath(path), "path")))

    def copy(self, src: str, dst: str, parameters: Optional[Mapping[str, Any]] = None) -> str:
        """Copies `src` to `dst` on the server; `dst` follows save's rules (another name
        when AWS_S3_FILE_OVERWRITE is False and it is taken); gives the name used. Without
        `parameters` the metadata and content type are kept; with them, replaced."""
        return self._copy_or_move(lib.s3storage_copy, src, dst, parameters)

    def move(self, src: str, dst: str, parameters: Optional[Mapping[str, Any]] = None) -> str:
        """`copy`, then `src` deleted once the copy is complete (a failure leaves it)."""
        return self._copy_or_move(lib.s3storage_move, src, dst, parameters)

    def _copy_or_move(self, function: Any, src: str, dst: str,
                      parameters: Optional[Mapping[str, Any]]) -> str:
        import json

        encoded = None if parameters is None else json.dumps(dict(parameters)).encode()
        with self._h as h:
            out = native.call_with_out(function, h, text(src, "src"), text(dst, "dst"), encoded)
        return native.take_string(out)

    def delete(self, name: str) -> None:
        """Deletes `name`; a missing name is not an error."""
        with self._h as h:
            native.check(lib.s3storage_delete(h, text(name, "name")))

    def size(self, name: str) -> int:
        """The object's size in bytes."""
        with self._h as h:
            return int(native.call_with_out(lib.s3storage_size, h, text(name, "name"),
                                            out_type=c_uint64).value)

    def modified_time(self, name: str) -> datetime.datetime:
        """The object's Last-Modified time, an aware datetime in UTC."""
        with self._h as h:
            out = native.call_with_out(lib.s3storage_modified_time, h, text(name, "name"), out_type=c_int64)
        return datetime.datetime.fromtimestamp(out.value, tz=datetime.timezone.utc)

    def listdir(self, path: str = "") -> tuple[list[str], list[str]]:
        """(directories, files) directly under `path`, as django-storages lists them."""
        dirs, files = native._STRV(), native._STRV()
        with self._h as h:
            native.check(lib.s3storage_listdir(h, text(path, "path"), byref(dirs), byref(files)))
        return native.take_strv(dirs), native.take_strv(files)

    def url(self, name: str, parameters: Optional[Mapping[str, Any]] = None,
            expire: Optional[int] = None, http_method: Optional[str] = None) -> str:
        """django-storages' url(): presigned (AWS_QUERYSTRING_AUTH), custom-domain or
        CloudFront-signed. Sends nothing."""
        with self._h as h:
            out = native.call_with_out(
                lib.s3storage_url_ex, h, text(name, "name"), native.params_json(parameters),
                -1 if expire is None else int(expire),
                None if http_method is None else text(http_method, "http_method"))
        return native.take_string(out)

    def get_available_name(self, name: str, max_length: Optional[int] = None) -> str:
        """Django's get_available_name, as django-storages overrides it."""
        with self._h as h:
            out = native.call_with_out(lib.s3storage_get_available_name, h, text(name, "name"),
                                       _max_length(max_length))
        return native.take_string(out)

    def save(self, name: str, content: Content, max_length: Optional[int] = None,
             parameters: Optional[Mapping[str, Any]] = None) -> str:
        """Saves `content` (bytes, str, or a file object read in pieces, never whole) and
        returns the name actually used, like Django's Storage.save. `parameters` are boto3
        PutObject parameters for this save (ContentType, CacheControl, Metadata, ...)."""
        params, limit = native.params_json(parameters), _max_length(max_length)
        if isinstance(content, str):
            content = content.encode("utf-8")
        if isinstance(content, (bytes, bytearray, memoryview)):
            pointer, length, _keep = native.buffer_pointer(content)
            with self._h as h:
                out = native.call_with_out(lib.s3storage_save_ex, h, text(name, "name"),
                                           pointer, length, params, limit)
            return native.take_string(out)
        if not hasattr(content, "read"):
            raise TypeError(f"cannot save {type(content).__name__}: give bytes, str or a file object")
        reader = native.Reader(content)
        out = c_void_p()
        with self._h as h:
            code = lib.s3storage_save_reader_ex(h, text(name, "name"), reader.callback, None,
                                                params, limit, byref(out))
        if reader.error is not None:
            raise reader.error
        native.check(code)
        return native.take_string(out)

    def save_file(self, name: str, path: Union[str, os.PathLike[Any]],
                  max_length: Optional[int] = None,
                  parameters: Optional[Mapping[str, Any]] = None) -> str:
        """Saves the local file at `path` (streamed), as `save`."""
        with self._h as h:
            out = native.call_with_out(lib.s3storage_save_file_ex, h, text(name, "name"),
                                       text(os.fspath(path), "path"),
                                       native.params_json(parameters), _max_length(max_length))
        return native.take_string(out)

    def open(self, name: str, mode: str = "rb", parameters: Optional[Mapping[str, Any]] = None) -> "File":
        """Opens `name` for reading ("r", "rb") or writing ("w", "wb"): a raw binary file
        (wrap it in io.BufferedReader / io.TextIOWrapper for buffering or text). A write
        is committed by close() and discarded by abort()."""
        with self._h as h:
            out = native.call_with_out(lib.s3storage_open_ex, h, text(name, "name"),
                                       text(mode, "mode"), native.params_json(parameters))
        return File(out.value, name, mode)

    # Last in the class: its name would shadow the builtin in the annotations after it.
    def list(self, path: str = "", recursive: bool = False) -> Iterator[ObjectInfo]:
        """The entries under `path`, fetched a page at a time as the generator is
        consumed: with `recursive`, every object below; else one level, directories as
        entries whose name ends in "/". Names are whole names without AWS_LOCATION."""
        with self._h as h:
            lister = native.call_with_out(lib.s3storage_list, h, text(path, "path"), recursive).value
        try:
            while True:
                entry = native.call_with_out(lib.s3storage_lister_next, lister).value
                if not entry:
                    return
                yield _object_info(entry)
        finally:
            lib.s3storage_lister_free(lister)


class _Guard:
    """A handle that calls on several threads share: `close()` frees it once no call is
    using it any more, and no call starts after `close()`."""

    def __init__(self, handle: int, free: Any, closed_message: str) -> None:
        self._handle: Optional[int] = handle
        self._free = free
        self._closed_message = closed_message
        self._lock = threading.Lock()
        self._users = 0
        self._closing = False

    @contextlib.contextmanager
    def use(self) -> Iterator[int]:
        with self._lock:
            if self._closing or not self._handle:
                raise ValueError(self._closed_message)
            self._users += 1
            handle = self._handle
        try:
            yield handle
        finally:
            with self._lock:
                self._users -= 1
                last = self._take_if_unused()
            if last:
                self._free(last)

    def _take_if_unused(self) -> Optional[int]:
        if self._closing and self._users == 0 and self._handle:
            handle, self._handle = self._handle, None
            return handle
        return None

    def close(self) -> None:
        with self._lock:
            self._closing = True
            last = self._take_if_unused()
        if last:
            self._free(last)


def _max_length(max_length: Optional[int]) -> int:
    if max_length is None:
        return 0
    if max_length <= 0:
        raise ValueError("max_length must be positive (or None for no limit)")
    return int(max_length)


class File(io.RawIOBase):
    """A stored object opened by `Storage.open`: `readinto`/`read`/`seek`/`tell` in read
    mode, `write` in write mode. `close()` (or leaving a `with` block normally) commits a
    write and raises if it failed; `abort()` discards it, and so does leaving a `with`
    block by an exception, or dropping the file without closing it (with a
    ResourceWarning): a write is stored only when the program said so. Meant for one
    thread at a time; calls from several threads are serialised."""

    def __init__(self, handle: int, name: str, mode: str) -> None:
        super().__init__()
        self._handle: Optional[int] = handle
        self._lock = threading.Lock()
        self.name = name
        self.mode = mode
        self._writes = "w" in mode or "x" in mode

    @contextlib.contextmanager
    def _use(self) -> Iterator[int]:
        with self._lock:
            if not self._handle:
                raise ValueError("I/O operation on closed file.")
            yield self._handle

    def readable(self) -> bool:
        self._check_open()
        return "r" in self.mode

    def writable(self) -> bool:
        self._check_open()
        return self._writes

    def seekable(self) -> bool:
        return self.readable()

    def _check_open(self) -> None:
        if not self._handle:
            raise ValueError("I/O operation on closed file.")

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if view.readonly:
            raise TypeError("readinto() needs a writable buffer")
        view = view.cast("B")
        if len(view) == 0:
            return 0
        pointer, length, _keep = native.buffer_pointer(view)
        nread = c_size_t()
        with self._use() as h:
            native.check(lib.s3storage_file_read(h, pointer, length, byref(nread)))
        return nread.value

    def write(self, data: Any) -> int:
        pointer, length, _keep = native.buffer_pointer(data)
        with self._use() as h:
            native.check(lib.s3storage_file_write(h, pointer, length))
        return length

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position = c_uint64()
        with self._use() as h:
            native.check(lib.s3storage_file_seek(h, offset, whence, byref(position)))
        return position.value

    def tell(self) -> int:
        return self.seek(0, io.SEEK_CUR)

    @property
    def size(self) -> int:
        """The object's size (read mode), or the bytes written so far (write mode)."""
        with self._use() as h:
            return int(native.call_with_out(lib.s3storage_file_size, h, out_type=c_uint64).value)

    def _finish(self, function: Any) -> None:
        with self._lock:
            handle, self._handle = self._handle, None
        try:
            if handle:
                native.check(function(handle))
        finally:
            super().close()

    def close(self) -> None:
        """Commits a write (raising if anything failed: nothing is then stored) and frees
        the file. Closing twice does nothing."""
        self._finish(lib.s3storage_file_close)

    def abort(self) -> None:
        """Discards a write (nothing is stored, no multipart upload is left) and frees the file."""
        self._finish(lib.s3storage_file_abort)

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is not None and self._writes:
            self.abort()
        else:
            self.close()

    def __del__(self) -> None:
        if not self._handle:
            return
        if self._writes:
            warnings.warn(f"{self!r} was never closed: its write is discarded",
                          ResourceWarning, stacklevel=2)
        try:
            self._finish(lib.s3storage_file_abort)
        except Exception:  # noqa: BLE001 - nothing to report it to
            pass

    def __reduce__(self) -> Any:
        raise TypeError("an s3storage.File cannot be pickled")

    def __copy__(self) -> Any:
        raise TypeError("an s3storage.File cannot be copied")

    def __deepcopy__(self, memo: Any) -> Any:
        raise TypeError("an s3storage.File cannot be copied")

    def __repr__(self) -> str:
        return f"<s3storage.File name={self.name!r} mode={self.mode!r}>"
