#!/usr/bin/env python3
"""diff_vs_binutils.py — checks `interprobe diff OLD NEW` against binutils' own counts.

For every exported function, binutils gives the library's PLT/GOT sites in each build (objdump -d:
`call/jmp <f@plt>`, and RIP-relative operands naming f's JUMP_SLOT/GLOB_DAT slot from readelf -rW),
without the scanner. The issue-18 acceptance reads: every function whose sites fall to 0 (fully
lost) and >= 98% of those whose sites fall to fewer (partially lost) reported by diff, with the same
counts; no function reported lost without a caller that moved. This script prints, per class, how
many binutils sees, how many diff reports as lost (and as what), the ones it does not, and every
count that differs. A check, not a test: run by hand on two builds (bench/cpython makes some).

    bench/scan/diff_vs_binutils.py OLD.so NEW.so [--interprobe build/bin/interprobe]
"""
import argparse
import collections
import json
import re
import subprocess
import sys


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def plt_got_sites(lib):
    """{function name: PLT/GOT sites in the library's code}, from binutils alone."""
    exported = set()
    for line in run("readelf", "--dyn-syms", "-W", lib).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[3] in ("FUNC", "IFUNC") and f[6] != "UND" \
                and f[4] != "LOCAL" and f[5] == "DEFAULT":
            exported.add(f[7].split("@")[0])
    slot = {}
    for line in run("readelf", "-rW", lib).splitlines():
        f = line.split()
        if len(f) >= 5 and f[2] in ("R_X86_64_JUMP_SLOT", "R_X86_64_GLOB_DAT"):
            slot[int(f[0], 16)] = f[4].split("@")[0]
    sites = collections.Counter()
    in_plt = False
    branch = re.compile(r"^\s+[0-9a-f]+:\s+(j\S*|call\S*)\s+[0-9a-f]+ <([^>]+)@plt>")
    rip = re.compile(r"# ([0-9a-f]+)")
    out = subprocess.Popen(["objdump", "-d", "-w", "--no-show-raw-insn", lib],
                           stdout=subprocess.PIPE, text=True)
    for line in out.stdout:
        if line.startswith("Disassembly of section "):
            in_plt = ".plt" in line
            continue
        if in_plt or not line.startswith(" "):
            continue
        m = branch.match(line)
        if m:
            sites[m.group(2).split("@")[0]] += 1
            continue
        m = rip.search(line)
        if m and int(m.group(1), 16) in slot:
            sites[slot[int(m.group(1), 16)]] += 1
    out.wait()
    return {n: sites.get(n, 0) for n in exported}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--interprobe", default="build/bin/interprobe")
    a = ap.parse_args()
    old, new = plt_got_sites(a.old), plt_got_sites(a.new)
    d = json.loads(subprocess.run([a.interprobe, "diff", "--json", a.old, a.new],
                                  capture_output=True, text=True).stdout)
    if d.get("format") != "interprobe-diff" or d.get("version") != 2:
        sys.exit("diff_vs_binutils.py: needs interprobe-diff version 2")
    reported = {}
    for cls in ("lost", "gained", "vanished", "other"):
        for c in d[cls]:
            reported.setdefault(c["name"], (cls, c))
    fully = sorted(n for n in old if n in new and old[n] > 0 and new[n] == 0)
    partially = sorted(n for n in old if n in new and 0 < new[n] < old[n])
    wrong = 0
    for title, names in (("fully lost (to 0)", fully), ("partially lost (to fewer)", partially)):
        lost = [n for n in names if reported.get(n, ("",))[0] == "lost"]
        print(f"{title}: binutils {len(names)}, diff reports lost {len(lost)} "
              f"({100.0 * len(lost) / max(1, len(names)):.1f}%)")
        for n in names:
            cls, c = reported.get(n, ("not reported", None))
            if cls != "lost":
                print(f"  not lost: {n} {old[n]} -> {new[n]} ({cls}"
                      + (f": vanished {c['vanished']}, appeared {c['appeared']}" if c else "")
                      + ")")
    for n, (cls, c) in sorted(reported.items()):
        if n not in old or n not in new:
            continue
        # diff counts other functions' sites; binutils' counts include a function's recursion.
        o = c["old_sites"]["plt_got"] + c["old_self_sites"]["plt_got"]
        w = c["new_sites"]["plt_got"] + c["new_self_sites"]["plt_got"]
        if (o, w) != (old[n], new[n]):
            wrong += 1
            print(f"  count differs: {n}: diff {o} -> {w}, binutils {old[n]} -> {new[n]}")
        if cls == "lost" and sum(c["moved"].values()) + c["inlined_without_record"] == 0:
            wrong += 1
            print(f"  lost without a caller that moved: {n}")
    grew = [n for n in reported if reported[n][0] == "lost" and n in old and n in new
            and new[n] >= old[n]]
    print(f"lost with an equal or larger total (a move hidden by new sites elsewhere): {len(grew)}")
    print(f"counts that differ from binutils, lost without a move: {wrong}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
