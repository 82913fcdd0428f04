#!/usr/bin/env bash
# A short fuzz smoke: each cargo-fuzz target (fuzz/) runs for FUZZ_SECONDS (default 10)
# from its corpus. cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain of this project build them, without sanitizers (--sanitizer none).
# The corpus itself also runs as ordinary tests (tests/fuzz_corpus.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz-smoke.sh: installing cargo-fuzz" >&2
  cargo install --quiet --locked --debug cargo-fuzz@0.13.2
fi
seconds=${FUZZ_SECONDS:-10}
passed=0 failed=0
cd fuzz
for target in names settings url replies headers; do
  # Run on a scratch copy of the corpus: the smoke must not grow the committed one.
  scratch=$(mktemp -d)
  cp -r "corpus/$target/." "$scratch/"
  if RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none "$target" "$scratch" -- \
       -max_total_time="$seconds" -print_final_stats=0 >"$scratch.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   fuzz $target (${seconds}s)"
  else
    failed=$((failed + 1)); echo "FAIL fuzz $target"; grep -E "panicked|SUMMARY|artifact" -A2 "$scratch.log" | head -20
  fi
  rm -rf "$scratch" "$scratch.log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
