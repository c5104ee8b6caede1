"""loss.py — what LD_PRELOAD users lose per build, from `interprobe scan --json` / `diff --json`.

read_sites() is the one place that reads interprobe's JSON; everything else works on its result
(per exported name: the sites through the PLT/GOT an override takes, and the direct and inlined
ones it never sees). When `interprobe diff --json` reports per-symbol site counts itself (issue 18,
items 1-2), only read_sites() changes.
"""
import collections
import json
import subprocess

Sites = collections.namedtuple("Sites", "type plt_got direct inlined other abs")
ZERO = Sites("func", 0, 0, 0, 0, 0)


def _tool_json(cmd, ok=(0,)):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-500:]}")
    return json.loads(p.stdout)


def _expect(doc, fmt, version, cmd):
    if doc.get("format") != fmt or doc.get("version") != version:
        raise RuntimeError(f"{cmd}: expected {fmt} version {version}, got {doc.get('format')} "
                           f"version {doc.get('version')}: bench/cpython/loss.py read_sites() "
                           "reads this format and needs updating")


_scans = {}


def read_sites(interprobe, old_lib, new_lib):
    """Reads interprobe's JSON for OLD and NEW; returns {"old"/"new": {name: Sites},
    "diff_lost": names `diff` calls lost}.

    Reads, today (format version 1): from `scan --json LIB`, libraries[0] (its "error" if any)
    and per symbols[] entry: name, type, got_sites (calls, jumps and GOT loads
    through the PLT/GOT: what an override takes), direct_sites, inlined (DWARF copies, null without
    DWARF), address_sites + local_relocs + local_got_sites (other bound uses), absolute (R_X86_64_64
    words: for data, references an override takes), preemptible_bound (DT_SYMBOLIC/protected: then
    got_sites and absolute are bound too); versions of one name are summed, as diff does.
    From `diff --json OLD NEW` (exit 1 when anything is lost): lost[].name only, to show how many
    of the site-count losses today's relocation-based diff names.
    """
    def scan(lib):
        if lib not in _scans:
            cmd = [interprobe, "scan", "--json", "-q", lib]
            doc = _tool_json(cmd)
            _expect(doc, "interprobe-scan", 1, " ".join(cmd[:3]))
            entry = doc["libraries"][0]
            if "error" in entry:
                raise RuntimeError(f"interprobe scan {lib}: {entry['error']}")
            by_name = {}
            for s in entry["symbols"]:
                took = 0 if s["preemptible_bound"] else s["got_sites"]
                bound = s["got_sites"] - took
                add = Sites(s["type"], took, s["direct_sites"] + bound, s["inlined"] or 0,
                            s["address_sites"] + s["local_relocs"] + s["local_got_sites"],
                            0 if s["preemptible_bound"] else s["absolute"])
                old = by_name.get(s["name"])
                by_name[s["name"]] = add if old is None else Sites(
                    old.type, *(a + b for a, b in zip(old[1:], add[1:])))
            _scans[lib] = by_name
        return _scans[lib]

    cmd = [interprobe, "diff", "--json", old_lib, new_lib]
    diff = _tool_json(cmd, ok=(0, 1))
    _expect(diff, "interprobe-diff", 1, "interprobe diff --json")
    return {"old": scan(old_lib), "new": scan(new_lib),
            "diff_lost": {c["name"] for c in diff["lost"]}}


def taken(s):
    """References an override takes: PLT/GOT code sites and absolute relocations (pointers)."""
    return s.plt_got + s.abs


Change = collections.namedtuple("Change",
                                "name old new lost to_direct to_inlined to_other vanished")


def changes(sites):
    """Per function that lost interposable internal references: before, after, where they went.

    Lost: fewer references an override takes, or new direct, inlined or other bound uses with
    no fewer taken ones (a count that stays equal can hide a move: one call inlined, another new
    through the PLT; a new bound use is a caller an override no longer sees). Counts per
    function, not per caller; the replacement diff (issue 18 item 1) compares per caller.
    """
    old, new = sites["old"], sites["new"]
    out = []
    for name, o in old.items():
        if o.type == "object" or not taken(o):
            continue
        n = new.get(name, ZERO)
        lost = max(0, taken(o) - taken(n))
        moved = [max(0, n.direct - o.direct), max(0, n.inlined - o.inlined),
                 max(0, n.other - o.other)]
        if lost or any(moved):
            out.append(Change(name, o, n, lost, *moved, max(0, lost - sum(moved))))
    out.sort(key=lambda c: (-c.lost, -(c.to_direct + c.to_inlined + c.to_other), c.name))
    return out


def summary(sites):
    """The numbers of one build's section: fully/partially lost functions, sites, data."""
    ch = changes(sites)
    old, new = sites["old"], sites["new"]
    funcs = {k: [s for s in side.values() if s.type != "object"] for k, side in sites.items()
             if k in ("old", "new")}
    data = {k: [s for s in side.values() if s.type == "object"] for k, side in sites.items()
            if k in ("old", "new")}
    lost_names = {c.name for c in ch}
    diff_funcs = {n for n in sites["diff_lost"] if old.get(n, ZERO).type != "object"}
    # Data: a variable is bound where the code names it PC-relative (ADDR) instead of through
    # the GOT; fewer GOT sites alone only say the code using it changed.
    data_bound = [name for name, o in old.items() if o.type == "object" and
                  new.get(name, ZERO).other + new.get(name, ZERO).direct > o.other + o.direct]
    out = {
        "changes": ch,
        "fully": sum(1 for c in ch if taken(c.new) == 0),
        "partially": sum(1 for c in ch if taken(c.new) and c.lost),
        "moved": sum(1 for c in ch if taken(c.new) and not c.lost),
        "lost_refs": sum(c.lost for c in ch),
        "lost_plt": sum(max(0, c.old.plt_got - c.new.plt_got) for c in ch),
        "lost_abs": sum(max(0, c.old.abs - c.new.abs) for c in ch),
        "to_direct": sum(c.to_direct for c in ch),
        "to_inlined": sum(c.to_inlined for c in ch),
        "to_other": sum(c.to_other for c in ch),
        "diff_named": len(diff_funcs & lost_names),
        "diff_only": sorted(diff_funcs - lost_names),
        "data_bound": sorted(data_bound),
        "gained": sum(1 for name, n in new.items()
                      if n.type != "object" and taken(n) > taken(old.get(name, ZERO))),
    }
    for k in ("old", "new"):
        out[k] = {"functions": sum(1 for s in funcs[k] if taken(s)),
                  "plt": sum(s.plt_got for s in funcs[k]), "abs": sum(s.abs for s in funcs[k]),
                  "data": sum(1 for s in data[k] if taken(s)),
                  "data_refs": sum(taken(s) for s in data[k])}
    return out
