"""Runs the benchmark side by side against one local SeaweedFS: s3storage
(examples/bench.rs), django-storages' S3Storage with boto3 (bench/ds_client.py), OpenDAL's
Python binding (bench/odl_client.py), obstore (bench/obs_client.py) and curl (the wire
limit), over plain http and over
https through a loopback TLS terminator. Each client runs in its own process, so its peak
RSS and CPU time are measured with wait4. Started by scripts/bench.sh, which exports
BENCH_DIR, BENCH_HTTP, BENCH_HTTPS and BENCH_CA."""

import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIENTS = {
    "s3storage": [os.path.join(ROOT, "target", "release", "examples", "bench")],
    "django-storages": [sys.executable, os.path.join(ROOT, "bench", "ds_client.py")],
    "opendal": [sys.executable, os.path.join(ROOT, "bench", "odl_client.py")],
    "obstore": [sys.executable, os.path.join(ROOT, "bench", "obs_client.py")],
}
BIG_MIB = int(os.environ.get("BENCH_MIB", "256"))
HUGE_MIB = int(os.environ.get("BENCH_HUGE_MIB", "1024"))
LIST_KEYS = int(os.environ.get("BENCH_LIST_KEYS", "20000"))
ROUNDS, OPS = 5, int(os.environ.get("BENCH_OPS", "50"))


class Failed(Exception):
    pass


def measured(argv, env_extra=None):
    """Runs a command; returns (seconds, peak RSS MiB, CPU seconds, stdout)."""
    env = dict(os.environ, **(env_extra or {}))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise Failed("%s failed (%d): %s" % (" ".join(argv[-3:]), status, err.decode()[-300:]))
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024.0, cpu, out.decode()


class Transport:
    def __init__(self, name, endpoint, ca):
        self.name, self.endpoint, self.ca = name, endpoint, ca

    def env(self, location):
        env = {"AWS_S3_ENDPOINT_URL": self.endpoint, "AWS_LOCATION": location}
        if self.ca:
            env.update(AWS_S3_VERIFY=self.ca, SSL_CERT_FILE=self.ca, REQUESTS_CA_BUNDLE=self.ca,
                       AWS_CA_BUNDLE=self.ca)
        return env

    def curl(self, *args, fail=True):
        auth = "%s:%s" % (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
        base = ["curl", "-sSf" if fail else "-sS", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", auth,
                "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
        if self.ca:
            base += ["--cacert", self.ca]
        return base + list(args)

    def url(self, key):
        return "%s/%s/%s" % (self.endpoint, os.environ["AWS_STORAGE_BUCKET_NAME"], key)


def client(name, transport, args, location, extra=None):
    env = transport.env(location)
    env.update(extra or {})
    return measured(CLIENTS[name] + args, env)


def curl_small(transport, local_kib):
    """Median ops/s of curl doing OPS requests of each kind on one connection."""
    urls = [transport.url("curl-small/%d" % i) for i in range(OPS)]

    def timed(args, fail=True):
        rates = [OPS / measured(transport.curl(*args, fail=fail))[0] for _ in range(ROUNDS)]
        return statistics.median(rates)

    hit = transport.url("curl-small/hit")
    miss = transport.url("curl-small/miss")
    measured(transport.curl("-T", local_kib, hit))
    put, get = [], []
    for url in urls:
        put += ["-T", local_kib, url]
        get += ["-o", "/dev/null", url]
    return {
        "exists_hit": timed(sum([["-I", hit]] * OPS, [])),
        "exists_miss": timed(sum([["-I", miss]] * OPS, []), fail=False),
        "save_1k": timed(put),
        "open_read_1k": timed(get),
        "delete": timed(["-X", "DELETE"] + urls),
    }


def add(rows, metric, unit, values):
    rows.append((metric, unit, values))


def safely(rows, metric, unit, fn):
    """Runs each client's measurement; a client that cannot run says why, as n/a."""
    values = {}
    for name in ["s3storage", "django-storages", "opendal", "obstore", "curl"]:
        try:
            values[name] = fn(name)
        except Failed as error:
            print("note: %s / %s: %s" % (metric, name, error), file=sys.stderr)
            values[name] = None
        except KeyError:
            values[name] = None
    add(rows, metric, unit, values)


def transport_rows(transport, local_big, local_kib):
    rows = []
    loc = "bench-%s" % transport.name
    small = {}
    for name in ["s3storage", "django-storages", "opendal", "obstore"]:
        try:
            small[name] = json.loads(client(name, transport, ["small", str(ROUNDS), str(OPS)],
                                            "%s/%s" % (loc, name))[3])
        except Failed as error:
            print("note: small / %s: %s" % (name, error), file=sys.stderr)
    try:
        small["curl"] = curl_small(transport, local_kib)
    except Failed as error:
        print("note: small / curl: %s" % error, file=sys.stderr)
    for key in ["exists_hit", "exists_miss", "save_1k", "open_read_1k", "delete"]:
        add(rows, key.replace("_", " "), "ops/s",
            {name: small.get(name, {}).get(key) for name in CLIENTS.keys() | {"curl"}})

    mib = float(BIG_MIB)
    big = {}

    def run_big(kind, name):
        if name == "curl":
            args = {"save": ["-T", local_big, transport.url("%s/curl/big.bin" % loc)],
                    "read": ["-o", "/dev/null", transport.url("%s/curl/big.bin" % loc)]}.get(kind)
            if args is None:
                raise KeyError(kind)
            result = measured(transport.curl(*args))
        else:
            args = {"save": ["save", local_big, "big.bin"], "read": ["read", "big.bin"],
                    "write": ["write", "stream.bin", str(BIG_MIB)]}[kind]
            where = "%s/%s" % (loc, name)
            result = client(name, transport, args, where)
        big[(kind, name)] = result
        return mib / result[0]

    for kind, label in [("save", "save"), ("read", "read"), ("write", "stream write")]:
        safely(rows, "%s %d MiB" % (label, BIG_MIB), "MiB/s", lambda n, k=kind: run_big(k, n))
        add(rows, "  client CPU, %s" % label, "CPU-s",
            {n: big[(kind, n)][2] if (kind, n) in big else None for n in CLIENTS.keys() | {"curl"}})
        add(rows, "  peak RSS, %s" % label, "MiB",
            {n: big[(kind, n)][1] if (kind, n) in big else None for n in CLIENTS.keys() | {"curl"}})

    def run_copy(name):
        if name == "curl":
            raise KeyError(name)
        where = "%s/%s" % (loc, name)
        result = client(name, transport, ["copy", "big.bin", "big-copy.bin"], where)
        big[("copy", name)] = result
        return mib / result[0]

    safely(rows, "copy %d MiB (server-side; django-storages: open + save)" % BIG_MIB, "MiB/s",
           run_copy)
    add(rows, "  client CPU, copy", "CPU-s",
        {n: big[("copy", n)][2] if ("copy", n) in big else None for n in CLIENTS.keys() | {"curl"}})

    def run_download(name):
        local = os.path.join(os.environ["BENCH_DIR"], "download-%s.bin" % name)
        if name == "curl":
            result = measured(transport.curl("-o", local, transport.url("%s/curl/big.bin" % loc)))
        else:
            result = client(name, transport, ["download", "big.bin", local], "%s/%s" % (loc, name))
        if os.path.getsize(local) != BIG_MIB * 1024 * 1024:
            raise Failed("downloaded %d bytes" % os.path.getsize(local))
        os.remove(local)
        big[("download", name)] = result
        return mib / result[0]

    safely(rows, "download %d MiB to a file" % BIG_MIB, "MiB/s", run_download)
    for label, index in [("client CPU", 2), ("peak RSS", 1)]:
        add(rows, "  %s, download" % label, "CPU-s" if index == 2 else "MiB",
            {n: big[("download", n)][index] if ("download", n) in big else None
             for n in CLIENTS.keys() | {"curl"}})

    def threads(name):
        if name == "curl":
            raise KeyError(name)
        out = client(name, transport, ["threads", "8", "10"], "%s/%s" % (loc, name))[3]
        return json.loads(out)["ops_per_s"]

    safely(rows, "8 threads, one storage", "ops/s", threads)

    listed = {}

    def listdir(name):
        if name == "curl":
            raise KeyError(name)
        result = client(name, transport, ["listdir", "many"], "bench-list")
        if int(result[3].strip()) != LIST_KEYS:
            raise Failed("listed %s keys, not %d" % (result[3].strip(), LIST_KEYS))
        listed[name] = result
        return result[0]

    safely(rows, "listdir of %d keys" % LIST_KEYS, "s", listdir)
    add(rows, "  peak RSS, listdir", "MiB",
        {n: listed[n][1] if n in listed else None for n in CLIENTS.keys() | {"curl"}})
    streamed = {}

    def list_recursive(name):
        if name == "curl":
            raise KeyError(name)
        result = client(name, transport, ["list", "many"], "bench-list")
        if int(result[3].strip()) != LIST_KEYS:
            raise Failed("listed %s keys, not %d" % (result[3].strip(), LIST_KEYS))
        streamed[name] = result
        return result[0]

    safely(rows, "list -r of %d keys (streamed; django-storages: listdir)" % LIST_KEYS, "s",
           list_recursive)
    add(rows, "  peak RSS, list -r", "MiB",
        {n: streamed[n][1] if n in streamed else None for n in CLIENTS.keys() | {"curl"}})
    return rows


def delete_rows(transport):
    """delete_prefix of LIST_KEYS keys (DeleteObjects batches) against django-storages'
    way (listdir, then one DELETE each) and OpenDAL's remove_all."""
    rows, requests = [], {}

    def delete(name):
        if name == "curl":
            raise KeyError(name)
        where = "bench-delete-%s" % name
        measured(CLIENTS["s3storage"] + ["populate", "doomed", str(LIST_KEYS)], transport.env(where))
        result = client(name, transport, ["delete-prefix", "doomed"], where)
        deleted, batches = result[3].split()
        if int(deleted) != LIST_KEYS:
            raise Failed("deleted %s keys, not %d" % (deleted, LIST_KEYS))
        requests[name] = int(batches) or None
        return result[0]

    safely(rows, "delete %d keys by prefix" % LIST_KEYS, "s", delete)
    add(rows, "  DeleteObjects requests", "count", requests)
    return rows


def huge_save_rows(transport):
    """Peak RSS of a HUGE_MIB save_file with AWS_S3_FILE_OVERWRITE True and False: the
    create-only save must stream as the overwriting one does."""
    huge = os.path.join(os.environ["BENCH_DIR"], "huge.bin")
    with open(huge, "wb") as f:
        chunk = os.urandom(1024 * 1024)
        for _ in range(HUGE_MIB):
            f.write(chunk)
    rows = []
    for overwrite in ["True", "False"]:
        def rss(name, overwrite=overwrite):
            if name not in ("s3storage", "django-storages"):
                raise KeyError(name)
            return client(name, transport, ["save", huge, "huge.bin"], "huge-" + overwrite,
                          {"AWS_S3_FILE_OVERWRITE": overwrite})[1]
        safely(rows, "peak RSS, save_file %d MiB, overwrite %s" % (HUGE_MIB, overwrite), "MiB", rss)
    os.remove(huge)
    return rows


def cell(value):
    return "n/a" if value is None else ("%.2f" % value if value < 10 else "%.1f" % value)


def ratio(a, b, higher_is_better):
    if a is None or b is None or a == 0 or b == 0:
        return "n/a"
    return "%.2fx" % ((a / b) if higher_is_better else (b / a))


def print_table(title, rows):
    print("\n%s\n" % title)
    print("| metric | unit | s3storage | django-storages | opendal | obstore | curl | vs curl "
          "| vs opendal | vs obstore | vs django-storages |")
    print("|" + "---|" * 11)
    for metric, unit, v in rows:
        better = unit in ("ops/s", "MiB/s")
        rs = v.get("s3storage")
        peers = ["django-storages", "opendal", "obstore", "curl"]
        print("| %s | %s | %s | %s | %s |" % (
            metric, unit, cell(rs), " | ".join(cell(v.get(p)) for p in peers),
            " | ".join(ratio(rs, v.get(p), better)
                       for p in ["curl", "opendal", "obstore", "django-storages"])))


def main():
    work = os.environ["BENCH_DIR"]
    local_big = os.path.join(work, "big.bin")
    with open(local_big, "wb") as f:
        chunk = os.urandom(1024 * 1024)
        for _ in range(BIG_MIB):
            f.write(chunk)
    local_kib = os.path.join(work, "kib.bin")
    with open(local_kib, "wb") as f:
        f.write(b"x" * 1024)
    http = Transport("http", os.environ["BENCH_HTTP"], None)
    https = Transport("https", os.environ["BENCH_HTTPS"], os.environ["BENCH_CA"])
    measured(CLIENTS["s3storage"] + ["populate", "many", str(LIST_KEYS)],
             http.env("bench-list"))
    for transport in [http, https]:
        rows = transport_rows(transport, local_big, local_kib)
        if transport is http:
            rows += huge_save_rows(transport) + delete_rows(transport)
        print_table("### %s" % transport.name, rows)
    print("\n(ratios > 1 favour s3storage; for CPU-s, s and MiB they are peer / s3storage)")


main()
