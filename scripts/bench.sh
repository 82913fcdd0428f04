#!/usr/bin/env bash
# The benchmark: s3storage vs django-storages (boto3) vs curl on one local SeaweedFS.
# Prints a table (see bench/bench.py). BENCH_MIB (default 256) sizes the large object.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check django django-storages boto3 >&2
cargo build --quiet --release --example bench
work=$(mktemp -d /tmp/s3storage-bench.XXXXXX)
trap 'scripts/seaweedfs.sh stop "$work"; rm -rf "$work"' EXIT
scripts/seaweedfs.sh start "$work"
# shellcheck disable=SC1091
source "$work/env"
export AWS_STORAGE_BUCKET_NAME=bench AWS_AUTO_CREATE_BUCKET=True AWS_S3_REGION_NAME=us-east-1 \
  AWS_S3_ENDPOINT_URL="$S3STORAGE_TEST_ENDPOINT" AWS_EC2_METADATA_DISABLED=true \
  AWS_ACCESS_KEY_ID="$S3STORAGE_TEST_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3STORAGE_TEST_SECRET_KEY"
curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -X PUT "$AWS_S3_ENDPOINT_URL/bench"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%Y-%m-%d)"
BENCH_DIR="$work" python3 bench/bench.py
