"""Runs the benchmark as an interleaved race against local SeaweedFS servers: s3storage
(examples/bench.rs), django-storages' S3Storage with boto3 (bench/ds_client.py), OpenDAL's
Python binding (bench/odl_client.py), obstore (bench/obs_client.py) and curl (the wire
limit), over plain http and over https through a loopback TLS terminator, and against a
3-volume cluster for the download row.

On a shared 2-core machine one peer after another is not a fair race, so every row runs
round after round, each peer once per round in a rotating order, and each ratio is the
median of the per-round ratios with their spread (lowest–highest). Each client runs in
its own process, so its peak RSS and CPU time come from wait4. Started by
scripts/bench.sh, which exports BENCH_DIR, BENCH_HTTP, BENCH_HTTPS, BENCH_CA and
BENCH_CLUSTER; writes bench/results/table.md and bench/results/ratios.svg."""

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
PEERS = ["s3storage", "django-storages", "opendal", "obstore", "curl"]
RIVALS = ["opendal", "obstore", "curl", "django-storages"]
BIG_MIB = int(os.environ.get("BENCH_MIB", "256"))
HUGE_MIB = int(os.environ.get("BENCH_HUGE_MIB", "1024"))
DOWNLOAD_MIB = int(os.environ.get("BENCH_DOWNLOAD_MIB", "1024"))
LIST_KEYS = int(os.environ.get("BENCH_LIST_KEYS", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
DELETE_ROUNDS = int(os.environ.get("BENCH_DELETE_ROUNDS", "3"))
OPS = int(os.environ.get("BENCH_OPS", "50"))
SMALL = ["exists_hit", "exists_miss", "save_1k", "open_read_1k", "delete"]
HIGHER_IS_BETTER = ("ops/s", "MiB/s")
FAILURES = []


class Failed(Exception):
    pass


class Unsupported(Exception):
    """The peer has no such operation: its cell is n/a."""


def run(argv, env_extra=None):
    """Runs a command in its own process; returns dict(seconds, rss, cpu, out)."""
    env = dict(os.environ, **(env_extra or {}))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise Failed("%s failed (%d): %s" % (" ".join(argv[-3:]), status, err.decode()[-300:]))
    return {"s": elapsed, "rss": usage.ru_maxrss / 1024.0,
            "cpu": usage.ru_utime + usage.ru_stime, "out": out.decode()}


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
        base = ["curl", "-sSf" if fail else "-sS", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
                auth, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
        if self.ca:
            base += ["--cacert", self.ca]
        return base + list(args)

    def url(self, key):
        return "%s/%s/%s" % (self.endpoint, os.environ["AWS_STORAGE_BUCKET_NAME"], key)

    def client(self, name, args, location, extra=None):
        if name not in CLIENTS:
            raise Unsupported(name)
        env = self.env(location)
        env.update(extra or {})
        return run(CLIENTS[name] + args, env)


class Row:
    """One metric: each peer's value in each round (None where it did not run)."""

    def __init__(self, metric, unit):
        self.metric, self.unit = metric, unit
        self.values = {peer: [] for peer in PEERS}

    def median(self, peer):
        got = [v for v in self.values[peer] if v is not None]
        return statistics.median(got) if got else None

    def ratios(self, rival):
        """s3storage's advantage over rival in each round where both ran."""
        pairs = zip(self.values["s3storage"], self.values[rival])
        better = self.unit in HIGHER_IS_BETTER
        return [(a / b if better else b / a) for a, b in pairs if a and b]


def race(rows, rounds, measure, peers=PEERS):
    """Runs measure(peer) for every peer, once per round in a rotating order; measure
    returns {metric: value} for the given rows (a list of Row)."""
    by_metric = {row.metric: row for row in rows}
    for r in range(rounds):
        order = peers[r % len(peers):] + peers[:r % len(peers)]
        for peer in order:
            try:
                got = measure(peer)
            except Unsupported:
                got = {}
            except Failed as error:
                print("note: %s / %s: %s" % (rows[0].metric, peer, error), file=sys.stderr)
                if peer == "s3storage":
                    FAILURES.append("%s: %s" % (rows[0].metric, error))
                got = {}
            for metric, row in by_metric.items():
                row.values[peer].append(got.get(metric))
    return rows


def curl_small(transport, local_kib):
    """One round of curl doing OPS requests of each kind on one connection (ops/s)."""
    urls = [transport.url("curl-small/%d" % i) for i in range(OPS)]
    hit, miss = transport.url("curl-small/hit"), transport.url("curl-small/miss")
    run(transport.curl("-T", local_kib, hit))
    put, get = [], []
    for url in urls:
        put += ["-T", local_kib, url]
        get += ["-o", "/dev/null", url]
    kinds = {"exists_hit": (sum([["-I", hit]] * OPS, []), True),
             "exists_miss": (sum([["-I", miss]] * OPS, []), False),
             "save_1k": (put, True), "open_read_1k": (get, True),
             "delete": (["-X", "DELETE"] + urls, True)}
    return {k: OPS / run(transport.curl(*args, fail=fail))["s"]
            for k, (args, fail) in kinds.items()}


def small_rows(transport, loc, local_kib):
    rows = [Row(k.replace("_", " "), "ops/s") for k in SMALL]

    def measure(peer):
        if peer == "curl":
            got = curl_small(transport, local_kib)
        else:
            out = transport.client(peer, ["small", "1", str(OPS)], "%s/%s" % (loc, peer))["out"]
            got = json.loads(out)
        return {k.replace("_", " "): v for k, v in got.items()}

    return race(rows, ROUNDS, measure)


def timed_rows(label, unit_rows, rounds, measure, peers=PEERS):
    """A row of label plus CPU-s and peak RSS rows; measure(peer) returns (value, run)."""
    rows = [Row(label[0], label[1])] + [Row("  %s, %s" % (what, label[2]), unit)
                                        for what, unit in unit_rows]

    def each(peer):
        value, result = measure(peer)
        got = {rows[0].metric: value}
        for row, (what, _) in zip(rows[1:], unit_rows):
            got[row.metric] = result["cpu" if what == "client CPU" else "rss"]
        return got

    return race(rows, rounds, each, peers)


CPU_RSS = [("client CPU", "CPU-s"), ("peak RSS", "MiB")]


def big_rows(transport, loc, local_big):
    mib = float(BIG_MIB)
    where = lambda peer: "%s/%s" % (loc, peer)  # noqa: E731

    def transfer(kind):
        def measure(peer):
            if peer == "curl":
                args = {"save": ["-T", local_big, transport.url("%s/curl/big.bin" % loc)],
                        "read": ["-o", "/dev/null", transport.url("%s/curl/big.bin" % loc)]}
                if kind not in args:
                    raise Unsupported(kind)
                result = run(transport.curl(*args[kind]))
            else:
                args = {"save": ["save", local_big, "big.bin"], "read": ["read", "big.bin"],
                        "write": ["write", "stream.bin", str(BIG_MIB)],
                        "copy": ["copy", "big.bin", "big-copy.bin"]}[kind]
                result = transport.client(peer, args, where(peer))
            return mib / result["s"], result
        return measure

    rows = []
    for kind, label in [("save", "save"), ("read", "read"), ("write", "stream write")]:
        rows += timed_rows(("%s %d MiB" % (label, BIG_MIB), "MiB/s", label), CPU_RSS, ROUNDS,
                           transfer(kind))
    rows += timed_rows(("copy %d MiB (server-side; django-storages: open + save)" % BIG_MIB,
                        "MiB/s", "copy"), CPU_RSS[:1], ROUNDS, transfer("copy"))
    return rows


def download_rows(transport, label):
    """download_to of a DOWNLOAD_MIB object (read_ahead "auto": streamed or in parallel
    ranges, into a file) against
    curl -o (one stream) and the peers' streamed reads into a file."""
    key = "bench-download/huge.bin"
    local = os.path.join(os.environ["BENCH_DIR"], "download.bin")

    def measure(peer):
        if peer == "curl":
            result = run(transport.curl("-o", local, transport.url(key)))
        else:
            result = transport.client(peer, ["download", "huge.bin", local], "bench-download")
        size = os.path.getsize(local)
        os.remove(local)
        # Outside the timing: the page cache's writeback of one peer's file must not
        # land on the next peer's run (s3storage fsyncs its download, the others not).
        os.sync()
        if size != DOWNLOAD_MIB * 1024 * 1024:
            raise Failed("downloaded %d bytes" % size)
        return DOWNLOAD_MIB / result["s"], result

    return timed_rows(("download %d MiB to a file%s" % (DOWNLOAD_MIB, label), "MiB/s",
                       "download"), CPU_RSS, ROUNDS, measure)


def thread_rows(transport, loc):
    rows = []
    for threads, ops in [(8, 10), (64, 5)]:
        row = Row("%d threads, one storage" % threads, "ops/s")

        def measure(peer, threads=threads, ops=ops):
            out = transport.client(peer, ["threads", str(threads), str(ops)],
                                   "%s/%s" % (loc, peer))["out"]
            return {row.metric: json.loads(out)["ops_per_s"]}

        rows += race([row], ROUNDS, measure)
    return rows


def list_rows(transport):
    rows = []
    for command, short, label in [
            ("listdir", "listdir", "listdir of %d keys" % LIST_KEYS),
            ("list", "list -r", "list -r of %d keys (streamed; django-storages: listdir)"
             % LIST_KEYS)]:
        def measure(peer, command=command):
            result = transport.client(peer, [command, "many"], "bench-list")
            if int(result["out"].strip()) != LIST_KEYS:
                raise Failed("listed %s keys, not %d" % (result["out"].strip(), LIST_KEYS))
            return result["s"], result

        rows += timed_rows((label, "s", short), CPU_RSS[1:], ROUNDS, measure)
    return rows


def delete_rows(transport):
    """delete_prefix of LIST_KEYS keys (DeleteObjects batches) against django-storages'
    way (listdir, then one DELETE each) and the others' batch deletes."""
    rows = [Row("delete %d keys by prefix" % LIST_KEYS, "s"),
            Row("  DeleteObjects requests", "count")]

    def measure(peer):
        where = "bench-delete-%s" % peer
        if peer not in CLIENTS:
            raise Unsupported(peer)
        run(CLIENTS["s3storage"] + ["populate", "doomed", str(LIST_KEYS)], transport.env(where))
        result = transport.client(peer, ["delete-prefix", "doomed"], where)
        deleted, batches = result["out"].split()
        if int(deleted) != LIST_KEYS:
            raise Failed("deleted %s keys, not %d" % (deleted, LIST_KEYS))
        return {rows[0].metric: result["s"], rows[1].metric: int(batches) or None}

    return race(rows, DELETE_ROUNDS, measure)


def huge_save_rows(transport):
    """Peak RSS of a HUGE_MIB save_file with AWS_S3_FILE_OVERWRITE True and False: the
    create-only save must stream as the overwriting one does (one round: RSS is steady)."""
    huge = os.path.join(os.environ["BENCH_DIR"], "huge.bin")
    write_random(huge, HUGE_MIB)
    rows = []
    for overwrite in ["True", "False"]:
        row = Row("peak RSS, save_file %d MiB, overwrite %s" % (HUGE_MIB, overwrite), "MiB")

        def measure(peer, overwrite=overwrite, row=row):
            if peer not in ("s3storage", "django-storages"):
                raise Unsupported(peer)
            return {row.metric: transport.client(peer, ["save", huge, "huge.bin"],
                                                 "huge-" + overwrite,
                                                 {"AWS_S3_FILE_OVERWRITE": overwrite})["rss"]}

        rows += race([row], 1, measure)
    os.remove(huge)
    return rows


def write_random(path, mib):
    with open(path, "wb") as f:
        chunk = os.urandom(1024 * 1024)
        for _ in range(mib):
            f.write(chunk)


def cell(value):
    return "n/a" if value is None else ("%.2f" % value if value < 10 else "%.1f" % value)


def ratio_cell(row, rival):
    got = row.ratios(rival)
    if not got:
        return "n/a"
    if len(got) == 1:
        return "%.2fx" % got[0]
    return "%.2fx (%.2f–%.2f)" % (statistics.median(got), min(got), max(got))


def table(title, rows):
    lines = ["", title, "",
             "| metric | unit | s3storage | django-storages | opendal | obstore | curl "
             "| vs opendal | vs obstore | vs curl | vs django-storages |",
             "|" + "---|" * 11]
    for row in rows:
        lines.append("| %s | %s | %s | %s | %s |" % (
            row.metric, row.unit, cell(row.median("s3storage")),
            " | ".join(cell(row.median(p)) for p in ["django-storages", "opendal", "obstore",
                                                     "curl"]),
            " | ".join(ratio_cell(row, rival) for rival in RIVALS)))
    return "\n".join(lines)


MARKERS = {"opendal": "o", "obstore": "s", "curl": "^", "django-storages": "D"}


def chart(sections, path):
    """One panel per transport: s3storage's median ratio against each rival on each row
    (log scale, 1 = level; right of the line favours s3storage), bars = spread."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(title, [r for r in rows if r.unit != "count" and not r.metric.startswith("  peak")])
              for title, rows in sections]
    height = sum(len(rows) for _, rows in panels) * 0.28 + 1.5 * len(panels)
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, height), squeeze=False,
                             gridspec_kw={"height_ratios": [len(r) + 2 for _, r in panels]})
    for ax, (title, rows) in zip(axes[:, 0], panels):
        labels = [r.metric.strip() for r in rows]
        for k, rival in enumerate(RIVALS):
            ys, xs, lo, hi = [], [], [], []
            for i, row in enumerate(rows):
                got = row.ratios(rival)
                if got:
                    mid = statistics.median(got)
                    ys.append(i + (k - 1.5) * 0.15)
                    xs.append(mid)
                    lo.append(mid - min(got))
                    hi.append(max(got) - mid)
            ax.errorbar(xs, ys, xerr=[lo, hi], fmt=MARKERS[rival], label="vs " + rival,
                        capsize=2, markersize=4, linewidth=0.8)
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
        ax.grid(axis="x", which="both", linewidth=0.3)
    axes[0, 0].legend(fontsize=7, loc="lower right")
    axes[-1, 0].set_xlabel("s3storage's advantage (median of per-round ratios; > 1 favours "
                           "s3storage; CPU-s and s rows: rival / s3storage)", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="svg")


def transport_rows(transport, local_big, local_kib):
    loc = "bench-%s" % transport.name
    return (small_rows(transport, loc, local_kib) + big_rows(transport, loc, local_big)
            + download_rows(transport, "") + thread_rows(transport, loc)
            + list_rows(transport))


def setup(work, transports):
    local_big = os.path.join(work, "big.bin")
    write_random(local_big, BIG_MIB)
    local_kib = os.path.join(work, "kib.bin")
    with open(local_kib, "wb") as f:
        f.write(b"x" * 1024)
    download = os.path.join(work, "download-source.bin")
    write_random(download, DOWNLOAD_MIB)
    for transport in transports:
        run(CLIENTS["s3storage"] + ["save", download, "huge.bin"], transport.env("bench-download"))
    os.remove(download)
    if os.environ.get("BENCH_ONLY") != "download":
        run(CLIENTS["s3storage"] + ["populate", "many", str(LIST_KEYS)],
            transports[0].env("bench-list"))
    return local_big, local_kib


def main():
    work = os.environ["BENCH_DIR"]
    http = Transport("http", os.environ["BENCH_HTTP"], None)
    https = Transport("https", os.environ["BENCH_HTTPS"], os.environ["BENCH_CA"])
    cluster = Transport("cluster", os.environ["BENCH_CLUSTER"], None)
    local_big, local_kib = setup(work, [http, cluster])
    if os.environ.get("BENCH_ONLY") == "download":
        # The download rows alone, printed (bench/results keeps the full run's).
        sections = [(t.name, download_rows(t, "")) for t in (http, https, cluster)]
        print("\n".join(table("#### " + title, rows) for title, rows in sections))
        return
    sections = []
    rows = transport_rows(http, local_big, local_kib)
    rows += huge_save_rows(http) + delete_rows(http)
    sections.append(("http", rows))
    sections.append(("https (through a loopback stunnel)",
                     transport_rows(https, local_big, local_kib)))
    sections.append(("3-volume SeaweedFS cluster (http)",
                     download_rows(cluster, ", 3-volume cluster")))
    text = "\n".join(table("#### " + title, rows) for title, rows in sections)
    text += ("\n\n(%d interleaved rounds, %d for the delete row; each ratio is the median of "
             "the per-round ratios, lowest–highest in brackets; > 1 favours s3storage; for "
             "CPU-s, s and MiB it is peer / s3storage)\n" % (ROUNDS, DELETE_ROUNDS))
    print(text)
    results = os.path.join(ROOT, "bench", "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "table.md"), "w") as f:
        f.write(os.environ.get("BENCH_MACHINE", "") + "\n" + text)
    chart(sections, os.path.join(results, "ratios.svg"))
    if FAILURES:
        print("s3storage failed: %s" % "; ".join(FAILURES), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
