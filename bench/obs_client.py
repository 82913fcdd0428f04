"""The obstore side of the benchmark (the Python binding of Rust's object_store, the
fastest Python client by its own measure): the same operations as examples/bench.rs on an
S3Store, configured from the same AWS_* environment variables."""

import json
import os
import sys
from pathlib import Path

import obstore
from clients_common import rate, threaded
from obstore.store import S3Store

endpoint = os.environ["AWS_S3_ENDPOINT_URL"]
client_options = {"allow_http": True}
if endpoint.startswith("https:"):
    # The loopback terminator's certificate comes from the bench's own CA, which
    # obstore's rustls roots do not hold; the others verify it through AWS_S3_VERIFY.
    client_options["allow_invalid_certificates"] = True
store = S3Store(
    os.environ["AWS_STORAGE_BUCKET_NAME"],
    endpoint=endpoint,
    region="us-east-1",
    access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    prefix=os.environ.get("AWS_LOCATION") or None,
    client_options=client_options,
)


def exists(path):
    try:
        obstore.head(store, path)
        return True
    except FileNotFoundError:
        return False


def small(rounds, ops):
    kib = b"x" * 1024
    obstore.put(store, "small/hit.txt", kib)

    def open_read(i):
        assert len(obstore.get(store, "small/%d.txt" % i).bytes()) == 1024

    print(json.dumps({
        "exists_hit": rate(rounds, ops, lambda i: exists("small/hit.txt")),
        "exists_miss": rate(rounds, ops, lambda i: exists("small/miss.txt")),
        "save_1k": rate(rounds, ops, lambda i: obstore.put(store, "small/%d.txt" % i, kib)),
        "open_read_1k": rate(rounds, ops, open_read),
        "delete": rate(rounds, ops, lambda i: obstore.delete(store, "small/%d.txt" % i)),
    }))


def mixed_ops(thread, ops):
    kib = b"x" * 1024
    for i in range(ops):
        name = "threads/%d-%d.txt" % (thread, i)
        obstore.put(store, name, kib)
        assert exists(name)
        assert len(obstore.get(store, name).bytes()) == 1024
        obstore.delete(store, name)


def keys(prefix):
    return [meta["path"] for batch in obstore.list(store, prefix.rstrip("/") + "/")
            for meta in batch]


def main():
    command = sys.argv[1]
    if command == "small":
        small(int(sys.argv[2]), int(sys.argv[3]))
    elif command == "save":
        obstore.put(store, sys.argv[3], Path(sys.argv[2]))
    elif command == "write":
        piece = bytes(i % 251 for i in range(1024 * 1024))
        with obstore.open_writer(store, sys.argv[2]) as f:
            for _ in range(int(sys.argv[3])):
                f.write(piece)
    elif command == "read":
        reader = obstore.open_reader(store, sys.argv[2])
        while reader.read(1024 * 1024):
            pass
    elif command == "threads":
        count, ops = int(sys.argv[2]), int(sys.argv[3])
        print(json.dumps({"ops_per_s": threaded(count, ops, mixed_ops)}))
    elif command == "listdir":
        listed = obstore.list_with_delimiter(store, sys.argv[2].rstrip("/") + "/")
        print(len(listed["objects"]))
    elif command == "list":
        print(len(keys(sys.argv[2])))
    elif command == "copy":
        obstore.copy(store, sys.argv[2], sys.argv[3])
    elif command == "download":
        with open(sys.argv[3], "wb") as f:
            for chunk in obstore.get(store, sys.argv[2]):
                f.write(chunk)
    elif command == "delete-prefix":
        found = keys(sys.argv[2])
        obstore.delete(store, found)  # a list: DeleteObjects batches
        print(len(found), 0)


main()
