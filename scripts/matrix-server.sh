#!/usr/bin/env bash
# Starts or stops one server of the test matrix besides SeaweedFS, on 127.0.0.1 at a free
# port, and writes DIR/env with the S3STORAGE_TEST_* variables the tests read:
#
#   scripts/matrix-server.sh start moto|s3s-fs DIR
#   scripts/matrix-server.sh stop DIR
#
# moto: `moto[server]` from PyPI (install-deps.sh installs it); it checks no signatures.
# s3s-fs: `cargo install s3s-fs@0.14.1 --features binary --locked` (0.15 needs a newer
# rustc; optimised: unoptimised, completing a 48 MiB upload outlasts the tests' 1 s read
# timeouts), serving DIR/data, with one key pair.
set -euo pipefail
# shellcheck source=scripts/server-lib.sh
source "$(dirname "$0")/server-lib.sh"
cmd=${1:?usage: matrix-server.sh start moto|s3s-fs DIR | stop DIR}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local server=$1 port
  port=$(free_port)
  mkdir -p "$dir/data"
  case $server in
    moto) moto_server -H 127.0.0.1 -p "$port" > "$dir/server.log" 2>&1 & ;;
    s3s-fs)
      if ! s3s-fs --version 2>/dev/null | grep -q 0.14.1; then
        echo "matrix-server.sh: cargo install s3s-fs 0.14.1" >&2
        cargo install --quiet --locked s3s-fs@0.14.1 --features binary >&2
      fi
      s3s-fs --host 127.0.0.1 --port "$port" --access-key s3storage-ak \
        --secret-key s3storage-sk --domain "localhost:$port" "$dir/data" > "$dir/server.log" 2>&1 & ;;
    *) echo "matrix-server.sh: unknown server $server" >&2; exit 2 ;;
  esac
  echo $! > "$dir/pid"
  wait_port "$port" "$dir/pid" "$dir/server.log"
  # One key pair only: the "reader" is the admin (tests needing a second identity skip).
  write_test_env "$dir/env" "$port" s3storage-ak s3storage-sk
  echo "matrix-server.sh: $server on http://127.0.0.1:$port" >&2
}

stop() {
  [ -f "$dir/pid" ] || return 0
  kill "$(cat "$dir/pid")" 2>/dev/null || true
  rm -f "$dir/pid"
}

case "$cmd" in
  start) dir=${3:?DIR}; start "${2:?server}" ;;
  stop) dir=${2:?DIR}; stop ;;
  *) echo "usage: matrix-server.sh start moto|s3s-fs DIR | stop DIR" >&2; exit 2 ;;
esac
