#!/usr/bin/env bash
# bench/scan/run.sh — times `interprobe scan` (with each x86-64 decoder: Zydis, the default, and
# capstone) against an equivalent readelf -rW + objdump -d pipeline, on libpython3.11 and on every
# shared object under /usr/lib/x86_64-linux-gnu, runs interleaved (zydis, capstone, pipeline,
# zydis, ...), checks that both decoders print the same JSON for the whole directory, and writes
# docs/PERFORMANCE-scan.md. Then aarch64 against x86-64 (issue 16): Debian's arm64 and amd64
# libpython3.11, the same source built by the same Debian release, scanned alternately.
# A benchmark, not a test: run by hand after a build.
#   bench/scan/run.sh [BUILD_DIR]     env: RUNS_LIB (default 5), RUNS_DIR (default 3), LIB, DIR,
#                                          A64_LIB (scripts/install-deps.sh unpacks it)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
interprobe="$build/bin/interprobe"
lib="${LIB:-/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0}"
dir="${DIR:-/usr/lib/x86_64-linux-gnu}"
runs_lib="${RUNS_LIB:-5}"
runs_dir="${RUNS_DIR:-3}"
out="$root/docs/PERFORMANCE-scan.md"
jobs="$(nproc)"
[ -x "$interprobe" ] || { echo "run.sh: build first ($interprobe missing)" >&2; exit 2; }
[ -r "$lib" ] || { echo "run.sh: $lib not found (scripts/install-deps.sh installs it)" >&2; exit 2; }
a64_lib="${A64_LIB:-/var/cache/interprobe/debian-arm64/root/usr/lib/aarch64-linux-gnu/libpython3.11.so.1.0}"
[ -r "$a64_lib" ] || { echo "run.sh: $a64_lib not found (scripts/install-deps.sh unpacks it)" >&2; exit 2; }

# The pipeline's file list: the files the scanner scans in $dir (ELF, named *.so or *.so.*, one
# name per inode: hard-linked copies are scanned once by both sides).
list="$(mktemp)"
trap 'rm -f "$list"' EXIT
find "$dir" -type f \( -name '*.so' -o -name '*.so.*' \) -printf '%D:%i %p\n' | sort -k1,1 -u |
  cut -d' ' -f2- | while read -r f; do
    [ "$(head -c4 "$f" | tail -c3)" = ELF ] && echo "$f"
  done > "$list"
nfiles="$(wc -l < "$list")"

# What the pipeline does per file: the dynamic relocations and the disassembly, each reduced to a
# count so that the text is produced and read (the scanner does strictly more per file).
pipeline_one='for f; do readelf -rW "$f" | grep -cE "JUMP_SLO|GLOB_DAT|R_X86_64_64" >/dev/null || true;
  objdump -d --no-show-raw-insn "$f" | grep -cE "call|jmp" >/dev/null || true; done'

now() { date +%s.%N; }
time_cmd() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now); echo "$t1 - $t0" | bc; }
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
spread() { sort -g | awk 'NR==1{mn=$1} {mx=$1} END {printf "%.3f–%.3f", mn, mx}'; }

declare -a zl cl pl zd cdir pd
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 0; i < runs_lib; i++)); do
  zl+=("$(time_cmd "$interprobe" scan --json -q --decoder zydis "$lib")")
  cl+=("$(time_cmd "$interprobe" scan --json -q --decoder capstone "$lib")")
  pl+=("$(time_cmd sh -c "$pipeline_one" _ "$lib")")
  echo "libpython run $((i + 1))/$runs_lib: zydis ${zl[-1]} s, capstone ${cl[-1]} s, pipeline ${pl[-1]} s" >&2
done
for ((i = 0; i < runs_dir; i++)); do
  zd+=("$(time_cmd "$interprobe" scan --summary -q --decoder zydis "$dir")")
  cdir+=("$(time_cmd "$interprobe" scan --summary -q --decoder capstone "$dir")")
  pd+=("$(time_cmd sh -c "xargs -d '\n' -P $jobs -n 4 sh -c '$pipeline_one' _ < '$list'")")
  echo "directory run $((i + 1))/$runs_dir: zydis ${zd[-1]} s, capstone ${cdir[-1]} s, pipeline ${pd[-1]} s" >&2
done

# aarch64 against x86-64: CPU seconds (user + sys of both threads, bash's `time`) and wall seconds
# per run, alternating; per byte of executable code, since the two files' code differs in size.
cpu_wall() { local TIMEFORMAT='%U %S %R'; { time "$@" >/dev/null 2>&1; } 2>&1 | tail -1 | awk '{printf "%.3f %.3f\n", $1 + $2, $3}'; }
code_bytes() {
  local n=0 size
  while read -r size; do n=$((n + 16#$size)); done < <(readelf -SW "$1" |
    sed -n 's/^ *\[ *[0-9]*\] //p' | awk '$7 ~ /X/ { print $5 }')
  echo "$n"
}
declare -a a64c a64w x64c x64w a64cs
for ((i = 0; i < runs_lib; i++)); do
  read -r c w < <(cpu_wall "$interprobe" scan --json -q "$a64_lib"); a64c+=("$c"); a64w+=("$w")
  read -r c w < <(cpu_wall "$interprobe" scan --json -q "$lib"); x64c+=("$c"); x64w+=("$w")
  read -r c w < <(cpu_wall "$interprobe" scan --json -q --decoder capstone "$a64_lib"); a64cs+=("$c")
  echo "aarch64/x86-64 run $((i + 1))/$runs_lib: aarch64 ${a64c[-1]} s CPU, x86-64 ${x64c[-1]} s CPU" >&2
done
# The deterministic companion: instructions executed by one single-thread scan of each.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$interprobe" scan --json -q -j 1 "$1" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a64_ir="$(instructions "$a64_lib")"
x64_ir="$(instructions "$lib")"
a64_bytes="$(code_bytes "$a64_lib")"
x64_bytes="$(code_bytes "$lib")"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# The decoders must agree on every file, not just on the tests' few (tests/scan/scan_decoder_test).
json_sum() { "$interprobe" scan --json -q --decoder "$1" "$dir" 2>/dev/null | sha256sum | cut -c1-16; }
sum_z="$(json_sum zydis)"
sum_c="$(json_sum capstone)"
if [ "$sum_z" = "$sum_c" ]; then
  agree="identical (\`scan --json\` sha256 $sum_z… with both)"
else
  agree="DIFFERENT (zydis $sum_z…, capstone $sum_c…): a bug to find before trusting either"
fi

med() { printf '%s\n' "$@" | median; }
spr() { printf '%s\n' "$@" | spread; }
ml=$(med "${zl[@]}"); mcl=$(med "${cl[@]}"); mpl=$(med "${pl[@]}")
md=$(med "${zd[@]}"); mcd=$(med "${cdir[@]}"); mpd=$(med "${pd[@]}")
ma64c=$(med "${a64c[@]}"); mx64c=$(med "${x64c[@]}")
ratio() { echo "scale=1; $1 / $2" | bc; }
r2() { printf '%.2f' "$(echo "scale=4; ($1) / ($2)" | bc)"; }
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
verdict() { if [ "$(echo "$1" | bc)" = 1 ]; then echo "**met**"; else echo "**missed**"; fi; }
t_lib=$(verdict "$mpl >= 10 * $ml")
t_dir=$(verdict "$md < 10")

cat > "$out" <<MD
# Scanner speed (\`interprobe scan\`)

Generated by \`bench/scan/run.sh\` (RUNS_LIB=$runs_lib, RUNS_DIR=$runs_dir) on $(date -u +%Y-%m-%d):
$jobs cores (\`nproc\`), CPU "$cpu", load average $load_before before and $load_after after
(the machine is shared: other jobs ran at the same time). Wall-clock seconds, median of the runs
(min–max); the three commands' runs are interleaved.

| what | scanner, Zydis (default) | scanner, capstone | readelf -rW + objdump -d | pipeline / Zydis | pipeline / capstone | capstone / Zydis |
|---|---:|---:|---:|---:|---:|---:|
| \`$lib\` (\`scan --json\`) | $ml ($(spr "${zl[@]}")) | $mcl ($(spr "${cl[@]}")) | $mpl ($(spr "${pl[@]}")) | $(ratio "$mpl" "$ml")× | $(ratio "$mpl" "$mcl")× | $(ratio "$mcl" "$ml")× |
| \`$dir\`, $nfiles files (\`scan --summary\`, $jobs threads; pipeline \`xargs -P $jobs\`) | $md ($(spr "${zd[@]}")) | $mcd ($(spr "${cdir[@]}")) | $mpd ($(spr "${pd[@]}")) | $(ratio "$mpd" "$md")× | $(ratio "$mpd" "$mcd")× | $(ratio "$mcd" "$md")× |

Targets (issue 3), with the default decoder: ≥10× faster than the pipeline on libpython3.11:
$t_lib; the whole directory in <10 s on $jobs cores: $t_dir.

The two decoders' results for all $nfiles files of \`$dir\`: $agree.

## aarch64 files (issue 16: within 2× of x86-64 files of the same size)

Debian's arm64 and amd64 builds of libpython3.11 (\`$a64_lib\`, unpacked by
scripts/install-deps.sh, and \`$lib\`), \`scan --json\` run alternately $runs_lib times each with
the default decoders (aarch64: the built-in one; x86-64: Zydis); CPU seconds are user + system of
both threads (bash's \`time\`), medians (min–max); instructions: \`valgrind --tool=callgrind
interprobe scan --json -q -j 1\`, one run each (the whole process: start-up, ELF tables, sweep,
JSON).

| what | aarch64 | x86-64 | aarch64 / x86-64 |
|---|---:|---:|---:|
| executable code (bytes) | $a64_bytes | $x64_bytes | $(r2 "$a64_bytes" "$x64_bytes")× |
| CPU seconds | $ma64c ($(spr "${a64c[@]}")) | $mx64c ($(spr "${x64c[@]}")) | $(r2 "$ma64c" "$mx64c")× |
| CPU nanoseconds per byte of code | $(r2 "$ma64c * 1000000000" "$a64_bytes") | $(r2 "$mx64c * 1000000000" "$x64_bytes") | **$(r2 "$ma64c * $x64_bytes" "$mx64c * $a64_bytes")×** |
| CPU seconds, aarch64 with \`--decoder capstone\` | $(med "${a64cs[@]}") ($(spr "${a64cs[@]}")) | | $(r2 "$(med "${a64cs[@]}")" "$mx64c")× |
| wall seconds | $(med "${a64w[@]}") ($(spr "${a64w[@]}")) | $(med "${x64w[@]}") ($(spr "${x64w[@]}")) | $(r2 "$(med "${a64w[@]}")" "$(med "${x64w[@]}")")× |
| instructions (callgrind, one thread) | $a64_ir | $x64_ir | $(r2 "$a64_ir" "$x64_ir")× (per byte: $(r2 "$a64_ir * $x64_bytes" "$x64_ir * $a64_bytes")×) |

Target, per byte of code: $(verdict "$ma64c * $x64_bytes <= 2 * $mx64c * $a64_bytes"). The
callgrind row is the load-independent measure.
MD
cat "$root/bench/scan/why.md" >> "$out"
cat "$out"
