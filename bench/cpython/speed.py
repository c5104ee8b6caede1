"""speed.py — what each build wins: thread-CPU time in alternating rounds, and callgrind counts.

timed(): every round runs every (build, workload) cell once, as its own process, in an order
shuffled per round (seeded), so slow phases of this shared machine hit all builds alike; the
measure is the workload's own thread-CPU time (embed.c), not wall time. Ratios: median of a
build's runs / median of the default build's; spread: p25-p75 (min-max) of the per-round ratios
to the default build's run of the same round.

instructions(): each cell once under `valgrind --tool=callgrind`, and again with run(0), whose
count (start-up, imports, the module's definitions, the program's own checks) is subtracted.
"""
import math
import os
import random
import statistics
import subprocess
import sys

import runtime

sys.path.append(os.path.join(runtime.HERE, ".."))  # after this folder: its run.py is not ours
import measure  # noqa: E402  (bench/measure.py: quantiles, COLLECTED_RE)


def timed(execs, builds, rounds, seed, scale, log):
    """{(build, workload): [{"round", "cpu_ns", "wall_ns", "value"}]}"""
    cells = [(b.name, w) for b in builds for w in runtime.NAMES]
    by_name = {b.name: b for b in builds}
    rng = random.Random(seed)
    res = {c: [] for c in cells}
    for r in range(rounds):
        order = cells[:]
        rng.shuffle(order)
        for name, w in order:
            n = max(1, int(runtime.TIMED_N[w] * scale))
            cmd = runtime.embed_cmd(execs[name], by_name[name], [(w, n)])
            got = runtime.results(runtime.run_checked(cmd))[w]
            res[(name, w)].append(dict(got, round=r))
        log(f"timed: round {r + 1}/{rounds} done")
    return res


def ratio_stats(res, build, workload, base="default"):
    rows, brows = res[(build, workload)], res[(base, workload)]
    med = statistics.median(x["cpu_ns"] for x in rows)
    bmed = statistics.median(x["cpu_ns"] for x in brows)
    by_round = {x["round"]: x["cpu_ns"] for x in brows}
    per_round = [x["cpu_ns"] / by_round[x["round"]] for x in rows if x["round"] in by_round]
    wall = statistics.median(x["wall_ns"] for x in rows) / statistics.median(
        x["wall_ns"] for x in brows)
    return {"median_ns": med, "ratio": med / bmed, "q": measure.quantiles(per_round),
            "wall_ratio": wall, "n": rows[0]["n"], "runs": len(rows)}


def callgrind_ir(cmd, out_file):
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + cmd,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    m = measure.COLLECTED_RE.search(p.stdout)
    if p.returncode != 0 or m is None:
        raise RuntimeError(f"callgrind of {' '.join(cmd)} failed:\n{p.stdout[-2000:]}")
    return int(m.group(1))


def instructions(execs, builds, scale, tmp, log):
    """{(build, workload): {"ir": workload Ir, "startup": run(0)'s Ir, "n": n}}"""
    out = {}
    for b in builds:
        for w in runtime.NAMES:
            n = max(1, int(runtime.TIMED_N[w] * scale / 10))
            f = os.path.join(tmp, "callgrind.out")
            full = callgrind_ir(runtime.embed_cmd(execs[b.name], b, [(w, n)]), f)
            empty = callgrind_ir(runtime.embed_cmd(execs[b.name], b, [(w, 0)]), f)
            out[(b.name, w)] = {"ir": full - empty, "startup": empty, "n": n}
        log(f"callgrind: {b.name} done")
    return out


def round_geomeans(res, build, names, base="default"):
    """Per round: the geometric mean over workloads of build / base in that round."""
    out = []
    for r in sorted({x["round"] for x in res[(base, names[0])]}):
        try:
            ratios = [next(x["cpu_ns"] for x in res[(build, w)] if x["round"] == r) /
                      next(x["cpu_ns"] for x in res[(base, w)] if x["round"] == r) for w in names]
        except StopIteration:
            continue
        out.append(geomean(ratios))
    return out


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))
