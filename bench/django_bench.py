"""Django-level benchmark: the same operations through django-storages' S3Storage and
through s3storage.django.S3Storage, in one process, against one local server.

Environment: AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, BENCH_DIR
(scratch space), BENCH_MIB (large save, default 256), BENCH_ROUNDS (small ops, 200);
S3STORAGE_LIB points at the release libs3storage.so (scripts/bench-django.sh).
"""

import os
import statistics
import time

import django
from django.conf import settings

settings.configure(USE_TZ=True)
django.setup()

from django.core.files.base import ContentFile, File  # noqa: E402
from storages.backends.s3 import S3Storage as DjangoStoragesS3  # noqa: E402

from s3storage.django import S3Storage as S3StorageBackend  # noqa: E402

MIB = 1024 * 1024
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
BIG_MIB = int(os.environ.get("BENCH_MIB", "256"))
OPTIONS = {
    "bucket_name": "bench",
    "endpoint_url": os.environ["AWS_S3_ENDPOINT_URL"],
    "region_name": "us-east-1",
    "access_key": os.environ["AWS_ACCESS_KEY_ID"],
    "secret_key": os.environ["AWS_SECRET_ACCESS_KEY"],
    "file_overwrite": True,
}


def per_op(action):
    """Median milliseconds of `action(i)` over ROUNDS runs (after 5 warm-up runs)."""
    for i in range(5):
        action(i)
    times = []
    for i in range(ROUNDS):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(backend, location, big_path):
    storage = backend(location=location, **OPTIONS)
    kib = b"x" * 1024
    results = {
        "save 1 KiB": per_op(lambda i: storage.save(f"small/{i % 20}.bin", ContentFile(kib))),
        "open().read() 1 KiB": per_op(lambda i: storage.open(f"small/{i % 20}.bin").read()),
        "exists": per_op(lambda i: storage.exists(f"small/{i % 20}.bin")),
    }
    timings = []
    for _ in range(2):
        with open(big_path, "rb") as source:
            start = time.perf_counter()
            storage.save("big.bin", File(source, name="big.bin"))
            timings.append(time.perf_counter() - start)
    results[f"save {BIG_MIB} MiB"] = min(timings) * 1000
    assert storage.size("big.bin") == BIG_MIB * MIB
    return results


def main():
    big_path = os.path.join(os.environ["BENCH_DIR"], "big.bin")
    with open(big_path, "wb") as out:
        block = os.urandom(MIB)
        for _ in range(BIG_MIB):
            out.write(block)
    rows = {
        "django-storages S3Storage": measure(DjangoStoragesS3, "bench-ds", big_path),
        "s3storage.django.S3Storage": measure(S3StorageBackend, "bench-s3s", big_path),
    }
    names = list(next(iter(rows.values())))
    print(f"| Django-level, median of {ROUNDS} (large: best of 2), ms | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, values in rows.items():
        print(f"| {label} | " + " | ".join(f"{values[n]:.2f}" for n in names) + " |")
    ds, ours = rows["django-storages S3Storage"], rows["s3storage.django.S3Storage"]
    print("| speed-up | " + " | ".join(f"{ds[n] / ours[n]:.2f}x" for n in names) + " |")


if __name__ == "__main__":
    main()
