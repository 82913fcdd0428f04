#!/usr/bin/env bash
# Runs every test: installs what they need, starts a private SeaweedFS (and moto's STS)
# on 127.0.0.1, runs against them the Rust tests, the C/C++ checks (built and installed
# with cargo-c), the Python wheel and Django backend, the package checks and the fuzz
# smoke, and stops them again.
#
#   scripts/test.sh           everything (what CI runs)
#   scripts/test.sh --quick   the Rust tests only, for day-to-day work
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
case "${1:-}" in
  --quick) quick=true ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac
scripts/install-deps.sh
# No test may reach an instance metadata service outside loopback.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_PROFILE
work=$(mktemp -d /tmp/s3storage-test.XXXXXX)
cleanup() {
  [ -f "$work/moto.pid" ] && kill "$(cat "$work/moto.pid")" 2>/dev/null || true
  scripts/seaweedfs.sh stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT
scripts/seaweedfs.sh start "$work"
# shellcheck disable=SC1091
source "$work/env"
# moto's STS on loopback, for the credential-chain tests.
sts_port=$((S3STORAGE_TEST_PORT + 12))
moto_server -H 127.0.0.1 -p "$sts_port" > "$work/moto.log" 2>&1 &
echo $! > "$work/moto.pid"
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$sts_port/" && break
  sleep 0.1
done
export S3STORAGE_TEST_STS="http://127.0.0.1:$sts_port"

echo "== cargo test"
cargo test --workspace --all-targets 2>&1
if $quick; then
  exit 0
fi
cargo test --doc 2>&1

echo "== a build without the default features (no CloudFront signing, no rsa)"
cargo build --quiet --lib --no-default-features 2>&1

echo "== C, C++ and Python through the C ABI"
scripts/test-c.sh

echo "== Python: the wheel, its API, the Django backend against django-storages'"
scripts/test-python.sh

echo "== the Rust package: a consumer crate, cargo deny, cargo publish --dry-run"
scripts/check-package.sh

echo "== fuzz smoke"
scripts/fuzz-smoke.sh
