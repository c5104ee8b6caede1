"""report.py — renders docs/CASE-LIBPYTHON.md (and README's headline block) from one run's data.

Every number comes from the data passed in; the prose names no number of its own. What is lost
is interprobe diff's classification (loss.py); runtime counts and speed are this script's own
measurements, and the document says so where it shows them.
"""
import builds
import loss
import runtime
import speed

FLAGGED = ["nosi", "nosi-lto", "bsymbolic"]
SEED = "PyErr_Occurred"


def pct(a, b):
    return f"{100.0 * a / b:.0f} %" if b else "–"


def fmt_ratio(x):
    return f"{x:.3f}×"


def geomeans(d, name):
    """Geometric means over the workloads of the CPU-time and instruction ratios to default."""
    sp = d["speed"]
    cpu = [speed.ratio_stats(sp["timed"], name, w)["ratio"] for w in runtime.NAMES]
    ir = [sp["ir"][(name, w)]["ir"] / sp["ir"][("default", w)]["ir"] for w in runtime.NAMES]
    return speed.geomean(cpu), speed.geomean(ir)


def internal_calls(d, name):
    """Calls from libpython itself that reached the shim (all functions) in the evidence run."""
    return sum(s["from_lib"] for s in d["evidence"][name]["shim"]["symbols"].values())


def seed_calls(d, name):
    return d["evidence"][name]["shim"]["symbols"].get(SEED, {}).get("from_lib", 0)


def headline(w, d, link):
    base_all = internal_calls(d, "default")
    total = d["loss"][FLAGGED[0]]["old"]["taken"]
    w(f"| build | CPU time vs default | instructions vs default | functions lost fully / "
      f"partially (`interprobe diff`) | libpython's own PLT/GOT and pointer sites of its "
      f"functions that moved to references an override never sees (`diff`) | of the default "
      f"build's {total}, left in the build (`scan`) "
      f"| libpython's own calls a shim of all its functions sees (default: {base_all}) | of "
      f"them `{SEED}` (default: {seed_calls(d, 'default')}) |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in FLAGGED:
        s = d["loss"][name]
        cpu, ir = geomeans(d, name)
        q = speed.measure.quantiles(speed.round_geomeans(d["speed"]["timed"], name,
                                                         runtime.NAMES))
        calls = internal_calls(d, name)
        w(f"| [{name}]({link}#the-four-builds) | {fmt_ratio(cpu)} ({q[1]:.2f}–{q[3]:.2f}) | "
          f"{fmt_ratio(ir)} | {s['fully']} / {s['partially']} | {s['moved_sites']} "
          f"({pct(s['moved_sites'], total)}) | {s['new']['taken']} "
          f"({pct(s['new']['taken'], total)}) | {calls} ({pct(calls, base_all)}) | "
          f"{seed_calls(d, name)} |")


def builds_section(w, d):
    w("## The four builds\n")
    w(f"Source: Debian's `{d['source_version']}` source package (`apt-get source "
      f"{builds.DEB_SOURCE}`), unpacked with `dpkg-source --skip-patches`: upstream CPython "
      "3.11.2. Debian's own patches are left out because one of them (`link-opt.diff`) links "
      "every shared object with `-Wl,-Bsymbolic-functions`, which would make the default build "
      f"Debian's. Each build: `configure {' '.join(builds.CONFIGURE)}` plus the row's flag, "
      "`make -j2` under `nice -n 10`, run from its build tree (no `make install`). CPython's own "
      "`OPT` keeps `-g -O3`, so the scanner sees inlined copies in the DWARF. No PGO "
      "(`--enable-optimizations`): a profile-guided build inlines and lays out code from a "
      "training run, so two of them differ in more than the flag; with PGO, 3.10+'s configure "
      "also adds `-fno-semantic-interposition` by itself.\n")
    w("What each build really got (read back from its Makefile and its libpython):\n")
    w("| build | what | configure's CFLAGS_NODIST / LDFLAGS_NODIST | LDFLAGS | DT flags | "
      "`.localalias` | DWARF |")
    w("|---|---|---|---|---|---:|---|")
    common = d["verify"]["default"]["CONFIGURE_CFLAGS_NODIST"].split()
    for name in builds.BUILDS:
        v = d["verify"][name]
        own = " ".join(f for f in v["CONFIGURE_CFLAGS_NODIST"].split() if f not in common)
        w(f"| {name} | {builds.BUILDS[name][0]} | `{own or '–'}` / "
          f"`{v['CONFIGURE_LDFLAGS_NODIST'] or '–'}` | `{v['CONFIGURE_LDFLAGS'] or '–'}` | "
          f"{v['dt_flags']} | {v['localalias']} | {'yes' if v['debug_info'] else 'no'} |")
    opts = {d["verify"][n]["OPT"] for n in builds.BUILDS}
    w(f"\n`OPT` in every build: `{' | '.join(sorted(opts))}`. CFLAGS_NODIST holds, besides "
      f"the flags shown, configure's own `{' '.join(common)}` in every build; "
      "`--with-lto` puts its flags in both NODIST variables. DT flags are `readelf -d`'s FLAGS "
      "and FLAGS_1: `-Bsymbolic-functions` leaves no mark there (only `-Bsymbolic` sets "
      "DF_SYMBOLIC), so its effect shows only in the code and relocations below.\n")
    names = {n: ", ".join(f"`{x}`" for x in d["verify"][n]["localalias_names"])
             for n in builds.BUILDS if 0 < d["verify"][n]["localalias"] <= 5}
    if names:
        w("Builds with a handful of `.localalias` symbols have them for self-recursive functions "
          "(" + "; ".join(f"{n}: {v}" for n, v in names.items()) + "): GCC binds a function's "
          "call of itself to its local alias even with semantic interposition.\n")
    w(f"The seed's example, `_Py_CheckFunctionResult` calling `{SEED}`, is Python 3.8's code: "
      "3.11 reads the error indicator there through the internal static inline "
      "`_PyErr_Occurred(tstate)` (Objects/call.c), so no build calls the exported function "
      "from it. `PyObject_LengthHint` (Objects/abstract.c) still calls it, across files "
      "(it is defined in Python/errors.c). Calls of `PyErr_Occurred` in each, from `objdump -d "
      "--disassemble=FUNCTION` (**size**: instructions; **_PyRuntime**: instructions naming "
      "`_PyRuntime`, where an inlined `PyErr_Occurred` reads the thread state):\n")
    w("| build | function | size | _PyRuntime | its calls of PyErr_Occurred |")
    w("|---|---|---:|---:|---|")
    for name in builds.BUILDS:
        for func, v in d["verify"][name]["seed"].items():
            calls = "<br>".join("`" + c + "`" for c in v["calls"]) or "none"
            w(f"| {name} | `{func}` | {v['instructions']} | {v['runtime_refs']} | {calls} |")
    w("")


def loss_section(w, d):
    w("## What LD_PRELOAD users lose\n")
    w("What is lost is `interprobe diff --json` default → build's own classification, caller "
      "by caller ([docs/SCAN.md](SCAN.md#diff-what-ld_preload-users-lose)); this script only "
      "adds it up. An override takes libpython's **PLT/GOT sites** (its code reaching the "
      "function through its PLT or GOT: calls, jumps, GOT loads) and its **absolute** words "
      "(the function's address in data, e.g. a method table: calls through that pointer); it "
      "never sees **direct** calls, calls of a **clone** (`f.constprop.N`, `f.isra.N`), "
      "**inlined** copies (DWARF), **address** uses (PC-relative, RELATIVE words) or "
      "**linker-bound** ones. For each caller whose counts changed, diff calls the sites "
      "**moved** that went from the first kinds to the second (in that caller, or in another "
      "function's code that the DWARF ties to it: **moved elsewhere**), **inlined without a "
      "DWARF record** where the DWARF marks the function inlined in the caller's unit, "
      "**vanished** where nothing took their place, **appeared** for new interposable sites. "
      "A function is **lost** when some caller moved: **fully** when no interposable site is "
      "left, else **partially** (also when its total stays equal: a call inlined here, a new "
      "PLT call there); **vanished** when its sites only vanished; **gained** when some caller "
      "moved back. A function's own recursion and the DWARF records of its own body are no "
      "callers and count nowhere. The totals per build (first rows, data) are "
      "`interprobe scan --json`'s, which agree with diff on every symbol diff lists "
      "(loss.compare() checks it).\n")
    w("| | " + " | ".join(FLAGGED) + " |")
    w("|---|" + "---:|" * len(FLAGGED))

    def arrow(key):
        return lambda s: f"{s['old'][key]} → {s['new'][key]}"

    def kinds(s):
        return ", ".join(f"{k.replace('_', '-')} {s['moved'][k]}" for k in loss.BOUND
                         if s["moved"][k]) or "–"
    rows = [("functions an override sees called from inside (scan: default → build)",
             arrow("functions")),
            ("their PLT/GOT sites (scan)", arrow("plt")),
            ("their absolute words (scan)", arrow("abs")),
            ("**functions lost fully** (diff)", lambda s: f"**{s['fully']}**"),
            ("**functions lost partially** (diff)", lambda s: f"**{s['partially']}**"),
            ("their callers that moved", lambda s: str(s["callers_moved"])),
            ("**sites moved** to references an override never sees",
             lambda s: f"**{s['moved_sites']}**"),
            ("… as", kinds),
            ("… of them found in another function's code (moved elsewhere)",
             lambda s: str(s["elsewhere"])),
            ("… inlined without a DWARF record", lambda s: str(s["without_record"])),
            ("the lost functions' interposable sites (default → build)",
             lambda s: f"{s['lost_old']} → {s['lost_new']}"),
            ("… sites that vanished / appeared in their callers",
             lambda s: f"{s['vanished_in_lost']} / {s['appeared_in_lost']}"),
            ("functions whose sites only vanished (diff: vanished, not lost)",
             lambda s: f"{s['vanished_funcs']} ({s['vanished_sites']} sites)"),
            ("functions changed otherwise (diff: other)", lambda s: str(s["other_funcs"])),
            ("functions gained (diff)", lambda s: str(s["gained"])),
            ("lost functions without a caller that moved (must be 0)",
             lambda s: str(len(s["lost_without_move"]))),
            ("data symbols lost (diff)",
             lambda s: f"{s['data_lost']}" + (f" ({s['data_lost_fully']} fully)"
                                              if s["data_lost"] else "")),
            ("data symbols still interposable (scan: default → build)", arrow("data")),
            ("their GOT sites + absolute words (scan)", arrow("data_refs")),
            ("data symbols whose sites only vanished (diff: vanished)",
             lambda s: str(s["data_vanished"])),
            ("diff's own summary, all symbols: lost (fully + partially) / vanished / other",
             lambda s: "{lost} ({fully_lost} + {partially_lost}) / {vanished} / {other}"
             .format(**s["diff_summary"])),
            ("scan's verdicts in this build: interposable / bound / mixed / none",
             lambda s: "{interposable} / {bound} / {mixed} / {none}"
             .format(**s["scan_summary"]["new"]))]
    for label, f in rows:
        w(f"| {label} | " + " | ".join(f(d["loss"][n]) for n in FLAGGED) + " |")
    base = d["loss"][FLAGGED[0]]["scan_summary"]["old"]
    w(f"\nThe default build's verdicts: {base['interposable']} interposable, {base['bound']} "
      f"bound, {base['mixed']} mixed, {base['none']} without internal references (the mixed "
      "ones: [docs/SCAN.md](SCAN.md#records-of-a-functions-own-body)). Sites moved can exceed "
      "the fall in the lost functions' interposable sites: where a static function holding a "
      "PLT call is inlined into several callers, the call reappears once per copy (appeared).\n")
    w("Data: references to an exported variable (`_Py_NoneStruct`, the type objects) go "
      "through the GOT or an absolute word unless the code names it PC-relative; "
      "`-fno-semantic-interposition` leaves them so here, and `-Bsymbolic-functions` binds "
      "functions only.\n")
    base_ev = d["evidence"]["default"]["shim"]["symbols"]
    for name in FLAGGED:
        ev = d["evidence"][name]["shim"]["symbols"]
        s = d["loss"][name]
        w(f"### {name}: the 20 lost functions with the most sites moved\n")
        w(f"Of the {s['fully'] + s['partially']} functions diff calls lost, ranked by the sites "
          "diff says moved (static: the same for any workload). **sites**: interposable sites "
          "(PLT/GOT and absolute), default → this build; **moved to**: where the moved ones "
          "went; **callers**: callers that moved; the last column is this script's own figure, "
          "not diff's: the calls from libpython that reached the shim in the evidence run "
          "below, default build → this one.\n")
        w("| function | lost | sites | moved to | without record | vanished / appeared | "
          "callers | calls from libpython |")
        w("|---|---|---:|---|---:|---:|---:|---:|")
        for x in s["lost"][:20]:
            to = ", ".join(f"{k.replace('_', '-')} {x.moved[k]}" for k in loss.BOUND
                           if x.moved[k])
            if x.elsewhere:
                to += f" (elsewhere {x.elsewhere})"
            calls = (f"{base_ev.get(x.name, {}).get('from_lib', 0)} → "
                     f"{ev.get(x.name, {}).get('from_lib', 0)}")
            w(f"| `{x.name}` | {'fully' if x.fully else 'partially'} | "
              f"{loss.taken(x.old)} → {loss.taken(x.new)} | {to or '–'} | {x.without_record} | "
              f"{x.vanished} / {x.appeared} | {x.callers_moved} | {calls} |")
        w("")


def evidence_section(w, d):
    w("## Runtime evidence\n")
    ev = d["evidence"]
    cmd = " ".join(["embed-NAME -p LIB -p EXT"] +
                   [a.split("/")[-1] for a in ev["default"]["command"] if ".py:" in a])
    w("bench/cpython/embed.c, compiled against each build, runs "
      f"`{cmd}` (workloads in bench/cpython/workloads/), then makes "
      f"1000 C-API calls that raise and checks each with `{SEED}` itself "
      f"(`{ev['default']['app_line']}`). It runs under `interprobe run --shim-for LIBPYTHON` "
      f"(a generated shim over every exported function: {ev['default']['shim']['trampolined']} "
      "trampolines), whose every call is counted by calling object, and under a control run; "
      "the output is the same in both. Address-space randomisation is off (`setarch -R`) so "
      "that the counts repeat exactly. **from libpython**: calls from libpython's own code that "
      "reached the override; **from embed**: the program's; **from modules**: extension modules "
      "(`_json` ...), which call libpython from outside. These counts are this script's own "
      "measurement, not diff's. Sites: libpython's own, from `interprobe scan`.\n")
    picks = d["picks"]
    w("| function | build | from libpython | from embed | from modules | PLT/GOT sites | "
      "absolute | direct | clone | inlined |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fn in picks:
        for name in builds.BUILDS:
            s = ev[name]["shim"]["symbols"].get(fn)
            st = d["sites"][name].get(fn)
            if st is None:
                continue
            outside = s["outside"] if s else {}
            app = sum(v for k, v in outside.items() if k.startswith("embed-"))
            mods = sum(v for k, v in outside.items() if not k.startswith("embed-"))
            w(f"| `{fn}` | {name} | {s['from_lib'] if s else 0} | {app} | {mods} | "
              f"{st.plt_got} | {st.absolute} | {st.direct} | {st.clone} | {st.inlined} |")
    w(f"\nThe functions after `{SEED}`: those lost fully under nosi with the most calls from "
      "libpython in the default build's run.\n")
    via_ptr, tail = {}, {}
    for name in builds.BUILDS:
        for fn, s in sorted(ev[name]["shim"]["symbols"].items()):
            st = d["sites"][name].get(fn)
            if s["from_lib"] and st is not None and not st.plt_got:
                (via_ptr if st.absolute else tail).setdefault(name, []).append((fn, s["from_lib"]))

    def listing(m):
        return "; ".join(f"{k}: " + ", ".join(f"`{fn}` {n}" for fn, n in v[:6])
                         + (f" and {len(v) - 6} more" if len(v) > 6 else "") for k, v in m.items())
    if via_ptr:
        w("Calls from libpython to functions it has no PLT/GOT site of, but absolute relocations "
          "(its address in data: a type slot such as `sq_contains`, the table of built-in "
          "modules' `PyInit_*`): calls through those pointers reach the override. "
          + listing(via_ptr) + ".\n")
    if tail:
        w("Calls counted from libpython to functions it has no reference of that an override "
          "takes: " + listing(tail) + ". The shim names the caller by the return address, and "
          "a tail call from outside leaves libpython's: an extension module's `PyInit_*` ends "
          "in `jmp PyModuleDef_Init@plt` (`objdump -d` of math's), so libpython's importer is "
          "named (docs/REPORT_FORMAT.md).\n")
    w("Counts follow the memory layout, which with ASLR off still follows the environment and "
      "the working directory: CPython's type method cache is indexed by the attribute name's "
      "address (`MCACHE_HASH_METHOD`, Objects/typeobject.c), so where two names of a loop "
      "collide, each lookup walks the MRO, one `_PyDict_GetItem_KnownHash` and one "
      "`PyErr_Occurred` per class (`find_name_in_mro`). The evidence runs therefore get a fixed "
      "environment and directory (runtime.py; started from a Python parent in the repository's "
      "root, the default build's exceptions loop made 4 such calls more per iteration). A "
      "build's count can still differ from the default's where no site moved: its layout "
      "differs.\n")


def survives_section(w, d):
    w("## What survives\n")
    w("- **Outside callers**, in every build: the program's and the extension modules' calls "
      "above reach the override whatever libpython was built with (they go through the "
      "caller's own PLT).")
    w("- **libc's malloc family**: libpython's calls of malloc, free, calloc, realloc go through "
      "its PLT in every build (the flags bind only libpython's own functions), so a malloc "
      "override (libprobe.so here, `interprobe run`) sees them:\n")
    w("| build | " + " | ".join(runtime.MALLOC_FAMILY[:4]) + " |")
    w("|---|" + "---:|" * 4)
    for name in builds.BUILDS:
        p = d["evidence"][name]["probe"]
        w(f"| {name} | " + " | ".join(str(p.get(f, {}).get("libpython3.11.so.1.0", 0))
                                      for f in runtime.MALLOC_FAMILY[:4]) + " |")
    w("\n  (calls from libpython3.11.so.1.0 in the evidence run; pymalloc serves small objects "
      "from its own arenas, so these are the larger blocks and the raw allocator.)")
    ptr = ", ".join(f"{n} {d['loss'][n]['new']['abs']}" for n in FLAGGED)
    w(f"- **Function pointers in data**: of the default build's "
      f"{d['loss'][FLAGGED[0]]['old']['abs']} absolute relocations against libpython's own "
      f"functions (type slots, the built-in modules' table), these are left: {ptr}. "
      "`-fno-semantic-interposition` changes code, not the linker's relocations; "
      "`-Bsymbolic-functions` makes them RELATIVE.")
    w("- **Data**: the table above counts the exported variables libpython still reaches "
      "through its GOT or absolute relocations.")
    w("- **Replacing the whole library** (a libpython3.11.so.1.0 earlier in the search path) "
      "is unaffected by any of these flags.\n")


def wins_section(w, d):
    sp = d["speed"]
    w("## What it wins\n")
    if sp["reused"]:
        load = "; ".join(f"{k} {v}" for k, v in sp["machine"])
        w(f"Measured on {sp['date']} by an earlier run of this script on the same builds "
          "(`--reuse-speed`: the libraries, embedding programs and workloads are all older than "
          f"that measurement; {load}). The rest of this document is from {d['date']}.\n")
    w("Six interpreter workloads (bench/cpython/workloads/, pyperformance-like, written for "
      "this). **CPU** = median thread-CPU time of run(n) (embed.c, CLOCK_THREAD_CPUTIME_ID); "
      f"{sp['rounds']} rounds, each running every (build, workload) once as its own process in an "
      "order shuffled per round. **ratio** = median / median of the default build; **round "
      "ratios** = p25–p75 (min–max) of the ratios to the default build's run of the same "
      "round; "
      "**wall** = the same ratio of wall-clock medians, for comparison only (this machine's "
      "cores are shared). **Ir** = instructions counted by callgrind for run(n/10), minus "
      "run(0)'s count (start-up, imports, the program's own checks); **Ir ratio** to default.\n")
    w("| workload | build | CPU ms | ratio | round ratios | wall | Ir (M) | Ir ratio |")
    w("|---|---|---:|---:|---:|---:|---:|---:|")
    for wl in runtime.NAMES:
        for name in builds.BUILDS:
            r = speed.ratio_stats(sp["timed"], name, wl)
            ir, irb = sp["ir"][(name, wl)]["ir"], sp["ir"][("default", wl)]["ir"]
            q = r["q"]
            spread = "–" if name == "default" else \
                f"{q[1]:.2f}–{q[3]:.2f} ({q[0]:.2f}–{q[4]:.2f})"
            w(f"| {wl} (n={r['n']}) | {name} | {r['median_ns'] / 1e6:.1f} | {r['ratio']:.3f} | "
              f"{spread} | {r['wall_ratio']:.2f} | {ir / 1e6:.1f} | {ir / irb:.3f} |")
    w("| **geometric mean** | | | | | | | |")
    for name in FLAGGED:
        cpu, ir = geomeans(d, name)
        w(f"| | {name} | | **{cpu:.3f}** | | | | **{ir:.3f}** |")
    faster = {n: [x for x in runtime.NAMES if speed.ratio_stats(sp["timed"], n, x)["q"][3] < 1]
              for n in FLAGGED}
    w("\nFaster than the default build in at least three quarters of the rounds (round-ratio "
      "p75 below 1): " + "; ".join(f"{n}: {', '.join(v) or 'none'}" for n, v in faster.items())
      + ". The rest overlap the default build's spread on this machine; the instruction counts "
      "are the deterministic companion.")
    st = [sp["ir"][("default", x)]["startup"] for x in runtime.NAMES]
    w(f"\nStart-up subtracted (run(0) under callgrind, default build): "
      f"{min(st) / 1e6:.1f}–{max(st) / 1e6:.1f} M instructions. Every build returned the same "
      "value for every workload in every run.\n")


def run_time(d):
    sp, took = d["speed"], f"{d['elapsed'] / 60:.0f} min"
    if not sp["reused"]:
        return f"total time {took}"
    return (f"this run {took} (`--reuse-speed`: the speed measurements are those of "
            f"{sp['date']}, see [What it wins](#what-it-wins))")


def render(d):
    lines = []
    w = lines.append
    w("# The seed for real: libpython 3.11 built four ways\n")
    w("Generated by `bench/cpython/run.py` (do not edit by hand: rerun it; "
      "[bench/cpython/README.md](../bench/cpython/README.md)). "
      f"{'**Quick run: too few rounds to quote.** ' if d['quick'] else ''}"
      f"{d['date']}, {run_time(d)}. What the Red Hat article "
      "(`-fno-semantic-interposition` in Python 3.8) claims, measured on its own library: what "
      "LD_PRELOAD users lose, call site by call site and at run time, and what the interpreter "
      "wins.\n")
    headline(w, d, "")
    w("\nFunctions lost and sites moved: `interprobe diff --json` default → build, its own "
      "classification, caller by caller ([What LD_PRELOAD users lose](#what-ld_preload-users-"
      "lose)); the sites are libpython's own PLT/GOT sites and absolute words (function "
      "pointers in data) naming its exported functions; **left**: how many the build still "
      "has (`interprobe scan`: sites also vanish, with code folded or dropped, and appear, "
      "with code duplicated by inlining, so the two columns need not add up). The other "
      "columns are this script's own measurements: calls from the [evidence run](#runtime-"
      "evidence), and CPU time and instructions ([What it wins](#what-it-wins)): geometric "
      "means over the six workloads of the per-workload ratios (below 1: faster than the "
      "default build), in brackets p25–p75 of the same mean taken per round.\n")
    builds_section(w, d)
    loss_section(w, d)
    evidence_section(w, d)
    survives_section(w, d)
    wins_section(w, d)
    w("## Reproduce\n")
    w("```")
    for c in d["commands"]:
        w(c)
    w("```\n")
    w("| machine | |\n|---|---|")
    for k, v in d["machine"]:
        w(f"| {k} | {v} |")
    sp = d["speed"]
    for k, v in sp["machine"]:
        w(f"| {'speed run of ' + sp['date'] + ': ' if sp['reused'] else ''}{k} | {v} |")
    w("")
    return "\n".join(lines)


def readme_block(d):
    lines = []
    headline(lines.append, d, "docs/CASE-LIBPYTHON.md")
    return "\n".join(lines)


def value_check(timed):
    """Every run of a workload must return one value, in every build."""
    by_w = {}
    for (name, wl), rows in timed.items():
        by_w.setdefault(wl, set()).update(x["value"] for x in rows)
    bad = {wl: vals for wl, vals in by_w.items() if len(vals) != 1}
    if bad:
        raise RuntimeError(f"workloads returned different values across builds: {bad}")
