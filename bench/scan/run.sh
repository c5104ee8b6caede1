#!/usr/bin/env bash
# bench/scan/run.sh — times `interprobe scan` (with each x86-64 decoder: Zydis, the default, and
# capstone) against an equivalent readelf -rW + objdump -d pipeline, on libpython3.11 and on every
# shared object under /usr/lib/x86_64-linux-gnu, runs interleaved (zydis, capstone, pipeline,
# zydis, ...), times `interprobe diff` (two builds of one library: DIFF_OLD and DIFF_NEW, e.g. the
# CPython builds of bench/cpython; without them libpython against itself and the victim's gcc-O2
# against gcc-O2-nosi), checks that both decoders print the same JSON for the whole directory, and
# writes docs/PERFORMANCE-scan.md. Then aarch64 against x86-64 (issue 16): Debian's arm64 and amd64
# libpython3.11, the same source built by the same Debian release, scanned alternately.
# A benchmark, not a test: run by hand after a build.
#   bench/scan/run.sh [BUILD_DIR]
#   env: RUNS_LIB (default 5), RUNS_DIR (default 3), RUNS_DIFF (default RUNS_LIB), LIB, DIR,
#        DIFF_OLD, DIFF_NEW, DIFF_WHAT (how the two were built, for the document),
#        A64_LIB (Debian's arm64 libpython3.11; scripts/install-deps.sh unpacks it)
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

# "WALL CPU": wall-clock and CPU seconds (user + system, all threads) of one run. CPU time is the
# steadier of the two on a shared machine; wall time is what a user waits.
time_both() {
  local f
  f="$(mktemp)"
  /usr/bin/time -o "$f" -f "%e %U %S" "$@" >/dev/null 2>&1 || true
  tail -1 "$f" | awk '{printf "%s %.3f\n", $1, $2 + $3}'
  rm -f "$f"
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
spread() { sort -g | awk 'NR==1{mn=$1} {mx=$1} END {printf "%.3f–%.3f", mn, mx}'; }

# Each run gives wall and CPU seconds (time_both); the arrays keep them apart: zl (wall), zlc (CPU).
declare -a zl cl pl zd cdir pd zlc clc plc zdc cdirc pdc
both() {  # both WALL_ARRAY CPU_ARRAY COMMAND...: runs it once, appends its two times
  local -n w="$1" c="$2"
  shift 2
  local tw tc
  read -r tw tc < <(time_both "$@")
  w+=("$tw")
  c+=("$tc")
}
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 0; i < runs_lib; i++)); do
  both zl zlc "$interprobe" scan --json -q --decoder zydis "$lib"
  both cl clc "$interprobe" scan --json -q --decoder capstone "$lib"
  both pl plc sh -c "$pipeline_one" _ "$lib"
  echo "libpython run $((i + 1))/$runs_lib: zydis ${zl[-1]} s (CPU ${zlc[-1]}), capstone ${cl[-1]} s, pipeline ${pl[-1]} s (CPU ${plc[-1]})" >&2
done
for ((i = 0; i < runs_dir; i++)); do
  both zd zdc "$interprobe" scan --summary -q --decoder zydis "$dir"
  both cdir cdirc "$interprobe" scan --summary -q --decoder capstone "$dir"
  both pd pdc sh -c "xargs -d '\n' -P $jobs -n 4 sh -c '$pipeline_one' _ < '$list'"
  echo "directory run $((i + 1))/$runs_dir: zydis ${zd[-1]} s (CPU ${zdc[-1]}), capstone ${cdir[-1]} s, pipeline ${pd[-1]} s (CPU ${pdc[-1]})" >&2
done
# diff: the whole command (both scans, the comparison, the text), alternating the pairs.
runs_diff="${RUNS_DIFF:-$runs_lib}"
victim_old="$build/victim/variants/gcc-O2/libvictim.so.1"
victim_new="$build/victim/variants/gcc-O2-nosi/libvictim.so.1"
declare -a dpairs
if [ -n "${DIFF_OLD:-}" ] && [ -n "${DIFF_NEW:-}" ]; then
  dpairs=("$DIFF_OLD|$DIFF_NEW")
else
  dpairs=("$lib|$lib" "$victim_old|$victim_new")
fi
declare -A dwall dcpu
for ((i = 0; i < runs_diff; i++)); do
  for pair in "${dpairs[@]}"; do
    read -r w c < <(time_both "$interprobe" diff "${pair%%|*}" "${pair#*|}")
    dwall[$pair]+="$w "
    dcpu[$pair]+="$c "
  done
  echo "diff run $((i + 1))/$runs_diff" >&2
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
mlc=$(med "${zlc[@]}"); mclc=$(med "${clc[@]}"); mplc=$(med "${plc[@]}")
mdc=$(med "${zdc[@]}"); mcdc=$(med "${cdirc[@]}"); mpdc=$(med "${pdc[@]}")
ma64c=$(med "${a64c[@]}"); mx64c=$(med "${x64c[@]}")
ratio() { echo "scale=1; $1 / $2" | bc; }
r2() { printf '%.2f' "$(echo "scale=4; ($1) / ($2)" | bc)"; }
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
# The package whose file is timed, so that a later reader knows what was measured.
pkg="$(dpkg-query -S "$(readlink -f "$lib")" 2>/dev/null | cut -d: -f1 | head -1)"
pkg_text=""
if [ -n "$pkg" ]; then
  pkg_text=", Debian package $pkg $(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)"
fi
diff_rows=""
diff_ok=1
diff_cpu_ok=1
for pair in "${dpairs[@]}"; do
  read -r -a ws <<<"${dwall[$pair]}"
  read -r -a cs <<<"${dcpu[$pair]}"
  mw=$(med "${ws[@]}"); mc=$(med "${cs[@]}")
  [ "$(echo "$mw < 0.5" | bc)" = 1 ] || diff_ok=0
  [ "$(echo "$mc < 0.5" | bc)" = 1 ] || diff_cpu_ok=0
  a="${pair%%|*}"
  b="${pair#*|}"
  label="diff $(basename "$(dirname "$a")")/$(basename "$a") $(basename "$(dirname "$b")")/$(basename "$b")"
  diff_rows+="| \`$label\` | $mw ($(spr "${ws[@]}")) | $mc ($(spr "${cs[@]}")) |"$'\n'
done
if [ -n "${DIFF_OLD:-}" ]; then
  diff_what="${DIFF_WHAT:-$DIFF_OLD against $DIFF_NEW}"
else
  diff_what="no second build given (DIFF_OLD, DIFF_NEW): libpython against itself, and the victim's gcc-O2 against gcc-O2-nosi"
fi
t_diff=$( [ "$diff_ok" = 1 ] && echo "**met**" || echo "**missed**" )
t_diff_cpu=$( [ "$diff_cpu_ok" = 1 ] && echo "**met**" || echo "**missed**" )
verdict() { if [ "$(echo "$1" | bc)" = 1 ]; then echo "**met**"; else echo "**missed**"; fi; }
t_lib=$(verdict "$mpl >= 10 * $ml")
t_lib_cpu=$(verdict "$mplc >= 10 * $mlc")
t_dir=$(verdict "$md < 10")
t_dir_cpu=$(verdict "$mdc < 2 * 10")

cat > "$out" <<MD
# Scanner speed (\`interprobe scan\`)

Generated by \`bench/scan/run.sh\` (RUNS_LIB=$runs_lib, RUNS_DIR=$runs_dir) on $(date -u +%Y-%m-%d):
$jobs cores (\`nproc\`), CPU "$cpu", load average $load_before before and $load_after after
(the machine is shared: other jobs ran at the same time). Seconds, median of the runs (min–max);
the three commands' runs are interleaved. Wall-clock time is what a user waits; CPU time (user +
system, all threads and child processes) is the steadier measure when other jobs share the cores,
and the one this project's targets are read on when the two disagree.

Wall clock:

| what | scanner, Zydis (default) | scanner, capstone | readelf -rW + objdump -d | pipeline / Zydis | pipeline / capstone | capstone / Zydis |
|---|---:|---:|---:|---:|---:|---:|
| \`$lib\`$pkg_text (\`scan --json\`) | $ml ($(spr "${zl[@]}")) | $mcl ($(spr "${cl[@]}")) | $mpl ($(spr "${pl[@]}")) | $(ratio "$mpl" "$ml")× | $(ratio "$mpl" "$mcl")× | $(ratio "$mcl" "$ml")× |
| \`$dir\`, $nfiles files (\`scan --summary\`, $jobs threads; pipeline \`xargs -P $jobs\`) | $md ($(spr "${zd[@]}")) | $mcd ($(spr "${cdir[@]}")) | $mpd ($(spr "${pd[@]}")) | $(ratio "$mpd" "$md")× | $(ratio "$mpd" "$mcd")× | $(ratio "$mcd" "$md")× |

CPU time, the same runs:

| what | scanner, Zydis (default) | scanner, capstone | readelf -rW + objdump -d | pipeline / Zydis | pipeline / capstone | capstone / Zydis |
|---|---:|---:|---:|---:|---:|---:|
| \`$lib\` | $mlc ($(spr "${zlc[@]}")) | $mclc ($(spr "${clc[@]}")) | $mplc ($(spr "${plc[@]}")) | $(ratio "$mplc" "$mlc")× | $(ratio "$mplc" "$mclc")× | $(ratio "$mclc" "$mlc")× |
| \`$dir\` | $mdc ($(spr "${zdc[@]}")) | $mcdc ($(spr "${cdirc[@]}")) | $mpdc ($(spr "${pdc[@]}")) | $(ratio "$mpdc" "$mdc")× | $(ratio "$mpdc" "$mcdc")× | $(ratio "$mcdc" "$mdc")× |

Targets (issues 3 and 18), with the default decoder, wall clock / CPU time: ≥10× faster than the
pipeline on libpython3.11: $t_lib / $t_lib_cpu; the whole directory in <10 s on $jobs cores:
$t_dir / $t_dir_cpu (CPU: < 20 CPU-seconds, 10 s on both cores); a whole \`diff\` under 0.5 s:
$t_diff / $t_diff_cpu.

\`interprobe diff OLD NEW\` as a user runs it (both scans at once, the comparison caller by caller,
the text), RUNS_DIFF=$runs_diff, the pairs alternated; $diff_what. Seconds, median (min–max); CPU is
user + system time of all threads:

| what | wall | CPU |
|---|---:|---:|
$diff_rows

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
