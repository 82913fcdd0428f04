#!/usr/bin/env bash
# Regenerates the committed C header, include/s3storage.h: cargo-c (`cargo cbuild`) runs
# cbindgen over src/ffi with cbindgen.toml; this copies its header into the source tree.
# `scripts/update-header.sh --check` only compares (the test command runs it that way and
# fails while the committed copy differs).
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = --check ] && check=true
host=$(rustc -vV | sed -n 's/^host: //p')
out=${CARGO_TARGET_DIR:-$PWD/target}/$host/debug
generated=$out/include/s3storage.h
# cargo-c writes the header only when it rebuilds the library or misses its own copy:
# remove both copies in either mode, so that the header compared is generated now from
# the current cbindgen.toml (a change to cbindgen.toml alone rebuilds nothing), and a
# build that writes elsewhere (another profile) leaves no stale copy to compare.
rm -f "$out/s3storage.h" "$generated"
cargo cbuild --profile dev
if [ ! -f "$generated" ]; then
  echo "update-header.sh: cargo cbuild produced no $generated" >&2
  exit 1
fi
if cmp -s "$generated" include/s3storage.h; then
  echo "include/s3storage.h is up to date"
elif $check; then
  echo "include/s3storage.h is stale: run scripts/update-header.sh and commit it" >&2
  diff -u include/s3storage.h "$generated" | head -40 >&2
  exit 1
else
  cp "$generated" include/s3storage.h
  echo "include/s3storage.h updated: commit it"
fi
