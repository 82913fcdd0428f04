"""The django-storages side of the benchmark: S3Storage (boto3) with the same operations
as examples/bench.rs, configured from the same AWS_* environment variables."""

import json
import os
import sys

import django
from clients_common import rate, threaded
from django.conf import settings

settings.configure(
    USE_TZ=True,
    AWS_STORAGE_BUCKET_NAME=os.environ["AWS_STORAGE_BUCKET_NAME"],
    AWS_S3_ENDPOINT_URL=os.environ["AWS_S3_ENDPOINT_URL"],
    AWS_S3_REGION_NAME="us-east-1",
    AWS_ACCESS_KEY_ID=os.environ["AWS_ACCESS_KEY_ID"],
    AWS_SECRET_ACCESS_KEY=os.environ["AWS_SECRET_ACCESS_KEY"],
    AWS_LOCATION=os.environ.get("AWS_LOCATION", ""),
    AWS_S3_FILE_OVERWRITE=os.environ.get("AWS_S3_FILE_OVERWRITE", "True") == "True",
    AWS_S3_VERIFY=os.environ.get("AWS_S3_VERIFY") or None,
)
django.setup()

from django.core.files.base import ContentFile, File  # noqa: E402
from storages.backends.s3 import S3Storage  # noqa: E402

storage = S3Storage()


def small(rounds, ops):
    kib = b"x" * 1024
    storage.save("small/hit.txt", ContentFile(kib))

    def open_read(i):
        with storage.open("small/%d.txt" % i, "rb") as f:
            assert len(f.read()) == 1024

    results = {
        "exists_hit": rate(rounds, ops, lambda i: storage.exists("small/hit.txt")),
        "exists_miss": rate(rounds, ops, lambda i: storage.exists("small/miss.txt")),
        "save_1k": rate(rounds, ops, lambda i: storage.save("small/%d.txt" % i, ContentFile(kib))),
        "open_read_1k": rate(rounds, ops, open_read),
        "delete": rate(rounds, ops, lambda i: storage.delete("small/%d.txt" % i)),
    }
    print(json.dumps(results))


def mixed_ops(thread, ops):
    kib = b"x" * 1024
    for i in range(ops):
        name = storage.save("threads/%d-%d.txt" % (thread, i), ContentFile(kib))
        assert storage.exists(name)
        with storage.open(name, "rb") as f:
            assert len(f.read()) == 1024
        storage.delete(name)


def threads(count, ops):
    print(json.dumps({"ops_per_s": threaded(count, ops, mixed_ops)}))


def main():
    command = sys.argv[1]
    if command == "threads":
        threads(int(sys.argv[2]), int(sys.argv[3]))
    elif command == "listdir":
        print(len(storage.listdir(sys.argv[2])[1]))
    elif command == "small":
        small(int(sys.argv[2]), int(sys.argv[3]))
    elif command == "save":
        with open(sys.argv[2], "rb") as f:
            storage.save(sys.argv[3], File(f))
    elif command == "write":
        piece = bytes(i % 251 for i in range(1024 * 1024))
        f = storage.open(sys.argv[2], "wb")
        for _ in range(int(sys.argv[3])):
            f.write(piece)
        f.close()
    elif command == "list":
        # Django's Storage has no recursive listing: one level, as listdir gives it.
        print(len(storage.listdir(sys.argv[2])[1]))
    elif command == "copy":
        # No copy in Django's Storage: open (download) and save (upload).
        with storage.open(sys.argv[2], "rb") as src:
            storage.save(sys.argv[3], File(src))
    elif command == "download":
        with storage.open(sys.argv[2], "rb") as src, open(sys.argv[3], "wb") as dst:
            while True:
                chunk = src.read(8 * 1024 * 1024)
                if not chunk:
                    break
                dst.write(chunk)
    elif command == "delete-prefix":
        # Django's way: listdir, then one DELETE per name.
        files = storage.listdir(sys.argv[2])[1]
        for name in files:
            storage.delete("%s/%s" % (sys.argv[2], name))
        print(len(files), 0)
    elif command == "read":
        with storage.open(sys.argv[2], "rb") as f:
            while f.read(1024 * 1024):
                pass


main()
