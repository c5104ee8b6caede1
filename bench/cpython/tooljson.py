"""tooljson.py — the one reader of interprobe's JSON for bench/cpython.

Every document bench/cpython reads from interprobe — `scan --json` and `diff --json` (loss.py),
`run --shim-for --format json` and libprobe.so's report (runtime.py) — comes through here, and
each is checked for the one format and version this script was written against before anything
in it is read: an older or newer interprobe whose output means something else (scan version 1
counted a function's own DWARF records as inlined copies; diff version 1 compared relocation
counts; diff version 2 had one pair of libraries at the top, version 3 has them in `libraries`)
is refused with one line naming what was expected and what came, instead of being misread into
the document. The formats are documented in docs/SCAN.md ("JSON format", "`diff --json`
(version 3)"), docs/cli/run.md and docs/REPORT_FORMAT.md.
"""
import json
import subprocess

# (format key, format name, version key, version): what each reader accepts, and nothing else.
SCAN = ("format", "interprobe-scan", "version", 3)
DIFF = ("format", "interprobe-diff", "version", 3)
SHIM_RUN = ("format", "interprobe-shim-run", "version", 1)
PROBE = ("tool", "interprobe-probe", "schema", 1)


class FormatError(RuntimeError):
    """interprobe printed a document this script does not read (run.py: one line, exit 2)."""


def check(doc, expected, what):
    fkey, fmt, vkey, version = expected
    got = (doc.get(fkey), doc.get(vkey)) if isinstance(doc, dict) else (None, None)
    if got != (fmt, version):
        raise FormatError(f"{what}: expected {fmt} {vkey} {version}, got {got[0] or 'no format'}"
                          f" {vkey} {got[1]}; bench/cpython reads only that version "
                          "(bench/cpython/tooljson.py)")
    return doc


def run(cmd, expected, ok=(0,)):
    """Runs an interprobe command and returns its checked JSON document."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    what = " ".join(cmd)
    if p.returncode not in ok:
        raise RuntimeError(f"{what} exited {p.returncode}: {p.stderr.strip()[-500:]}")
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        raise FormatError(f"{what}: output is not JSON ({e})") from None
    return check(doc, expected, what)


def load(path, expected):
    """Reads a report file interprobe wrote and returns its checked JSON document."""
    with open(path) as f:
        try:
            doc = json.load(f)
        except ValueError as e:
            raise FormatError(f"{path}: not JSON ({e})") from None
    return check(doc, expected, path)
