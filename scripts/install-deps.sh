#!/usr/bin/env bash
# Installs what the tests need and a fresh machine lacks: Debian packages (valgrind,
# pkg-config, a TLS terminator and an HTTP proxy for the loopback tests), cargo-c (builds
# and installs the C library) and cargo-deny, pinned to releases that build with the
# project's rustc (1.95), and the /etc/hosts entry that lets virtual-hosted bucket names
# resolve to 127.0.0.1. `--c-only`: only what building the C examples needs (the demo).
set -euo pipefail

c_only=false
[ "${1:-}" = --c-only ] && c_only=true
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have valgrind || need+=(valgrind)
have pkg-config || need+=(pkg-config)
have curl || need+=(curl)
have openssl || need+=(openssl)
have stunnel4 || need+=(stunnel4)
have tinyproxy || need+=(tinyproxy)
have make || need+=(make)
have cmake || need+=(cmake)
have cc || need+=(gcc)
have c++ || need+=(g++)
have readelf || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# cargo_tool CRATE VERSION BINARY: `cargo install --locked --debug` unless BINARY already
# reports VERSION. Unoptimised: these tools spend their time in rustc, not in themselves,
# and on 2 cores cargo-c builds in ~4 minutes so instead of ~7 (cargo-deny: 1 instead of 3).
cargo_tool() {
  local crate=$1 version=$2 binary=$3
  if ! "$binary" --version 2>/dev/null | grep -qF "$version"; then
    echo "install-deps.sh: cargo install $crate $version" >&2
    cargo install --quiet --locked --debug "$crate" --version "$version" >&2
  fi
}
cargo_tool cargo-c 0.10.24 cargo-cinstall
$c_only && exit 0
cargo_tool cargo-deny 0.20.2 cargo-deny

# Virtual-hosted addressing in the tests: <bucket>.localhost must be 127.0.0.1.
for host in s3storage-vhost.localhost; do
  if ! getent hosts "$host" >/dev/null 2>&1; then
    echo "127.0.0.1 $host" >> /etc/hosts
  fi
done

# moto's server answers STS (AssumeRole, AssumeRoleWithWebIdentity) for the credential
# tests, on loopback.
if ! command -v moto_server >/dev/null 2>&1; then
  echo "install-deps.sh: installing moto[server] from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]==5.2.5" >&2
  hash -r
fi
# Without the crc32c package moto computes CRC32C values that are wrong (its own note:
# "install moto[s3crc32c]"), and full reads of objects it keeps are then refused as
# damaged: the value must be right for the verified-read tests.
if ! python3 -c "import crc32c" >/dev/null 2>&1; then
  echo "install-deps.sh: installing crc32c from PyPI (for moto's CRC32C values)" >&2
  python3 -m pip install --quiet --disable-pip-version-check "crc32c==2.7.1" >&2
fi
