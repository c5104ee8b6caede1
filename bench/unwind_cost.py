#!/usr/bin/env python3
"""unwind_cost.py — what PROBE_BACKTRACE costs per *new* call site, in instructions.

The probe unwinds a call site's stack once, on its first call (preload/core/stacks.cpp); later
calls from it only find the entry. This generates a program with SITES distinct call sites of
malloc, each at call depth DEPTH (noinline functions), calls each once, and counts instructions
with callgrind under each probe given, with PROBE_BACKTRACE=16, collecting only inside
probe::StackTable::record (--toggle-collect): the unwind and the table insert of each new site,
plus the lookup of each later call. Divided by the number of stacks the report lists (the SITES
and a few dozen of libc's own start-up sites), that is the cost of one new site. The report at
exit (dladdr per frame) is not included: it is paid once per site too, but at exit.

Usage: bench/unwind_cost.py [--sites N] [--depth D] PROBE.so [PROBE.so ...]
Needs cc and valgrind. Prints one Markdown table row per probe.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def program(sites, depth):
    lines = ["#include <stdlib.h>", "#define KEEP __asm__ volatile(\"\" ::: \"memory\")"]
    # A chain of DEPTH-1 frames above every site, so each unwind walks DEPTH host frames at least.
    lines.append("__attribute__((noinline)) void* chain0(void* (*f)(void)) { void* p = f(); KEEP; return p; }")
    for d in range(1, depth - 1):
        lines.append(f"__attribute__((noinline)) void* chain{d}(void* (*f)(void)) "
                     f"{{ void* p = chain{d - 1}(f); KEEP; return p; }}")
    top = f"chain{max(depth - 2, 0)}"
    for i in range(sites):
        lines.append(f"__attribute__((noinline)) void* site{i}(void) {{ void* p = malloc(16); KEEP; return p; }}")
    lines.append("int main(void) {")
    for i in range(sites):
        lines.append(f"  free({top}(site{i}));")
    lines.append("  return 0;\n}")
    return "\n".join(lines) + "\n"


RECORD = "probe::StackTable::record*"  # callgrind matches demangled names


def instructions(binary, env):
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        f"--toggle-collect={RECORD}", binary],
                       env=env, capture_output=True, text=True, check=True)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if not m:
        sys.exit(f"unwind_cost.py: no instruction count in valgrind's output:\n{r.stderr}")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--sites", type=int, default=2000)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("probes", nargs="+")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, binary = os.path.join(tmp, "sites.c"), os.path.join(tmp, "sites")
        with open(src, "w") as f:
            f.write(program(a.sites, a.depth))
        subprocess.run(["cc", "-O2", "-o", binary, src], check=True)
        print(f"{a.sites} new call sites of malloc, each {a.depth} host frames deep; callgrind "
              "instructions inside StackTable::record (unwinding included), PROBE_BACKTRACE=16")
        print("| probe | Ir in record | stacks recorded | frames per stack (median) | Ir per new site |")
        print("|---|---:|---:|---:|---:|")
        for n, probe in enumerate(a.probes):
            report = os.path.join(tmp, f"r{n}.json")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PROBE_", "LD_"))}
            env.update(LD_PRELOAD=os.path.abspath(probe), PROBE_REPORT=report,
                       PROBE_FORMAT="json", PROBE_BACKTRACE="16")
            ir = instructions(binary, env)
            with open(report) as f:
                stacks = json.load(f)["stacks"]
            depths = sorted(len(s["frames"]) for s in stacks)
            print(f"| {probe} | {ir:,} | {len(stacks)} | {depths[len(depths) // 2]} | "
                  f"{ir / len(stacks):,.0f} |")


if __name__ == "__main__":
    main()
