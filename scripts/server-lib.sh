# Sourced by the scripts that start test servers (seaweedfs.sh, seaweedfs-cluster.sh,
# matrix-server.sh): waiting for a server and writing the env file the tests read.

# wait_port PORT PIDFILE LOG: until something listens on 127.0.0.1:PORT; fails (showing
# LOG's tail) if the process of PIDFILE exits first, or after 30 s.
wait_port() {
  local port=$1 pidfile=$2 log=$3
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "$(basename "$0"): the server of $pidfile exited; its log:" >&2
      tail -20 "$log" >&2; return 1
    fi
    sleep 0.1
  done
  echo "$(basename "$0"): nothing listens on $port" >&2; return 1
}

# wait_s3_ready PORT: a SeaweedFS gateway answers before its filer can store; wait until
# an anonymous bucket listing is refused (403), which needs the filer.
wait_s3_ready() {
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/" || true)" = 403 ] && break
    sleep 0.1
  done
}

# write_test_env FILE PORT READER_KEY READER_SECRET: the S3STORAGE_TEST_* variables of a
# server on 127.0.0.1:PORT whose admin key pair is s3storage-ak / s3storage-sk.
write_test_env() {
  cat > "$1" <<ENV
export S3STORAGE_TEST_ENDPOINT=http://127.0.0.1:$2
export S3STORAGE_TEST_PORT=$2
export S3STORAGE_TEST_ACCESS_KEY=s3storage-ak
export S3STORAGE_TEST_SECRET_KEY=s3storage-sk
export S3STORAGE_TEST_READER_KEY=$3
export S3STORAGE_TEST_READER_SECRET=$4
ENV
}
