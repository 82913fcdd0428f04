#!/usr/bin/env bash
# Runs the specification's storage walkthrough (examples-c/quickstart.c, through the C
# ABI) against an embedded local SeaweedFS. `--rust` runs the Rust example instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# A fresh machine may lack curl, make, a C compiler or cargo-c: the dependency script
# brings them.
for tool in curl make cc cargo-cinstall; do
  command -v "$tool" >/dev/null 2>&1 || { scripts/install-deps.sh --c-only; break; }
done
work=$(mktemp -d /tmp/s3storage-demo.XXXXXX)
trap 'scripts/seaweedfs.sh stop "$work"; rm -rf "$work"' EXIT
scripts/seaweedfs.sh start "$work"
# shellcheck disable=SC1091
source "$work/env"
export AWS_STORAGE_BUCKET_NAME=demo AWS_AUTO_CREATE_BUCKET=True \
  AWS_S3_ENDPOINT_URL="$S3STORAGE_TEST_ENDPOINT" AWS_S3_REGION_NAME=us-east-1 \
  AWS_ACCESS_KEY_ID="$S3STORAGE_TEST_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3STORAGE_TEST_SECRET_KEY"
if [ "${1:-}" = "--rust" ]; then
  cargo run --quiet --example quickstart
else
  make --quiet -C examples-c build/quickstart >/dev/null 2>&1 ||
    make -C examples-c build/quickstart  # shows why
  examples-c/build/quickstart
fi
