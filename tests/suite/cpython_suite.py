#!/usr/bin/env python3
"""cpython_suite.py — one module of CPython's own regression suite under the probe, against a
control run (ctest label `suite`, tests/suite/CMakeLists.txt; issue 11).

  cpython_suite.py control   --module M --work DIR            runs M, writes DIR/M.control.xml
  cpython_suite.py CONFIG    --module M --work DIR --probe SO  runs M under libprobe.so with the
                                                               CONFIG's settings, compares with
                                                               DIR/M.control.xml

CONFIG is plain (no settings), backtrace (PROBE_BACKTRACE=16) or offset (PROBE_TIME_OFFSET=-86400).
Every run: `python3.11 -m test --junit-xml FILE M` (Debian package libpython3.11-testsuite) with
CAP_SYS_TIME dropped from the bounding set (setpriv), so that test_time's test_clock_settime —
which sets the real clock to what it read, as root — cannot change this machine's clock in either
run; it then takes its PermissionError branch in both. Probed runs report to files (%p.%m) in a
private directory: a report on stderr would change what the tests capture.

Each test case's outcome (ok, failure, error, skipped) must equal the control's, except the cases
in EXPLAINED, each with the reason. Exit status 0 if so, 1 with the differences listed if not, 2 if
a run could not be made.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

PYTHON = "/usr/bin/python3.11"

CONFIGS = {
    "plain": {},
    "backtrace": {"PROBE_BACKTRACE": "16"},
    "offset": {"PROBE_TIME_OFFSET": "-86400"},
}

# (module, config) -> {test case id: (probed outcome, reason)}. A case id is "Class.method".
EXPLAINED = {
    ("test_os", "offset"): {
        # os.utime(path) with no times sets the file's times to the kernel's current time
        # (UTIME_NOW: the real clock), and the test compares them with time.time() (shifted by
        # the offset): 86400 s apart. The probe does not shift file times, by design
        # (docs/RELIABILITY.md "Time offset").
        "UtimeTests.test_utime_current": ("failure", "the kernel sets file times (UTIME_NOW)"),
        "UtimeTests.test_utime_current_old": ("failure", "the kernel sets file times (UTIME_NOW)"),
    },
}


def outcomes(xml_file):
    """{ "Class.method": outcome } from regrtest's JUnit XML."""
    result = {}
    for case in ET.parse(xml_file).getroot().iter("testcase"):
        name = case.get("name", "")
        cls = case.get("classname", "")
        # regrtest names the case "test.test_x.Class.method": keep "Class.method".
        ident = name.split(".", 2)[-1] if name.startswith("test.") else f"{cls}.{name}"
        outcome = "ok"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
        result[ident] = outcome
    return result


def run(module, xml_file, env):
    with tempfile.TemporaryDirectory(prefix="interprobe-suite-") as cwd:
        cmd = ["setpriv", "--bounding-set", "-sys_time", PYTHON, "-m", "test", "--junit-xml",
               xml_file, module]
        r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace")
    if not os.path.exists(xml_file):
        print(r.stdout[-4000:])
        sys.exit(f"cpython_suite.py: {module} wrote no results (exit {r.returncode})")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config", choices=["control", *CONFIGS])
    ap.add_argument("--module", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--probe")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROBE_", "LD_PRELOAD"))}
    control_xml = os.path.join(a.work, f"{a.module}.control.xml")
    if a.config == "control":
        if os.path.exists(control_xml):
            os.remove(control_xml)
        run(a.module, control_xml, env)
        counts = {}
        for o in outcomes(control_xml).values():
            counts[o] = counts.get(o, 0) + 1
        print(f"{a.module} control: {counts}")
        return 0
    if not os.path.exists(control_xml):
        sys.exit(f"cpython_suite.py: no control results {control_xml} (run the control first)")
    if not a.probe:
        sys.exit("cpython_suite.py: --probe is required")
    reports = tempfile.mkdtemp(prefix="interprobe-suite-reports-")
    try:
        env.update(CONFIGS[a.config])
        env["LD_PRELOAD"] = a.probe
        env["PROBE_REPORT"] = os.path.join(reports, "r.%p.%m")
        probed_xml = os.path.join(a.work, f"{a.module}.{a.config}.xml")
        run(a.module, probed_xml, env)
        n_reports = len(os.listdir(reports))
    finally:
        shutil.rmtree(reports, ignore_errors=True)
    control, probed = outcomes(control_xml), outcomes(probed_xml)
    explained = EXPLAINED.get((a.module, a.config), {})
    bad, seen = [], []
    for case in sorted(set(control) | set(probed)):
        c, p = control.get(case, "absent"), probed.get(case, "absent")
        if c == p:
            continue
        if case in explained and explained[case][0] == p:
            seen.append(f"  {case}: {c} -> {p} (explained: {explained[case][1]})")
        else:
            bad.append(f"  {case}: control {c}, under the probe {p}")
    print(f"{a.module} under the probe ({a.config}): {len(probed)} cases, {len(control)} in the "
          f"control, {n_reports} process reports written")
    for line in seen:
        print(line)
    for case, (outcome, why) in explained.items():
        if control.get(case) == probed.get(case):
            print(f"  {case}: explained difference not seen this time ({why})")
    if bad:
        print("unexplained differences:")
        print("\n".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
