#!/usr/bin/env bash
# Regenerates the committed C header, include/s3storage.h: build.rs runs cbindgen over
# src/ffi with cbindgen.toml when the `capi` feature is on (the one generator; cargo-c
# installs the same file); this copies the header it wrote into the source tree.
# `scripts/update-header.sh --check` only compares (the test command runs it that way and
# fails while the committed copy differs).
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = --check ] && check=true
# build.rs reruns when cbindgen.toml or src/ffi change (its rerun-if-changed lines), so
# the header compared is always the one generated from the current sources; the build
# names the directory it wrote into.
out_dir=$(cargo build --quiet --lib --features capi --message-format=json |
  python3 -c '
import json, sys
dirs = [m["out_dir"] for m in map(json.loads, sys.stdin)
        if m.get("reason") == "build-script-executed"
        and m["package_id"].split("#")[-1].split("@")[0] == "s3storage"]
print(dirs[-1] if dirs else "")')
generated=$out_dir/s3storage.h
if [ -z "$out_dir" ] || [ ! -f "$generated" ]; then
  echo "update-header.sh: build.rs wrote no header (out_dir: '$out_dir')" >&2
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
