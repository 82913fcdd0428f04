#!/usr/bin/env bash
# The benchmark: s3storage vs django-storages (boto3) vs OpenDAL's Python binding vs
# obstore (object_store's) vs curl
# on one local SeaweedFS, over plain http and over https through a loopback stunnel.
# Prints a table per transport (see bench/bench.py). BENCH_MIB (default 256) sizes the
# large object, BENCH_HUGE_MIB (1024) the save_file whose peak RSS is measured,
# BENCH_LIST_KEYS (20000) the listing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python3 -m pip install --quiet --disable-pip-version-check django django-storages boto3 \
  "opendal==0.47.12" "obstore==0.12.1" >&2
cargo build --quiet --release --example bench
work=$(mktemp -d /tmp/s3storage-bench.XXXXXX)
cleanup() {
  [ -f "$work/stunnel.pid" ] && kill "$(cat "$work/stunnel.pid")" 2>/dev/null || true
  scripts/seaweedfs.sh stop "$work"
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
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), client and server sharing them; $(date -u +%Y-%m-%d)"
BENCH_DIR="$work" BENCH_HTTP="$S3STORAGE_TEST_ENDPOINT" BENCH_HTTPS="https://127.0.0.1:$tls_port" \
  BENCH_CA="$work/ca.pem" python3 bench/bench.py
