#!/usr/bin/env bash
# Starts or stops a multi-node SeaweedFS on 127.0.0.1: one master (replication 001, so
# every volume has a copy on a second volume server; telemetry off), three volume
# servers, a filer and the S3 gateway, each its own process, every port chosen free.
#
#   scripts/seaweedfs-cluster.sh start DIR       writes DIR/env (S3STORAGE_TEST_* and
#                                                S3STORAGE_CLUSTER_DIR)
#   scripts/seaweedfs-cluster.sh stop DIR        stops every process started in DIR
#   scripts/seaweedfs-cluster.sh kill-volume DIR N     SIGKILL volume server N (1-3)
#   scripts/seaweedfs-cluster.sh start-volume DIR N    start it again (same port, data)
#
# SSE-S3 works through a key-encryption key generated once per DIR (WEED_S3_SSE_KEK).
set -euo pipefail

cmd=${1:?usage: seaweedfs-cluster.sh start|stop|kill-volume|start-volume DIR [N]}
dir=${2:?usage: seaweedfs-cluster.sh start|stop|kill-volume|start-volume DIR [N]}
dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/server-lib.sh
source "$here/server-lib.sh"

# free_pairs N: N ports P on 127.0.0.1 with P and P+1 both free (HTTP and gRPC).
free_pairs() {
  python3 - "$1" <<'PY'
import socket, sys
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
pairs = []
port = 26000
while len(pairs) < int(sys.argv[1]) and port < 60000:
    if free(port) and free(port + 1):
        pairs.append(port)
        port += 2
    else:
        port += 7
print(" ".join(map(str, pairs)))
PY
}

# launch NAME ARGS...: weed ARGS in the background, pid in DIR/NAME.pid, log DIR/NAME.log.
launch() {
  local name=$1; shift
  ( cd "$dir" && exec weed "$@" ) >> "$dir/$name.log" 2>&1 &
  echo $! > "$dir/$name.pid"
}

start_volume() {
  local n=$1
  # shellcheck disable=SC1091
  source "$dir/ports"
  local port_var="volume${n}_port"
  mkdir -p "$dir/volume$n"
  launch "volume$n" volume -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="${!port_var}" \
    -port.grpc=$((${!port_var} + 1)) -dir="$dir/volume$n" -mserver="127.0.0.1:$master_port.$((master_port + 1))" \
    -max=0 -dataCenter=dc1 -rack=rack1
  wait_port "${!port_var}" "$dir/volume$n.pid" "$dir/volume$n.log"
}

start() {
  "$here/seaweedfs.sh" install
  mkdir -p "$dir/master" "$dir/filer"
  # Ports in pairs (HTTP, gRPC = HTTP + 1), all free now.
  read -r -a p <<< "$(free_pairs 6)"
  cat > "$dir/ports" <<PORTS
master_port=${p[0]}
volume1_port=${p[1]}
volume2_port=${p[2]}
volume3_port=${p[3]}
filer_port=${p[4]}
s3_port=${p[5]}
PORTS
  # shellcheck disable=SC1091
  source "$dir/ports"
  [ -f "$dir/sse_kek" ] || python3 -c 'import os; print(os.urandom(32).hex())' > "$dir/sse_kek"
  cp "$here/seaweedfs-identities.json" "$dir/s3.json"
  launch master master -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$master_port" \
    -port.grpc=$((master_port + 1)) -mdir="$dir/master" -defaultReplication=001 \
    -telemetry=false -volumeSizeLimitMB=64
  wait_port "$master_port" "$dir/master.pid" "$dir/master.log"
  for n in 1 2 3; do start_volume "$n"; done
  launch filer filer -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$filer_port" \
    -port.grpc=$((filer_port + 1)) -master="127.0.0.1:$master_port.$((master_port + 1))" \
    -defaultReplicaPlacement=001 -defaultStoreDir="$dir/filer"
  wait_port "$filer_port" "$dir/filer.pid" "$dir/filer.log"
  WEED_S3_SSE_KEK=$(cat "$dir/sse_kek") launch s3 s3 -ip.bind=127.0.0.1 -port="$s3_port" \
    -port.grpc=$((s3_port + 1)) -filer="127.0.0.1:$filer_port.$((filer_port + 1))" \
    -config="$dir/s3.json" -allowDeleteBucketNotEmpty=false -domainName=localhost \
    -port.iceberg=0 -port.lance=0
  wait_port "$s3_port" "$dir/s3.pid" "$dir/s3.log"
  wait_s3_ready "$s3_port"
  write_test_env "$dir/env" "$s3_port" s3storage-reader s3storage-reader-sk
  echo "export S3STORAGE_CLUSTER_DIR=$dir" >> "$dir/env"
  echo "seaweedfs-cluster.sh: S3 on http://127.0.0.1:$s3_port (master $master_port, volumes $volume1_port $volume2_port $volume3_port, filer $filer_port)" >&2
}

stop_one() {
  local pidfile="$dir/$1.pid" signal=${2:-TERM}
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

stop() {
  for name in s3 filer volume1 volume2 volume3 master; do stop_one "$name"; done
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  kill-volume) stop_one "volume${3:?N}" KILL ;;
  start-volume) start_volume "${3:?N}" ;;
  *) echo "usage: seaweedfs-cluster.sh start|stop|kill-volume|start-volume DIR [N]" >&2; exit 2 ;;
esac
