#!/usr/bin/env bash
# Installs every Debian package Neutrino's build, tests and benchmarks need. Idempotent; run as
# root (or through sudo) on Debian 12.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev clang-format
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  tcpdump iproute2 iputils-ping busybox dnsmasq-base iptables iputils-arping conntrack haproxy
  graphviz
  nlohmann-json3-dev
  libcpp-httplib-dev libssl-dev libsqlite3-dev sqlite3 python3-openstackclient
  libpq-dev postgresql
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
