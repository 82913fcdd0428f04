"""s3storage.fsspec against the local server: fsspec's own abstract test suite (copy, get,
put, open, pipe: the suite s3fs and gcsfs run), then what the suite does not cover
(streaming listings, ranged reads, aborted writes, s3fs-style options, the entry point)
and a CSV and a Parquet file through pandas and pyarrow with an s3storage:// URL."""

import os
import uuid

import fsspec
import pytest
from fsspec.tests import abstract

import s3storage
from s3storage.fsspec import S3StorageFileSystem

BUCKET = "s3storage-fsspec-tests"


def options(**more):
    values = {
        "AWS_S3_ENDPOINT_URL": os.environ["S3STORAGE_TEST_ENDPOINT"],
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ACCESS_KEY_ID": os.environ["S3STORAGE_TEST_ACCESS_KEY"],
        "AWS_S3_SECRET_ACCESS_KEY": os.environ["S3STORAGE_TEST_SECRET_KEY"],
        "AWS_AUTO_CREATE_BUCKET": True,
    }
    values.update(more)
    return values


@pytest.fixture(scope="module")
def filesystem():
    # SeaweedFS goes on listing a directory whose objects were deleted: check_dirs.
    fs = S3StorageFileSystem(**options(), check_dirs=True, skip_instance_cache=True)
    fs.storage(BUCKET).exists("warm-up")  # creates the bucket
    return fs


class S3StorageFixtures(abstract.AbstractFixtures):
    """As s3fs's fixtures: one bucket, paths joined with "/", no empty directories."""

    @pytest.fixture
    def fs(self, filesystem):
        return filesystem

    @pytest.fixture
    def fs_join(self):
        return lambda *parts: "/".join(parts)

    @pytest.fixture
    def fs_path(self):
        return f"{BUCKET}/suite-{uuid.uuid4().hex[:10]}"

    @pytest.fixture
    def supports_empty_directories(self):
        return False


class TestS3StorageCopy(abstract.AbstractCopyTests, S3StorageFixtures):
    pass


class TestS3StorageGet(abstract.AbstractGetTests, S3StorageFixtures):
    pass


class TestS3StoragePut(abstract.AbstractPutTests, S3StorageFixtures):
    pass


class TestS3StorageOpen(abstract.AbstractOpenTests, S3StorageFixtures):
    pass


class TestS3StoragePipe(abstract.AbstractPipeTests, S3StorageFixtures):
    pass


@pytest.fixture
def base():
    return f"{BUCKET}/own-{uuid.uuid4().hex[:10]}"


def test_listings_info_and_metadata(filesystem, base):
    fs = filesystem
    fs.pipe({f"{base}/a.txt": b"aaa", f"{base}/d/b.txt": b"bb", f"{base}/d/e/c.txt": b"c"})
    assert fs.ls(base, detail=False) == [f"{base}/a.txt", f"{base}/d"]
    assert fs.find(base) == [f"{base}/a.txt", f"{base}/d/b.txt", f"{base}/d/e/c.txt"]
    assert fs.find(base, withdirs=True) == [
        base, f"{base}/a.txt", f"{base}/d", f"{base}/d/b.txt", f"{base}/d/e", f"{base}/d/e/c.txt"]
    info = fs.info(f"{base}/a.txt")
    assert (info["type"], info["size"]) == ("file", 3)
    assert fs.info(f"{base}/d")["type"] == "directory"
    assert fs.ls(f"{base}/a.txt", detail=False) == [f"{base}/a.txt"]
    assert fs.du(base) == 6
    assert fs.ukey(f"{base}/a.txt") == info["ETag"]
    assert fs.checksum(f"{base}/a.txt") == fs.checksum(f"{base}/a.txt")
    assert fs.modified(f"{base}/a.txt").tzinfo is not None
    with pytest.raises(FileNotFoundError):
        fs.info(f"{base}/missing")
    with pytest.raises(FileNotFoundError):
        fs.ls(f"{base}/missing")
    assert not fs.exists(f"{base}/missing") and fs.exists(f"{base}/d")
    fs.rm(base, recursive=True)
    assert not fs.exists(base)


def test_ranged_and_buffered_reads(filesystem, base):
    fs = filesystem
    content = bytes(range(256)) * 40_000  # 10 MB
    fs.pipe_file(f"{base}/big.bin", content)
    assert fs.cat_file(f"{base}/big.bin", start=1000, end=1010) == content[1000:1010]
    assert fs.cat_file(f"{base}/big.bin", start=-5) == content[-5:]
    with fs.open(f"{base}/big.bin", "rb", block_size=1 << 20) as f:
        assert f.size == len(content)
        f.seek(5_000_000)
        assert f.read(100) == content[5_000_000:5_000_100]
        f.seek(10)
        assert f.read(10) == content[10:20]
        f.seek(0)
        assert f.read() == content
    with fs.open(f"{base}/big.bin", "rt", encoding="latin-1") as f:
        assert f.read(3) == content[:3].decode("latin-1")
    fs.rm(base, recursive=True)


def test_a_failed_write_commits_nothing(filesystem, base):
    fs = filesystem
    with pytest.raises(RuntimeError):
        with fs.open(f"{base}/never.bin", "wb", block_size=5 * 1024 * 1024) as f:
            f.write(b"x" * (12 * 1024 * 1024))
            raise RuntimeError("the producer failed")
    assert not fs.exists(f"{base}/never.bin")
    with fs.open(f"{base}/big.bin", "wb", block_size=5 * 1024 * 1024) as f:
        for _ in range(3):
            f.write(b"y" * (5 * 1024 * 1024))
    assert fs.size(f"{base}/big.bin") == 15 * 1024 * 1024
    fs.touch(f"{base}/big.bin")  # truncates, as open("wb") does
    assert fs.size(f"{base}/big.bin") == 0
    fs.rm(base, recursive=True)


def test_put_get_move_and_batch_delete(filesystem, base, tmp_path):
    fs = filesystem
    local = tmp_path / "up.txt"
    local.write_bytes(b"uploaded")
    fs.put(str(local), f"{base}/up.txt")
    fs.get(f"{base}/up.txt", str(tmp_path / "down.txt"))
    assert (tmp_path / "down.txt").read_bytes() == b"uploaded"
    fs.mv(f"{base}/up.txt", f"{base}/moved.txt")
    assert fs.cat(f"{base}/moved.txt") == b"uploaded" and not fs.exists(f"{base}/up.txt")
    fs.pipe({f"{base}/many/{i}": b"" for i in range(30)})
    requests = []
    fs.storage(BUCKET).set_request_hook(requests.append)
    fs.rm(f"{base}/many", recursive=True)
    fs.storage(BUCKET).set_request_hook(None)
    assert [r.operation for r in requests].count("DeleteObjects") == 1
    assert fs.find(f"{base}/many") == []
    fs.rm(base, recursive=True)


def test_options_urls_and_the_entry_point(base):
    s3fs_style = options()
    s3fs_style.update(key=s3fs_style.pop("AWS_S3_ACCESS_KEY_ID"),
                      secret=s3fs_style.pop("AWS_S3_SECRET_ACCESS_KEY"),
                      client_kwargs={"endpoint_url": s3fs_style.pop("AWS_S3_ENDPOINT_URL"),
                                     "region_name": s3fs_style.pop("AWS_S3_REGION_NAME")})
    with fsspec.open(f"s3storage://{base}/via-url.txt", "wb", **s3fs_style) as f:
        f.write(b"through the entry point")
    fs, path = fsspec.core.url_to_fs(f"s3storage://{base}/via-url.txt", **s3fs_style)
    assert isinstance(fs, S3StorageFileSystem)
    assert fs.cat(path) == b"through the entry point"
    with pytest.raises(ValueError, match="unknown storage option 'bogus'"):
        S3StorageFileSystem(bogus=1, skip_instance_cache=True)
    with pytest.raises(ValueError, match="AWS_LOCATION"):
        S3StorageFileSystem(AWS_LOCATION="x", skip_instance_cache=True)
    with pytest.raises(s3storage.ConfigError):
        S3StorageFileSystem(AWS_S3_ADDRESSING_STYLE="sideways", skip_instance_cache=True).storage(BUCKET)
    fs.rm(f"{base}", recursive=True)


def test_pandas_and_pyarrow_through_an_url(base):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"name": ["ada", "grace", "barbara"], "year": [1815, 1906, 1939]})
    opts = options()
    frame.to_csv(f"s3storage://{base}/people.csv", index=False, storage_options=opts)
    assert pd.read_csv(f"s3storage://{base}/people.csv", storage_options=opts).equals(frame)
    frame.to_parquet(f"s3storage://{base}/people.parquet", storage_options=opts)
    back = pd.read_parquet(f"s3storage://{base}/people.parquet", storage_options=opts)
    assert back.equals(frame)
    fsspec.filesystem("s3storage", **opts).rm(base, recursive=True)
