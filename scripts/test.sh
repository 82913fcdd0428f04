#!/usr/bin/env bash
# Runs every test, against real S3 servers on 127.0.0.1 that it installs, starts once per
# target and stops again:
#
#   0. the in-memory store (memory://): the Rust tests with no server, where a test that
#      needs a real HTTP server is skipped and counted (what plain `cargo test` runs);
#   1. a single-process SeaweedFS (with moto's STS for the credential chain): the Rust
#      tests, a build without default features, the C/C++ checks (built and installed
#      with cargo-c), the Python wheel and Django backend, the package checks, the fuzz
#      smoke;
#   2. a multi-node SeaweedFS cluster (scripts/seaweedfs-cluster.sh): the Rust tests, the
#      C/C++ and Python checks that depend on the server (not the packaging, valgrind and
#      install checks again), and the node-failure test (tests/cluster.rs);
#   3. the server matrix: moto and s3s-fs, the Rust tests, where a test that needs what
#      the server lacks (tests/servers/capabilities) is skipped and counted.
#
# It ends with one line per server: passed / failed / skipped-by-capability.
#
#   scripts/test.sh           everything (what CI runs)
#   scripts/test.sh --quick   the Rust tests on the in-memory store and the single SeaweedFS
#                             only, for day-to-day work
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
case "${1:-}" in
  --quick) quick=true ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac
# phase NAME: ends the running phase (its seconds go to the timing table printed at the
# end, so that a run that grows past its 30 minutes says where) and starts NAME.
timings=()
phase_name="" phase_start=$SECONDS
phase() {
  [ -z "$phase_name" ] || timings+=("$(printf '%5ds  %s' "$((SECONDS - phase_start))" "$phase_name")")
  phase_name=$1 phase_start=$SECONDS
}
phase "installing what the tests need (scripts/install-deps.sh)"
scripts/install-deps.sh
# No test may reach an instance metadata service outside loopback.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_PROFILE
work=$(mktemp -d /tmp/s3storage-test.XXXXXX)
cleanup() {
  [ -f "$work/sts.pid" ] && kill "$(cat "$work/sts.pid")" 2>/dev/null || true
  scripts/seaweedfs.sh stop "$work/single" 2>/dev/null || true
  scripts/seaweedfs-cluster.sh stop "$work/cluster" 2>/dev/null || true
  for server in moto s3s-fs; do scripts/matrix-server.sh stop "$work/$server" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failed_targets=()
summary=()

# moto's STS on loopback, for the credential-chain tests of every target.
sts_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$sts_port" > "$work/sts.log" 2>&1 &
echo $! > "$work/sts.pid"
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$sts_port/" && break
  sleep 0.1
done
export S3STORAGE_TEST_STS="http://127.0.0.1:$sts_port"

server_version() {
  case $1 in
    seaweedfs|cluster) weed version 2>/dev/null | awk '{print $3}' ;;
    moto) python3 -c 'import moto; print(moto.__version__)' 2>/dev/null ;;
    memory) echo "-" ;;
    s3s-fs) s3s-fs --version 2>/dev/null | awk '{print $2}' ;;
  esac
}

# rust_suite SERVER [CARGO TEST ARGS...]: the Rust tests against the server whose env is
# loaded, with its missing capabilities; adds its line to the summary.
rust_suite() {
  local server=$1; shift
  export S3STORAGE_TEST_LACKS
  S3STORAGE_TEST_LACKS=$(awk -v s="$server" '$1 == s { print $2 }' tests/servers/capabilities)
  export S3STORAGE_TEST_SKIPS="$work/$server.skips"
  : > "$S3STORAGE_TEST_SKIPS"
  local status=0
  # With the C layer (`capi`), so that the tests of the C ABI run too.
  cargo test --workspace --all-targets --no-fail-fast --features s3storage/capi "$@" 2>&1 |
    tee "$work/$server.log" || status=$?
  local passed failed skipped crashed note=""
  read -r passed failed crashed < <(awk '/^test result:/ { results++; for (i = 1; i < NF; i++) {
      if ($(i + 1) ~ /^passed/) p += $i; if ($(i + 1) ~ /^failed/) f += $i } }
    /^ +Running / { running++ }
    END { print p + 0, f + 0, running - results }' "$work/$server.log")
  skipped=$(wc -l < "$S3STORAGE_TEST_SKIPS")
  # A test binary that crashed (a signal, an abort) prints no result line: count it.
  [ "$crashed" = 0 ] || note=", $crashed test binaries crashed"
  if [ "$status" != 0 ] && [ "$failed" = 0 ] && [ "$crashed" = 0 ]; then
    note=", cargo test exited with $status (see the log above)"
  fi
  summary+=("$(printf '%-10s %-7s %4d passed, %d failed%s, %d skipped by capability%s' "$server" \
    "$(server_version "$server")" "$((passed - skipped))" "$failed" "$note" "$skipped" \
    "${S3STORAGE_TEST_LACKS:+ (lacks $S3STORAGE_TEST_LACKS)}")")
  [ "$status" = 0 ] || failed_targets+=("$server: Rust tests")
  if [ "$server" = seaweedfs ] || [ "$server" = cluster ]; then
    reference_skips "$server"
  fi
}

# reference_skips SERVER: the reference server (SeaweedFS, single or cluster) may skip only
# the tests listed in tests/servers/reference-skips, each for its documented reason: one
# more word on its line of tests/servers/capabilities must not silently skip the fault
# and integrity tests.
reference_skips() {
  local server=$1
  sort -u "$S3STORAGE_TEST_SKIPS" > "$work/$server.skipped"
  grep -v '^#' tests/servers/reference-skips | awk -F'\t' 'NF >= 2 { print $1 "\t" $2 }' |
    sort -u > "$work/$server.allowed"
  if ! cmp -s "$work/$server.skipped" "$work/$server.allowed"; then
    echo "$server: the skips differ from tests/servers/reference-skips (< skipped, > documented):"
    diff "$work/$server.skipped" "$work/$server.allowed" || true
    failed_targets+=("$server: undocumented skips on the reference server")
  fi
}

# step NAME COMMAND...: runs a check script; a failure is recorded, the run goes on.
step() {
  local name=$1; shift
  echo "== $name"
  phase "$name"
  "$@" || failed_targets+=("$name")
}

step "the test harness (scripts/check-lib.sh) fails what it must" scripts/check-lib-selftest.sh

echo "== 0. the in-memory store (no server): the behaviour suite, and what needs no HTTP"
phase "0. the in-memory store (no server)"
export S3STORAGE_TEST_TARGET=memory
rust_suite memory
unset S3STORAGE_TEST_TARGET

# From here on every Rust suite runs on a server: one that is missing fails the run.
export S3STORAGE_TEST_TARGET=server

echo "== 1. single SeaweedFS"
phase "1. single SeaweedFS"
scripts/seaweedfs.sh start "$work/single"
# shellcheck disable=SC1091
source "$work/single/env"
rust_suite seaweedfs
if $quick; then
  printf '%s\n' "${summary[@]}"
  [ ${#failed_targets[@]} = 0 ] || { echo "FAILED: ${failed_targets[*]}"; exit 1; }
  exit 0
fi
step "doc tests" cargo test --doc
step "a build without the default features (no CloudFront signing, no rsa)" \
  cargo build --quiet --lib --no-default-features
step "C, C++ and Python through the C ABI" scripts/test-c.sh
step "Python: the wheel, its API, the Django backend against django-storages'" scripts/test-python.sh
step "the Rust package: a consumer crate, cargo deny, cargo publish --dry-run" scripts/check-package.sh
step "fuzz smoke" scripts/fuzz-smoke.sh
step "large objects: a 6 GiB copy in parallel parts, a 1 GiB download killed halfway, 20,000 keys deleted (tests/large.rs)" \
  cargo test --workspace --features s3storage/capi --test large -- --ignored --skip download_child
scripts/seaweedfs.sh stop "$work/single"
rm -rf "$work/single/data" # the large objects' gigabytes, before the cluster starts

echo "== 2. SeaweedFS cluster: master, three volume servers, filer, S3 gateway"
phase "2. SeaweedFS cluster"
scripts/seaweedfs-cluster.sh start "$work/cluster"
# shellcheck disable=SC1091
source "$work/cluster/env"
rust_suite cluster
step "cluster: the C examples and Python ctypes" scripts/test-c.sh --server-only
step "cluster: the Python API, fsspec and Django" scripts/test-python.sh --server-only
# With the suites' features: the same build, no recompiling (twice: here and for moto).
step "cluster: node failures" \
  cargo test --workspace --features s3storage/capi --test cluster -- --ignored --nocapture
scripts/seaweedfs-cluster.sh stop "$work/cluster"
unset S3STORAGE_CLUSTER_DIR

echo "== 3. server matrix"
for server in moto s3s-fs; do
  phase "$server"
  scripts/matrix-server.sh start "$server" "$work/$server"
  # shellcheck disable=SC1090
  source "$work/$server/env"
  rust_suite "$server"
  scripts/matrix-server.sh stop "$work/$server"
done

echo "== results"
phase ""
echo "seconds per phase ($((SECONDS / 60)) min in all):"
printf '%s\n' "${timings[@]}"
printf '%s\n' "${summary[@]}"
if [ ${#failed_targets[@]} -gt 0 ]; then
  echo "FAILED: ${failed_targets[*]}"
  exit 1
fi
