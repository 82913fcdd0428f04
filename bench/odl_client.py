"""The OpenDAL side of the benchmark (its Python binding, the strongest Rust-core peer):
the same operations as examples/bench.rs on an S3 Operator, configured from the same
AWS_* environment variables."""

import json
import os
import sys

import opendal
from clients_common import rate, threaded

location = os.environ.get("AWS_LOCATION", "")
op = opendal.Operator(
    "s3",
    bucket=os.environ["AWS_STORAGE_BUCKET_NAME"],
    endpoint=os.environ["AWS_S3_ENDPOINT_URL"],
    region="us-east-1",
    access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    root="/" + location,
)


def small(rounds, ops):
    kib = b"x" * 1024
    op.write("small/hit.txt", kib)

    def open_read(i):
        assert len(op.read("small/%d.txt" % i)) == 1024

    print(json.dumps({
        "exists_hit": rate(rounds, ops, lambda i: op.exists("small/hit.txt")),
        "exists_miss": rate(rounds, ops, lambda i: op.exists("small/miss.txt")),
        "save_1k": rate(rounds, ops, lambda i: op.write("small/%d.txt" % i, kib)),
        "open_read_1k": rate(rounds, ops, open_read),
        "delete": rate(rounds, ops, lambda i: op.delete("small/%d.txt" % i)),
    }))


def mixed_ops(thread, ops):
    kib = b"x" * 1024
    for i in range(ops):
        name = "threads/%d-%d.txt" % (thread, i)
        op.write(name, kib)
        assert op.exists(name)
        assert len(op.read(name)) == 1024
        op.delete(name)


def main():
    command = sys.argv[1]
    if command == "small":
        small(int(sys.argv[2]), int(sys.argv[3]))
    elif command == "save":
        with open(sys.argv[2], "rb") as src, op.open(sys.argv[3], "wb") as dst:
            while True:
                chunk = src.read(8 * 1024 * 1024)
                if not chunk:
                    break
                dst.write(chunk)
    elif command == "write":
        piece = bytes(i % 251 for i in range(1024 * 1024))
        with op.open(sys.argv[2], "wb") as f:
            for _ in range(int(sys.argv[3])):
                f.write(piece)
    elif command == "read":
        with op.open(sys.argv[2], "rb") as f:
            while f.read(1024 * 1024):
                pass
    elif command == "threads":
        count, ops = int(sys.argv[2]), int(sys.argv[3])
        print(json.dumps({"ops_per_s": threaded(count, ops, mixed_ops)}))
    elif command == "list":
        prefix = sys.argv[2].rstrip("/") + "/"
        print(sum(1 for entry in op.scan(prefix) if not entry.path.endswith("/")))
    elif command == "copy":
        op.copy(sys.argv[2], sys.argv[3])
    elif command == "download":
        with op.open(sys.argv[2], "rb") as src, open(sys.argv[3], "wb") as dst:
            while True:
                chunk = src.read(8 * 1024 * 1024)
                if not chunk:
                    break
                dst.write(chunk)
    elif command == "delete-prefix":
        prefix = sys.argv[2].rstrip("/") + "/"
        count = sum(1 for entry in op.scan(prefix) if not entry.path.endswith("/"))
        op.remove_all(prefix)
        print(count, 0)
    elif command == "listdir":
        prefix = sys.argv[2].rstrip("/") + "/"
        print(sum(1 for entry in op.list(prefix) if not entry.path.endswith("/")))


main()
