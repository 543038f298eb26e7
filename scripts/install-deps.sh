#!/usr/bin/env bash
# Installs every Debian 12 package tflo's build and tests need. Idempotent: a
# package already present is skipped by apt; a machine that has them all runs no
# apt command at all. Works as root or through sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libeigen3-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libyaml-cpp-dev libcpp-httplib-dev libcli11-dev libssl-dev zlib1g-dev libjemalloc-dev
  prometheus docker-compose
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
# prometheus pulls in a systemd unit; policy-rc.d keeps apt from starting it in a
# chroot or container, and our tests start their own instance on 127.0.0.1 anyway.
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
