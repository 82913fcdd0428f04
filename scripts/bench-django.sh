#!/usr/bin/env bash
# The Django-level benchmark (bench/django_bench.py): django-storages' S3Storage against
# s3storage.django.S3Storage, save / open().read() / exists of 1 KiB and a large save,
# in one run on a private local SeaweedFS. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python3 -m pip install --quiet --disable-pip-version-check "Django==5.2.19" \
  "django-storages==1.14.6" "boto3==1.43.11" >&2
cargo rustc --quiet --release --lib --features capi --crate-type cdylib
work=$(mktemp -d /tmp/s3storage-bench.XXXXXX)
trap 'scripts/seaweedfs.sh stop "$work"; rm -rf "$work"' EXIT
scripts/seaweedfs.sh start "$work"
# shellcheck disable=SC1091
source "$work/env"
export AWS_S3_ENDPOINT_URL="$S3STORAGE_TEST_ENDPOINT" AWS_EC2_METADATA_DISABLED=true \
  AWS_ACCESS_KEY_ID="$S3STORAGE_TEST_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3STORAGE_TEST_SECRET_KEY"
curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -X PUT "$AWS_S3_ENDPOINT_URL/bench"
echo "machine: $(nproc) cores, client and server sharing them; $(date -u +%Y-%m-%d)"
S3STORAGE_LIB="${CARGO_TARGET_DIR:-$PWD/target}/release/libs3storage.so" \
  PYTHONPATH="$PWD/bindings/python/src" BENCH_DIR="$work" python3 bench/django_bench.py
