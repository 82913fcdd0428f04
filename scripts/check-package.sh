#!/usr/bin/env bash
# The Rust package checks of the test command: a throwaway crate that depends on this one
# by path builds an rlib only (no libs3storage.so / .a, no cbindgen, no C layer); `cargo deny check`
# (licenses, bans, sources; advisories when a RustSec database can be had: it is fetched
# from GitHub, which some machines cannot reach); `cargo publish --dry-run`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=scripts/check-lib.sh
source scripts/check-lib.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

# What cargo builds for the s3storage package in a consumer's tree: only .rlib/.rmeta.
rust_consumer() {
  local dir="$tmp/consumer"
  cargo new --quiet --lib --name s3storage_consumer "$dir"
  printf 's3storage = { path = "%s" }\n' "$PWD" >> "$dir/Cargo.toml"
  echo 'pub fn storage() -> s3storage::Settings { s3storage::Settings::new() }' > "$dir/src/lib.rs"
  cp Cargo.lock "$dir/"  # the versions this repository tests with
  cargo build --quiet --manifest-path "$dir/Cargo.toml" --message-format=json > "$tmp/build.json"
  python3 - "$tmp/build.json" "$tmp/rlib.txt" <<'PY'
import json, sys
files = []
for line in open(sys.argv[1]):
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "s3storage":
        files += msg["filenames"]
print("\n".join(files))
assert files, "no s3storage artifact built"
bad = [f for f in files if not f.endswith((".rlib", ".rmeta"))]
assert not bad, f"a Rust dependency built C libraries: {bad}"
open(sys.argv[2], "w").write("\n".join(f for f in files if f.endswith(".rlib")))
PY
  # Nor the C layer: the rlib exports no s3storage_ C function.
  nm --defined-only "$(head -1 "$tmp/rlib.txt")" > "$tmp/symbols.txt" 2> /dev/null || true
  grep -q "Storage" "$tmp/symbols.txt"
  lacks " T s3storage_(new|save|errinfo)$" "$tmp/symbols.txt"
  cargo tree --manifest-path "$dir/Cargo.toml" --edges normal,build > "$tmp/tree.txt"
  grep -q "^s3storage_consumer v" "$tmp/tree.txt"
  grep -q "s3storage v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" "$tmp/tree.txt"
  lacks "cbindgen|cargo-c" "$tmp/tree.txt"
}
check "a Rust crate depending on s3storage builds an rlib only" rust_consumer

check "cargo deny check licenses bans sources" \
  cargo deny check --hide-inclusion-graph licenses bans sources

advisories() {
  local dbs="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs" db
  cargo deny fetch db || true  # fails quietly where GitHub cannot be reached
  db=$(find "$dbs" -maxdepth 1 -name 'advisory-db-*' -type d 2> /dev/null | head -1 || true)
  if [ -n "$db" ] && [ -d "$db/crates" ]; then
    echo "RustSec database of $(git -C "$db" log -1 --format=%cs)"
    cargo deny --offline check --hide-inclusion-graph advisories
  else
    skip "no RustSec database (it is fetched from GitHub, which this machine cannot reach)"
  fi
}
check "cargo deny check advisories" advisories
grep -h "RustSec database of" "$tmp/check.log" | sed "s/^/     /" || true

check "cargo publish --dry-run" cargo publish --dry-run --allow-dirty --quiet

check_summary package
