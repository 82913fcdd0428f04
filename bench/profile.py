"""Attributes the per-request cost of small operations with callgrind (instruction
counts need no hardware counters): each client runs `small 1 N` (N of each of the five
small operations) and `small 1 0` (start-up and one save) under
`valgrind --tool=callgrind`; the difference, divided by the 5 N requests, is the cost of
one request, and the functions whose own cost grew most are where it goes. Started by
`scripts/bench.sh profile`, which exports what bench.py gets; N is BENCH_PROFILE_OPS
(200: 1,000 requests)."""

import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import CLIENTS, Transport  # noqa: E402

OPS = int(os.environ.get("BENCH_PROFILE_OPS", "200"))
PEERS = ["s3storage", "opendal", "obstore"]
LINE = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$|^\s*([\d,]+)\s+(.*)$")


def profile(transport, name, ops):
    """{function: own instructions} of one run of `small 1 ops` under callgrind."""
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out.name]
        env = dict(os.environ, **transport.env("profile-%s/%s" % (transport.name, name)))
        subprocess.run(argv + CLIENTS[name] + ["small", "1", str(ops)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        report = subprocess.run(["callgrind_annotate", "--threshold=100", out.name],
                                capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in report.splitlines():
        match = LINE.match(line)
        if not match or "PROGRAM TOTALS" in line:
            continue
        count = match.group(1) or match.group(3)
        function = (match.group(2) or match.group(4)).strip()
        if ":" not in function and "???" not in function:
            continue
        function = re.sub(r" \[[^]]*\]$", "", function)
        costs[function] = costs.get(function, 0) + int(count.replace(",", ""))
    return costs


def short(function):
    name = function.split(":", 1)[1] if ":" in function else function
    name = re.sub(r"<[^<>]*>", "", re.sub(r"<[^<>]*>", "", name))
    return (name[:90] + "…") if len(name) > 90 else name


def main():
    http = Transport("http", os.environ["BENCH_HTTP"], None)
    https = Transport("https", os.environ["BENCH_HTTPS"], os.environ["BENCH_CA"])
    requests = 5 * OPS
    for transport in [http, https]:
        print("\n#### %s: instructions per small request (callgrind, %d requests)\n"
              % (transport.name, requests))
        for name in PEERS:
            base, full = profile(transport, name, 0), profile(transport, name, OPS)
            grown = {f: full[f] - base.get(f, 0) for f in full}
            total = sum(grown.values())
            print("**%s**: %.0f k instructions per request; its top entries (own cost):\n"
                  % (name, total / requests / 1000))
            print("| share | k instr./request | function |\n|---|---|---|")
            for function, cost in sorted(grown.items(), key=lambda kv: -kv[1])[:10]:
                print("| %.1f%% | %.1f | `%s` |" % (100.0 * cost / total,
                                                   cost / requests / 1000, short(function)))
            print()


main()
