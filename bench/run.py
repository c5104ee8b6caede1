"""run.py — runs bench/measure.py's measurements and writes docs/PERFORMANCE.md (via bench/run.sh).

Usage: python3 bench/run.py BUILD_DIR OUTPUT_FILE [--quick]
Every number in the output comes from this run; the prose around it names no number of its own.
Targets are checked against the medians of this run and marked met or missed.
"""
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

import measure as m

TARGETS = [  # (label, workload, threads, config, limit): median CPU-time ratio to bare (issue 15)
    ("counting + caller attribution, malloc+free, 1 thread", "malloc", 1, "probe: count", 1.25),
    ("counting + caller attribution, malloc+free, 2 threads", "malloc", 2, "probe: count", 1.25),
    ("PROBE_BACKTRACE=16, malloc+free, 1 thread", "malloc", 1, "probe: PROBE_BACKTRACE=16", 1.35),
    ("PROBE_BACKTRACE=16, malloc+free, 2 threads", "malloc", 2, "probe: PROBE_BACKTRACE=16", 1.35),
    ("PROBE_TIME_OFFSET, clock_gettime, 1 thread", "clock", 1, "probe: PROBE_TIME_OFFSET=3600", 1.2),
]
FLOOR = "pointer floor"
MEMORY_LIMIT_KIB = 2048


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True).stdout.strip().splitlines()[0]
    except (IndexError, OSError):
        return "?"


def machine():
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-").strip()
    return [("nproc", sh("nproc")), ("CPU", cpu), ("kernel", platform.release()),
            ("gcc", sh("gcc --version")), ("clang", sh("clang --version")),
            ("cmake", sh("cmake --version")),
            ("Google Benchmark", sh("dpkg-query -W -f='${Version}' libbenchmark-dev")),
            ("valgrind", sh("valgrind --version")), ("heaptrack", sh("heaptrack --version")),
            ("ltrace", sh("ltrace -V")), ("load average at start", sh("cat /proc/loadavg"))]


def fmt(x, digits=2):
    return f"{x:.{digits}f}"


def interposition_section(w, inter, counts, variants):
    s = inter["samples"]
    base = "gcc-O2"
    w("## 1. The price of semantic interposition\n")
    w("ns per call (interp_loop: per round of five exported calls with error checks, "
      "`victim_interp_loop` in victim/src/api.c) of each victim variant, loaded side by side in one "
      "process, repetitions interleaved at random. **ratio** = median CPU time of the variant / "
      f"median CPU time of `{base}` (< 1: faster than the default build). **spread** = min–max of "
      "the ratios of repetitions with the same index. **Ir** = instructions per call counted by "
      "callgrind (deterministic; includes the driver's loop and indirect call, the same in every "
      "variant), **Ir ratio** to the default build.\n")
    for path in m.PATHS:
        if (path, base) not in s:
            continue
        w(f"\n### {path}\n")
        w("| variant | CPU ns median | wall ns median | ratio | spread | Ir | Ir ratio |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        b = s[(path, base)]
        bmed = statistics.median(b["cpu"])
        by_idx = dict(zip(b["idx"], b["cpu"]))
        for v in variants:
            if (path, v) not in s:
                continue
            x = s[(path, v)]
            med = statistics.median(x["cpu"])
            paired = [c / by_idx[i] for i, c in zip(x["idx"], x["cpu"]) if i in by_idx]
            ir = counts.get((path, v))
            irb = counts.get((path, base))
            w(f"| {v} | {fmt(med)} | {fmt(statistics.median(x['real']))} | {fmt(med / bmed)}× | "
              f"{fmt(min(paired))}–{fmt(max(paired))} | {fmt(ir, 1) if ir else '–'} | "
              f"{fmt(ir / irb) + '×' if ir and irb else '–'} |")
    w("")


def cell_stats(rows, base_rows, key):
    """Median of key, and per-round ratios to the bare run of the same round."""
    med = statistics.median(r[key] for r in rows)
    base_by_round = {r["round"]: r[key] for r in base_rows}
    ratios = [r[key] / base_by_round[r["round"]] for r in rows if r["round"] in base_by_round]
    return med, ratios


def overhead_section(w, res, ir, cfg):
    configs = m.overhead_configs(cfg)
    w("## 2. Probe overhead\n")
    w("`probe_overhead` run as a child process per configuration, every configuration once per "
      "round in a shuffled order. **CPU** = the thread's own CPU time per operation "
      "(CLOCK_THREAD_CPUTIME_ID; on this shared machine it leaves out the time a thread waited for "
      "a core; libprobe does all its work on the calling thread, so nothing of it is left out). "
      "**ratio** = median CPU / median CPU of bare; **round ratios** = p25–p75 (min–max) of the "
      "ratios to the bare run of the same round. Wall time is shown for everything; heaptrack "
      "(its interpreter is another process) and ltrace (a tracer process) do part of their work "
      "outside the measured thread, so for them only the **wall ratio** compares. 2 threads: each "
      "thread does n operations; per-operation time is the mean over the threads.\n")
    for workload in ("malloc", "clock", "victim"):
        w(f"\n### {workload}\n")
        w("| configuration | threads | CPU ns/op | ratio | round ratios | to floor | wall ns/op | "
          "wall ratio |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        for c, (_, _, ws, ts, div) in configs.items():
            if workload not in ws:
                continue
            for t in ts:
                rows, base = res[(c, workload, t)], res[("bare", workload, t)]
                if not rows:
                    continue
                cpu, rr = cell_stats(rows, base, "cpu")
                wall, wr = cell_stats(rows, base, "wall")
                bcpu = statistics.median(r["cpu"] for r in base)
                bwall = statistics.median(r["wall"] for r in base)
                fcpu = statistics.median(r["cpu"] for r in res[(FLOOR, workload, t)])
                q = m.quantiles(rr)
                note = f" (n/{div}, {len(rows)} rounds)" if div > 1 else ""
                w(f"| {c}{note} | {t} | {fmt(cpu)} | {fmt(cpu / bcpu)}× | {fmt(q[1])}–{fmt(q[3])} "
                  f"({fmt(q[0])}–{fmt(q[4])}) | {fmt(cpu / fcpu)}× | {fmt(wall)} | "
                  f"{fmt(wall / bwall)}× |")
    w("\n### Instructions per operation (callgrind, deterministic)\n")
    w("| configuration | malloc+free pair | to bare | to floor | victim_check_result call |")
    w("|---|---:|---:|---:|---:|")
    for c in m.IR_CONFIGS:
        x = ir[(c, "malloc")]
        w(f"| {c} | {fmt(x, 1)} | {fmt(x / ir[('bare', 'malloc')])}× | "
          f"{fmt(x / ir[(FLOOR, 'malloc')])}× | {fmt(ir[(c, 'victim')], 1)} |")
    w("\nclock_gettime is left out here: valgrind does not run the vDSO, so under callgrind every "
      "call is a real system call and the user-space count says nothing about the real cost.\n")


def memory_section(w, res, scaling, cfg):
    w("## 3. Memory\n")
    w("VmRSS and VmHWM (KiB) read by the workload from /proc/self/status after its loop, medians "
      "over the rounds above; **+probe** = difference to bare in the same cell.\n")
    w("| workload | threads | bare RSS | probe RSS | +probe | backtrace RSS | +backtrace | "
      "bare HWM | probe HWM |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for workload in ("malloc", "clock", "victim"):
        for t in (1, 2):
            med = {c: (statistics.median(r["rss"] for r in res[(c, workload, t)]),
                       statistics.median(r["hwm"] for r in res[(c, workload, t)]))
                   for c in ("bare", "probe: count", "probe: PROBE_BACKTRACE=16")}
            b, p, bt = med["bare"], med["probe: count"], med["probe: PROBE_BACKTRACE=16"]
            w(f"| {workload} | {t} | {b[0]:.0f} | {p[0]:.0f} | {p[0] - b[0]:+.0f} | {bt[0]:.0f} | "
              f"{bt[0] - b[0]:+.0f} | {b[1]:.0f} | {p[1]:.0f} |")
    w("\nDoes the overhead grow with the number of calls? malloc+free, 1 thread, medians of 3 runs:\n")
    w("| pairs | bare RSS | probe RSS | +probe | backtrace RSS | +backtrace |")
    w("|---:|---:|---:|---:|---:|---:|")
    for n in sorted({n for (_, n) in scaling}):
        b, p, bt = (scaling[(c, n)][0] for c in ("bare", "probe: count", "probe: PROBE_BACKTRACE=16"))
        w(f"| {n} | {b:.0f} | {p:.0f} | {p - b:+.0f} | {bt:.0f} | {bt - b:+.0f} |")
    w("")


def verdict(ratio, limit):
    if ratio <= limit:
        return "met"
    over = (ratio / limit - 1) * 100
    return f"**missed** by {fmt(over, 0) if over >= 1 else '< 1'}%"


def targets_section(w, res, ir, scaling):
    w("## Targets\n")
    w("**floor** = the same cell under bench/pointer_shim.c, hooks that are one indirect tail jump "
      "through a pointer to the next definition: what any LD_PRELOAD hook costs before it does "
      "anything. **to floor** = the probe's median CPU time / the floor's. **Ir** = instructions "
      "per operation under callgrind (probe / floor / bare; deterministic, the table in section 2).\n")
    w("| target | limit | measured (median CPU ratio) | round ratios p25–p75 | floor | to floor "
      "| Ir probe / floor / bare | |")
    w("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, workload, t, c, limit in TARGETS:
        rows, base = res[(c, workload, t)], res[("bare", workload, t)]
        cpu, rr = cell_stats(rows, base, "cpu")
        bcpu = statistics.median(r["cpu"] for r in base)
        ratio = cpu / bcpu
        fcpu = statistics.median(r["cpu"] for r in res[(FLOOR, workload, t)])
        q = m.quantiles(rr)
        irs = [ir.get((x, workload)) for x in (c, FLOOR, "bare")]
        ir_cell = " / ".join(fmt(x, 0) for x in irs) if None not in irs else "– (vDSO)"
        w(f"| {label} | ≤ {limit}× | {fmt(ratio)}× | {fmt(q[1])}–{fmt(q[3])} | "
          f"{fmt(fcpu / bcpu)}× | {fmt(cpu / fcpu)}× | {ir_cell} | {verdict(ratio, limit)} |")
    worst = max(scaling[("probe: count", n)][0] - scaling[("bare", n)][0]
                for (c, n) in scaling if c == "bare")
    w(f"| resident memory overhead (counting), any number of calls | ≤ {MEMORY_LIMIT_KIB} KiB | "
      f"{worst:+.0f} KiB (largest) | – | – | – | – | "
      f"{'met' if worst <= MEMORY_LIMIT_KIB else '**missed**'} |")
    w("")


def main():
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "--quick"):
        print("usage: run.py BUILD_DIR OUTPUT_FILE [--quick]", file=sys.stderr)
        return 2
    build, out, quick = sys.argv[1], sys.argv[2], len(sys.argv) == 4
    started = time.time()
    cfg = m.Config(build, quick, lambda s: print("bench: " + s, file=sys.stderr, flush=True))
    try:
        return measure_and_write(cfg, out, quick, started)
    finally:
        shutil.rmtree(cfg.tmp, ignore_errors=True)


def measure_and_write(cfg, out, quick, started):
    variants = m.variants_of(os.path.join(os.path.dirname(__file__), "..", "victim", "matrix.json"))
    cfg.reference_dir = os.path.join(cfg.variants_dir, variants[0])
    info = machine()
    inter = m.interposition(cfg)
    cfg.log("callgrind: instruction counts per variant")
    counts = m.instructions(cfg, variants)
    res = m.overhead(cfg)
    cfg.log("callgrind: probe overhead")
    ir = m.overhead_instructions(cfg)
    cfg.log("memory scaling")
    scaling = m.memory_scaling(cfg)
    info.append(("load average at end", sh("cat /proc/loadavg")))
    lines = []
    w = lines.append
    w("# Performance\n")
    w("Generated by `bench/run.sh` (do not edit by hand: rerun it). "
      f"{'**Quick run: too few repetitions to quote.** ' if quick else ''}"
      f"Total time {time.time() - started:.0f} s. See the end for how to read and reproduce this.\n")
    w("## Machine\n")
    w("| | |\n|---|---|")
    for k, v in info:
        w(f"| {k} | {v} |")
    w("")
    targets_section(w, res, ir, scaling)
    interposition_section(w, inter, counts, variants)
    overhead_section(w, res, ir, cfg)
    memory_section(w, res, scaling, cfg)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "PERFORMANCE-notes.md")) as f:
        w(f.read())
    w("## Commands of this run\n")
    w("```")
    w("bench/run.sh" + (" --quick" if quick else ""))
    for c in cfg.commands:
        w(c)
    w("```\n")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
