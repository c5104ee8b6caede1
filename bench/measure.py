"""measure.py — runs the benchmarks of bench/ and returns their numbers (used by bench/run.py).

Three measurements, each organised so that ratios come from one run under the same noise:
  interposition()  interposition_bench: every victim variant in one process, Google Benchmark's
                   random interleaving of repetitions; per-benchmark medians.
  instructions()   interp_count under `valgrind --tool=callgrind`, collecting inside measured()
                   only: instructions per call, deterministic.
  overhead()       probe_overhead as a child process under each configuration (bare, a forwarding
                   shim, libprobe counting, PROBE_BACKTRACE=16, PROBE_TIME_OFFSET, heaptrack,
                   ltrace -c), in rounds, each round in a shuffled order; per-configuration medians
                   and per-round ratios to the bare run of the same round.
"""
import json
import os
import random
import re
import statistics
import subprocess
import tempfile
import time

RESULT_RE = re.compile(r"RESULT workload=(\S+) threads=(\d+) n=(\d+) ns_per_op=([\d.]+) "
                       r"cpu_ns_per_op=([\d.]+) rss_kib=(-?\d+) hwm_kib=(-?\d+)")
COLLECTED_RE = re.compile(r"Collected : (\d+)")
PATHS = ["check_result", "run_noinline", "read_var", "interp_loop"]
# The configurations counted under callgrind (overhead_instructions): clock_gettime is not, since
# valgrind does not run the vDSO (every call is a system call there).
IR_CONFIGS = ("bare", "pointer floor", "forward shim", "probe: count", "probe: PROBE_BACKTRACE=16",
              "probe: PROBE_BYPASS=1")


def run(cmd, env=None, timeout=600):
    """Runs cmd; returns stdout+stderr. Raises with the output on failure."""
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout[-2000:]}")
    return p.stdout


def quantiles(xs):
    """(min, p25, median, p75, max) of a non-empty list."""
    s = sorted(xs)
    q = statistics.quantiles(s, n=4, method="inclusive") if len(s) > 1 else [s[0]] * 3
    return s[0], q[0], statistics.median(s), q[2], s[-1]


def variants_of(matrix):
    with open(matrix) as f:
        return [v["name"] for v in json.load(f)["variants"]]


def interposition(cfg):
    """ns per call (CPU and wall) per (path, variant), medians over interleaved repetitions."""
    out = os.path.join(cfg.tmp, "interposition.json")
    cmd = [cfg.bench_bin("interposition_bench"), f"--benchmark_repetitions={cfg.reps}",
           "--benchmark_enable_random_interleaving=true",
           f"--benchmark_min_time={cfg.min_time}", f"--benchmark_out={out}",
           "--benchmark_out_format=json", "--benchmark_format=console"]
    cfg.log("interposition: " + " ".join(cmd))
    run(cmd, timeout=900)
    cfg.commands.append(" ".join(cmd[:1] + cmd[1:5]))
    with open(out) as f:
        data = json.load(f)
    samples = {}  # (path, variant) -> {"cpu": [...], "real": [...], "idx": [...]}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        path, variant = b["run_name"].split("/", 1)
        per = b.get("calls_per_iteration", 1.0)
        s = samples.setdefault((path, variant), {"cpu": [], "real": [], "idx": []})
        s["cpu"].append(b["cpu_time"] / per)
        s["real"].append(b["real_time"] / per)
        s["idx"].append(b.get("repetition_index", len(s["idx"])))
    return {"context": data.get("context", {}), "samples": samples}


def instructions(cfg, variants):
    """Instructions per call (per round for interp_loop) per (path, variant), from callgrind."""
    counts = {}
    for v in variants:
        lib = os.path.join(cfg.variants_dir, v, "libvictim.so.1")
        if not os.path.exists(lib):
            continue
        # valgrind 3.19 gives up on clang 14's DWARF 5 ("unhandled dwarf2 abbrev form code
        # 0x1b"): count instructions in a copy without debug info, same code.
        os.makedirs(os.path.join(cfg.tmp, v), exist_ok=True)
        stripped = os.path.join(cfg.tmp, v, "libvictim.so.1")
        run(["objcopy", "--strip-debug", lib, stripped])
        lib = stripped
        for path in PATHS:
            n = cfg.cg_calls // 10 if path == "interp_loop" else cfg.cg_calls
            cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                   "--toggle-collect=measured",
                   f"--callgrind-out-file={os.path.join(cfg.tmp, 'cg.out')}",
                   cfg.bench_bin("interp_count"), lib, path, str(n)]
            text = run(cmd)
            m = COLLECTED_RE.search(text)
            if m is None:
                raise RuntimeError("callgrind printed no 'Collected' line:\n" + text[-2000:])
            counts[(path, v)] = int(m.group(1)) / n
    cfg.commands.append("valgrind --tool=callgrind --collect-atstart=no --toggle-collect=measured "
                        f"build/bench/interp_count <variant>/libvictim.so.1 (debug info stripped) <path> "
                        f"{cfg.cg_calls} (interp_loop: {cfg.cg_calls // 10})")
    return counts


def overhead_configs(cfg):
    """name -> (command prefix, extra environment, workloads, thread counts, iteration divisor)."""
    probe = {"LD_PRELOAD": cfg.probe_so, "PROBE_REPORT": os.path.join(cfg.tmp, "report.%p")}
    all_w, both_t = ("malloc", "clock", "victim"), (1, 2)
    return {
        "bare": ([], {}, all_w, both_t, 1),
        # The floor (bench/pointer_shim.c): each hook one `jmp *next(%rip)`.
        "pointer floor": ([], {"LD_PRELOAD": cfg.bench_bin("libpointer_shim.so")}, all_w, both_t,
                          1),
        "forward shim": ([], {"LD_PRELOAD": cfg.bench_bin("libforward_shim.so")}, all_w, both_t, 1),
        "probe: count": ([], probe, all_w, both_t, 1),
        "probe: PROBE_BACKTRACE=16": ([], dict(probe, PROBE_BACKTRACE="16"), all_w, both_t, 1),
        "probe: PROBE_TIME_OFFSET=3600": ([], dict(probe, PROBE_TIME_OFFSET="3600"), ("clock",),
                                          both_t, 1),
        # The bypass counter (docs/BYPASS.md): the real malloc, free and clock_gettime patched,
        # each call through the hook marked and checked at the entry (bench/bypass_cost.py).
        "probe: PROBE_BYPASS=1": ([], dict(probe, PROBE_BYPASS="1"), ("malloc", "clock"), both_t,
                                  1),
        "heaptrack": (["heaptrack", "-o", os.path.join(cfg.tmp, "ht")], {}, ("malloc",), both_t,
                      cfg.heaptrack_divisor),
        "ltrace -c": (["ltrace", "-c", "-o", os.path.join(cfg.tmp, "lt")], {},
                      ("malloc", "clock", "victim"), (1,), cfg.ltrace_divisor),
    }


def run_overhead_once(cfg, config, workload, threads, n):
    prefix, extra, _, _, _ = overhead_configs(cfg)[config]
    env = dict(os.environ, LD_LIBRARY_PATH=cfg.reference_dir, **extra)
    text = run(prefix + [cfg.bench_bin("probe_overhead"), workload, str(n), str(threads)], env=env)
    m = RESULT_RE.search(text)
    if m is None:
        raise RuntimeError(f"{config} {workload}: no RESULT line:\n{text[-2000:]}")
    for f in os.listdir(cfg.tmp):  # reports and traces: one run's files must not pile up
        if f.startswith(("report.", "ht", "lt")):
            os.unlink(os.path.join(cfg.tmp, f))
    return {"wall": float(m.group(4)), "cpu": float(m.group(5)), "rss": int(m.group(6)),
            "hwm": int(m.group(7))}


def overhead(cfg):
    """Interleaved rounds; returns {(config, workload, threads): [per-round dicts]}."""
    configs = overhead_configs(cfg)
    cells = [(c, w, t) for c, (_, _, ws, ts, _) in configs.items() for w in ws for t in ts]
    rng = random.Random(cfg.seed)
    res = {cell: [] for cell in cells}
    for r in range(cfg.rounds):
        order = cells[:]
        rng.shuffle(order)
        for c, w, t in order:
            if c == "ltrace -c" and r >= cfg.ltrace_rounds:
                continue
            n = cfg.n_ops // configs[c][4]
            res[(c, w, t)].append(dict(run_overhead_once(cfg, c, w, t, n), round=r))
        cfg.log(f"probe overhead: round {r + 1}/{cfg.rounds} done")
    cfg.commands.append("LD_LIBRARY_PATH=build/victim/variants/gcc-O2 [config] "
                        f"build/bench/probe_overhead malloc|clock|victim {cfg.n_ops} 1|2 "
                        f"({cfg.rounds} rounds, shuffled order, seed {cfg.seed}; heaptrack with "
                        f"n/{cfg.heaptrack_divisor}; ltrace with n/{cfg.ltrace_divisor} in "
                        f"{cfg.ltrace_rounds} rounds)")
    return res


def callgrind_per_op(cfg, extra_env, workload):
    """Instructions per operation of probe_overhead WORKLOAD under callgrind, counted inside its
    measured loop only, one thread, with `extra_env` (LD_PRELOAD, PROBE_*) added."""
    env = dict(os.environ, LD_LIBRARY_PATH=cfg.reference_dir, **extra_env)
    n = cfg.cg_calls
    text = run(["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=run",
                f"--callgrind-out-file={os.path.join(cfg.tmp, 'cg.out')}",
                cfg.bench_bin("probe_overhead"), workload, str(n), "1"], env=env)
    m = COLLECTED_RE.search(text)
    if m is None:
        raise RuntimeError("callgrind printed no 'Collected' line:\n" + text[-2000:])
    return int(m.group(1)) / n


def generated_line(command, quick, load, started):
    """The first sentence of a generated page: the command, the date, the machine's load."""
    return (f"Generated by `{command}{' --quick' if quick else ''}` on "
            f"{time.strftime('%Y-%m-%d', time.gmtime())}: {os.cpu_count()} cores, load average "
            f"{' '.join(load)} at the start, {int(time.time() - started)} s. "
            f"{'**Quick run: for checking the script only.** ' if quick else ''}")


def overhead_instructions(cfg):
    """Instructions per operation under callgrind (bare, the floors, probe, backtrace, bypass)."""
    configs = overhead_configs(cfg)
    out = {}
    for c in IR_CONFIGS:
        for w in ("malloc", "victim"):
            out[(c, w)] = callgrind_per_op(cfg, configs[c][1], w)
    cfg.commands.append("valgrind --tool=callgrind --collect-atstart=no --toggle-collect=run "
                        f"build/bench/probe_overhead malloc|victim {cfg.cg_calls} 1")
    return out


def memory_scaling(cfg):
    """VmRSS/VmHWM bare vs probe at n and 10n malloc+free pairs (does the probe grow with calls?)."""
    out = {}
    for n in (cfg.n_ops // 10, cfg.n_ops, cfg.n_ops * 10):
        for c in ("bare", "probe: count", "probe: PROBE_BACKTRACE=16"):
            runs = [run_overhead_once(cfg, c, "malloc", 1, n) for _ in range(3)]
            out[(c, n)] = (statistics.median(x["rss"] for x in runs),
                           statistics.median(x["hwm"] for x in runs))
    return out


class Config:
    """Paths and sizes of one run (quick: a short development run, not for the docs)."""

    def __init__(self, build, quick, log):
        self.build = os.path.abspath(build)
        self.variants_dir = os.path.join(self.build, "victim", "variants")
        # The test-only build with the victim's overrides (victim/probe/): the victim workload
        # measures one; the malloc and clock ones run the same code as the installed libprobe.so.
        self.probe_so = os.path.join(self.build, "victim", "probe", "libprobe.so")
        self.tmp = tempfile.mkdtemp(prefix="interprobe-bench.")
        self.log = log
        self.commands = []
        self.seed = 4
        self.reps = 5 if quick else 15
        self.min_time = 0.02 if quick else 0.1
        self.cg_calls = 20000 if quick else 100000
        self.rounds = 3 if quick else 15
        self.ltrace_rounds = 1 if quick else 3
        self.ltrace_divisor = 500
        self.heaptrack_divisor = 10
        self.n_ops = 200000 if quick else 1000000

    def bench_bin(self, name):
        return os.path.join(self.build, "bench", name)
