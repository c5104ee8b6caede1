#!/usr/bin/env python3
"""smoke.py — ctest -L cpython: checks bench/cpython's cached builds still show the case.

Usage: smoke.py --cache DIR --build BUILD_DIR
For every finished build in the cache (none finished: skipped, exit 77), the embedding program
runs the evidence workload under a generated shim of that build's libpython and under a control
run (runtime.evidence: the outputs must match), and the counts must say what the builds are:
the program's own PyErr_Occurred checks reach the override in every build (outside callers
survive every flag); libpython's own calls reach it in the default build and never under
-Bsymbolic-functions; libpython's malloc calls reach libprobe.so's malloc in every build. And
`interprobe diff` of the default build against each other one, read as loss.py reads it for the
document (scan and diff JSON version 3), must show the flags' static loss (loss_checks).
Registered only when CMake is given INTERPROBE_CPYTHON_CACHE (bench/CMakeLists.txt), never in CI.
"""
import argparse
import os
import sys
import tempfile

import builds
import loss
import runtime
import tooljson


def loss_checks(interprobe, by):
    """What loss.py reads from `interprobe diff --json` must say what the flags do:
    -Wl,-Bsymbolic-functions makes the linker bind every reference to a function the library
    defines, so every function that had interposable internal sites is lost, fully; under any
    flag, diff calls nothing lost without a caller that moved (docs/SCAN.md)."""
    if "default" not in by:
        return []
    out = []
    for name in ("nosi", "nosi-lto", "bsymbolic"):
        if name not in by:
            continue
        s = loss.summary(loss.compare(interprobe, by["default"].libpython, by[name].libpython))
        print(f"smoke: {name}: diff: {s['fully']} functions lost fully, {s['partially']} "
              f"partially, {s['moved_sites']} sites moved; {s['new']['taken']} of "
              f"{s['old']['taken']} interposable sites left")
        if s["lost_without_move"]:
            out.append(f"{name}: lost without a caller that moved: {s['lost_without_move'][:5]}")
        if name == "bsymbolic" and (s["fully"] != s["old"]["functions"] or s["partially"]
                                    or s["new"]["taken"]):
            out.append(f"bsymbolic: {s['fully']} of {s['old']['functions']} functions fully "
                       f"lost, {s['partially']} partially, {s['new']['taken']} sites left")
        if name != "bsymbolic" and s["fully"] == 0:
            out.append(f"{name}: no function lost fully")
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cache", required=True)
    p.add_argument("--build", required=True)
    a = p.parse_args()
    interprobe = os.path.join(a.build, "bin", "interprobe")
    found = [b for b in (builds.Build(a.cache, n) for n in builds.BUILDS) if b.done()]
    if not found:
        print(f"smoke: no finished build in {a.cache} (bench/cpython/run.py --builds-only)")
        return 77
    failures = []
    with tempfile.TemporaryDirectory(prefix="interprobe-cpython-smoke.") as tmp:
        for b in found:
            exe = runtime.compile_embed(b, tmp)
            try:
                ev = runtime.evidence(interprobe, b, exe, tmp)
            except tooljson.FormatError as e:
                print(f"smoke: FAILED: {e}")
                return 1
            seed = ev["shim"]["symbols"].get("PyErr_Occurred", {"outside": {}, "from_lib": 0})
            app = sum(v for k, v in seed["outside"].items() if k.startswith("embed-"))
            malloc = ev["probe"].get("malloc", {}).get("libpython3.11.so.1.0", 0)
            print(f"smoke: {b.name}: PyErr_Occurred from embed {app}, from libpython "
                  f"{seed['from_lib']}; malloc from libpython {malloc}")
            if app < 1000:  # embed.c's APP_CHECKS, plus any the workload made through the API
                failures.append(f"{b.name}: the program's 1000 checks reached the shim {app} times")
            if b.name == "default" and seed["from_lib"] == 0:
                failures.append("default: no call from libpython reached the shim")
            if b.name == "bsymbolic" and seed["from_lib"] != 0:
                failures.append(f"bsymbolic: {seed['from_lib']} calls from libpython reached it")
            if malloc == 0:
                failures.append(f"{b.name}: no malloc call from libpython reached libprobe.so")
    try:
        failures += loss_checks(interprobe, {b.name: b for b in found})
    except tooljson.FormatError as e:
        failures.append(str(e))
    for f in failures:
        print("smoke: FAILED: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
