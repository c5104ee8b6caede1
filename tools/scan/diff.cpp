// diff.cpp — comparing two scans symbol by symbol (diff.hpp).
#include "diff.hpp"

#include "scan_render.hpp"

#include <fmt/format.h>

#include <map>

namespace interprobe::scan {

namespace {

// One entry per name: versioned duplicates in .dynsym (foo@V1, foo@@V2) are summed.
struct Totals {
  std::size_t interposable = 0, bound = 0;
  SymVerdict verdict = SymVerdict::none;
};

std::map<std::string, Totals> by_name(const LibraryReport& lib) {
  std::map<std::string, Totals> m;
  for (auto& s : lib.symbols) {
    Totals& t = m[s.name];
    t.interposable += s.interposable_refs();
    t.bound += s.bound_refs();
    bool takes = t.interposable > 0, bypasses = t.bound > 0;
    t.verdict = takes && bypasses ? SymVerdict::mixed
                : takes           ? SymVerdict::interposable
                : bypasses        ? SymVerdict::bound
                                  : SymVerdict::none;
  }
  return m;
}

void fact(std::vector<std::string>& out, const char* what, bool a, bool b) {
  if (a != b) out.push_back(fmt::format("{}: {} -> {}", what, a ? "yes" : "no", b ? "yes" : "no"));
}

std::string change_line(const SymbolChange& c) {
  return fmt::format("  {:<40} {:>12} -> {:<12}  interposable refs {} -> {}, bound refs {} -> {}\n",
                     printable(c.name), to_string(c.old_verdict), to_string(c.new_verdict),
                     c.old_interposable, c.new_interposable, c.old_bound, c.new_bound);
}

nlohmann::json change_json(const SymbolChange& c) {
  return {{"name", c.name},
          {"old_verdict", to_string(c.old_verdict)},
          {"new_verdict", to_string(c.new_verdict)},
          {"old_interposable_refs", c.old_interposable},
          {"new_interposable_refs", c.new_interposable},
          {"old_bound_refs", c.old_bound},
          {"new_bound_refs", c.new_bound}};
}

}  // namespace

LibraryDiff diff_libraries(const LibraryReport& old_lib, const LibraryReport& new_lib) {
  LibraryDiff d;
  auto olds = by_name(old_lib), news = by_name(new_lib);
  for (auto& [name, o] : olds) {
    auto it = news.find(name);
    if (it == news.end()) {
      d.removed.push_back(name);
      continue;
    }
    const Totals& n = it->second;
    SymbolChange c{name, o.verdict, n.verdict, o.interposable, n.interposable, o.bound, n.bound};
    // What matters to an LD_PRELOAD user is whether the library's own uses still reach the
    // override: compare the references an override takes, not the bound ones (a new inlined copy
    // next to an unchanged PLT call is reported through the verdict moving to "mixed").
    const bool less = n.interposable < o.interposable ||
                      (o.verdict == SymVerdict::interposable && n.verdict == SymVerdict::mixed);
    const bool more = n.interposable > o.interposable ||
                      (o.verdict == SymVerdict::mixed && n.verdict == SymVerdict::interposable);
    if (less && o.interposable > 0) d.lost.push_back(c);
    else if (more) d.gained.push_back(c);
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
    d.fact_changes.push_back(fmt::format(".localalias symbols: {} -> {}", a.localalias, b.localalias));
  if (a.got_calls != b.got_calls)
    d.fact_changes.push_back(fmt::format("-fno-plt GOT calls: {} -> {}", a.got_calls, b.got_calls));
  return d;
}

std::string render_diff_text(const LibraryDiff& d, const std::string& old_path,
                             const std::string& new_path) {
  std::string out = fmt::format("OLD {}\nNEW {}\n", printable(old_path), printable(new_path));
  for (auto& f : d.fact_changes) out += "  " + f + "\n";
  out += fmt::format("\nLD_PRELOAD users lose ({} symbols: the library's own uses no longer all reach an override):\n",
                     d.lost.size());
  for (auto& c : d.lost) out += change_line(c);
  out += fmt::format("\nLD_PRELOAD users gain ({} symbols):\n", d.gained.size());
  for (auto& c : d.gained) out += change_line(c);
  if (!d.removed.empty() || !d.added.empty())
    out += fmt::format("\nExports removed: {}, added: {}\n", d.removed.size(), d.added.size());
  return out;
}

std::string render_diff_json(const LibraryDiff& d, const std::string& old_path,
                             const std::string& new_path) {
  // Names are whatever bytes the files hold: invalid UTF-8 becomes U+FFFD (the default handler
  // throws).
  return diff_to_json(d, old_path, new_path)
             .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

nlohmann::json diff_to_json(const LibraryDiff& d, const std::string& old_path,
                            const std::string& new_path) {
  nlohmann::json j{{"format", "interprobe-diff"}, {"version", 1}, {"old", old_path},
                   {"new", new_path}, {"fact_changes", d.fact_changes},
                   {"removed", d.removed}, {"added", d.added}};
  j["lost"] = nlohmann::json::array();
  for (auto& c : d.lost) j["lost"].push_back(change_json(c));
  j["gained"] = nlohmann::json::array();
  for (auto& c : d.gained) j["gained"].push_back(change_json(c));
  return j;
}

}  // namespace interprobe::scan
