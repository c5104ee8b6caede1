#!/usr/bin/env bash
# install-deps.sh — installs every Debian 12 package that interprobe's build, tests and tools need
# (groff-base: the man page test renders the generated pages with groff).
# Runs apt-get as root (or through sudo). Nothing is downloaded from anywhere but Debian.
#
# It also puts Debian's arm64 libpython3.11 and zlib1g, unpacked and never installed, where the
# aarch64 scanner tests read them (tests/scan/aarch64_files.hpp): apt-get download of the arm64
# packages needs the arm64 architecture in dpkg (`dpkg --add-architecture arm64`; adding it
# twice is harmless, and it installs nothing of arm64). Safe to run again: what is there is kept.
set -euo pipefail

packages=(
  build-essential gcc g++ clang lld cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libelf-dev libdw-dev libcapstone-dev libzydis-dev libclang-rt-14-dev binutils zlib1g zlib1g-dev
  libpython3.11 libpython3.11-dev libpython3.11-testsuite libssl3 valgrind libbenchmark-dev heaptrack
  ltrace python3
  util-linux groff-base time
  # aarch64 from this machine: the cross toolchain (victim variants, objdump) and qemu-user
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
  qemu-user
)
# Where the arm64 packages are unpacked (CMake: INTERPROBE_ARM64_DEBS), and what from.
arm64_dir="${INTERPROBE_ARM64_DEBS:-/var/cache/interprobe/debian-arm64}"
arm64_packages=(libpython3.11:arm64 zlib1g:arm64)
arm64_files=(usr/lib/aarch64-linux-gnu/libpython3.11.so.1.0 lib/aarch64-linux-gnu/libz.so.1)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
as_root() {
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
    echo "install-deps: run as root or install sudo" >&2
    exit 2
  fi
  $sudo "$@"
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
updated=no
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  echo "install-deps: installing ${missing[*]}"
  as_root apt-get update -q
  updated=yes
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi

have_arm64_files=yes
for f in "${arm64_files[@]}"; do
  [ -e "$arm64_dir/root/$f" ] || have_arm64_files=no
done
if [ "$have_arm64_files" = yes ]; then
  echo "install-deps: Debian arm64 ${arm64_packages[*]} already unpacked in $arm64_dir"
  exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "install-deps: adding the arm64 architecture to dpkg (for apt-get download)"
  as_root dpkg --add-architecture arm64
  updated=no
fi
if [ "$updated" = no ] && ! apt-cache show "${arm64_packages[0]}" >/dev/null 2>&1; then
  as_root apt-get update -q
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 0777 "$tmp"  # apt-get download writes as user _apt (its sandbox)
(cd "$tmp" && apt-get download -q "${arm64_packages[@]}")
as_root mkdir -p "$arm64_dir/root"
for deb in "$tmp"/*.deb; do
  as_root dpkg-deb -x "$deb" "$arm64_dir/root"
  as_root cp "$deb" "$arm64_dir/"
done
echo "install-deps: unpacked $(cd "$tmp" && ls ./*.deb | tr '\n' ' ')into $arm64_dir/root"
