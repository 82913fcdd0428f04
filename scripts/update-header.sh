#!/usr/bin/env bash
# Regenerates the committed C header, include/s3storage.h, from src/ffi: the build
# writes it to its OUT_DIR (build.rs, cbindgen); this copies it into the source tree.
# tests/header.rs fails while the committed copy differs from what the build generates.
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=$(cargo build --quiet --lib --message-format=json \
  | python3 -c 'import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "build-script-executed" and "s3storage" in msg["package_id"]:
        print(msg["out_dir"])' | tail -1)
if [ -z "$out_dir" ] || [ ! -f "$out_dir/s3storage.h" ]; then
  echo "update-header.sh: the build produced no header" >&2
  exit 1
fi
if cmp -s "$out_dir/s3storage.h" include/s3storage.h; then
  echo "include/s3storage.h is up to date"
else
  cp "$out_dir/s3storage.h" include/s3storage.h
  echo "include/s3storage.h updated: commit it"
fi
