#!/usr/bin/env bash
# The C side of the test command: builds every example (shared and static) against the
# header, runs them against the local server started by scripts/test.sh and checks their
# output, runs them under valgrind memcheck (no errors, nothing definitely lost), installs
# with `make install` and builds against the installed copy with pkg-config, and runs the
# Python ctypes walkthrough. Expects S3STORAGE_TEST_* in the environment.
#
#   scripts/test-c.sh                 everything
#   scripts/test-c.sh --server-only   only what depends on the server: the examples' and
#                                     ctypes' output (the cluster run; the packaging,
#                                     valgrind and install checks are the same on any)
set -euo pipefail
cd "$(dirname "$0")/.."
server_only=false
[ "${1:-}" = --server-only ] && server_only=true
: "${S3STORAGE_TEST_ENDPOINT:?run through scripts/test.sh}"

# examples-c/Makefile stages the library with `cargo cinstall` here.
libdir=$PWD/examples-c/build/stage/lib
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=scripts/check-lib.sh
source scripts/check-lib.sh

# cargo-c builds the library (examples-c/Makefile runs `cargo cbuild`).
check "build the library (cargo cinstall --debug) and the examples" make --quiet -C examples-c PROFILE=debug all
$server_only || check "include/s3storage.h is what build.rs generates (cbindgen)" scripts/update-header.sh --check
soname() {
  readelf -d "$libdir/libs3storage.so" | grep -F "Library soname: [libs3storage.so.0.1]" &&
    [ "$(readlink "$libdir/libs3storage.so")" = libs3storage.so.0.1.0 ] &&
    [ "$(readlink "$libdir/libs3storage.so.0.1")" = libs3storage.so.0.1.0 ]
}
$server_only || check "libs3storage.so carries the SONAME libs3storage.so.0.1" soname

export AWS_STORAGE_BUCKET_NAME=s3storage-c-tests AWS_AUTO_CREATE_BUCKET=True \
  AWS_S3_ENDPOINT_URL="$S3STORAGE_TEST_ENDPOINT" AWS_S3_REGION_NAME=us-east-1 \
  AWS_ACCESS_KEY_ID="$S3STORAGE_TEST_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3STORAGE_TEST_SECRET_KEY"
bin=examples-c/build
echo "upload example content" > "$tmp/local.txt"

# run NAME BINARY [ARGS...]: runs with a fresh AWS_LOCATION, output in $tmp/NAME.out and
# .err; on failure both are shown (through check's log).
run() {
  local name=$1; shift
  local status=0
  AWS_LOCATION="c-$name-$$-$RANDOM" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" || status=$?
  if [ "$status" != 0 ]; then
    echo "$* exited with $status"; cat "$tmp/$name.out"; tail -40 "$tmp/$name.err"
  fi
  return "$status"
}

check_output() {
  local name=$1 binary=$2
  case $name in
    quickstart) diff -u examples-c/expected/quickstart.txt "$tmp/$name.out" ;;
    memory) diff -u examples-c/expected/memory.txt "$tmp/$name.out" ;;
    fieldfile) grep -qx "name: tests/django_test.txt" "$tmp/$name.out" &&
               grep -qx "size: 7" "$tmp/$name.out" &&
               grep -qx "read(3): 'con'" "$tmp/$name.out" &&
               grep -qx "read(): 'tent'" "$tmp/$name.out" &&
               grep -qx "chunks(2): 'co-nt-en-t'" "$tmp/$name.out" &&
               grep -qx "overwrite save: tests/django_test.txt size 12" "$tmp/$name.out" &&
               grep -q "^no-overwrite save: tests/django_test_.......\.txt (new name)$" "$tmp/$name.out" &&
               grep -qx "deleted: yes" "$tmp/$name.out" &&
               grep -qx "aborted draft stored: no" "$tmp/$name.out" ;;
    threads) grep -qx "threads: 8 x 10 objects saved, read back and deleted" "$tmp/$name.out" ;;
    upload) grep -qx "saved: uploads/local.txt" "$tmp/$name.out" &&
            grep -q "100%" "$tmp/$name.err" &&
            url=$(sed -n 's/^url: //p' "$tmp/$name.out") &&
            [ "$(curl -s "$url")" = "upload example content" ] &&
            curl -s -D - -o /dev/null "$url" | grep -qi "^content-disposition: attachment" ;;
    smoke-cxx) grep -q "listdir(cxx): 1 file(s), first hello.txt" "$tmp/$name.out" ;;
  esac
}

args_for() { [ "$1" = upload ] && echo "$tmp/local.txt uploads/local.txt" || true; }

# run_checked NAME BINARY [ARGS...]: runs, then checks the output of example NAME.
run_checked() {
  local example=$1 binary=$2; shift 2
  run "$example" "$bin/$binary" "$@" || return
  if ! check_output "$example" "$binary"; then
    echo "unexpected output of $binary:"; cat "$tmp/$example.out" "$tmp/$example.err"
    return 1
  fi
}

for example in quickstart fieldfile threads upload memory; do
  for variant in "" -static; do
    # shellcheck disable=SC2046
    check "$example$variant" run_checked "$example" "$example$variant" $(args_for "$example")
  done
done
check smoke-cxx run_checked smoke-cxx smoke-cxx

# Packaging and memory checks: the same against any server.
if ! $server_only; then
# valgrind memcheck: zero errors, zero bytes definitely lost.
for name in quickstart fieldfile threads upload memory quickstart-static fieldfile-static threads-static upload-static memory-static smoke-cxx; do
  example=${name%-static}
  # shellcheck disable=SC2046
  check "valgrind $name" run "vg-$example" valgrind --quiet --leak-check=full \
    --errors-for-leak-kinds=definite --error-exitcode=99 "$bin/$name" $(args_for "$example")
done

# cargo cinstall (through `make install`) into a fresh prefix, then the README's shared
# pkg-config line as written; a static-only prefix and the README's static line.
installed() {
  local prefix="$tmp/prefix"
  make --quiet -C examples-c PROFILE=debug install PREFIX="$prefix"
  ls -l "$prefix/lib"
  readelf -d "$prefix/lib/libs3storage.so.0.1" | grep -F "[libs3storage.so.0.1]"
  grep -x "Libs: -L\${libdir} -ls3storage" "$prefix/lib/pkgconfig/s3storage.pc"
  lacks "rpath|-l:" "$prefix/lib/pkgconfig/s3storage.pc"
  cp examples-c/quickstart.c examples-c/example.h "$tmp/"
  # shellcheck disable=SC2046
  (cd "$tmp" && export PKG_CONFIG_PATH="$prefix/lib/pkgconfig" &&
    cc quickstart.c $(pkg-config --cflags --libs s3storage) -o quickstart-shared)
  LD_LIBRARY_PATH="$prefix/lib" run installed-shared "$tmp/quickstart-shared"
  diff -u examples-c/expected/quickstart.txt "$tmp/installed-shared.out"
  LD_LIBRARY_PATH="$prefix/lib" ldd "$tmp/quickstart-shared" | grep "$prefix/lib/libs3storage.so.0.1"
}
check "cargo cinstall + pkg-config, shared" installed

installed_static() {
  local prefix="$tmp/prefix-static"
  cargo cinstall --debug --library-type=staticlib --prefix="$prefix" --libdir=lib
  test -f "$prefix/lib/libs3storage.a"
  [ ! -e "$prefix/lib/libs3storage.so" ]
  cp examples-c/quickstart.c examples-c/example.h "$tmp/"
  # shellcheck disable=SC2046
  (cd "$tmp" && export PKG_CONFIG_PATH="$prefix/lib/pkgconfig" &&
    cc quickstart.c $(pkg-config --cflags --libs --static s3storage) -o quickstart-static)
  run installed-static "$tmp/quickstart-static"
  diff -u examples-c/expected/quickstart.txt "$tmp/installed-static.out"
  output_lacks libs3storage ldd "$tmp/quickstart-static"
}
check "cargo cinstall --library-type=staticlib + pkg-config --static" installed_static

# The installed CMake package, used exactly as the README shows (find_package with
# CMAKE_PREFIX_PATH holding the prefix; s3storage::s3storage, shared or with
# -DS3STORAGE_STATIC=ON static), from a prefix installed as the README shows, in both
# library layouts: --libdir=lib and cargo-c's default (lib/<multiarch> on Debian).
# cmake_consumer PREFIX LIBDIR
cmake_consumer() {
  local prefix=$1 libdir=$2 build
  for linkage in shared static; do
    build="$tmp/cmake-$linkage-${libdir//\//_}"
    cmake -S tests/cmake -B "$build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DEXAMPLES="$PWD/examples-c" -DS3STORAGE_STATIC="$([ $linkage = static ] && echo ON || echo OFF)"
    cmake --build "$build"
    test -x "$build/app"
    run "cmake-$linkage" "$build/app"
    diff -u examples-c/expected/quickstart.txt "$tmp/cmake-$linkage.out"
  done
  ldd "$tmp/cmake-shared-${libdir//\//_}/app" | grep -F "$prefix/$libdir/libs3storage.so.0.1"
  output_lacks libs3storage ldd "$tmp/cmake-static-${libdir//\//_}/app"
}
check "CMake find_package, shared and static, --libdir=lib" cmake_consumer "$tmp/prefix" lib
cmake_multiarch() {
  local prefix="$tmp/prefix-multiarch" multiarch
  multiarch=$(cc -print-multiarch)
  test -n "$multiarch"
  cargo cinstall --debug --prefix="$prefix"
  test -f "$prefix/lib/$multiarch/libs3storage.so"
  cmake_consumer "$prefix" "lib/$multiarch"
}
check "CMake find_package, shared and static, cargo-c's default libdir" cmake_multiarch

fi

# Python ctypes.
python_ctypes() {
  # Its checks are plain asserts: never run them optimised away.
  env -u PYTHONOPTIMIZE S3STORAGE_LIB="$libdir/libs3storage.so" AWS_LOCATION="py-$$" \
    python3 tests/python/test_ctypes.py
}
check "python ctypes" python_ctypes

check_summary c
