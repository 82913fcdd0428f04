"""The C ABI of libs3storage through ctypes: the library, its signatures, and the
conversions every call needs (strings in, owned strings and arrays out, result codes to
exceptions). Nothing here knows about storage semantics; those are the library's.

ctypes releases the GIL for the duration of every call, so calls from several threads run
at once (one storage handle is thread-safe).
"""

from __future__ import annotations

import ctypes
import json
import os
import pathlib
from ctypes import POINTER, byref, c_bool, c_char_p, c_int, c_int64, c_size_t, c_uint64, c_void_p
from typing import Any, Callable, Mapping, Optional, cast

from . import errors

_STRV = POINTER(c_char_p)
READ_CALLBACK = ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(ctypes.c_ubyte), c_size_t, POINTER(c_size_t))
LOG_CALLBACK = ctypes.CFUNCTYPE(None, c_int, c_char_p, c_void_p)
REQUEST_CALLBACK = ctypes.CFUNCTYPE(
    None, c_char_p, c_char_p, c_int, c_uint64, ctypes.c_double, c_int, c_void_p)

# name: (return type, argument types); one row per C function used here.
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "s3storage_version": (c_char_p, []),
    "s3storage_errmsg": (c_char_p, []),
    "s3storage_code_name": (c_char_p, [c_int]),
    "s3storage_errinfo": (c_int, [POINTER(c_int), POINTER(c_char_p), POINTER(c_char_p)]),
    "s3storage_set_log_callback": (None, [LOG_CALLBACK, c_void_p]),
    "s3storage_settings_new": (c_void_p, []),
    "s3storage_settings_set": (c_int, [c_void_p, c_char_p, c_char_p]),
    "s3storage_settings_load_env": (c_int, [c_void_p]),
    "s3storage_settings_free": (None, [c_void_p]),
    "s3storage_settings_names": (c_int, [POINTER(_STRV)]),
    "s3storage_new": (c_int, [c_void_p, POINTER(c_void_p)]),
    "s3storage_free": (None, [c_void_p]),
    "s3storage_set_request_callback": (c_int, [c_void_p, REQUEST_CALLBACK, c_void_p]),
    "s3storage_stat": (c_int, [c_void_p, c_char_p, POINTER(c_void_p)]),
    "s3storage_object_name": (c_char_p, [c_void_p]),
    "s3storage_object_size": (c_uint64, [c_void_p]),
    "s3storage_object_modified_time": (c_int64, [c_void_p]),
    "s3storage_object_etag": (c_char_p, [c_void_p]),
    "s3storage_object_content_type": (c_char_p, [c_void_p]),
    "s3storage_object_version_id": (c_char_p, [c_void_p]),
    "s3storage_object_metadata": (c_char_p, [c_void_p, c_char_p]),
    "s3storage_object_metadata_keys": (c_int, [c_void_p, POINTER(_STRV)]),
    "s3storage_object_free": (None, [c_void_p]),
    "s3storage_list": (c_int, [c_void_p, c_char_p, c_bool, POINTER(c_void_p)]),
    "s3storage_lister_next": (c_int, [c_void_p, POINTER(c_void_p)]),
    "s3storage_lister_free": (None, [c_void_p]),
    "s3storage_delete_many": (c_int, [c_void_p, POINTER(c_char_p), c_size_t, POINTER(_STRV)]),
    "s3storage_delete_prefix": (c_int, [c_void_p, c_char_p, POINTER(c_uint64)]),
    "s3storage_presign_post": (c_int, [c_void_p, c_char_p, c_char_p, c_int64, POINTER(c_void_p)]),
    "s3storage_download_file": (c_int, [c_void_p, c_char_p, c_char_p]),
    "s3storage_copy": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "s3storage_move": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "s3storage_exists": (c_int, [c_void_p, c_char_p, POINTER(c_bool)]),
    "s3storage_delete": (c_int, [c_void_p, c_char_p]),
    "s3storage_size": (c_int, [c_void_p, c_char_p, POINTER(c_uint64)]),
    "s3storage_modified_time": (c_int, [c_void_p, c_char_p, POINTER(c_int64)]),
    "s3storage_url_ex": (c_int, [c_void_p, c_char_p, c_char_p, c_int64, c_char_p, POINTER(c_void_p)]),
    "s3storage_get_available_name": (c_int, [c_void_p, c_char_p, c_size_t, POINTER(c_void_p)]),
    "s3storage_save_ex": (c_int, [c_void_p, c_char_p, c_void_p, c_size_t, c_char_p, c_size_t, POINTER(c_void_p)]),
    "s3storage_save_file_ex": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p, c_size_t, POINTER(c_void_p)]),
    "s3storage_save_reader_ex": (c_int, [c_void_p, c_char_p, READ_CALLBACK, c_void_p, c_char_p, c_size_t, POINTER(c_void_p)]),
    "s3storage_listdir": (c_int, [c_void_p, c_char_p, POINTER(_STRV), POINTER(_STRV)]),
    "s3storage_open_ex": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "s3storage_file_read": (c_int, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "s3storage_file_write": (c_int, [c_void_p, c_void_p, c_size_t]),
    "s3storage_file_seek": (c_int, [c_void_p, c_int64, c_int, POINTER(c_uint64)]),
    "s3storage_file_size": (c_int, [c_void_p, POINTER(c_uint64)]),
    "s3storage_file_close": (c_int, [c_void_p]),
    "s3storage_file_abort": (c_int, [c_void_p]),
    "s3storage_string_free": (None, [c_void_p]),
    "s3storage_strv_free": (None, [_STRV]),
}


def _library_path() -> str:
    """S3STORAGE_LIB if set (a development build), else the copy inside this package."""
    override = os.environ.get("S3STORAGE_LIB")
    if override:
        return override
    return str(pathlib.Path(__file__).with_name("libs3storage.so"))


def _load() -> ctypes.CDLL:
    lib = ctypes.CDLL(_library_path())
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


lib = _load()


def text(value: str, what: str) -> bytes:
    """A str argument as the NUL-terminated UTF-8 the C API takes."""
    if not isinstance(value, str):
        value = os.fspath(value)
        if isinstance(value, bytes):
            value = value.decode()
    encoded = value.encode("utf-8", "surrogatepass")
    if b"\0" in encoded:
        raise errors.InvalidArgument(errors.INVALID_ARGUMENT, f"{what} contains a NUL character")
    return encoded


def check(code: int) -> None:
    """Raises the exception of a failed call (message read on this thread, right away)."""
    if code != 0:
        message = (lib.s3storage_errmsg() or b"").decode("utf-8", "replace")
        status, s3_code, request_id = c_int(0), c_char_p(), c_char_p()
        lib.s3storage_errinfo(byref(status), byref(s3_code), byref(request_id))

        def decode(value: Optional[bytes]) -> str:
            return (value or b"").decode("utf-8", "replace")

        raise errors.from_code(code, message, status.value, decode(s3_code.value),
                               decode(request_id.value))


def take_string(pointer: c_void_p) -> str:
    """An owned `char *` result as str; frees it."""
    try:
        assert pointer.value is not None, "no string to take (NULL)"
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        lib.s3storage_string_free(pointer)


def take_strv(array: Any) -> list[str]:
    """An owned NULL-terminated `char **` result as a list; frees it."""
    items: list[str] = []
    try:
        index = 0
        while array and array[index] is not None:
            items.append(array[index].decode("utf-8"))
            index += 1
    finally:
        lib.s3storage_strv_free(array)
    return items


def setting_value(value: Any) -> str:
    """A Python setting value in the string form s3storage_settings_set() takes."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        value = sorted(value)
    if isinstance(value, (dict, list, tuple)):
        try:
            return json.dumps(value)
        except (TypeError, ValueError) as error:
            raise errors.ConfigError(errors.CONFIG, f"a value that JSON cannot carry: {error}") from None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, os.PathLike):
        return cast(str, os.fspath(value))
    return str(value)


def setting_names() -> list[str]:
    """Every setting name the library knows, legacy ones included."""
    names = _STRV()
    check(lib.s3storage_settings_names(byref(names)))
    return take_strv(names)


class SettingsHandle:
    """An `s3storage_settings *`: values are checked as they are set."""

    def __init__(self, values: Mapping[str, Any], from_env: bool = False) -> None:
        self.handle = lib.s3storage_settings_new()
        if not self.handle:
            check(255)
        try:
            if from_env:
                check(lib.s3storage_settings_load_env(self.handle))
            for key, value in values.items():
                check(lib.s3storage_settings_set(self.handle, text(key, "a setting name"),
                                                 text(setting_value(value), key)))
        except BaseException:
            self.free()
            raise

    def free(self) -> None:
        if self.handle:
            lib.s3storage_settings_free(self.handle)
            self.handle = None


_LOG_LEVELS = {1: 40, 2: 30, 3: 20, 4: 10}  # S3STORAGE_LOG_* to logging's levels
_log_callback: Optional[Any] = None


def _forward_log(level: int, message: bytes, _userdata: Any) -> None:
    import logging

    logger = logging.getLogger("s3storage")
    python_level = _LOG_LEVELS.get(level, 30)
    if logger.isEnabledFor(python_level):
        logger.log(python_level, message.decode("utf-8", "replace"))


def install_logging() -> None:
    """Sends the library's log records to the `logging` logger "s3storage" (warnings:
    legacy settings, retries; debug: one line per request). Removed at interpreter exit,
    before Python can no longer take calls from the library's threads."""
    global _log_callback
    if _log_callback is not None:
        return
    import atexit

    _log_callback = LOG_CALLBACK(_forward_log)
    lib.s3storage_set_log_callback(_log_callback, None)
    atexit.register(lib.s3storage_set_log_callback, LOG_CALLBACK(), None)


def version() -> str:
    """The version of the library in use."""
    return cast(str, lib.s3storage_version().decode())


def params_json(parameters: Optional[Mapping[str, Any]]) -> Optional[bytes]:
    """Per-call boto3 parameters as the JSON object the _ex functions take."""
    return None if parameters is None else json.dumps(dict(parameters)).encode()


class Reader:
    """A read callback over a Python file object (read() or readinto()), for streamed
    saves; an exception raised by the object is kept and re-raised after the call."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.pending = b""
        self.error: Optional[BaseException] = None
        self.callback = READ_CALLBACK(self._read)

    def _read(self, _userdata: Any, buf: Any, cap: int, nread: Any) -> int:
        try:
            nread[0] = self._fill(ctypes.addressof(buf.contents), cap)
            return 0
        except BaseException as error:  # noqa: BLE001 - handed back to the caller
            self.error = error
            return 1

    def _fill(self, address: int, cap: int) -> int:
        if not self.pending:
            readinto = getattr(self.source, "readinto", None)
            if readinto is not None and not _is_text(self.source):
                window = (ctypes.c_ubyte * cap).from_address(address)
                # Released before returning: nothing may keep a view of the library's buffer.
                with memoryview(window) as view, view.cast("B") as target:
                    count = readinto(target)
                if count is None:
                    raise BlockingIOError("the file object has no data ready (non-blocking)")
                if not 0 <= count <= cap:
                    raise ValueError(f"readinto() returned {count} for a buffer of {cap} bytes")
                return cast(int, count)
            chunk = self.source.read(cap)
            if chunk is None:
                raise BlockingIOError("the file object has no data ready (non-blocking)")
            if isinstance(chunk, str):  # a text file: its own encoding, as django-storages
                chunk = chunk.encode(getattr(self.source, "encoding", None) or "utf-8")
            self.pending = bytes(chunk)
        count = min(cap, len(self.pending))
        ctypes.memmove(address, self.pending, count)
        self.pending = self.pending[count:]
        return count


def _is_text(source: Any) -> bool:
    import io

    mode = getattr(source, "mode", None)
    return isinstance(source, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode)


def buffer_pointer(data: Any) -> tuple[Any, int, Any]:
    """(pointer, length, keep-alive) for a bytes-like object, without a copy when it can."""
    if isinstance(data, bytes):
        return ctypes.cast(c_char_p(data), c_void_p), len(data), data
    view = memoryview(data).cast("B")
    if view.readonly:
        copy = bytes(view)
        return ctypes.cast(c_char_p(copy), c_void_p), len(copy), copy
    array = (ctypes.c_ubyte * len(view)).from_buffer(view)
    return ctypes.cast(array, c_void_p), len(view), (array, view)


def call_with_out(function: Callable[..., int], *args: Any, out_type: Any = c_void_p) -> Any:
    """Calls `function(*args, &out)` and gives `out` once the call succeeded."""
    out = out_type()
    check(function(*args, byref(out)))
    return out

