#!/usr/bin/env bash
# The C side of the test command: builds every example (shared and static) against the
# header, runs them against the local server started by scripts/test.sh and checks their
# output, runs them under valgrind memcheck (no errors, nothing definitely lost), installs
# with `make install` and builds against the installed copy with pkg-config, and runs the
# Python ctypes walkthrough. Expects S3STORAGE_TEST_* in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${S3STORAGE_TEST_ENDPOINT:?run through scripts/test.sh}"

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }

cargo build --quiet
make --quiet -C examples-c PROFILE=debug all >/dev/null

export AWS_STORAGE_BUCKET_NAME=s3storage-c-tests AWS_AUTO_CREATE_BUCKET=True \
  AWS_S3_ENDPOINT_URL="$S3STORAGE_TEST_ENDPOINT" AWS_S3_REGION_NAME=us-east-1 \
  AWS_ACCESS_KEY_ID="$S3STORAGE_TEST_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3STORAGE_TEST_SECRET_KEY"
bin=examples-c/build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "upload example content" > "$tmp/local.txt"

# run NAME BINARY [ARGS...]: runs with a fresh AWS_LOCATION, output in $tmp/NAME.out
run() {
  local name=$1; shift
  AWS_LOCATION="c-$name-$$-$RANDOM" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
}

check_output() {
  local name=$1 binary=$2
  case $name in
    quickstart) diff -u examples-c/expected/quickstart.txt "$tmp/$name.out" ;;
    fieldfile) grep -qx "name: tests/django_test.txt" "$tmp/$name.out" &&
               grep -qx "size: 7" "$tmp/$name.out" &&
               grep -qx "read(3): 'con'" "$tmp/$name.out" &&
               grep -qx "read(): 'tent'" "$tmp/$name.out" &&
               grep -qx "chunks(2): 'co-nt-en-t'" "$tmp/$name.out" &&
               grep -qx "overwrite save: tests/django_test.txt size 12" "$tmp/$name.out" &&
               grep -q "^no-overwrite save: tests/django_test_.......\.txt (new name)$" "$tmp/$name.out" &&
               grep -qx "deleted: yes" "$tmp/$name.out" ;;
    threads) grep -qx "threads: 8 x 10 objects saved, read back and deleted" "$tmp/$name.out" ;;
    upload) grep -qx "saved: uploads/local.txt" "$tmp/$name.out" &&
            grep -q "100%" "$tmp/$name.err" &&
            url=$(sed -n 's/^url: //p' "$tmp/$name.out") &&
            [ "$(curl -s "$url")" = "upload example content" ] ;;
    smoke-cxx) grep -q "listdir(cxx): 1 file(s), first hello.txt" "$tmp/$name.out" ;;
  esac
}

args_for() { [ "$1" = upload ] && echo "$tmp/local.txt uploads/local.txt" || true; }

for example in quickstart fieldfile threads upload; do
  for variant in "" -static; do
    name="$example$variant"
    # shellcheck disable=SC2046
    if run "$example" "$bin/$name" $(args_for "$example") && check_output "$example" "$name"; then
      ok "$name"
    else
      ko "$name"; cat "$tmp/$example.out" "$tmp/$example.err"
    fi
  done
done
if run smoke-cxx "$bin/smoke-cxx" && check_output smoke-cxx smoke-cxx; then ok smoke-cxx; else ko smoke-cxx; cat "$tmp/smoke-cxx.out" "$tmp/smoke-cxx.err"; fi

# valgrind memcheck: zero errors, zero bytes definitely lost.
for name in quickstart fieldfile threads upload quickstart-static fieldfile-static threads-static upload-static smoke-cxx; do
  example=${name%-static}
  # shellcheck disable=SC2046
  if run "vg-$example" valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite \
       --error-exitcode=99 "$bin/$name" $(args_for "$example"); then
    ok "valgrind $name"
  else
    ko "valgrind $name"; tail -40 "$tmp/vg-$example.err"
  fi
done

# make install + pkg-config.
prefix="$tmp/prefix"
if make --quiet -C examples-c PROFILE=debug install PREFIX="$prefix" >/dev/null &&
   PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc -std=c11 -Wall -Werror -Iexamples-c \
     examples-c/quickstart.c -o "$tmp/quickstart-installed" \
     $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs s3storage) &&
   run installed "$tmp/quickstart-installed" && check_output quickstart quickstart-installed &&
   diff -q examples-c/expected/quickstart.txt "$tmp/installed.out" >/dev/null &&
   ldd "$tmp/quickstart-installed" | grep -q "$prefix/lib/libs3storage.so"; then
  ok "make install + pkg-config"
else
  ko "make install + pkg-config"
fi

# Python ctypes.
if S3STORAGE_LIB="$PWD/target/debug/libs3storage.so" AWS_LOCATION="py-$$" \
     python3 tests/python/test_ctypes.py; then
  ok "python ctypes"
else
  ko "python ctypes"
fi

echo "c: $passed passed, $failed failed"
[ "$failed" = 0 ]
