#!/usr/bin/env python3
"""dwarf_records.py — DW_TAG_inlined_subroutine records of a library's exported functions, counted
from `llvm-dwarfdump --debug-info` text alone, to hold the scanner's `inlined` and `inlined_self`
against (docs/SCAN.md, "Records of a function's own body").

Each record of an exported function f is put in one class:
  own body             inside f's own DW_TAG_subprogram, or nested in another record of f;
  sibling at decl line elsewhere, with DW_AT_call_file/line equal to f's DW_AT_decl_file/line
                       (GCC's split-off part of f, IPA-ICF-merged into another function);
  real copy            anything else: f inlined into a caller.
The first two are the scanner's `inlined_self`, the last its `inlined`. Prints the counts and,
with --scan, the scanner's sums beside them. A check, not a test (llvm-dwarfdump's text of a
CPython build is millions of lines).

    bench/scan/dwarf_records.py LIB.so [--scan build/bin/interprobe]
"""
import argparse
import collections
import json
import re
import subprocess
import sys


def exported_functions(lib):
    names = set()
    for line in subprocess.run(["readelf", "--dyn-syms", "-W", lib], check=True,
                               capture_output=True, text=True).stdout.splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[3] in ("FUNC", "IFUNC") and f[6] != "UND" \
                and f[4] != "LOCAL":
            names.add(f[7].split("@")[0])
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("lib")
    ap.add_argument("--scan", help="an interprobe binary: print its sums too")
    a = ap.parse_args()
    exported = exported_functions(a.lib)
    die_re = re.compile(r"^(0x[0-9a-f]+):(\s+)(DW_TAG_\w+|NULL)")
    attr_re = re.compile(r"^\s+(DW_AT_\w+)\s+\((.*)\)$")
    dies, order, cur = {}, [], None
    dump = subprocess.Popen(["llvm-dwarfdump", "--debug-info", a.lib], stdout=subprocess.PIPE,
                            text=True)
    for line in dump.stdout:
        m = die_re.match(line)
        if m:
            cur = {"off": m.group(1), "depth": len(m.group(2)), "tag": m.group(3)}
            order.append(cur)
            dies[cur["off"]] = cur
            continue
        m = attr_re.match(line)
        if m and cur is not None:
            cur.setdefault(m.group(1), m.group(2))
    dump.wait()

    def name_of(d, depth=0):
        if d is None or depth > 8:
            return None
        for key in ("DW_AT_linkage_name", "DW_AT_name"):
            if key in d:
                return d[key].strip('"')
        ref = d.get("DW_AT_abstract_origin") or d.get("DW_AT_specification")
        return name_of(dies.get(ref.split()[0]), depth + 1) if ref else None

    def origin(d):
        return dies.get(d["DW_AT_abstract_origin"].split()[0]) if "DW_AT_abstract_origin" in d \
            else None

    counts = collections.Counter()
    stack = []
    for d in order:
        while stack and stack[-1]["depth"] >= d["depth"]:
            stack.pop()
        if d["tag"] == "NULL":
            continue
        if d["tag"] == "DW_TAG_inlined_subroutine":
            o = origin(d)
            name = name_of(o)
            if name in exported:
                subprograms = [s for s in stack if s["tag"] == "DW_TAG_subprogram"]
                caller = name_of(subprograms[-1]) if subprograms else None
                inside = [name_of(origin(s)) for s in stack
                          if s["tag"] == "DW_TAG_inlined_subroutine"]
                if caller == name or name in inside:
                    counts["own body"] += 1
                elif d.get("DW_AT_call_line") == o.get("DW_AT_decl_line") and \
                        d.get("DW_AT_call_file") == o.get("DW_AT_decl_file"):
                    counts["sibling at decl line"] += 1
                else:
                    counts["real copy"] += 1
        stack.append(d)
    for k in ("own body", "sibling at decl line", "real copy"):
        print(f"{k}: {counts[k]}")
    print(f"self (own body + sibling at decl line): {counts['own body'] + counts['sibling at decl line']}")
    if a.scan:
        lib = json.loads(subprocess.run([a.scan, "scan", "--json", "-q", a.lib], check=True,
                                        capture_output=True, text=True).stdout)["libraries"][0]
        s = lib["symbols"]
        print(f"scanner: inlined {sum(x['inlined'] or 0 for x in s)}, "
              f"inlined_self {sum(x['inlined_self'] or 0 for x in s)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
