"""compare_probes.py — the hook path of this build's libprobe.so beside a baseline libprobe.so (an
earlier commit's), measured side by side in one run; writes a Markdown page.

Usage: python3 bench/compare_probes.py BUILD_DIR BASELINE_SO OUTPUT_FILE [--label TEXT]
                                       [--probe SO --probe-label TEXT] [--quick]

A change to the runtime must not slow the hook path down (issue 13's acceptance: "bench/run.sh
before and after"); a before/after taken on two days compares two machines' moods. Here both
probes run in the same rounds: probe_overhead (bench/probe_overhead.c) as a child process per
configuration — bare, the pointer floor (bench/pointer_shim.c), then each probe counting, with
PROBE_BACKTRACE=16 and, for clock_gettime, with PROBE_TIME_OFFSET=3600 — every configuration once
per round in a shuffled order. Per cell: the median over the rounds of the thread's CPU time per
operation, and the median over the rounds of (this build / baseline) within the same round, with
its p25-p75. Beside them, callgrind's instructions per operation (deterministic).

The baseline is any libprobe.so with the same hooks, e.g. built from an earlier commit:
  git worktree add /tmp/base COMMIT && cmake -S /tmp/base -B /tmp/base/build -G Ninja &&
  cmake --build /tmp/base/build --target probe       # /tmp/base/build/lib/libprobe.so
(before victim/probe/ existed, the installed libprobe.so had the victim workload's hooks too; for
a later commit use its build/victim/probe/libprobe.so). --probe puts another libprobe.so in this
build's place (two earlier commits side by side; the workloads and variants stay this build's).
"""
import os
import random
import shutil
import statistics
import sys
import time

import measure as m

WORKLOADS = ("malloc", "clock", "victim")
THREADS = (1, 2)


def configs(cfg, baseline_so):
    """name -> (environment additions, workloads)."""
    out = {"bare": ({}, WORKLOADS),
           "pointer floor": ({"LD_PRELOAD": cfg.bench_bin("libpointer_shim.so")}, WORKLOADS)}
    for who, so in (("baseline", baseline_so), ("new", cfg.probe_so)):
        probe = {"LD_PRELOAD": so, "PROBE_REPORT": os.path.join(cfg.tmp, "report.%p")}
        out[f"{who}: count"] = (probe, WORKLOADS)
        out[f"{who}: PROBE_BACKTRACE=16"] = (dict(probe, PROBE_BACKTRACE="16"), ("malloc", "victim"))
        out[f"{who}: PROBE_TIME_OFFSET=3600"] = (dict(probe, PROBE_TIME_OFFSET="3600"), ("clock",))
    return out


def run_once(cfg, extra, workload, threads, n):
    env = dict(os.environ, LD_LIBRARY_PATH=cfg.reference_dir, **extra)
    text = m.run([cfg.bench_bin("probe_overhead"), workload, str(n), str(threads)], env=env)
    found = m.RESULT_RE.search(text)
    if found is None:
        raise RuntimeError(f"{workload}: no RESULT line:\n{text[-2000:]}")
    for f in os.listdir(cfg.tmp):
        if f.startswith("report."):
            os.unlink(os.path.join(cfg.tmp, f))
    return float(found.group(5))


def rounds(cfg, confs):
    cells = [(c, w, t) for c, (_, ws) in confs.items() for w in ws for t in THREADS]
    res = {cell: {} for cell in cells}
    rng = random.Random(cfg.seed)
    for r in range(cfg.rounds):
        order = cells[:]
        rng.shuffle(order)
        for c, w, t in order:
            res[(c, w, t)][r] = run_once(cfg, confs[c][0], w, t, cfg.n_ops)
        cfg.log(f"round {r + 1}/{cfg.rounds}")
    return res


def instructions(cfg, confs):
    out = {}
    for c, (extra, ws) in confs.items():
        for w in ws:
            if w == "clock":
                continue  # valgrind does not run the vDSO: every call a system call there
            out[(c, w)] = m.callgrind_per_op(cfg, extra, w)
    return out


def write(out, cfg, res, ir, confs, baseline_so, label, current, quick, load, started):
    lines = []
    w = lines.append
    f = lambda x, d=2: f"{x:.{d}f}"
    w("# The hook path: a libprobe.so beside a baseline\n")
    w(m.generated_line(f"python3 bench/compare_probes.py build BASELINE_SO {os.path.basename(out)}",
                       quick, load, started) +
      f"Baseline: {label} (`{os.path.basename(baseline_so)}`); new: {current}. "
      f"{cfg.rounds} rounds, each running "
      f"`build/bench/probe_overhead WORKLOAD {cfg.n_ops} THREADS` once per configuration in a "
      "shuffled order; **CPU ns/op** = median of the thread's own CPU time per operation "
      "(CLOCK_THREAD_CPUTIME_ID; malloc = a malloc+free pair, clock = clock_gettime, victim = "
      "the victim library's API, bench/probe_overhead.c); **new/baseline** = median over the "
      "rounds of the ratio within one round, with its p25–p75 (below 1: new is faster).\n")
    w("| workload | threads | configuration | bare | floor | baseline | new | "
      "new/baseline | p25–p75 |")
    w("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for wl in WORKLOADS:
        for t in THREADS:
            bare = statistics.median(res[("bare", wl, t)].values())
            floor = statistics.median(res[("pointer floor", wl, t)].values())
            for mode in ("count", "PROBE_BACKTRACE=16", "PROBE_TIME_OFFSET=3600"):
                b, c = f"baseline: {mode}", f"new: {mode}"
                if wl not in confs[b][1]:
                    continue
                base_r, cur_r = res[(b, wl, t)], res[(c, wl, t)]
                q = m.quantiles([cur_r[r] / base_r[r] for r in cur_r])
                w(f"| {wl} | {t} | {mode} | {f(bare)} | {f(floor)} | "
                  f"{f(statistics.median(base_r.values()))} | "
                  f"{f(statistics.median(cur_r.values()))} | {f(q[2])}× | "
                  f"{f(q[1])}–{f(q[3])} |")
    w("\nInstructions per operation (callgrind, `valgrind --tool=callgrind --collect-atstart=no "
      f"--toggle-collect=run build/bench/probe_overhead WORKLOAD {cfg.cg_calls} 1`; clock_gettime "
      "is not counted: valgrind does not run the vDSO):\n")
    w("| workload | configuration | bare | floor | baseline | new | new − baseline |")
    w("|---|---|---:|---:|---:|---:|---:|")
    for wl in ("malloc", "victim"):
        for mode in ("count", "PROBE_BACKTRACE=16"):
            b, c = ir[(f"baseline: {mode}", wl)], ir[(f"new: {mode}", wl)]
            w(f"| {wl} | {mode} | {f(ir[('bare', wl)], 1)} | {f(ir[('pointer floor', wl)], 1)} | "
              f"{f(b, 1)} | {f(c, 1)} | {c - b:+.1f} |")
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, out)


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    args = [a for a in args if a != "--quick"]
    opts = {"--label": "the baseline", "--probe": None, "--probe-label": None}
    for name in opts:
        if name in args:
            i = args.index(name)
            if i + 1 >= len(args):
                args = []
                break
            opts[name] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 3 or (opts["--probe"] is None) != (opts["--probe-label"] is None):
        print("usage: compare_probes.py BUILD_DIR BASELINE_SO OUTPUT_FILE [--label TEXT] "
              "[--probe SO --probe-label TEXT] [--quick]", file=sys.stderr)
        return 2
    build, baseline_so, out = args
    current = opts["--probe"] or os.path.join(build, "victim", "probe", "libprobe.so")
    for path in (baseline_so, current,
                 os.path.join(build, "bench", "probe_overhead")):
        if not os.path.isfile(path):
            print(f"compare_probes.py: {path}: no such file", file=sys.stderr)
            return 2
    cfg = m.Config(build, quick, lambda s: print("bench: " + s, file=sys.stderr, flush=True))
    cfg.probe_so = os.path.abspath(current)
    try:
        variants = m.variants_of(os.path.join(os.path.dirname(__file__), "..", "victim",
                                              "matrix.json"))
        cfg.reference_dir = os.path.join(cfg.variants_dir, variants[0])
        started, load = time.time(), open("/proc/loadavg").read().split()[:3]
        confs = configs(cfg, os.path.abspath(baseline_so))
        res = rounds(cfg, confs)
        ir = instructions(cfg, confs)
        write(out, cfg, res, ir, confs, baseline_so, opts["--label"],
              opts["--probe-label"] or "`build/victim/probe/libprobe.so`", quick, load, started)
    finally:
        shutil.rmtree(cfg.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
