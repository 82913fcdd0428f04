"""An fsspec filesystem on the library: ``s3storage://bucket/key`` for pandas, pyarrow,
Dask, DuckDB and xarray (registered through the ``fsspec.specs`` entry point).

Paths are ``bucket/key``. Storage options are the Django setting names
(``AWS_S3_ENDPOINT_URL``, ``AWS_S3_REGION_NAME``, ...) and, for people coming from s3fs,
``key``, ``secret``, ``token``, ``endpoint_url`` and ``client_kwargs``
(``endpoint_url``, ``region_name``, ``verify``). Listings stream (``ls``, ``find``);
reads are buffered and seekable over the library's verified reads; writes stream and are
committed on close, aborted when the ``with`` block fails; ``put``/``get`` go through
``save_file`` and the parallel ``download``; ``cp_file`` copies on the server; ``rm``
deletes in DeleteObjects batches; ``mkdir`` is a no-op, as in s3fs (S3 has no
directories: a directory exists while an object lies below it).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import threading
from typing import Any, Optional, Union

from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

from .errors import NotFound
from .storage import File, ObjectInfo, Storage

_S3FS_OPTIONS = {
    "key": "AWS_S3_ACCESS_KEY_ID",
    "secret": "AWS_S3_SECRET_ACCESS_KEY",
    "token": "AWS_SESSION_TOKEN",
    "endpoint_url": "AWS_S3_ENDPOINT_URL",
}
# What fsspec's AbstractFileSystem itself takes.
_FSSPEC_OPTIONS = {"use_listings_cache", "listings_expiry_time", "max_paths",
                   "skip_instance_cache", "asynchronous", "loop"}
_CLIENT_KWARGS = {
    "endpoint_url": "AWS_S3_ENDPOINT_URL",
    "region_name": "AWS_S3_REGION_NAME",
    "verify": "AWS_S3_VERIFY",
}


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    """Django settings from storage options (Django names, or s3fs's)."""
    settings: dict[str, Any] = {}
    for name, value in options.items():
        if name in _S3FS_OPTIONS:
            settings[_S3FS_OPTIONS[name]] = value
        elif name == "client_kwargs":
            for key, item in dict(value or {}).items():
                if key not in _CLIENT_KWARGS:
                    raise ValueError(f"client_kwargs: {key!r} is not supported "
                                     f"(supported: {', '.join(sorted(_CLIENT_KWARGS))})")
                settings[_CLIENT_KWARGS[key]] = item
        elif name.isupper():
            settings[name] = value
        else:
            raise ValueError(f"unknown storage option {name!r}: give Django setting names "
                             f"(AWS_S3_ENDPOINT_URL, ...) or s3fs's key, secret, token, "
                             f"endpoint_url, client_kwargs")
    for fixed in ("AWS_STORAGE_BUCKET_NAME", "AWS_LOCATION"):
        if fixed in settings:
            raise ValueError(f"{fixed} comes from the path (bucket/key), not from the options")
    # fsspec's semantics: a write replaces what is there, under the name given.
    settings.setdefault("AWS_S3_FILE_OVERWRITE", True)
    return settings


def _entry(bucket: str, info: ObjectInfo) -> dict[str, Any]:
    """fsspec's info dict of a listed or stat'ed object (or of a directory, name/)."""
    if info.name.endswith("/"):
        return {"name": f"{bucket}/{info.name.rstrip('/')}", "size": 0, "type": "directory"}
    entry: dict[str, Any] = {
        "name": f"{bucket}/{info.name}", "size": info.size, "type": "file",
        "ETag": info.etag, "LastModified": info.modified,
    }
    if info.content_type:
        entry["ContentType"] = info.content_type
    if info.version_id:
        entry["VersionId"] = info.version_id
    return entry


class S3StorageFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """fsspec on libs3storage: ``fsspec.filesystem("s3storage", AWS_S3_ENDPOINT_URL=...)``."""

    protocol = ("s3storage",)
    root_marker = ""

    def __init__(self, *args: Any, check_dirs: bool = False, **options: Any) -> None:
        """`check_dirs`: keep a directory in `ls` only if an object lies below it (one
        more LIST per directory), for servers that go on listing a directory whose objects
        were all deleted (SeaweedFS keeps its empty folders); S3 never does."""
        self._check_dirs = bool(check_dirs)
        own = {name: options.pop(name) for name in list(options) if name not in _FSSPEC_OPTIONS}
        super().__init__(*args, **options)
        self._settings = _settings(own)
        self._storages: dict[str, Storage] = {}
        self._lock = threading.Lock()

    def storage(self, bucket: str) -> Storage:
        """The library's storage of `bucket` (one per bucket, shared by threads)."""
        if not bucket:
            raise ValueError("a path must name a bucket: s3storage://bucket/key")
        with self._lock:
            if bucket not in self._storages:
                self._storages[bucket] = Storage(self._settings, AWS_STORAGE_BUCKET_NAME=bucket)
            return self._storages[bucket]

    def split_path(self, path: str) -> tuple[str, str]:
        """(bucket, key) of a path."""
        path = self._strip_protocol(path)
        bucket, _, key = path.partition("/")
        return bucket, key

    # Listings and metadata.

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        bucket, key = self.split_path(path)
        storage = self.storage(bucket)
        entries = [_entry(bucket, info) for info in storage.list(key)]
        if self._check_dirs:
            entries = [entry for entry in entries if entry["type"] == "file"
                       or self._has_objects(storage, self.split_path(entry["name"])[1])]
        if not entries and key:
            entries = [self.info(path)]  # a file lists as itself; nothing at all raises
            if entries[0]["type"] == "directory":
                entries = []
        return entries if detail else [entry["name"] for entry in entries]

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        bucket, key = self.split_path(path)
        storage = self.storage(bucket)
        if not key:
            return {"name": bucket, "size": 0, "type": "directory"}
        try:
            return _entry(bucket, storage.stat(key))
        except NotFound:
            pass
        if self._has_objects(storage, key):
            return {"name": f"{bucket}/{key.rstrip('/')}", "size": 0, "type": "directory"}
        raise FileNotFoundError(path)

    @staticmethod
    def _has_objects(storage: Storage, key: str) -> bool:
        """Whether an object lies below `key/` (a recursive listing: no server keeps an
        empty directory in it)."""
        for _ in storage.list(key, recursive=True):
            return True
        return False

    def exists(self, path: str, **kwargs: Any) -> bool:
        try:
            self.info(path)
            return True
        except FileNotFoundError:
            return False

    def find(self, path: str, maxdepth: Optional[int] = None, withdirs: bool = False,
             detail: bool = False, **kwargs: Any) -> Any:
        if maxdepth is not None:
            return super().find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs)
        bucket, key = self.split_path(path)
        found: dict[str, dict[str, Any]] = {}
        base = self._strip_protocol(path).rstrip("/")
        for info in self.storage(bucket).list(key, recursive=True):
            entry = _entry(bucket, info)
            if entry["type"] == "file":
                found[entry["name"]] = entry
            if withdirs:
                parent = entry["name"].rsplit("/", 1)[0]
                while parent.startswith(base + "/") and parent not in found:
                    found[parent] = {"name": parent, "size": 0, "type": "directory"}
                    parent = parent.rsplit("/", 1)[0]
        if not found and key:
            try:
                entry = self.info(path)
            except FileNotFoundError:
                pass
            else:
                if entry["type"] == "file":
                    found[entry["name"]] = entry
        if withdirs and key and base not in found and found:
            found[base] = {"name": base, "size": 0, "type": "directory"}
        names = sorted(found)
        return {name: found[name] for name in names} if detail else names

    def ukey(self, path: str) -> str:
        """The object's ETag: it changes whenever the object does."""
        return str(self.info(path)["ETag"])

    def checksum(self, path: str) -> int:
        return int(hashlib.sha256(self.ukey(path).encode()).hexdigest()[:16], 16)

    def modified(self, path: str) -> datetime.datetime:
        modified = self.info(path).get("LastModified")
        if modified is None:
            raise NotImplementedError(f"{path}: the server gave no modified time")
        return modified  # type: ignore[no-any-return]

    def created(self, path: str) -> datetime.datetime:
        return self.modified(path)  # S3 keeps no creation time: objects are replaced whole

    def sign(self, path: str, expiration: int = 100, **kwargs: Any) -> str:
        bucket, key = self.split_path(path)
        return self.storage(bucket).url(key, expire=int(expiration))

    # Directories: none in S3.

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        pass

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        pass

    def rmdir(self, path: str) -> None:
        pass

    # Reading and writing.

    def _open(self, path: str, mode: str = "rb", block_size: Any = None,
              autocommit: bool = True, cache_options: Optional[dict[str, Any]] = None,
              **kwargs: Any) -> "S3StorageFile":
        if not autocommit:
            raise NotImplementedError("s3storage files commit on close (autocommit=False is "
                                      "not supported)")
        return S3StorageFile(self, path, mode, block_size="default" if block_size is None
                             else block_size, cache_options=cache_options, **kwargs)

    def cat_file(self, path: str, start: Optional[int] = None, end: Optional[int] = None,
                 **kwargs: Any) -> bytes:
        bucket, key = self.split_path(path)
        with self.storage(bucket).open(key, "rb") as file:
            size = file.size
            begin = 0 if start is None else (max(size + start, 0) if start < 0 else start)
            stop = size if end is None else (max(size + end, 0) if end < 0 else min(end, size))
            if begin:
                file.seek(begin)
            return _read_exactly(file, max(stop - begin, 0))

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        bucket, key = self.split_path(path)
        with self.storage(bucket).open(key, "xb" if mode == "create" else "wb") as file:
            file.write(value)

    def put_file(self, lpath: str, rpath: str, callback: Any = None, mode: str = "overwrite",
                 **kwargs: Any) -> None:
        if os.path.isdir(lpath):
            return  # directories do not exist in S3
        bucket, key = self.split_path(rpath)
        if mode == "create" and self.exists(rpath):
            raise FileExistsError(rpath)
        self.storage(bucket).save_file(key, lpath)

    def get_file(self, rpath: str, lpath: Any, callback: Any = None, outfile: Any = None,
                 **kwargs: Any) -> None:
        bucket, key = self.split_path(rpath)
        if outfile is None and hasattr(lpath, "write"):
            outfile = lpath
        if outfile is not None:
            outfile.write(self.cat_file(rpath))
            return
        try:
            parent = os.path.dirname(os.fspath(lpath))
            if parent:
                os.makedirs(parent, exist_ok=True)
            self.storage(bucket).download(key, lpath)
        except NotFound:
            if not self.isdir(rpath):
                raise
            os.makedirs(lpath, exist_ok=True)  # a directory: made locally

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        # A directory is no object: NotFound (FileNotFoundError), which fsspec's recursive
        # copy ignores, copying what lies below it file by file.
        (bucket1, key1), (bucket2, key2) = self.split_path(path1), self.split_path(path2)
        if bucket1 == bucket2:
            self.storage(bucket1).copy(key1, key2)
            return
        with self.storage(bucket1).open(key1, "rb") as src:
            self.storage(bucket2).save(key2, src)

    def _rm(self, path: str) -> None:
        bucket, key = self.split_path(path)
        self.storage(bucket).delete(key)

    def rm_file(self, path: str) -> None:
        self._rm(path)

    def rm(self, path: Union[str, list[str]], recursive: bool = False,
           maxdepth: Optional[int] = None) -> None:
        by_bucket: dict[str, list[str]] = {}
        for name in self.expand_path(path, recursive=recursive, maxdepth=maxdepth):
            bucket, key = self.split_path(name)
            if key:
                by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in by_bucket.items():
            failed = self.storage(bucket).delete_many(keys)
            if failed:
                raise OSError(f"could not delete {len(failed)} objects: {', '.join(failed[:5])}")

    def invalidate_cache(self, path: Optional[str] = None) -> None:
        pass  # nothing is cached: every listing asks the server


def _read_exactly(file: File, count: int) -> bytes:
    parts, left = [], count
    while left > 0:
        piece = file.read(min(left, 8 * 1024 * 1024))
        if not piece:
            break
        parts.append(piece)
        left -= len(piece)
    return b"".join(parts)


class S3StorageFile(AbstractBufferedFile):  # type: ignore[misc]
    """A buffered fsspec file: reads through one library read file (sequential reads
    stream one GET, verified; seeks fetch ranges), writes through one library write
    file (parts stream as the buffer fills, committed on close, aborted on error)."""

    closed: bool  # fsspec's property (untyped)

    def __init__(self, fs: S3StorageFileSystem, path: str, mode: str = "rb",
                 **kwargs: Any) -> None:
        bucket, key = fs.split_path(path)
        self._storage, self._key = fs.storage(bucket), key
        self._reader: Optional[File] = None
        self._writer: Optional[File] = None
        exclusive = mode in ("xb", "x")
        self._written = 0
        size = None
        if "r" in mode:
            self._reader = self._storage.open(key, "rb")
            size = self._reader.size
        else:
            self._writer = self._storage.open(key, "xb" if exclusive else "wb")
        self._exclusive = exclusive
        super().__init__(fs, path, mode="wb" if exclusive else mode, size=size, **kwargs)

    def _fetch_range(self, start: int, end: int) -> bytes:
        assert self._reader is not None
        if self._reader.tell() != start:
            self._reader.seek(start)
        return _read_exactly(self._reader, end - start)

    def _initiate_upload(self) -> None:
        pass  # the library's write file was opened with the file

    def _upload_chunk(self, final: bool = False) -> bool:
        assert self._writer is not None
        self.buffer.seek(0)
        data = self.buffer.read()
        if data:
            self._writer.write(data)
            self._written += len(data)
        if final and not self._written and self.mode == "wb" and not self._exclusive:
            # Nothing written: the object is truncated to empty, as open("wb") does (the
            # library's empty write file keeps an object that is there).
            self._writer.abort()
            self._storage.save(self._key, b"")
        elif final:
            self._writer.close()
        return True

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.abort()

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is not None and self._writer is not None and not self.closed:
            self.discard()  # a failed with block never commits
            self.closed = True
            return
        self.close()

    def close(self) -> None:
        super().close()
        if self._reader is not None:
            self._reader.close()


__all__ = ["S3StorageFileSystem", "S3StorageFile"]
