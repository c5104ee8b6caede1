// scan_render.cpp — text, JSON and Markdown forms of scan results (render.hpp).
#include "scan_render.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace interprobe::scan {

namespace {

std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string inlined_text(const SymbolReport& s) {
  return s.inlined ? std::to_string(*s.inlined) : "-";
}

std::string plt_text(const LibraryFacts& f) {
  std::vector<std::string> parts;
  if (f.plt) parts.push_back(".plt");
  if (f.plt_sec) parts.push_back(".plt.sec");
  if (f.plt_got) parts.push_back(".plt.got");
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, "+"));
}

std::string summary_text(const LibraryReport& lib) {
  return fmt::format("{} exported: {} interposable, {} bound, {} mixed, {} without internal references",
                     lib.facts.exported, lib.count(SymVerdict::interposable),
                     lib.count(SymVerdict::bound), lib.count(SymVerdict::mixed),
                     lib.count(SymVerdict::none));
}

}  // namespace

std::string facts_line(const LibraryFacts& f) {
  std::string compiler = f.compilers.empty() ? "unknown" : f.compilers.front();
  return fmt::format(
      "DT_SYMBOLIC {}, BIND_NOW {}, PLT {}, -fno-plt GOT calls {}, IBT .plt.sec {}, .symtab {}, "
      "DWARF {}, .localalias {}, protected {}, compiler: {}",
      yes_no(f.dt_symbolic), yes_no(f.bind_now), plt_text(f), f.got_calls, yes_no(f.plt_sec),
      f.has_symtab ? "present" : "stripped", yes_no(f.has_dwarf), f.localalias,
      f.protected_symbols, compiler);
}

std::string render_text(const std::vector<LibraryReport>& libs, const RenderOptions& opt) {
  std::string out;
  for (const LibraryReport& lib : libs) {
    if (!lib.error.empty()) continue;  // errors go to stderr, one line each
    out += fmt::format("{} ({}{})\n", lib.path, lib.facts.machine,
                       lib.facts.soname.empty() ? "" : ", SONAME " + lib.facts.soname);
    out += "  " + facts_line(lib.facts) + "\n";
    out += "  " + summary_text(lib) + "\n";
    if (opt.summary_only || lib.symbols.empty()) {
      out += "\n";
      continue;
    }
    std::size_t w = 6;
    for (auto& s : lib.symbols) w = std::max(w, s.name.size());
    w = std::min<std::size_t>(w, 48);
    out += fmt::format("  {:<{}} {:<6} {:<6} {:<9} {:>5} {:>5} {:>5} {:>6} {:>6} {:>5} {:>7}  {}\n",
                       "SYMBOL", w, "TYPE", "BIND", "VIS", "JSLOT", "GDAT", "ABS", "VIAGOT",
                       "DIRECT", "ADDR", "INLINED", "VERDICT");
    for (auto& s : lib.symbols) {
      std::string verdict = describe(s.verdict);
      if (s.preemptible_bound && s.preemptible_relocs() > 0)
        verdict += s.visibility == "protected" ? " (protected)" : " (DT_SYMBOLIC)";
      out += fmt::format("  {:<{}} {:<6} {:<6} {:<9} {:>5} {:>5} {:>5} {:>6} {:>6} {:>5} {:>7}  {}\n",
                         s.name, w, s.type, s.binding, s.visibility, s.jump_slot, s.glob_dat,
                         s.absolute, s.got_sites, s.direct_sites,
                         s.address_sites + s.local_relocs + s.local_got_sites, inlined_text(s),
                         verdict);
    }
    out += "\n";
  }
  return out;
}

nlohmann::json to_json(const LibraryReport& lib) {
  nlohmann::json j;
  j["path"] = lib.path;
  if (!lib.error.empty()) {
    j["error"] = lib.error;
    return j;
  }
  const LibraryFacts& f = lib.facts;
  j["machine"] = f.machine;
  j["soname"] = f.soname;
  j["facts"] = {{"dt_symbolic", f.dt_symbolic},
                {"bind_now", f.bind_now},
                {"plt", f.plt},
                {"plt_sec", f.plt_sec},
                {"plt_got", f.plt_got},
                {"got_calls", f.got_calls},
                {"symtab", f.has_symtab},
                {"dwarf", f.has_dwarf},
                {"localalias", f.localalias},
                {"protected_symbols", f.protected_symbols},
                {"compilers", f.compilers}};
  j["summary"] = {{"exported", f.exported},
                  {"interposable", lib.count(SymVerdict::interposable)},
                  {"bound", lib.count(SymVerdict::bound)},
                  {"mixed", lib.count(SymVerdict::mixed)},
                  {"none", lib.count(SymVerdict::none)}};
  nlohmann::json syms = nlohmann::json::array();
  for (auto& s : lib.symbols) {
    syms.push_back({{"name", s.name},
                    {"type", s.type},
                    {"binding", s.binding},
                    {"visibility", s.visibility},
                    {"address", s.address},
                    {"size", s.size},
                    {"jump_slot", s.jump_slot},
                    {"glob_dat", s.glob_dat},
                    {"absolute", s.absolute},
                    {"got_sites", s.got_sites},
                    {"direct_sites", s.direct_sites},
                    {"address_sites", s.address_sites},
                    {"local_relocs", s.local_relocs},
                    {"local_got_sites", s.local_got_sites},
                    {"inlined", s.inlined ? nlohmann::json(*s.inlined) : nlohmann::json(nullptr)},
                    {"preemptible_bound", s.preemptible_bound},
                    {"interposable_refs", s.interposable_refs()},
                    {"bound_refs", s.bound_refs()},
                    {"verdict", to_string(s.verdict)}});
  }
  j["symbols"] = std::move(syms);
  return j;
}

std::string render_json(const std::vector<LibraryReport>& libs) {
  nlohmann::json j;
  j["format"] = "interprobe-scan";
  j["version"] = 1;
  j["libraries"] = nlohmann::json::array();
  for (auto& lib : libs) j["libraries"].push_back(to_json(lib));
  return j.dump(2) + "\n";
}

std::string render_markdown(const std::vector<LibraryReport>& libs, const RenderOptions& opt) {
  std::string out = "# LD_PRELOAD and the libraries' own calls\n\n";
  out += "Generated by `interprobe scan --markdown`. *Interposable internally*: the library's own "
         "references go through the PLT/GOT, so an LD_PRELOAD override also replaces the "
         "library's internal uses. *Bound internally*: the library calls or uses its own "
         "definition (direct calls, inlined copies, -Bsymbolic, protected visibility); an "
         "override only affects callers outside the library. See docs/SCAN.md.\n\n";
  for (const LibraryReport& lib : libs) {
    if (!lib.error.empty()) {
      out += fmt::format("## `{}`\n\nNot scanned: {}\n\n", lib.path, lib.error);
      continue;
    }
    out += fmt::format("## `{}`\n\n", lib.facts.soname.empty() ? lib.path : lib.facts.soname);
    out += fmt::format("- File: `{}` ({})\n- {}\n- {}\n\n", lib.path, lib.facts.machine,
                       facts_line(lib.facts), summary_text(lib));
    if (opt.summary_only) continue;
    out += "| symbol | type | PLT/GOT refs | direct | address | inlined | verdict |\n";
    out += "|---|---|---:|---:|---:|---:|---|\n";
    std::size_t none = 0;
    for (auto& s : lib.symbols) {
      if (s.verdict == SymVerdict::none) {
        ++none;
        continue;
      }
      out += fmt::format("| `{}` | {} {} | {} | {} | {} | {} | {} |\n", s.name, s.visibility,
                         s.type, s.preemptible_relocs() + s.got_sites, s.direct_sites,
                         s.address_sites + s.local_relocs + s.local_got_sites, inlined_text(s),
                         describe(s.verdict));
    }
    if (none > 0)
      out += fmt::format("\n{} more exported symbols have no internal references (an override "
                         "affects only outside callers).\n",
                         none);
    out += "\n";
  }
  return out;
}

}  // namespace interprobe::scan
