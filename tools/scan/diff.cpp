// diff.cpp — comparing two scans symbol by symbol and caller by caller (diff.hpp).
#include "diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>

#include "diff_internal.hpp"

namespace interprobe::scan {

const char* to_string(DiffKind k) {
  switch (k) {
    case DiffKind::plt_got:
      return "plt_got";
    case DiffKind::absolute:
      return "absolute";
    case DiffKind::direct:
      return "direct";
    case DiffKind::clone:
      return "clone";
    case DiffKind::inlined:
      return "inlined";
    case DiffKind::address:
      return "address";
    case DiffKind::linker_bound:
      return "linker_bound";
  }
  return "?";
}

const char* to_string(ChangeClass c) {
  switch (c) {
    case ChangeClass::lost:
      return "lost";
    case ChangeClass::gained:
      return "gained";
    case ChangeClass::vanished:
      return "vanished";
    case ChangeClass::other:
      return "other";
  }
  return "?";
}

std::size_t interposable(const KindCounts& c) {
  return c[static_cast<std::size_t>(DiffKind::plt_got)] +
         c[static_cast<std::size_t>(DiffKind::absolute)];
}

std::size_t bound(const KindCounts& c) {
  return std::accumulate(c.begin(), c.end(), std::size_t{0}) - interposable(c);
}

std::size_t Moves::moved_total() const {
  return std::accumulate(moved.begin(), moved.end(), unrecorded);
}

std::size_t Moves::moved_back_total() const {
  return std::accumulate(moved_back.begin(), moved_back.end(), std::size_t{0});
}

void Moves::add(const Moves& m) {
  for (std::size_t i = 0; i < kDiffKinds; ++i) {
    moved[i] += m.moved[i];
    moved_back[i] += m.moved_back[i];
  }
  unrecorded += m.unrecorded;
  vanished += m.vanished;
  appeared += m.appeared;
  moved_elsewhere += m.moved_elsewhere;
  moved_back_elsewhere += m.moved_back_elsewhere;
}

namespace diff_detail {

KindCounts kinds_of(const CallerSites& c, bool linker_bound) {
  KindCounts n{};
  if (linker_bound)
    n[k(DiffKind::linker_bound)] = c.got + c.absolute;
  else {
    n[k(DiffKind::plt_got)] = c.got;
    n[k(DiffKind::absolute)] = c.absolute;
  }
  n[k(DiffKind::direct)] = c.direct;
  n[k(DiffKind::clone)] = c.clone;
  n[k(DiffKind::inlined)] = c.inlined;
  n[k(DiffKind::address)] = c.address + c.local_got + c.relative;
  return n;
}

void add(KindCounts& a, const KindCounts& b) {
  for (std::size_t i = 0; i < kDiffKinds; ++i) a[i] += b[i];
}

std::map<std::string, Named> by_name(const LibraryReport& lib) {
  std::map<std::string, Named> m;
  for (const SymbolReport& s : lib.symbols) {
    Named& t = m[s.name];
    t.interposable_refs += s.interposable_refs();
    t.bound_refs += s.bound_refs();
    t.verdict = verdict_of(t.interposable_refs, t.bound_refs);
    for (const CallerSites& c : s.callers) {
      const KindCounts n = kinds_of(c, s.preemptible_bound);
      // A function's references from its own body are no caller elsewhere (scanner.hpp).
      if (s.type != "object" && lib.callers[c.caller] == s.name) {
        add(t.self, n);
        continue;
      }
      add(t.callers[lib.callers[c.caller]], n);
      add(t.total, n);
      if (c.inlined_via > 0) t.via[lib.callers[c.caller]] += c.inlined_via;
    }
    t.inlined_in_units.insert(s.inlined_in_units.begin(), s.inlined_in_units.end());
  }
  return m;
}

InlinedInto::InlinedInto(const LibraryReport& lib) : lib_(lib) {
  for (std::uint32_t i = 0; i < lib.callers.size(); ++i) id_.emplace(lib.callers[i], i);
}

bool InlinedInto::holds(const std::string& holder, const std::string& f) const {
  auto h = id_.find(holder), g = id_.find(f);
  if (h == id_.end() || g == id_.end() || h->second >= lib_.inlined_into.size()) return false;
  const auto& ids = lib_.inlined_into[h->second];
  return std::binary_search(ids.begin(), ids.end(), g->second);
}

}  // namespace diff_detail

namespace {

using namespace diff_detail;

// NEW's DWARF marks `sym` inlined in a compile unit that holds `caller`'s code.
class InliningEvidence {
 public:
  explicit InliningEvidence(const LibraryReport& lib) : lib_(lib) {
    for (std::uint32_t i = 0; i < lib.callers.size(); ++i) id_.emplace(lib.callers[i], i);
  }
  bool operator()(const Named& sym, const std::string& caller) const {
    if (sym.inlined_in_units.empty() || caller.empty()) return false;
    auto it = id_.find(caller);
    if (it == id_.end() || it->second >= lib_.caller_units.size()) return false;
    for (std::uint32_t u : lib_.caller_units[it->second])
      if (sym.inlined_in_units.count(u) != 0) return true;
    return false;
  }

 private:
  const LibraryReport& lib_;
  std::unordered_map<std::string, std::uint32_t> id_;
};

// Sites that left interposable kinds (`lost` of them) matched against bound kinds that grew, in
// kBoundKinds order; what stays unmatched is returned.
std::size_t match(std::size_t lost, const KindCounts& from, const KindCounts& to, KindCounts& out) {
  for (DiffKind d : kBoundKinds) {
    if (lost == 0) break;
    const std::size_t grew = to[k(d)] > from[k(d)] ? to[k(d)] - from[k(d)] : 0;
    const std::size_t take = std::min(lost, grew);
    out[k(d)] += take;
    lost -= take;
  }
  return lost;
}

CallerChange compare(const std::string& caller, const KindCounts& o, const KindCounts& n) {
  CallerChange c;
  c.caller = caller;
  c.old_sites = o;
  c.new_sites = n;
  const std::size_t io = interposable(o), in = interposable(n);
  if (io > in) {
    c.vanished = match(io - in, o, n, c.moved);
  } else if (in > io) {
    c.appeared = match(in - io, n, o, c.moved_back);
  }
  return c;
}

void fact(std::vector<std::string>& out, const char* what, bool a, bool b) {
  if (a != b) out.push_back(fmt::format("{}: {} -> {}", what, a ? "yes" : "no", b ? "yes" : "no"));
}

}  // namespace

LibraryDiff diff_libraries(const LibraryReport& old_lib, const LibraryReport& new_lib) {
  LibraryDiff d;
  const auto olds = by_name(old_lib), news = by_name(new_lib);
  const InliningEvidence inlined_in_new(new_lib);
  const InlinedInto old_into(old_lib), new_into(new_lib);
  for (auto& [name, o] : olds) {
    auto it = news.find(name);
    if (it == news.end()) {
      d.removed.push_back(name);
      continue;
    }
    const Named& n = it->second;
    SymbolChange c;
    c.name = name;
    c.old_verdict = o.verdict;
    c.new_verdict = n.verdict;
    c.old_sites = o.total;
    c.new_sites = n.total;
    c.old_self = o.self;
    c.new_self = n.self;
    std::set<std::string> callers;
    for (auto& [caller, counts] : o.callers) callers.insert(caller);
    for (auto& [caller, counts] : n.callers) callers.insert(caller);
    for (const std::string& caller : callers) {
      static const KindCounts kNone{};
      auto oc = o.callers.find(caller), nc = n.callers.find(caller);
      const KindCounts& a = oc == o.callers.end() ? kNone : oc->second;
      const KindCounts& b = nc == n.callers.end() ? kNone : nc->second;
      if (a == b) continue;
      c.callers.push_back(compare(caller, a, b));
    }
    if (c.callers.empty()) continue;
    second_look(c, o, n, old_into, new_into);
    for (CallerChange& cc : c.callers) {
      // What is still unexplained: inlined without a record, if NEW's DWARF says the function
      // was inlined in the caller's unit.
      if (cc.vanished > 0 && inlined_in_new(n, cc.caller)) std::swap(cc.unrecorded, cc.vanished);
      c.Moves::add(cc);
    }
    const bool lost = c.moved_total() > 0, gained = c.moved_back_total() > 0;
    c.fully = lost && interposable(c.new_sites) == 0;
    c.also_gained = lost && gained;
    c.cls = lost             ? ChangeClass::lost
            : gained         ? ChangeClass::gained
            : c.vanished > 0 ? ChangeClass::vanished
                             : ChangeClass::other;
    if (lost) d.lost.push_back(c);
    if (gained) d.gained.push_back(c);
    if (!lost && !gained) (c.vanished > 0 ? d.vanished : d.other).push_back(std::move(c));
  }
  for (auto& [name, n] : news)
    if (olds.count(name) == 0) d.added.push_back(name);
  const LibraryFacts &a = old_lib.facts, &b = new_lib.facts;
  fact(d.fact_changes, "DT_SYMBOLIC", a.dt_symbolic, b.dt_symbolic);
  fact(d.fact_changes, "BIND_NOW", a.bind_now, b.bind_now);
  fact(d.fact_changes, "IBT .plt.sec", a.plt_sec, b.plt_sec);
  fact(d.fact_changes, "BTI", a.bti, b.bti);
  fact(d.fact_changes, ".symtab", a.has_symtab, b.has_symtab);
  fact(d.fact_changes, "DWARF", a.has_dwarf, b.has_dwarf);
  if ((a.localalias > 0) != (b.localalias > 0))
    d.fact_changes.push_back(
        fmt::format(".localalias symbols: {} -> {}", a.localalias, b.localalias));
  if (a.got_calls != b.got_calls)
    d.fact_changes.push_back(fmt::format("-fno-plt GOT calls: {} -> {}", a.got_calls, b.got_calls));
  d.old_dwarf = a.has_dwarf;
  d.new_dwarf = b.has_dwarf;
  d.old_callers_from = a.callers_from;
  d.new_callers_from = b.callers_from;
  return d;
}

}  // namespace interprobe::scan
