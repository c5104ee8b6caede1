"""runtime.py — the embedding program per build, and what overrides see when it runs.

compile_embed() builds embed.c against one build's headers and libpython (rpath to the build
tree, so each program loads its own build). evidence() runs the program twice per build with a
fixed workload: under `interprobe run --shim-for LIBPYTHON` (a generated shim over every exported
function: calls that reached it from libpython itself and from outside) and under
`interprobe run` with libprobe.so (calls of libc's malloc family, per calling object). Both are
paired with a control run whose output must be the same.
"""
import os
import subprocess

import tooljson

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads")
NAMES = ["nbody", "calls", "exceptions", "dictstr", "json_work", "regex"]
# run(n) sizes: TIMED ~0.3 s of CPU on the default build here; callgrind runs a tenth.
TIMED_N = {"nbody": 500, "calls": 250, "exceptions": 250, "dictstr": 220, "json_work": 200,
           "regex": 220}
# The evidence run: exceptions (the seed's PyErr_Occurred), json (an extension module calling
# libpython from outside) and dict/str work, small sizes (the shim counts every call).
EVIDENCE = [("exceptions", 10), ("json_work", 2), ("dictstr", 2)]
MALLOC_FAMILY = ["malloc", "free", "calloc", "realloc", "posix_memalign", "aligned_alloc"]


def compile_embed(b, out_dir):
    exe = os.path.join(out_dir, "embed-" + b.name)
    src = os.path.join(HERE, "embed.c")
    if os.path.exists(exe) and os.path.getmtime(exe) >= max(os.path.getmtime(src),
                                                          os.path.getmtime(b.libpython)):
        return exe
    cmd = (["gcc", "-O2", "-g", "-Wall", "-o", exe, src] + b.include_flags()
           + ["-L" + b.dir, "-lpython3.11", "-Wl,-rpath," + b.dir, "-lm"])
    subprocess.run(cmd, check=True)
    return exe


def embed_cmd(exe, b, specs):
    cmd = [exe]
    for p in b.module_paths():
        cmd += ["-p", p]
    return cmd + [f"{os.path.join(WORKLOADS, w)}.py:{n}" for w, n in specs]


def run_checked(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       cwd=cwd)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return p.stdout


def results(stdout):
    """{workload: {"n", "cpu_ns", "wall_ns", "value"}} from embed's RESULT lines."""
    out = {}
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            kv = dict(f.split("=", 1) for f in line.split()[1:])
            out[kv["workload"]] = {"n": int(kv["n"]), "cpu_ns": int(kv["cpu_ns"]),
                                   "wall_ns": int(kv["wall_ns"]), "value": kv["value"]}
    return out


def _values(stdout):
    """What must not change under a preload: every RESULT value and the APP line."""
    return [(w, r["value"]) for w, r in sorted(results(stdout).items())] + \
        [l for l in stdout.splitlines() if l.startswith("APP ")]


def read_shim_run(path):
    """{name: {"outside": {object: n}, "from_lib": n, "plt_got", "direct", "inlined"}} from
    `interprobe run --shim-for --format json` (format interprobe-shim-run, version 1)."""
    doc = tooljson.load(path, tooljson.SHIM_RUN)
    out = {}
    for s in doc["symbols"]:
        i = s["internal"]
        out[s["name"]] = {"outside": {os.path.basename(k): v
                                      for k, v in s["calls_outside_by_object"].items()},
                          "from_lib": s["calls_from_library"], "plt_got": i["plt_got_sites"],
                          "direct": i["direct_sites"], "inlined": i["inlined"]}
    return {"trampolined": doc["trampolined"], "symbols": out}


def read_probe_run(path):
    """{symbol: {object basename: calls}} from libprobe.so's JSON report (schema 1)."""
    doc = tooljson.load(path, tooljson.PROBE)
    return {s["name"]: {os.path.basename(c["object"]): c["count"] for c in s["callers"]}
            for s in doc["symbols"]}


# Address-space randomisation off (inherited by every process below): dict and set orders that
# depend on object addresses change a few dozen calls from run to run otherwise.
NO_ASLR = ["setarch", "-R"]
# With ASLR off, the layout still follows the process's environment and working directory (os
# imports os.environ as str objects, whose sizes shift later allocations), and the counts follow
# the layout: CPython's type method cache is indexed by the attribute name's address
# (MCACHE_HASH_METHOD, Objects/typeobject.c), so a layout where two names of the exceptions
# loop collide turns cache hits into MRO walks, each one _PyDict_GetItem_KnownHash and one
# PyErr_Occurred per class that lacks the name (find_name_in_mro). Measured: 8,000 more
# PyErr_Occurred calls from libpython (4 per iteration) in the default build when run.py was
# started from the repository's root by a Python parent than from a shell. So the evidence runs
# get this fixed environment (PATH: interprobe's shim needs the C compiler) and directory.
EVIDENCE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"}


def evidence(interprobe, b, exe, tmp):
    """One build's runtime evidence: shim counts and malloc-family counts, control-checked."""
    cmd = embed_cmd(exe, b, EVIDENCE)
    env, cwd = EVIDENCE_ENV, os.path.dirname(b.dir)  # the cache: a fixed directory

    def run(c):
        return run_checked(NO_ASLR + c, env=env, cwd=cwd)
    control = _values(run(cmd))
    shim_report = os.path.join(tmp, f"shim-{b.name}.json")
    shim_out = run([interprobe, "run", "--shim-for", b.libpython, "--format", "json",
                    "--report", shim_report, "--"] + cmd)
    probe_report = os.path.join(tmp, f"probe-{b.name}.json")
    probe_out = run([interprobe, "run", "--format", "json", "--report", probe_report, "--"] + cmd)
    for label, out in (("shim", shim_out), ("probe", probe_out)):
        if _values(out) != control:
            raise RuntimeError(f"{b.name}: output under the {label} differs from the control run:"
                               f"\n{_values(out)}\n{control}")
    app = [l for l in control if isinstance(l, str)]
    return {"shim": read_shim_run(shim_report), "probe": read_probe_run(probe_report),
            "control": control, "app_line": app[0] if app else "", "command": cmd}
