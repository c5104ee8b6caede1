// render.cpp — see render.hpp.
#include "render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>

namespace interprobe {

namespace {

const char* symbol_of(Verdict v) {
  switch (v) {
    case Verdict::interposed: return "✅";
    case Verdict::bypassed: return "❌";
    case Verdict::ran_unused: return "⚠️";
    case Verdict::inconsistent: return "‼️";
  }
  return "?";
}

const char* letter_of(Verdict v) {
  switch (v) {
    case Verdict::interposed: return "I";
    case Verdict::bypassed: return "B";
    case Verdict::ran_unused: return "U";
    case Verdict::inconsistent: return "!";
  }
  return "?";
}

const Observation* find(const Observations& obs, const std::string& v, const std::string& p) {
  auto it = obs.find({v, p});
  return it == obs.end() ? nullptr : &it->second;
}

bool matches(const Observation* o, Verdict expected) {
  return o != nullptr && o->problem.empty() && o->verdict == expected;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A cell's count of missed calls (observed with PROBE_BYPASS, matrix.hpp): the calls from the
// path's caller that reached the targets' real definitions without the override. Empty where
// nothing was counted (data paths: no entry to count at; the observation made without bypass; a
// definition whose entry was not patched: "not counted (a)", the reason's letter in `reasons`,
// which the document lists once under the table).
std::string missed_of(const PathSpec& p, const Observation& o, std::vector<std::string>& reasons) {
  if (p.symbols.empty()) return {};
  std::uint64_t n = 0;
  bool counted = false;
  for (const std::string& s : p.symbols) {
    if (auto r = o.bypass_refused.find(s); r != o.bypass_refused.end()) {
      auto at = std::find(reasons.begin(), reasons.end(), r->second);
      if (at == reasons.end()) at = reasons.insert(at, r->second);
      return fmt::format("not counted ({})", static_cast<char>('a' + (at - reasons.begin())));
    }
    if (auto b = o.bypassed.find(s); b != o.bypassed.end()) {
      n += b->second;
      counted = true;
    }
  }
  if (!counted) return {};
  // A bypassed call that never reached the definition was inlined or folded into the caller:
  // the scanner's DWARF count of inlined copies is the static answer (docs/BYPASS.md).
  if (n == 0 && o.verdict == Verdict::bypassed) return "0 missed: inlined or folded";
  return fmt::format("{} missed", n);
}

std::string build_command(const VariantSpec& v) {
  return fmt::format("{} -g -fPIC -shared {} api.c xtu.c -Wl,-soname,libvictim.so.1{}{}", v.compiler,
                     v.cflags, v.ldflags.empty() ? "" : " ", v.ldflags);
}

}  // namespace

int count_mismatches(const Matrix& m, const Observations& obs) {
  int n = 0;
  for (auto& v : m.variants)
    for (auto& p : m.paths)
      if (const Observation* o = find(obs, v.name, p.name); o && !matches(o, v.expect.at(p.name))) ++n;
  return n;
}

std::string render_text(const Matrix& m, const Observations& obs) {
  std::string out;
  auto it = std::back_inserter(out);
  std::size_t width = 8;
  for (auto& v : m.variants) width = std::max(width, v.name.size());
  fmt::format_to(it, "{:<{}}", "variant", width);
  for (std::size_t i = 0; i < m.paths.size(); ++i) fmt::format_to(it, " {:>3}", i + 1);
  fmt::format_to(it, "\n");
  for (auto& v : m.variants) {
    fmt::format_to(it, "{:<{}}", v.name, width);
    for (auto& p : m.paths) {
      const Observation* o = find(obs, v.name, p.name);
      if (o == nullptr) {
        fmt::format_to(it, " {:>3}", "-");
        continue;
      }
      std::string cell = o->problem.empty() ? letter_of(o->verdict) : "?";
      if (!matches(o, v.expect.at(p.name))) cell += fmt::format("*{}", letter_of(v.expect.at(p.name)));
      fmt::format_to(it, " {:>3}", cell);
    }
    fmt::format_to(it, "\n");
  }
  fmt::format_to(it, "\nI interposed   B bypassed   U override ran, result unused   - not run\n"
                     "X*Y observed X where victim/matrix.json says Y\n\n");
  for (std::size_t i = 0; i < m.paths.size(); ++i)
    fmt::format_to(it, "{:>3} {:<18} {}\n", i + 1, m.paths[i].name, m.paths[i].about);
  for (auto& [key, o] : obs)
    if (!o.problem.empty()) fmt::format_to(it, "\n{} {}: {}", key.first, key.second, o.problem);
  return out;
}

std::string render_bypass_text(const Matrix& m, const Observations& obs) {
  std::string out = fmt::format(
      "\nCalls from the path's caller that reached the target's definition without the override "
      "(--bypass):\n{:<28} {:<20} {:<24} {:>8}  {}\n",
      "VARIANT", "PATH", "TARGET", "BYPASSED", "VERDICT");
  for (auto& v : m.variants)
    for (auto& p : m.paths) {
      const Observation* o = find(obs, v.name, p.name);
      if (o == nullptr || !o->problem.empty()) continue;
      for (const std::string& s : p.symbols) {
        std::string n = "-";
        if (auto b = o->bypassed.find(s); b != o->bypassed.end()) n = std::to_string(b->second);
        std::string verdict = to_string(o->verdict);
        if (auto r = o->bypass_refused.find(s); r != o->bypass_refused.end())
          verdict += " (not counted: " + r->second + ")";
        out += fmt::format("{:<28} {:<20} {:<24} {:>8}  {}\n", v.name, p.name, s, n, verdict);
      }
    }
  return out;
}

namespace {

std::string anchor_of(const std::string& name) {  // GitHub's heading anchors are lower case
  std::string anchor = name;
  for (char& c : anchor) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return anchor;
}

// One architecture's table, and the reasons its cells' calls were not counted.
void markdown_table(std::string& out, const Matrix& m, const ArchRun& run) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "| variant |");
  for (auto& p : m.paths) fmt::format_to(it, " {} |", p.name);
  std::vector<std::string> reasons;  // why a cell's calls were not counted, lettered
  fmt::format_to(it, "\n|---|");
  for (std::size_t i = 0; i < m.paths.size(); ++i) fmt::format_to(it, ":-:|");
  fmt::format_to(it, "\n");
  for (auto& v : m.variants) {
    fmt::format_to(it, "| [{}](#{}) |", v.name, anchor_of(v.name));
    for (auto& p : m.paths) {
      const Observation* o = find(run.obs, v.name, p.name);
      Verdict want = v.expect.at(p.name);
      if (o == nullptr)
        fmt::format_to(it, " {} |",
                       contains(run.coverage.not_run, v.name) ? "not run" : "not built");
      else if (!o->problem.empty())
        fmt::format_to(it, " error |");
      else if (o->verdict != want)
        fmt::format_to(it, " {} (table: {}) |", symbol_of(o->verdict), symbol_of(want));
      else if (const std::string missed = missed_of(p, *o, reasons); !missed.empty())
        fmt::format_to(it, " {}<br>{} |", symbol_of(o->verdict), missed);
      else
        fmt::format_to(it, " {} |", symbol_of(o->verdict));
    }
    fmt::format_to(it, "\n");
  }
  if (!reasons.empty()) {
    fmt::format_to(it, "\nNot counted (the target's entry was left unpatched, docs/BYPASS.md):");
    for (std::size_t i = 0; i < reasons.size(); ++i)
      fmt::format_to(it, "{} ({}) {}", i == 0 ? "" : ";", static_cast<char>('a' + i), reasons[i]);
    fmt::format_to(it, ".\n");
  }
}

// What an architecture after the first adds: where its cells differ from the first's (the
// build machine's), which of the table's variants it did not build and why (the table's
// architectures notes), the cells it could not observe, and the variants built only for it.
void markdown_differences(std::string& out, const Matrix& m, const ArchRun& first,
                          const ArchRun& run) {
  auto it = std::back_inserter(out);
  const auto notes = m.architectures.find(run.arch);
  std::string differ, failed;
  std::size_t both = 0, compared = 0;
  for (auto& v : m.variants) {
    bool in_both = false;
    for (auto& p : m.paths) {
      const Observation* o = find(run.obs, v.name, p.name);
      if (o != nullptr && !o->problem.empty())
        failed += fmt::format("- *{}* {}: {}\n", v.name, p.name,
                              o->problem.substr(0, o->problem.find('\n')));
      const Observation* r = find(first.obs, v.name, p.name);
      if (o == nullptr || r == nullptr || !o->problem.empty() || !r->problem.empty()) continue;
      in_both = true;
      ++compared;
      if (o->verdict != r->verdict) {
        const auto why = v.why.find(p.name);
        differ += fmt::format(
            "- *{}* {}: {} on {}, {} on {}{}\n", v.name, p.name, to_string(o->verdict), run.arch,
            to_string(r->verdict), first.arch,
            why == v.why.end() ? " (no note in victim/matrix.json)" : ": " + why->second);
      }
    }
    both += in_both ? 1 : 0;
  }
  if (compared == 0)
    fmt::format_to(it,
                   "\nWhere {} differs from {}: not compared ({} was not run for this "
                   "document).\n",
                   run.arch, first.arch, first.arch);
  else if (differ.empty())
    fmt::format_to(it,
                   "\nWhere {} differs from {}: nowhere — each of the {} cells of the {} "
                   "variants both ran has the same verdict.\n",
                   run.arch, first.arch, compared, both);
  else
    fmt::format_to(it, "\nWhere {} differs from {}:\n\n{}", run.arch, first.arch, differ);
  for (const std::string& name : run.coverage.not_built) {
    const bool known = notes != m.architectures.end() && notes->second.not_built.count(name);
    fmt::format_to(it, "\nNot built for {}: {} — {}\n", run.arch, name,
                   known ? notes->second.not_built.at(name)
                         : "its compiler is missing on the machine that made this document.");
  }
  if (!failed.empty())
    fmt::format_to(it, "\nCells that could not be observed on {}:\n\n{}", run.arch, failed);
  if (run.others.empty()) return;
  fmt::format_to(
      it, "\n{}\n\n",
      notes == m.architectures.end() ? "Variants not in the table:" : notes->second.others);
  for (auto& [name, outcome] : run.others)
    fmt::format_to(it, "- {}: `victim_app {}` without the probe: {}\n", name, m.paths.front().name,
                   outcome);
}

}  // namespace

std::string render_markdown(const Matrix& m, const std::vector<ArchRun>& runs,
                            const Toolchain& tc) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(
      it,
      "# What LD_PRELOAD users lose, by build flag\n\n"
      "<!-- Generated by `interprobe matrix --markdown docs/DRAWBACKS.md`; do not edit. "
      "The expectations and notes come from victim/matrix.json. -->\n\n"
      "For packagers deciding how to build a shared library. Each row is one build of "
      "the same specimen library (`victim/`); each column one way a function or variable "
      "of that library gets called. A cell says whether an `LD_PRELOAD` override of the "
      "target took effect for that call, as observed by running the specimen app under "
      "`libprobe.so` beside a control run. One table per architecture: the build "
      "machine's, and those the build cross-compiles for and runs under qemu-user.\n\n"
      "Regenerate (after the build): `build/bin/interprobe matrix --markdown "
      "docs/DRAWBACKS.md` (every architecture; docs/cli/matrix.md); `ctest -R "
      "DrawbacksDoc` fails when this file is stale.\n\n"
      "Toolchain: gcc {}, clang {}.\n\n"
      "✅ the override took effect · ❌ bypassed: the override never ran for this "
      "caller · ⚠️ the override ran, but the caller used the library's own result. "
      "*N missed*: the caller's calls that reached the target's real definition "
      "without the override, counted there (`PROBE_BYPASS`, docs/BYPASS.md); *0 "
      "missed: inlined or folded*: the call never reached the definition, its code was "
      "copied into the caller (inlined copies are invisible at run time; `interprobe "
      "scan` counts them from DWARF).\n\n",
      tc.gcc.empty() ? "not found" : tc.gcc, tc.clang.empty() ? "not found" : tc.clang);
  const ArchRun& first = runs.front();
  if (!first.coverage.not_run.empty())
    fmt::format_to(it,
                   "**Partial run** (`interprobe matrix --variant ...`): {} of {} variants were "
                   "observed. The others are marked *not run*; this document says nothing about "
                   "them.\n\n",
                   m.variants.size() - first.coverage.not_run.size(), m.variants.size());
  for (const ArchRun& run : runs) {
    fmt::format_to(it, "## {}\n\n", run.arch);
    if (!run.missing.empty()) {
      fmt::format_to(it, "Not run: {}. This document claims nothing about {}.\n\n", run.missing,
                     run.arch);
      continue;
    }
    const auto notes = m.architectures.find(run.arch);
    if (run.how.empty())
      fmt::format_to(it, "Run natively, on the machine that made this document.\n\n");
    else
      fmt::format_to(it, "Victim variants and app {}: `{} victim_app PATH`.\n\n",
                     notes == m.architectures.end() ? "cross-built" : notes->second.run, run.how);
    markdown_table(out, m, run);
    if (&run != &first) markdown_differences(out, m, first, run);
    fmt::format_to(it, "\n");
  }
  const Observations& obs = first.obs;
  const Coverage& coverage = first.coverage;
  fmt::format_to(it, "## Call paths\n\n");
  for (auto& p : m.paths) fmt::format_to(it, "- **{}** — {}\n", p.name, p.about);
  fmt::format_to(it, "\n## Variants\n");
  for (auto& v : m.variants) {
    fmt::format_to(it, "\n### {}\n\n{}\n\n`{}`\n\n", v.name, v.about, build_command(v));
    // Only what was observed: "none" is a claim about every path of the variant.
    std::string lost, unobserved;
    for (auto& p : m.paths) {
      const Observation* o = find(obs, v.name, p.name);
      if (o == nullptr || !o->problem.empty())
        unobserved += fmt::format("{}{}", unobserved.empty() ? "" : ", ", p.name);
      else if (o->verdict != Verdict::interposed)
        lost += fmt::format("{}{} ({})", lost.empty() ? "" : ", ", p.name, to_string(o->verdict));
    }
    if (std::none_of(m.paths.begin(), m.paths.end(),
                     [&](const PathSpec& p) { return find(obs, v.name, p.name) != nullptr; }))
      fmt::format_to(it, "{}\n",
                     contains(coverage.not_run, v.name)
                         ? "Not run for this document (it was made with --variant): nothing is "
                           "claimed about this variant."
                         : "Not built on the machine that made this document (compiler "
                           "missing): nothing was observed.");
    else if (unobserved.empty())
      fmt::format_to(it, "Overrides that do not take effect: {}.\n",
                     lost.empty() ? "none — every override reaches every caller" : lost);
    else
      fmt::format_to(it, "Overrides that do not take effect: {}; not observed: {}.\n",
                     lost.empty() ? "none among the paths observed" : lost, unobserved);
    if (!v.why.empty()) fmt::format_to(it, "\n");
    for (auto& p : m.paths)
      if (auto w = v.why.find(p.name); w != v.why.end())
        fmt::format_to(it, "- *{}* ({}): {}\n", p.name, to_string(v.expect.at(p.name)), w->second);
  }
  return out;
}

nlohmann::json render_json(const Matrix& m, const Observations& obs, const Coverage& coverage) {
  nlohmann::json paths = nlohmann::json::array();
  for (auto& p : m.paths)
    paths.push_back(
        {{"name", p.name}, {"caller", p.caller}, {"symbols", p.symbols}, {"about", p.about}});
  nlohmann::json variants = nlohmann::json::array();
  for (auto& v : m.variants) {
    const char* status = contains(coverage.not_run, v.name)     ? "not run"
                         : contains(coverage.not_built, v.name) ? "not built"
                                                                : "run";
    nlohmann::json cells = nlohmann::json::array();
    for (auto& p : m.paths) {
      const Observation* o = find(obs, v.name, p.name);
      nlohmann::json c = {{"path", p.name}, {"expected", to_string(v.expect.at(p.name))}};
      if (o == nullptr) {
        c["observed"] = nullptr;
      } else {
        c["observed"] = o->problem.empty() ? nlohmann::json(to_string(o->verdict)) : nullptr;
        c["matches"] = matches(o, v.expect.at(p.name));
        c["calls"] = o->calls;
        if (!o->bypassed.empty()) c["bypassed"] = o->bypassed;
        if (!o->bypass_refused.empty()) c["bypass_refused"] = o->bypass_refused;
        c["caller_object"] = o->caller_object;
        if (!o->problem.empty()) c["problem"] = o->problem;
      }
      cells.push_back(std::move(c));
    }
    variants.push_back({{"name", v.name},
                        {"compiler", v.compiler},
                        {"cflags", v.cflags},
                        {"ldflags", v.ldflags},
                        {"status", status},
                        {"cells", std::move(cells)}});
  }
  return {{"format", "interprobe-matrix"},
          {"version", 1},
          {"paths", std::move(paths)},
          {"variants", std::move(variants)},
          {"mismatches", count_mismatches(m, obs)}};
}

}  // namespace interprobe
