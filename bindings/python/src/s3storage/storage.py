"""`Storage` and `File`: django-storages' S3 semantics from Python, through the C ABI."""

from __future__ import annotations

import datetime
import io
import os
from ctypes import byref, c_bool, c_char_p, c_int64, c_size_t, c_uint64, c_void_p
from typing import Any, BinaryIO, Mapping, Optional, Union

from . import _native as native
from ._native import lib, text

Content = Union[bytes, bytearray, memoryview, str, BinaryIO, Any]


class Storage:
    """One bucket's storage, configured by Django setting names.

    ``Storage(AWS_STORAGE_BUCKET_NAME="media", AWS_S3_ENDPOINT_URL=...)`` or
    ``Storage({"AWS_STORAGE_BUCKET_NAME": "media"})``; values may be Python values (bool,
    None, int, dict, list) or their string forms. Unknown names and bad values raise
    `ConfigError` naming the setting. One storage may be used by many threads at once;
    every call releases the GIL while it waits on the network.
    """

    def __init__(self, settings: Optional[Mapping[str, Any]] = None, /, **more: Any) -> None:
        self._handle: Optional[int] = None
        self._make(dict(settings or {}, **more), from_env=False)

    @classmethod
    def from_env(cls, settings: Optional[Mapping[str, Any]] = None, /, **more: Any) -> "Storage":
        """Every known setting present in the environment, then `settings` over them."""
        storage = cls.__new__(cls)
        storage._handle = None
        storage._make(dict(settings or {}, **more), from_env=True)
        return storage

    def _make(self, values: Mapping[str, Any], from_env: bool) -> None:
        settings = native.SettingsHandle(values, from_env=from_env)
        try:
            self._handle = native.call_with_out(lib.s3storage_new, settings.handle).value
        finally:
            settings.free()

    @property
    def _h(self) -> int:
        if not self._handle:
            raise ValueError("the storage is closed")
        return self._handle

    def close(self) -> None:
        """Frees the storage (its connection pool). Files opened from it stay usable."""
        if self._handle:
            lib.s3storage_free(self._handle)
            self._handle = None

    def __enter__(self) -> "Storage":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def exists(self, name: str) -> bool:
        """Whether an object is stored under `name` (one HEAD request)."""
        out = native.call_with_out(lib.s3storage_exists, self._h, text(name, "name"), out_type=c_bool)
        return bool(out.value)

    def delete(self, name: str) -> None:
        """Deletes `name`; a missing name is not an error."""
        native.check(lib.s3storage_delete(self._h, text(name, "name")))

    def size(self, name: str) -> int:
        """The object's size in bytes."""
        return native.call_with_out(lib.s3storage_size, self._h, text(name, "name"), out_type=c_uint64).value

    def modified_time(self, name: str) -> datetime.datetime:
        """The object's Last-Modified time, an aware datetime in UTC."""
        out = native.call_with_out(lib.s3storage_modified_time, self._h, text(name, "name"), out_type=c_int64)
        return datetime.datetime.fromtimestamp(out.value, tz=datetime.timezone.utc)

    def listdir(self, path: str = "") -> tuple[list[str], list[str]]:
        """(directories, files) directly under `path`, as django-storages lists them."""
        dirs, files = native._STRV(), native._STRV()
        native.check(lib.s3storage_listdir(self._h, text(path, "path"), byref(dirs), byref(files)))
        return native.take_strv(dirs), native.take_strv(files)

    def url(self, name: str, parameters: Optional[Mapping[str, Any]] = None,
            expire: Optional[int] = None, http_method: Optional[str] = None) -> str:
        """django-storages' url(): presigned (AWS_QUERYSTRING_AUTH), custom-domain or
        CloudFront-signed. Sends nothing."""
        out = native.call_with_out(
            lib.s3storage_url_ex, self._h, text(name, "name"), native.params_json(parameters),
            -1 if expire is None else int(expire),
            None if http_method is None else text(http_method, "http_method"))
        return native.take_string(out)

    def get_available_name(self, name: str, max_length: Optional[int] = None) -> str:
        """Django's get_available_name, as django-storages overrides it."""
        out = native.call_with_out(lib.s3storage_get_available_name, self._h, text(name, "name"),
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
            out = native.call_with_out(lib.s3storage_save_ex, self._h, text(name, "name"),
                                       pointer, length, params, limit)
            return native.take_string(out)
        if not hasattr(content, "read"):
            raise TypeError(f"cannot save {type(content).__name__}: give bytes, str or a file object")
        reader = native.Reader(content)
        out = c_void_p()
        code = lib.s3storage_save_reader_ex(self._h, text(name, "name"), reader.callback, None,
                                            params, limit, byref(out))
        if reader.error is not None:
            raise reader.error
        native.check(code)
        return native.take_string(out)

    def save_file(self, name: str, path: Union[str, os.PathLike], max_length: Optional[int] = None,
                  parameters: Optional[Mapping[str, Any]] = None) -> str:
        """Saves the local file at `path` (streamed), as `save`."""
        out = native.call_with_out(lib.s3storage_save_file_ex, self._h, text(name, "name"),
                                   text(os.fspath(path), "path"), native.params_json(parameters),
                                   _max_length(max_length))
        return native.take_string(out)

    def open(self, name: str, mode: str = "rb", parameters: Optional[Mapping[str, Any]] = None) -> "File":
        """Opens `name` for reading ("r", "rb") or writing ("w", "wb"): a raw binary file
        (wrap it in io.BufferedReader / io.TextIOWrapper for buffering or text). A write
        is committed by close() and discarded by abort()."""
        out = native.call_with_out(lib.s3storage_open_ex, self._h, text(name, "name"),
                                   text(mode, "mode"), native.params_json(parameters))
        return File(out.value, name, mode)


def _max_length(max_length: Optional[int]) -> int:
    if max_length is None:
        return 0
    if max_length <= 0:
        raise ValueError("max_length must be positive (or None for no limit)")
    return int(max_length)


class File(io.RawIOBase):
    """A stored object opened by `Storage.open`: `readinto`/`read`/`seek`/`tell` in read
    mode, `write` in write mode; `close()` commits a write and raises if it failed;
    `abort()` discards it. Used by one thread at a time."""

    def __init__(self, handle: int, name: str, mode: str) -> None:
        super().__init__()
        self._handle: Optional[int] = handle
        self.name = name
        self.mode = mode

    @property
    def _h(self) -> int:
        if not self._handle:
            raise ValueError("I/O operation on closed file.")
        return self._handle

    def readable(self) -> bool:
        self._h
        return "r" in self.mode

    def writable(self) -> bool:
        self._h
        return "w" in self.mode

    def seekable(self) -> bool:
        return self.readable()

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if len(view) == 0:
            return 0
        pointer, length, _keep = native.buffer_pointer(view)
        nread = c_size_t()
        native.check(lib.s3storage_file_read(self._h, pointer, length, byref(nread)))
        return nread.value

    def write(self, data: Any) -> int:
        pointer, length, _keep = native.buffer_pointer(data)
        native.check(lib.s3storage_file_write(self._h, pointer, length))
        return length

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position = c_uint64()
        native.check(lib.s3storage_file_seek(self._h, offset, whence, byref(position)))
        return position.value

    def tell(self) -> int:
        return self.seek(0, io.SEEK_CUR)

    @property
    def size(self) -> int:
        """The object's size (read mode), or the bytes written so far (write mode)."""
        return native.call_with_out(lib.s3storage_file_size, self._h, out_type=c_uint64).value

    def close(self) -> None:
        """Commits a write (raising if anything failed: nothing is then stored) and frees
        the file. Closing twice does nothing."""
        handle, self._handle = self._handle, None
        try:
            if handle:
                native.check(lib.s3storage_file_close(handle))
        finally:
            super().close()

    def abort(self) -> None:
        """Discards a write (nothing is stored, no multipart upload is left) and frees the file."""
        handle, self._handle = self._handle, None
        try:
            if handle:
                native.check(lib.s3storage_file_abort(handle))
        finally:
            super().close()

    def __repr__(self) -> str:
        return f"<s3storage.File name={self.name!r} mode={self.mode!r}>"
