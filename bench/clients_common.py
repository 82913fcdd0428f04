"""What the Python benchmark clients share: the median rate of a repeated operation, and
N threads running one function."""

import statistics
import threading
import time


def rate(rounds, ops, fn):
    """Median ops/s of `rounds` rounds of `ops` calls of fn(i)."""
    rates = []
    for r in range(rounds):
        start = time.perf_counter()
        for i in range(ops):
            fn(r * ops + i)
        rates.append(ops / (time.perf_counter() - start))
    return statistics.median(rates)


def threaded(count, ops, fn):
    """ops/s of `count` threads each running fn(thread, ops) (4 requests per op)."""
    workers = [threading.Thread(target=fn, args=(t, ops)) for t in range(count)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return count * ops * 4 / (time.perf_counter() - start)
