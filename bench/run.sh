#!/usr/bin/env bash
# run.sh — runs every benchmark of bench/ and writes docs/PERFORMANCE.md (about 10 minutes).
#
# Usage: bench/run.sh [--quick] [BUILD_DIR]     (BUILD_DIR defaults to ./build)
# Needs a build configured with the benchmarks (INTERPROBE_BUILD_BENCH, on when Google Benchmark
# is installed) and valgrind, heaptrack, ltrace and python3. The document is written to a
# temporary file next to it and renamed at the end, so a failed run never leaves half of one.
# --quick: a short run for checking the script, marked as such in the output.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
if [ "${1:-}" = "--quick" ]; then quick=(--quick); shift; fi
build="${1:-build}"
if [ $# -gt 1 ]; then echo "usage: bench/run.sh [--quick] [BUILD_DIR]" >&2; exit 2; fi

missing=0
need_tool() {  # need_tool COMMAND DEBIAN_PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "bench/run.sh: '$1' not found (Debian package $2; scripts/install-deps.sh installs it)" >&2
    missing=1
  fi
}
need_tool python3 python3
need_tool valgrind valgrind
need_tool heaptrack heaptrack
need_tool ltrace ltrace
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "bench/run.sh: $build is not a CMake build directory (cmake -S . -B $build -G Ninja)" >&2
  exit 2
fi
for f in bench/interposition_bench bench/interp_count bench/probe_overhead bench/libforward_shim.so victim/probe/libprobe.so; do
  if [ ! -e "$build/$f" ]; then
    echo "bench/run.sh: $build/$f missing: build with Google Benchmark installed (Debian package libbenchmark-dev, INTERPROBE_BUILD_BENCH=ON) and run cmake --build $build -j2" >&2
    missing=1
  fi
done
[ $missing -eq 0 ] || exit 2

out=docs/PERFORMANCE.md
tmp=$(mktemp docs/.PERFORMANCE.md.XXXXXX)
trap 'rm -f "$tmp"' EXIT
python3 bench/run.py "$build" "$tmp" "${quick[@]}"
chmod 0644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "bench/run.sh: wrote $out"
