"""Runs the benchmark side by side: s3storage (examples/bench.rs), django-storages'
S3Storage (boto3, bench/ds_client.py) and curl (the wire limit) against the same local
SeaweedFS, and prints one table with the ratios. Each client runs in its own process, so
its peak RSS is measured with wait4. Started by scripts/bench.sh."""

import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUST = [os.path.join(ROOT, "target", "release", "examples", "bench")]
PY = [sys.executable, os.path.join(ROOT, "bench", "ds_client.py")]
BIG_MIB = int(os.environ.get("BENCH_MIB", "256"))
HUGE_MIB = int(os.environ.get("BENCH_HUGE_MIB", "1024"))
ROUNDS, OPS = 5, int(os.environ.get("BENCH_OPS", "50"))


def run(argv, env_extra=None):
    """Runs a command; returns (seconds, peak RSS MiB, stdout)."""
    env = dict(os.environ, **(env_extra or {}))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit("%s failed with status %d" % (" ".join(argv), status))
    return elapsed, usage.ru_maxrss / 1024.0, out.decode()


def url(key):
    return "%s/%s/%s" % (os.environ["AWS_S3_ENDPOINT_URL"], os.environ["AWS_STORAGE_BUCKET_NAME"], key)


def curl(*args):
    auth = "%s:%s" % (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    return ["curl", "-sSf", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", auth] + list(args)


def huge_save_rows():
    """Peak RSS of a HUGE_MIB save_file with AWS_S3_FILE_OVERWRITE True and False: the
    create-only save must stream as the overwriting one does."""
    huge = os.path.join(os.environ["BENCH_DIR"], "huge.bin")
    with open(huge, "wb") as f:
        chunk = os.urandom(1024 * 1024)
        for _ in range(HUGE_MIB):
            f.write(chunk)
    rows = []
    for overwrite in ["True", "False"]:
        env = {"AWS_S3_FILE_OVERWRITE": overwrite, "AWS_LOCATION": "huge-" + overwrite}
        _, rss_rs, _ = run(RUST + ["save", huge, "huge.bin"], env)
        _, rss_ds, _ = run(PY + ["save", huge, "huge.bin"], env)
        rows.append(("peak RSS, save_file %d MiB, overwrite %s" % (HUGE_MIB, overwrite),
                     "MiB", rss_rs, rss_ds, None))
    os.remove(huge)
    return rows


def main():
    local = os.path.join(os.environ["BENCH_DIR"], "big.bin")
    with open(local, "wb") as f:
        chunk = os.urandom(1024 * 1024)
        for _ in range(BIG_MIB):
            f.write(chunk)
    rows = []  # (metric, unit, s3storage, django-storages, curl)

    rust_small = json.loads(run(RUST + ["small", str(ROUNDS), str(OPS)], {"AWS_LOCATION": "rs"})[2])
    ds_small = json.loads(run(PY + ["small", str(ROUNDS), str(OPS)], {"AWS_LOCATION": "ds"})[2])
    for key in ["exists_hit", "exists_miss", "save_1k", "open_read_1k", "delete"]:
        rows.append((key.replace("_", " "), "ops/s", rust_small[key], ds_small[key], None))

    mib = float(BIG_MIB)
    t_rs, rss_rs_save, _ = run(RUST + ["save", local, "rs/big.bin"])
    t_ds, rss_ds_save, _ = run(PY + ["save", local, "ds/big.bin"])
    t_curl, rss_curl_save, _ = run(curl("-T", local, url("curl/big.bin")))
    rows.append(("save %d MiB" % BIG_MIB, "MiB/s", mib / t_rs, mib / t_ds, mib / t_curl))

    r_rs, rss_rs_read, _ = run(RUST + ["read", "rs/big.bin"])
    r_ds, rss_ds_read, _ = run(PY + ["read", "rs/big.bin"])
    r_curl, rss_curl_read, _ = run(curl("-o", "/dev/null", url("curl/big.bin")))
    rows.append(("read %d MiB" % BIG_MIB, "MiB/s", mib / r_rs, mib / r_ds, mib / r_curl))

    w_rs, rss_rs_write, _ = run(RUST + ["write", "rs/stream.bin", str(BIG_MIB)])
    w_ds, rss_ds_write, _ = run(PY + ["write", "ds/stream.bin", str(BIG_MIB)])
    rows.append(("stream write %d MiB (1 MiB pieces)" % BIG_MIB, "MiB/s", mib / w_rs, mib / w_ds, None))

    rows.append(("peak RSS, save", "MiB", rss_rs_save, rss_ds_save, rss_curl_save))
    rows.append(("peak RSS, stream write", "MiB", rss_rs_write, rss_ds_write, None))
    rows.append(("peak RSS, full read", "MiB", rss_rs_read, rss_ds_read, rss_curl_read))
    rows.extend(huge_save_rows())

    def cell(value):
        return "n/a" if value is None else "%.1f" % value

    def ratio(a, b, lower_is_better):
        if a is None or b is None or a == 0 or b == 0:
            return "n/a"
        return "%.2fx" % ((b / a) if lower_is_better else (a / b))

    header = "| metric | unit | s3storage | django-storages | curl | vs django-storages | vs curl |"
    print(header)
    print("|" + "---|" * 7)
    for metric, unit, rs, ds, cu in rows:
        lower = unit == "MiB"
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            metric, unit, cell(rs), cell(ds), cell(cu), ratio(rs, ds, lower), ratio(rs, cu, lower)))
    print("\n(ratios > 1 favour s3storage; for RSS they are peer/s3storage)")


main()
