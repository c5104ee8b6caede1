"""builds.py — fetches CPython's source from Debian and builds libpython four ways, cached.

The four builds differ in one thing each: the flag that removes semantic interposition. Everything
else (source, compiler, configure options, -g -O3 from CPython's own OPT) is the same, and no build
uses PGO (--enable-optimizations): profile-guided optimisation lays out and inlines code from a
training run, so two PGO builds differ in more than the flag, and a ratio could not be credited to
it. A finished build is marked by a stamp file holding its recipe; a rerun with the same recipe
reuses it, a changed recipe rebuilds it.
"""
import glob
import json
import os
import shutil
import subprocess

# The bookworm suite: bookworm-security's index lists a newer .dsc that its mirror does not have.
DEB_SOURCE = "python3.11/bookworm"
UPSTREAM_DIR = "upstream-3.11.2"
DSC_GLOB = "python3.11_3.11.2-*.dsc"

# name -> (what it stands for, environment for configure, extra configure options)
NOSI = "-fno-semantic-interposition"
SEED_CALLERS = ["_Py_CheckFunctionResult", "PyObject_LengthHint"]
BUILDS = {
    "default": ("CPython's own default (semantic interposition kept)", {}, []),
    "nosi": ("Fedora/RHEL: -fno-semantic-interposition in CFLAGS_NODIST and LDFLAGS_NODIST",
             {"CFLAGS_NODIST": NOSI, "LDFLAGS_NODIST": NOSI}, []),
    "nosi-lto": ("the same with --with-lto",
                 {"CFLAGS_NODIST": NOSI, "LDFLAGS_NODIST": NOSI}, ["--with-lto"]),
    "bsymbolic": ("Debian/Ubuntu: -Wl,-Bsymbolic-functions (Debian: link-opt.diff), here in "
                  "LDFLAGS",
                  {"LDFLAGS": "-Wl,-Bsymbolic-functions"}, []),
}
CONFIGURE = ["--enable-shared", "--without-ensurepip"]
# Debian's packaging tools: apt-get source needs dpkg-source; the builds need a C compiler and make.
# No library -dev package is needed: the workloads use only modules without external libraries
# (_json, _sre, math, _struct); configure skips the rest with a note, the same in every build.
NEEDS = [("gcc", "gcc"), ("make", "make"), ("dpkg-source", "dpkg-dev"), ("apt-get", "apt"),
         ("readelf", "binutils"), ("objdump", "binutils"), ("valgrind", "valgrind"),
         ("setarch", "util-linux")]


class Build:
    """One configured and built CPython tree inside the cache."""

    def __init__(self, cache, name):
        self.name = name
        self.dir = os.path.join(cache, "build-" + name)
        self.src = os.path.join(cache, "src", UPSTREAM_DIR)
        self.libpython = os.path.join(self.dir, "libpython3.11.so.1.0")
        self.stamp = os.path.join(self.dir, "interprobe-build.json")

    def recipe(self):
        _, env, opts = BUILDS[self.name]
        return {"env": env, "configure": CONFIGURE + opts, "source": UPSTREAM_DIR}

    def done(self):
        try:
            with open(self.stamp) as f:
                return json.load(f) == self.recipe() and os.path.exists(self.libpython)
        except (OSError, ValueError):
            return False

    def include_flags(self):
        return ["-I" + os.path.join(self.src, "Include"), "-I" + self.dir]

    def module_paths(self):
        """sys.path for an embedded interpreter run from the build tree (no make install)."""
        with open(os.path.join(self.dir, "pybuilddir.txt")) as f:
            ext = os.path.join(self.dir, f.read().strip())
        return [os.path.join(self.src, "Lib"), ext]


def missing_tools():
    return [f"'{cmd}' (Debian package {pkg})" for cmd, pkg in NEEDS if shutil.which(cmd) is None]


def fetch_source(cache, log):
    """apt-get source into CACHE/src, unpacked without Debian's patches (see the README)."""
    src = os.path.join(cache, "src")
    top = os.path.join(src, UPSTREAM_DIR)
    if os.path.exists(os.path.join(top, "configure")):
        return top
    os.makedirs(src, exist_ok=True)
    if not glob.glob(os.path.join(src, DSC_GLOB)):
        log(f"apt-get source --download-only {DEB_SOURCE} (into {src})")
        r = subprocess.run(["apt-get", "source", "--download-only", DEB_SOURCE], cwd=src,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0 or not glob.glob(os.path.join(src, DSC_GLOB)):
            raise SystemExit("cpython: apt-get source failed; it needs a deb-src line for bookworm "
                             "(see bench/cpython/README.md):\n" + r.stdout[-1500:])
    dsc = sorted(glob.glob(os.path.join(src, DSC_GLOB)))[-1]
    # --skip-patches: Debian's link-opt.diff links every shared object -Bsymbolic-functions, which
    # would make the "default" build Debian's; the other 82 patches are packaging and backports.
    subprocess.run(["dpkg-source", "--skip-patches", "-x", dsc, UPSTREAM_DIR], cwd=src, check=True,
                   stdout=subprocess.DEVNULL)
    return top


def build(cache, name, jobs, log):
    """Configure and make one build under nice -n 10 (the machine's cores are shared)."""
    b = Build(cache, name)
    if b.done():
        log(f"build {name}: cached in {b.dir}")
        return b
    shutil.rmtree(b.dir, ignore_errors=True)
    os.makedirs(b.dir)
    _, extra_env, opts = BUILDS[name]
    env = dict(os.environ, **extra_env)
    for k in ("CFLAGS", "CPPFLAGS", "LDFLAGS", "CFLAGS_NODIST", "LDFLAGS_NODIST"):
        if k not in extra_env:
            env.pop(k, None)  # a caller's flags would make the builds differ in more than one flag
    logfile = os.path.join(b.dir, "interprobe-build.log")
    log(f"build {name}: configure + make -j{jobs} (log {logfile})")
    with open(logfile, "w") as out:
        for cmd in (["nice", "-n", "10", os.path.join(b.src, "configure")] + CONFIGURE + opts,
                    ["nice", "-n", "10", "make", f"-j{jobs}"]):
            out.write("$ " + " ".join(f"{k}={v}" for k, v in extra_env.items()) + " "
                      + " ".join(cmd) + "\n")
            out.flush()
            r = subprocess.run(cmd, cwd=b.dir, env=env, stdout=out, stderr=subprocess.STDOUT)
            if r.returncode:
                raise SystemExit(f"cpython: build {name} failed: {cmd[3]} (see {logfile})")
    if not os.path.exists(b.libpython):
        raise SystemExit(f"cpython: build {name} made no {b.libpython} (see {logfile})")
    with open(b.stamp, "w") as f:
        json.dump(b.recipe(), f)
    return b


def sh(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False, **kw).stdout


def makefile_var(b, var):
    for line in open(os.path.join(b.dir, "Makefile")):
        if line.startswith(var) and line[len(var):].lstrip().startswith("="):
            return line.split("=", 1)[1].strip()
    return ""


def function_body(b, func):
    """objdump -d of one function of libpython (for the seed's _Py_CheckFunctionResult)."""
    out = sh(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={func}", b.libpython])
    return [l.strip() for l in out.splitlines() if "\t" in l]


def verify(b):
    """What the build really got: flags in its Makefile, DT flags, aliases, the seed's call."""
    dyn = sh(["readelf", "-dW", b.libpython])
    flags = [l.split()[-1] if "FLAGS_1" not in l else " ".join(l.split()[2:])
             for l in dyn.splitlines() if "(FLAGS" in l]
    syms = sh(["readelf", "-sW", b.libpython])
    # The seed's example, _Py_CheckFunctionResult calling PyErr_Occurred, is 3.8 code: 3.11 reads
    # the error indicator there through the internal static inline _PyErr_Occurred(tstate), so
    # none of the builds can have that call. PyObject_LengthHint (Objects/abstract.c) still calls
    # the exported PyErr_Occurred (Python/errors.c): another file, what nosi without LTO keeps.
    seed = {}
    for func in SEED_CALLERS:
        body = function_body(b, func)
        calls = [l.split("\t", 1)[1] for l in body
                 if "PyErr_Occurred" in l and ("call" in l or "jmp" in l)]
        inline_reads = sum(1 for l in body if "_PyRuntime" in l)
        seed[func] = {"calls": calls, "instructions": len(body), "runtime_refs": inline_reads}
    return {
        "OPT": makefile_var(b, "OPT"),
        "CONFIGURE_CFLAGS_NODIST": makefile_var(b, "CONFIGURE_CFLAGS_NODIST"),
        "CONFIGURE_LDFLAGS_NODIST": makefile_var(b, "CONFIGURE_LDFLAGS_NODIST"),
        "CONFIGURE_LDFLAGS": makefile_var(b, "CONFIGURE_LDFLAGS"),
        "dt_flags": ", ".join(flags) or "none",
        "localalias": sum(1 for l in syms.splitlines() if l.endswith(".localalias")),
        "localalias_names": sorted(l.split()[-1][:-len(".localalias")]
                                   for l in syms.splitlines() if l.endswith(".localalias"))[:5],
        "debug_info": ".debug_info" in sh(["readelf", "-SW", b.libpython]),
        "seed": seed,
    }
