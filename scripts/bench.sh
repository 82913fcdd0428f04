#!/usr/bin/env bash
# The benchmark: s3storage vs django-storages (boto3) vs OpenDAL's Python binding vs
# obstore (object_store's) vs curl, as an interleaved race (bench/bench.py) on one local
# SeaweedFS over plain http and over https through a loopback stunnel, and on a 3-volume
# SeaweedFS cluster for the download row. Writes bench/results/table.md and ratios.svg.
# BENCH_ROUNDS (5) rounds per row, BENCH_DELETE_ROUNDS (3) for the delete row; BENCH_MIB
# (256) sizes the large object, BENCH_DOWNLOAD_MIB (1024) the download, BENCH_HUGE_MIB
# (1024) the save_file whose peak RSS is measured, BENCH_LIST_KEYS (20000) the listing,
# BENCH_OPS (50) each small-operation round; BENCH_NO_BUILD=1 skips the release build;
# BENCH_ONLY=download runs the download rows alone and prints them (no results written).
# The Python peers and matplotlib live in the bench's own venv, target/bench-venv.
# `scripts/bench.sh profile` runs bench/profile.py instead: callgrind's attribution of
# the per-request cost of small operations, s3storage against OpenDAL and obstore.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "Django==5.2.20" \
  "django-storages==1.14.6" "boto3==1.43.11" "opendal==0.47.12" "obstore==0.12.1" \
  "matplotlib==3.11.2" >&2
[ "${BENCH_NO_BUILD:-}" = 1 ] || cargo build --quiet --release --example bench
work=$(mktemp -d /tmp/s3storage-bench.XXXXXX)
cleanup() {
  [ -f "$work/stunnel.pid" ] && kill "$(cat "$work/stunnel.pid")" 2>/dev/null || true
  scripts/seaweedfs.sh stop "$work"
  scripts/seaweedfs-cluster.sh stop "$work/cluster" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
scripts/seaweedfs.sh start "$work"
# shellcheck disable=SC1091
source "$work/env"

# A CA and a certificate for 127.0.0.1, and stunnel terminating TLS in front of the server.
(
  cd "$work"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout ca.key -out ca.pem \
    -subj "/CN=s3storage bench CA" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
  echo "subjectAltName=IP:127.0.0.1,DNS:localhost" > san.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -out server.pem -extfile san.ext 2>/dev/null
)
tls_port=$((S3STORAGE_TEST_PORT + 11))
cat > "$work/stunnel.conf" <<CONF
foreground = no
pid = $work/stunnel.pid
[s3]
accept = 127.0.0.1:$tls_port
connect = 127.0.0.1:$S3STORAGE_TEST_PORT
cert = $work/server.pem
key = $work/server.key
CONF
stunnel4 "$work/stunnel.conf"
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$tls_port") 2>/dev/null && break; sleep 0.1; done

export AWS_STORAGE_BUCKET_NAME=bench AWS_AUTO_CREATE_BUCKET=True AWS_S3_REGION_NAME=us-east-1 \
  AWS_S3_ENDPOINT_URL="$S3STORAGE_TEST_ENDPOINT" AWS_EC2_METADATA_DISABLED=true \
  AWS_ACCESS_KEY_ID="$S3STORAGE_TEST_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3STORAGE_TEST_SECRET_KEY"
curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -X PUT "$AWS_S3_ENDPOINT_URL/bench"
mkdir -p "$work/cluster"
scripts/seaweedfs-cluster.sh start "$work/cluster"
cluster=$(bash -c "source '$work/cluster/env' && echo \$S3STORAGE_TEST_ENDPOINT")
curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -X PUT "$cluster/bench"
machine="machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), client and servers sharing them; $(date -u +%Y-%m-%d)"
echo "$machine"
BENCH_DIR="$work" BENCH_HTTP="$S3STORAGE_TEST_ENDPOINT" BENCH_HTTPS="https://127.0.0.1:$tls_port" \
  BENCH_CA="$work/ca.pem" BENCH_CLUSTER="$cluster" BENCH_MACHINE="$machine" \
  "$venv/bin/python" "bench/${1:-bench}.py"
