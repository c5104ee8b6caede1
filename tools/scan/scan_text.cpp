// scan_text.cpp — `interprobe scan`'s text table for a terminal: per library its facts, verdict
// counts and one row per exported symbol (filtered by verdict, sorted as asked, C++ names
// demangled, columns aligned for any name length, verdicts in colour when asked), and a grand
// total when more than one library was scanned (scan_render.hpp).
#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "scan_render.hpp"

namespace interprobe::scan {

namespace {

// Names longer than this get a line of their own, the row's columns on the next line.
constexpr std::size_t kMaxNameColumn = 60;

int verdict_rank(SymVerdict v) {
  switch (v) {
    case SymVerdict::bound:
      return 0;
    case SymVerdict::mixed:
      return 1;
    case SymVerdict::interposable:
      return 2;
    case SymVerdict::none:
      return 3;
  }
  return 4;
}

std::string verdict_text(const SymbolReport& s, bool color) {
  std::string v = describe(s.verdict);
  if (s.preemptible_bound && s.preemptible_relocs() > 0)
    v += s.visibility == "protected" ? " (protected)" : " (DT_SYMBOLIC)";
  if (!color) return v;
  switch (s.verdict) {
    case SymVerdict::bound:
      return fmt::format(fmt::fg(fmt::terminal_color::red), "{}", v);
    case SymVerdict::mixed:
      return fmt::format(fmt::fg(fmt::terminal_color::yellow), "{}", v);
    case SymVerdict::interposable:
      return fmt::format(fmt::fg(fmt::terminal_color::green), "{}", v);
    case SymVerdict::none:
      return fmt::format(fmt::emphasis::faint, "{}", v);
  }
  return v;
}

// "PyObject_Call: PLT/GOT 2, inlined 1" for the --callers lines.
std::string caller_line(const CallerSites& c, const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  auto add = [&](const char* what, std::uint32_t n) {
    if (n > 0) parts.push_back(fmt::format("{} {}", what, n));
  };
  add("PLT/GOT", c.got);
  add("relocated words", c.absolute);
  add("direct", c.direct);
  add("clone calls", c.clone);
  add("address uses", c.address + c.local_got + c.relative);
  add("inlined", c.inlined);
  const std::string& name = c.caller < names.size() ? names[c.caller] : std::string();
  return fmt::format("{}: {}", name.empty() ? "(code outside every symbol)" : shown_name(name),
                     fmt::join(parts, ", "));
}

std::vector<const SymbolReport*> rows(const LibraryReport& lib, const RenderOptions& opt,
                                      const std::vector<std::string>& names) {
  std::vector<std::size_t> order(lib.symbols.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto sites = [&](std::size_t i) {
    return lib.symbols[i].interposable_sites() + lib.symbols[i].bound_sites();
  };
  switch (opt.sort) {
    case RenderOptions::Sort::dynsym:
      break;
    case RenderOptions::Sort::name:
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return names[a] < names[b]; });
      break;
    case RenderOptions::Sort::verdict:
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return verdict_rank(lib.symbols[a].verdict) < verdict_rank(lib.symbols[b].verdict);
      });
      break;
    case RenderOptions::Sort::sites:
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return sites(a) > sites(b); });
      break;
  }
  std::vector<const SymbolReport*> out;
  for (std::size_t i : order) {
    const SymbolReport& s = lib.symbols[i];
    if (opt.verdicts.empty() ||
        std::find(opt.verdicts.begin(), opt.verdicts.end(), s.verdict) != opt.verdicts.end())
      out.push_back(&s);
  }
  return out;
}

// Appends the library's rows; 1 if any was written.
std::size_t table(std::string& out, const LibraryReport& lib, const RenderOptions& opt) {
  std::vector<std::string> names;
  names.reserve(lib.symbols.size());
  for (auto& s : lib.symbols) names.push_back(shown_symbol(s));
  const std::vector<const SymbolReport*> shown = rows(lib, opt, names);
  if (shown.size() != lib.symbols.size())
    out += fmt::format("  {} of {} symbols shown (--verdict)\n", shown.size(), lib.symbols.size());
  if (shown.empty()) return 0;
  std::size_t w = 6;
  for (const SymbolReport* s : shown) {
    const std::size_t n = names[static_cast<std::size_t>(s - lib.symbols.data())].size();
    if (n <= kMaxNameColumn) w = std::max(w, n);
  }
  out += fmt::format(
      "  {:<{}} {:<6} {:<6} {:<9} {:>5} {:>5} {:>5} {:>7} {:>6} {:>5} {:>5} {:>7} {:>4}  {}\n",
      "SYMBOL", w, "TYPE", "BIND", "VIS", "JSLOT", "GDAT", "ABS", "PLT/GOT", "DIRECT", "CLONE",
      "ADDR", "INLINED", "SELF", "VERDICT");
  for (const SymbolReport* s : shown) {
    const std::string& name = names[static_cast<std::size_t>(s - lib.symbols.data())];
    if (name.size() > w) out += fmt::format("  {}\n", name);
    out += fmt::format(
        "  {:<{}} {:<6} {:<6} {:<9} {:>5} {:>5} {:>5} {:>7} {:>6} {:>5} {:>5} {:>7} {:>4}  {}\n",
        name.size() > w ? "" : name, w, s->type, s->binding, s->visibility, s->jump_slot,
        s->glob_dat, s->absolute, s->got_sites, s->direct_sites, s->clone_sites,
        s->address_sites + s->local_relocs + s->local_got_sites, inlined_text(s->inlined),
        s->self_sites + s->inlined_self.value_or(0), verdict_text(*s, opt.color));
    if (opt.callers)
      for (const CallerSites& c : s->callers)
        out += fmt::format("  {:<{}}   from {}\n", "", w, caller_line(c, lib.callers));
  }
  return 1;
}

}  // namespace

std::string render_text(const std::vector<LibraryReport>& libs, const RenderOptions& opt) {
  std::string out;
  std::size_t scanned = 0, exported = 0, interposable = 0, bound = 0, mixed = 0, none = 0;
  std::size_t tables = 0;
  for (const LibraryReport& lib : libs) {
    if (!lib.error.empty()) continue;  // errors go to stderr, one line each
    ++scanned;
    exported += lib.facts.exported;
    interposable += lib.count(SymVerdict::interposable);
    bound += lib.count(SymVerdict::bound);
    mixed += lib.count(SymVerdict::mixed);
    none += lib.count(SymVerdict::none);
    out += fmt::format("{} ({}{})\n", printable(lib.path), lib.facts.machine,
                       lib.facts.soname.empty() ? "" : ", SONAME " + printable(lib.facts.soname));
    out += "  " + facts_line(lib.facts) + "\n";
    out += "  " + summary_text(lib) + "\n";
    if (!opt.summary_only && !lib.symbols.empty()) tables += table(out, lib, opt);
    out += "\n";
  }
  if (scanned > 1)
    out += fmt::format("Total: {} libraries, {}\n", scanned,
                       summary_text(exported, interposable, bound, mixed, none));
  if (tables)
    out +=
        "Columns count sites in the library's own code and data. PLT/GOT: calls, jumps and loads\n"
        "through the PLT or GOT (an override takes them). DIRECT: calls and jumps to the symbol.\n"
        "CLONE: calls of a local copy (f.constprop.0). ADDR: other address uses. INLINED: copies\n"
        "in other functions (DWARF; - without). SELF: the function's own recursion and DWARF\n"
        "records of its own body (not callers: outside the verdict). JSLOT/GDAT/ABS: relocations\n"
        "against the symbol. See docs/SCAN.md.\n";
  return out;
}

}  // namespace interprobe::scan
