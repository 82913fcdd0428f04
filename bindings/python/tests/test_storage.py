"""The Python API against the local server: every operation, streaming, files, errors,
threads and the GIL."""

import datetime
import io
import os
import threading
import time
import urllib.request

import pytest

import s3storage
from conftest import server_settings

MIB = 1024 * 1024


def pattern(size, seed=1):
    block = bytes((i * 31 + seed) % 251 for i in range(4096))
    return (block * (size // 4096 + 1))[:size]


class CountingReader(io.RawIOBase):
    """A file object that serves `content` and records the sizes it was asked for."""

    def __init__(self, content):
        self.content, self.at, self.asked = content, 0, []

    def readable(self):
        return True

    def readinto(self, buffer):
        self.asked.append(len(buffer))
        piece = self.content[self.at:self.at + len(buffer)]
        buffer[:len(piece)] = piece
        self.at += len(piece)
        return len(piece)


def test_walkthrough(storage):
    assert not storage.exists("tests/django_test.txt")
    name = storage.save("tests/django_test.txt", b"content")
    assert name == "tests/django_test.txt"
    assert storage.exists(name)
    assert storage.size(name) == 7
    modified = storage.modified_time(name)
    assert modified.tzinfo is not None
    assert abs(datetime.datetime.now(datetime.timezone.utc) - modified).total_seconds() < 300
    with storage.open(name) as f:
        assert f.read(3) == b"con"
        assert f.tell() == 3
        assert f.read() == b"tent"
        f.seek(-4, io.SEEK_END)
        assert f.read() == b"tent"
        assert f.size == 7
    assert storage.listdir("tests") == ([], ["django_test.txt"])
    assert storage.listdir("") == (["tests"], [])
    with urllib.request.urlopen(storage.url(name)) as reply:
        assert reply.read() == b"content"
    storage.delete(name)
    assert not storage.exists(name)
    storage.delete(name)  # a missing name is not an error


def test_text_and_buffered_wrappers(storage):
    storage.save("notes.txt", "première ligne\nsecond line\n")
    with io.TextIOWrapper(io.BufferedReader(storage.open("notes.txt", "r")), encoding="utf-8") as f:
        assert f.readline() == "première ligne\n"
        assert list(f) == ["second line\n"]
    raw = storage.open("written.txt", "w")
    with io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8") as f:
        f.write("héllo\n" * 1000)
    assert storage.size("written.txt") == len("héllo\n".encode()) * 1000


def test_saves_stream_file_objects(storage):
    content = pattern(13 * MIB, 2)
    source = CountingReader(content)
    name = storage.save("big/streamed.bin", source, parameters={"ContentType": "application/x-test"})
    assert name == "big/streamed.bin"
    assert len(source.asked) > 3 and max(source.asked) < 13 * MIB
    with storage.open(name) as f:
        assert f.read() == content
    url = storage.url(name, http_method="HEAD")
    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request) as reply:
        assert reply.headers["Content-Type"] == "application/x-test"


def test_save_accepts_bytes_like_and_text_files(storage, tmp_path):
    assert storage.save("a.bin", bytearray(b"abc")) == "a.bin"
    assert storage.save("b.bin", memoryview(b"xyzw")[1:]) == "b.bin"
    assert storage.size("b.bin") == 3
    path = tmp_path / "local.txt"
    path.write_text("é" * 5000, encoding="utf-8")
    with open(path, encoding="utf-8") as text_file:
        storage.save("c.txt", text_file)
    assert storage.size("c.txt") == 10000
    assert storage.save_file("d.txt", path) == "d.txt"
    assert storage.size("d.txt") == 10000
    with pytest.raises(TypeError):
        storage.save("e.bin", 42)


def test_a_failing_file_object_stores_nothing(storage):
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        storage.save("broken.bin", Broken())
    assert not storage.exists("broken.bin")


def test_write_close_commits_and_abort_discards(storage):
    with storage.open("w/kept.bin", "wb") as f:
        f.write(pattern(6 * MIB))
        f.write(b"tail")
    assert storage.size("w/kept.bin") == 6 * MIB + 4
    f = storage.open("w/dropped.bin", "wb")
    f.write(pattern(6 * MIB))
    f.abort()
    assert not storage.exists("w/dropped.bin")
    assert f.closed


def test_available_names_and_create_only(location):
    settings = server_settings(AWS_LOCATION=location, AWS_S3_FILE_OVERWRITE=False)
    with s3storage.Storage(settings) as storage:
        first = storage.save("same.txt", b"1")
        second = storage.save("same.txt", b"2")
        assert first == "same.txt" and second != first
        assert second.startswith("same_") and second.endswith(".txt")
        assert storage.get_available_name("same.txt") not in ("same.txt", second)
        assert len(storage.get_available_name("x" * 40 + ".txt", max_length=20)) <= 20


def test_errors_are_exceptions_with_code_and_message(storage, location):
    with pytest.raises(FileNotFoundError) as missing:
        storage.size("missing.txt")
    assert isinstance(missing.value, s3storage.NotFound)
    assert missing.value.code == 4 and "missing.txt" in str(missing.value)
    with pytest.raises(s3storage.SuspiciousName):
        storage.exists("../../etc/passwd")
    with pytest.raises(ValueError):
        storage.open("x.txt", "a")
    with pytest.raises(s3storage.ConfigError, match="AWS_NOT_A_SETTING"):
        s3storage.Storage(server_settings(AWS_NOT_A_SETTING="x"))
    with pytest.raises(s3storage.ConfigError, match="AWS_QUERYSTRING_EXPIRE"):
        s3storage.Storage(server_settings(AWS_QUERYSTRING_EXPIRE="soon"))
    wrong = s3storage.Storage(server_settings(AWS_LOCATION=location, AWS_S3_SECRET_ACCESS_KEY="wrong"))
    with pytest.raises(PermissionError) as denied:
        wrong.save("denied.txt", b"x")
    assert isinstance(denied.value, s3storage.AccessDenied)
    assert "wrong" not in str(denied.value)
    assert denied.value.http_status == 403 and denied.value.s3_code == "SignatureDoesNotMatch"
    assert denied.value.request_id, "no request id"
    assert missing.value.http_status is None
    with pytest.raises(s3storage.InvalidArgument):
        storage.url("x.txt", http_method="BREW")
    with pytest.raises(ValueError, match="NUL"):
        storage.exists("a\0b")


def test_urls(storage):
    url = storage.url("report.pdf", parameters={"ResponseContentDisposition": "attachment"},
                      expire=60)
    assert "X-Amz-Expires=60" in url and "response-content-disposition=attachment" in url
    unsigned = s3storage.Storage(server_settings(AWS_QUERYSTRING_AUTH=False))
    assert "X-Amz-" not in unsigned.url("report.pdf")


def test_from_env(monkeypatch, location):
    for key, value in server_settings(AWS_LOCATION=location).items():
        monkeypatch.setenv(key, str(value))
    storage = s3storage.Storage.from_env(AWS_S3_FILE_OVERWRITE=False)
    assert storage.save("env.txt", b"env") == "env.txt"
    assert storage.save("env.txt", b"env") != "env.txt"


def test_one_storage_many_threads(storage):
    failures = []

    def work(worker):
        try:
            for i in range(10):
                name = f"threads/{worker}-{i}.bin"
                data = pattern(1000 + i, worker)
                assert storage.save(name, data) == name
                with storage.open(name) as f:
                    assert f.read() == data
                storage.delete(name)
        except BaseException as error:  # noqa: BLE001
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


def test_calls_release_the_gil(storage):
    content = pattern(64 * MIB, 3)
    started, done = threading.Event(), threading.Event()
    failure = []

    def save():
        started.set()
        try:
            storage.save("gil.bin", content)
        except Exception as error:  # reported below instead of hanging the loop
            failure.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=save)
    thread.start()
    started.wait()
    time.sleep(0.1)  # the other thread is inside the library by now
    ticks_during_call = 0
    while not done.is_set():
        ticks_during_call += 1
    thread.join()
    assert not failure, failure
    # Had the call held the GIL, this thread could only wake once the call was over.
    assert ticks_during_call > 1000, ticks_during_call


def test_library_version_and_setting_names():
    assert s3storage.version() == s3storage.__version__
    names = s3storage.setting_names()
    assert "AWS_STORAGE_BUCKET_NAME" in names and "AWS_S3_FILE_OVERWRITE" in names
    assert os.path.exists(os.path.join(os.path.dirname(s3storage.__file__), "py.typed"))


def test_writes_are_stored_only_when_the_program_says_so(storage):
    import gc
    import warnings

    f = storage.open("dropped.bin", "wb")
    f.write(b"half a report")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del f
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)
    assert not storage.exists("dropped.bin")
    with pytest.raises(RuntimeError):
        with storage.open("interrupted.bin", "wb") as f:
            f.write(b"row 1\n")
            raise RuntimeError("row 2 failed")
    assert not storage.exists("interrupted.bin")
    with storage.open("completed.bin", "wb") as f:
        f.write(b"all rows\n")
    assert storage.size("completed.bin") == 9


def test_handles_cannot_be_duplicated(storage):
    import copy
    import pickle

    assert copy.copy(storage) is storage and copy.deepcopy(storage) is storage
    with pytest.raises(TypeError):
        pickle.dumps(storage)
    storage.save("f.txt", b"x")
    with storage.open("f.txt") as f:
        with pytest.raises(TypeError):
            pickle.dumps(f)
        with pytest.raises(TypeError):
            copy.copy(f)
    with pytest.raises(TypeError):
        storage.open("f.txt").readinto(b"read-only")


def test_close_lets_calls_in_flight_finish(location):
    storage = s3storage.Storage(server_settings(AWS_LOCATION=location))
    content = pattern(8 * MIB, 4)
    started, release = threading.Event(), threading.Event()

    class Source:
        """A file object whose first read waits until the test lets it go on: the save
        is provably in flight when close is called."""

        def __init__(self):
            self.inner = io.BytesIO(content)

        def read(self, size=-1):
            started.set()
            assert release.wait(30), "never released"
            return self.inner.read(size)

    result = []
    saver = threading.Thread(target=lambda: result.append(storage.save("inflight.bin", Source())))
    saver.start()
    assert started.wait(30), "the save never read its source"
    # close() does not wait: it frees the storage when the last call in flight ends, and
    # no call starts after it.
    storage.close()
    assert saver.is_alive() and not result, "the save was not in flight at close"
    with pytest.raises(ValueError, match="closed"):
        storage.exists("other.bin")
    release.set()
    saver.join(30)
    assert not saver.is_alive()
    assert result == ["inflight.bin"], "the save in flight completed on the live handle"
    with pytest.raises(ValueError, match="closed"):
        storage.exists("inflight.bin")
    with s3storage.Storage(server_settings(AWS_LOCATION=location)) as again:
        assert again.size("inflight.bin") == 8 * MIB
        assert again.open("inflight.bin").read() == content


def test_unusual_file_objects(storage, tmp_path):
    import gzip

    path = tmp_path / "data.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"unzipped content")
    with gzip.open(path) as source:  # its mode is an int on Python 3.11
        storage.save("gunzipped.txt", source)
    with storage.open("gunzipped.txt") as f:
        assert f.read() == b"unzipped content"
    latin = tmp_path / "latin.txt"
    latin.write_text("café", encoding="latin-1")
    with open(latin, encoding="latin-1") as source:
        storage.save("latin.txt", source)
    assert storage.size("latin.txt") == 4  # encoded as the file's own encoding
    with pytest.raises(s3storage.ConfigError, match="JSON"):
        s3storage.Storage(server_settings(AWS_S3_OBJECT_PARAMETERS={"Expires": datetime.datetime.now()}))


def test_library_warnings_reach_logging(caplog, location):
    import logging

    with caplog.at_level(logging.WARNING, logger="s3storage"):
        s3storage.Storage(server_settings(AWS_LOCATION=location, AWS_S3_SECURE_URLS=True))
    assert any("legacy setting" in record.getMessage() for record in caplog.records), caplog.records


def test_the_in_memory_store_needs_no_server():
    def memory(**extra):
        return s3storage.Storage(
            AWS_STORAGE_BUCKET_NAME="media", AWS_S3_ENDPOINT_URL="memory://python-tests",
            AWS_S3_FILE_OVERWRITE=False, **extra)

    first, second = memory(), memory()
    name = first.save("reports/a.txt", b"first")
    other = first.save("reports/a.txt", b"second")
    assert name == "reports/a.txt" and other != name
    dirs, files = second.listdir("reports")
    assert (dirs, sorted(files)) == ([], sorted(["a.txt", other.split("/")[-1]]))
    assert second.open(name).read() == b"first"
    first.delete(name)
    first.delete(other)
    assert not second.exists(name)
    with pytest.raises(FileNotFoundError):
        second.open(name)
    with pytest.raises(s3storage.ConfigError, match="memory://"):
        s3storage.Storage(AWS_STORAGE_BUCKET_NAME="media", AWS_S3_ENDPOINT_URL="memory://a/b")


def test_the_result_codes_match_the_library():
    from s3storage import _native, errors

    for code, name in errors.all_codes().items():
        assert _native.lib.s3storage_code_name(code).decode() == name, code
    # and no code of the library is missing here
    for code in list(range(0, 64)) + [255]:
        known = _native.lib.s3storage_code_name(code).decode()
        assert (known == "S3STORAGE_UNKNOWN") == (code not in errors.all_codes()), code


def test_the_request_hook_sees_every_request(storage):
    storage.exists("warm-up")  # the bucket is made (or found) first
    seen = []
    storage.set_request_hook(seen.append)
    storage.save("hooked.txt", b"hello")
    assert storage.exists("hooked.txt")
    with storage.open("hooked.txt") as f:
        assert f.read() == b"hello"
    storage.set_request_hook(None)
    storage.exists("hooked.txt")
    assert [(r.operation, r.name, r.http_status, r.attempt) for r in seen] == [
        ("PutObject", "hooked.txt", 200, 1),
        ("HeadObject", "hooked.txt", 200, 1),
        ("GetObject", "hooked.txt", 200, 1),
    ]
    assert seen[0].bytes >= 5 and all(r.seconds >= 0 for r in seen)
    assert not any(os.environ.get("S3STORAGE_TEST_SECRET_KEY", "?") in repr(r) for r in seen)


def test_checksum_mismatches_have_their_own_exception():
    assert issubclass(s3storage.ChecksumMismatch, s3storage.S3StorageError)
    assert s3storage.ChecksumMismatch.code_name == "S3STORAGE_ERR_CHECKSUM"


class _DamagingProxy:
    """A loopback proxy in front of the test server that flips one byte in the middle of
    the body of every GET reply whose path contains `target` (its length and headers,
    the server's checksum included, intact); `damaged` counts the replies it damaged."""

    def __init__(self, target):
        import socket
        import urllib.parse

        upstream = urllib.parse.urlsplit(os.environ["S3STORAGE_TEST_ENDPOINT"])
        self.upstream = (upstream.hostname, upstream.port)
        self.target, self.damaged = target, 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        import socket

        with client:
            data = b""
            while b"\r\n\r\n" not in data:
                piece = client.recv(65536)
                if not piece:
                    return
                data += piece
            head, _, body = data.partition(b"\r\n\r\n")
            lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
            length = next((int(line.split(b":", 1)[1]) for line in lines
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:
                body += client.recv(65536)
            request = b"\r\n".join(lines + [b"connection: close"]) + b"\r\n\r\n" + body
            with socket.create_connection(self.upstream) as server:
                server.sendall(request)
                reply = b""
                while True:
                    piece = server.recv(1 << 20)
                    if not piece:
                        break
                    reply += piece
            reply_head, _, reply_body = reply.partition(b"\r\n\r\n")
            if lines[0].startswith(b"GET ") and self.target.encode() in lines[0] and reply_body:
                middle = len(reply_body) // 2
                reply_body = reply_body[:middle] + bytes([reply_body[middle] ^ 1]) + reply_body[middle + 1:]
                self.damaged += 1
            client.sendall(reply_head + b"\r\n\r\n" + reply_body)


def test_damaged_reads_raise_checksum_mismatch(storage, location):
    small, large = os.urandom(20_000), os.urandom(3 * 1024 * 1024)
    storage.save("small.bin", small)
    storage.save("large.bin", large)
    proxy = _DamagingProxy("large.bin")
    through = s3storage.Storage(server_settings(AWS_LOCATION=location, AWS_S3_ENDPOINT_URL=proxy.endpoint))
    with through.open("small.bin") as f:
        assert f.read() == small  # not damaged: the proxy's target is large.bin only
    with pytest.raises(s3storage.ChecksumMismatch) as raised, through.open("large.bin") as f:
        f.read()
    assert proxy.damaged == 1, "the fault did not fire"
    assert "CRC32C" in str(raised.value)
    proxy.target = "small.bin"
    with pytest.raises(s3storage.ChecksumMismatch):
        through.open("small.bin")  # damaged twice: the fresh GET is damaged too
    assert proxy.damaged == 3


def test_stat_tells_everything_one_head_says(storage):
    storage.save("dir/stat.txt", b"twelve bytes",
                 parameters={"ContentType": "text/x-stat", "Metadata": {"Owner": "Ada"}})
    info = storage.stat("dir/stat.txt")
    assert (info.name, info.size, info.content_type) == ("dir/stat.txt", 12, "text/x-stat")
    assert info.metadata == {"owner": "Ada"}
    assert len(info.etag) == 32 and info.version_id is None
    age = datetime.datetime.now(datetime.timezone.utc) - info.modified
    assert abs(age.total_seconds()) < 120
    with pytest.raises(s3storage.NotFound):
        storage.stat("dir/missing.txt")
    with pytest.raises(s3storage.SuspiciousName):
        storage.stat("../escape.txt")


def test_listings_are_generators(storage):
    for name in ["a/1", "a/2", "a/b/3"]:
        storage.save(name, b"xy")
    assert [e.name for e in storage.list("a")] == ["a/1", "a/2", "a/b/"]
    everything = list(storage.list("a", recursive=True))
    assert [(e.name, e.size) for e in everything] == [("a/1", 2), ("a/2", 2), ("a/b/3", 2)]
    assert all(len(e.etag) == 32 and e.modified for e in everything)
    first = next(iter(storage.list("", recursive=True)))
    assert first.name == "a/1"
    with pytest.raises(s3storage.SuspiciousName):
        next(storage.list("../up"))


def test_delete_many_and_delete_prefix(storage):
    for name in ["d/1", "d/2", "d/e/3", "keep"]:
        storage.save(name, b"x")
    assert storage.delete_many(["d/1", "d/missing"]) == []
    assert not storage.exists("d/1")
    with pytest.raises(s3storage.InvalidArgument):
        storage.delete_many([])
    with pytest.raises(TypeError):
        storage.delete_many("keep")
    with pytest.raises(s3storage.SuspiciousName):
        storage.delete_many(["d/2", "../up"])
    assert storage.exists("d/2")
    assert storage.delete_prefix("d") == 2
    assert [e.name for e in storage.list(recursive=True)] == ["keep"]


def test_presigned_post_uploads_from_a_form(storage):
    import urllib.error
    import uuid

    post = storage.presigned_post("forms/up.txt", conditions=[["content-length-range", 1, 100]], expires=300)
    assert post["fields"]["key"].endswith("forms/up.txt") and "policy" in post["fields"]
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in post["fields"].items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'.encode()
                 + b"from a form" + f"\r\n--{boundary}--\r\n".encode())
    request = urllib.request.Request(post["url"], data=b"".join(parts), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request) as reply:
        assert 200 <= reply.status < 300
    with storage.open("forms/up.txt") as f:
        assert f.read() == b"from a form"
    with pytest.raises(s3storage.InvalidArgument):
        storage.presigned_post("x.txt", conditions=[["content-length-range", 9, 1]])


def test_download_writes_the_whole_file_or_nothing(storage, tmp_path):
    content = os.urandom(6 * 1024 * 1024 + 5)
    storage.save("big.bin", content)
    target = tmp_path / "big.bin"
    storage.download("big.bin", target)
    assert target.read_bytes() == content
    with pytest.raises(s3storage.NotFound):
        storage.download("missing.bin", tmp_path / "missing.bin")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.bin"]


def test_copy_and_move_on_the_server(storage):
    storage.save("src.txt", b"abc", parameters={"ContentType": "text/x-a"})
    assert storage.copy("src.txt", "dst.txt") == "dst.txt"
    assert storage.stat("dst.txt").content_type == "text/x-a"
    assert storage.copy("src.txt", "typed.txt", parameters={"ContentType": "text/x-b"}) == "typed.txt"
    assert storage.stat("typed.txt").content_type == "text/x-b"
    assert storage.move("dst.txt", "moved.txt") == "moved.txt"
    assert not storage.exists("dst.txt") and storage.size("moved.txt") == 3
    with pytest.raises(s3storage.NotFound):
        storage.move("missing.txt", "x.txt")
    with pytest.raises(s3storage.InvalidArgument):
        storage.copy("src.txt", "src.txt")
