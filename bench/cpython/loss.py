"""loss.py — what LD_PRELOAD users lose per build, as `interprobe diff --json` classifies it.

compare() runs `interprobe scan --json` of both libraries and `interprobe diff --json` between
them (read through tooljson: scan and diff version 3 only). What is lost, fully or partially,
which sites moved where, what vanished and what was gained is diff's own classification, caller
by caller (docs/SCAN.md, "diff: what LD_PRELOAD users lose"); nothing here re-derives it. The
scans give the per-build totals the diff does not carry (symbols that did not change, data still
interposable, function pointers left) and each symbol's type; compare() checks that both agree
on every site count of every symbol diff lists, and that every symbol it does not list has equal
counts in the two scans, so the document cannot mix two readings of one file.
"""
import collections

import tooljson

# The kinds of site diff compares (docs/SCAN.md, "`diff --json` (version 3)"): plt_got and
# absolute are what an override takes, the rest are bound.
KINDS = ("plt_got", "absolute", "direct", "clone", "inlined", "address", "linker_bound")
BOUND = ("direct", "clone", "inlined", "address", "linker_bound")
Sites = collections.namedtuple("Sites", ("type",) + KINDS)
ZERO = Sites("func", *([0] * len(KINDS)))


def taken(s):
    """Sites an override takes: PLT/GOT code sites and absolute words (function pointers)."""
    return s.plt_got + s.absolute


def _sites(s):
    """One scan symbol's counts in diff's kinds (docs/SCAN.md: the ADDR column is address_sites +
    local_relocs + local_got_sites; DT_SYMBOLIC or protected make PLT/GOT and ABS linker-bound).
    The scan's totals are other functions' sites only: its own recursion is self_sites."""
    bound = s["preemptible_bound"]
    return Sites(s["type"], 0 if bound else s["got_sites"], 0 if bound else s["absolute"],
                 s["direct_sites"], s["clone_sites"], s["inlined"] or 0,
                 s["address_sites"] + s["local_relocs"] + s["local_got_sites"],
                 s["got_sites"] + s["absolute"] if bound else 0)


_scans = {}


def read_scan(interprobe, lib):
    """{exported name: Sites} of one library (versions of one name summed, as diff does)."""
    if lib not in _scans:
        doc = tooljson.run([interprobe, "scan", "--json", "-q", lib], tooljson.SCAN)
        entry = doc["libraries"][0]
        if "error" in entry:
            raise RuntimeError(f"interprobe scan {lib}: {entry['error']}")
        by_name = {}
        for s in entry["symbols"]:
            add, old = _sites(s), by_name.get(s["name"])
            by_name[s["name"]] = add if old is None else Sites(
                old.type, *(a + b for a, b in zip(old[1:], add[1:])))
        _scans[lib] = {"sites": by_name, "summary": entry["summary"], "facts": entry["facts"]}
    return _scans[lib]


def compare(interprobe, old_lib, new_lib):
    """{"old"/"new": {name: Sites}, "old_summary"/"new_summary": scan's verdict counts,
    "diff": the diff document's one pair of libraries}, after checking that scans and diff agree."""
    old, new = read_scan(interprobe, old_lib), read_scan(interprobe, new_lib)
    doc = tooljson.run([interprobe, "diff", "--json", old_lib, new_lib], tooljson.DIFF,
                       ok=(0, 1))  # exit 1: something is lost
    if len(doc["libraries"]) != 1:
        raise RuntimeError(f"interprobe diff {old_lib} {new_lib}: {len(doc['libraries'])} pairs "
                           "of libraries, expected one (bench/cpython/loss.py)")
    diff = doc["libraries"][0]
    listed = set()
    for cls in ("lost", "gained", "vanished", "other"):
        for c in diff[cls]:
            listed.add(c["name"])
            for side, scan in (("old", old), ("new", new)):
                mine = scan["sites"].get(c["name"], ZERO)._asdict()
                if any(mine[k] != c[f"{side}_sites"][k] for k in KINDS):
                    raise RuntimeError(f"{c['name']}: diff's {side}_sites {c[f'{side}_sites']} "
                                       f"differ from scan's {mine} (bench/cpython/loss.py)")
    for name, o in old["sites"].items():
        if name not in listed and new["sites"].get(name, ZERO)[1:] != o[1:]:
            raise RuntimeError(f"{name}: the scans differ but diff does not list it")
    return {"old": old["sites"], "new": new["sites"], "old_summary": old["summary"],
            "new_summary": new["summary"], "diff": diff}


Lost = collections.namedtuple(
    "Lost", "name fully old new moved elsewhere without_record vanished appeared callers_moved")


def _lost(c, old, new):
    return Lost(c["name"], c["fully"], old.get(c["name"], ZERO), new.get(c["name"], ZERO),
                c["moved"], c["moved_elsewhere"], c["inlined_without_record"], c["vanished"],
                c["appeared"],
                sum(1 for k in c["callers"]
                    if sum(k["moved"].values()) + k["inlined_without_record"]))


def moved_total(x):
    """Sites diff says went from the PLT/GOT to references an override never sees."""
    return sum(x.moved.values()) + x.without_record


def summary(comp):
    """The numbers of one build's section, all from diff's lists and the two scans."""
    old, new, diff = comp["old"], comp["new"], comp["diff"]

    def kind(cls, t):
        return [c for c in diff[cls] if old.get(c["name"], new.get(c["name"], ZERO)).type == t]
    funcs = [_lost(c, old, new) for c in kind("lost", "func")]
    funcs.sort(key=lambda x: (-moved_total(x), x.name))
    data = kind("lost", "object")
    out = {
        "lost": funcs,
        "fully": sum(1 for x in funcs if x.fully),
        "partially": sum(1 for x in funcs if not x.fully),
        "moved_sites": sum(moved_total(x) for x in funcs),
        "moved": {k: sum(x.moved[k] for x in funcs) for k in BOUND},
        "elsewhere": sum(x.elsewhere for x in funcs),
        "without_record": sum(x.without_record for x in funcs),
        "vanished_in_lost": sum(x.vanished for x in funcs),
        "appeared_in_lost": sum(x.appeared for x in funcs),
        "lost_old": sum(taken(x.old) for x in funcs),
        "lost_new": sum(taken(x.new) for x in funcs),
        "callers_moved": sum(x.callers_moved for x in funcs),
        # diff calls a symbol lost only with a caller that moved; a name here would be a bug.
        "lost_without_move": sorted(x.name for x in funcs if not moved_total(x)),
        "vanished_funcs": len(kind("vanished", "func")),
        "vanished_sites": sum(c["vanished"] for c in kind("vanished", "func")),
        "other_funcs": len(kind("other", "func")),
        "gained": len(kind("gained", "func")),
        "also_gained": sum(1 for c in kind("gained", "func") if c["class"] == "lost"),
        "data_lost": len(data),
        "data_lost_fully": sum(1 for c in data if c["fully"]),
        "data_vanished": len(kind("vanished", "object")),
        "diff_summary": diff["summary"],
        "scan_summary": {"old": comp["old_summary"], "new": comp["new_summary"]},
    }
    for k, side in (("old", old), ("new", new)):
        fs = [s for s in side.values() if s.type != "object"]
        ds = [s for s in side.values() if s.type == "object"]
        out[k] = {"functions": sum(1 for s in fs if taken(s)), "taken": sum(taken(s) for s in fs),
                  "plt": sum(s.plt_got for s in fs), "abs": sum(s.absolute for s in fs),
                  "data": sum(1 for s in ds if taken(s)), "data_refs": sum(taken(s) for s in ds)}
    return out
