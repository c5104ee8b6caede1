#!/usr/bin/env bash
# install-deps.sh — installs every Debian 12 package that interprobe's build, tests and tools need
# (groff-base: the man page test renders the generated pages with groff).
# Runs apt-get as root (or through sudo). Nothing is downloaded from anywhere but Debian.
set -euo pipefail

packages=(
  build-essential gcc g++ clang lld cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libelf-dev libdw-dev libcapstone-dev libzydis-dev libclang-rt-14-dev binutils zlib1g zlib1g-dev
  libpython3.11 libpython3.11-dev libpython3.11-testsuite libssl3 valgrind libbenchmark-dev heaptrack
  ltrace python3
  util-linux groff-base time
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 2; }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
