// shim_for_table.cpp — see shim_for_table.hpp: the text and JSON renderings of the table.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "shim_for_table.hpp"
#include "text.hpp"

namespace interprobe::shim_for {

std::size_t missed_sites(const scan::SymbolReport& s) {
  return s.direct_sites + (s.inlined ? *s.inlined : 0);
}

namespace {

std::string inlined_text(const scan::SymbolReport* s) {
  if (s == nullptr || !s->inlined) return "-";
  return std::to_string(*s->inlined);
}

// "what an override of this function would and would not see", one line of the footer. It must
// agree with the row's own counts: a FROM-LIB call where the file has no reference an override
// can take is no call through LIB's PLT (PyModuleDef_Init in libpython: an extension module's
// `return PyModuleDef_Init(&def);` is a tail call, attributed to its caller's caller, libpython;
// docs/REPORT_FORMAT.md).
std::string meaning(const Row& r) {
  if (r.sym == nullptr) return "";
  const std::size_t missed = missed_sites(*r.sym);
  const bool takes = r.sym->got_sites > 0 && !r.sym->preemptible_bound;
  if (r.from_library > 0 && !takes)
    return fmt::format(
        "{} FROM-LIB call(s) reached the shim although the library has no PLT/GOT reference an "
        "override takes: a tail call from another object (`jmp f@plt` ending a function the "
        "library called) is counted for its caller's caller, or the library called it through "
        "a pointer it got at run time (dlsym); its {} direct/inlined site(s) stay invisible to "
        "an override",
        r.from_library, missed);
  if (r.sym->preemptible_bound && r.sym->got_sites > 0)
    return "its PLT/GOT calls are bound anyway (DT_SYMBOLIC or protected): the override sees none "
           "of the library's own calls";
  if (missed > 0 && r.sym->got_sites > 0) return "the override sees some internal calls, not all";
  if (missed > 0) return "the override sees none of the library's own calls";
  if (r.sym->got_sites > 0) return "the override sees the library's own calls too";
  return "no internal call sites";
}

// How the library reaches a function no override sees: for grouping the "never reached" list.
std::string bypass_kind(const scan::SymbolReport& s) {
  const bool inl = s.inlined && *s.inlined > 0;
  return s.direct_sites > 0 && inl ? "direct+inlined" : inl ? "inlined" : "direct";
}

// The functions never seen, grouped by how the library reaches them, most sites first (the ones
// a workload is likeliest to have called), at most `per_group` named per group.
std::string render_unseen(const std::vector<const scan::SymbolReport*>& unseen,
                          std::size_t per_group) {
  std::string out;
  for (const char* kind : {"direct", "inlined", "direct+inlined"}) {
    std::vector<const scan::SymbolReport*> group;
    for (const scan::SymbolReport* s : unseen)
      if (bypass_kind(*s) == kind) group.push_back(s);
    if (group.empty()) continue;
    std::stable_sort(group.begin(), group.end(),
                     [](auto* a, auto* b) { return missed_sites(*a) > missed_sites(*b); });
    std::string names;
    for (std::size_t i = 0; i < group.size() && i < per_group; ++i)
      names += fmt::format("{}{} {}", i == 0 ? "" : ", ", group[i]->name, missed_sites(*group[i]));
    if (group.size() > per_group) names += fmt::format(", ... {} more", group.size() - per_group);
    const char* how = std::string(kind) == "direct"    ? "called directly"
                      : std::string(kind) == "inlined" ? "inlined"
                                                       : "called directly and inlined";
    for (auto& l : wrap(fmt::format("{} ({}, sites): {}", how, group.size(), names), "  ", "    "))
      out += l + "\n";
  }
  return out;
}

}  // namespace

std::string render_text(const std::string& lib, const std::vector<Row>& rows,
                        const std::vector<const scan::SymbolReport*>& unseen,
                        const shim::ShimPlan& plan, int processes) {
  std::string out = fmt::format(
      "== interprobe run --shim-for {}: {} function(s) trampolined, {} called, {} process "
      "report(s)\n",
      lib, plan.trampolined.size(), rows.size(), processes);
  out += fmt::format("{:<36} {:>10} {:>8} | {:>7} {:>7} {:>7}  {}\n", "FUNCTION", "OUTSIDE",
                     "FROM-LIB", "PLT/GOT", "DIRECT", "INLINED", "CALLERS OUTSIDE THE LIBRARY");
  for (const Row& r : rows) {
    std::string callers;
    for (auto& [obj, n] : r.outside)
      callers += fmt::format("{}{} {}", callers.empty() ? "" : ", ", obj, n);
    out += fmt::format("{:<36} {:>10} {:>8} | {:>7} {:>7} {:>7}  {}\n", r.name, r.outside_total,
                       r.from_library, r.sym != nullptr ? std::to_string(r.sym->got_sites) : "-",
                       r.sym != nullptr ? std::to_string(r.sym->direct_sites) : "-",
                       inlined_text(r.sym), callers.empty() ? "-" : callers);
  }
  out +=
      "OUTSIDE: calls from other objects (the program, other libraries): an override takes them.\n"
      "FROM-LIB: calls from the library itself that reached the shim through its PLT/GOT.\n"
      "PLT/GOT, DIRECT, INLINED: the library's own call sites in the file (scanner): an override\n"
      "takes PLT/GOT calls, never direct calls or inlined copies ('-': no DWARF to count them).\n";
  for (const Row& r : rows)
    if (r.sym != nullptr && (missed_sites(*r.sym) > 0 || r.from_library > 0))
      for (auto& l : wrap(fmt::format("{}: {}", r.name, meaning(r)), "  ", "    ")) out += l + "\n";
  if (!unseen.empty()) {
    for (auto& l :
         wrap(fmt::format("{} function(s) never reached the shim but are called directly "
                          "or inlined inside the library; any such call this workload "
                          "made was invisible to an override{}:",
                          unseen.size(), unseen.size() > 30 ? " (--format json lists all)" : ""),
              "", ""))
      out += l + "\n";
    out += render_unseen(unseen, 10);
  }
  std::size_t data = 0;
  for (auto& s : plan.skipped) data += s.reason.rfind("data", 0) == 0 ? 1 : 0;
  if (!plan.skipped.empty())
    out += fmt::format(
        "{} exported symbol(s) not trampolined ({} data); `interprobe shim --lib {} "
        "--all-exported -o X` lists them with the reason.\n",
        plan.skipped.size(), data, lib);
  return out;
}

std::string render_json(const std::string& lib, const std::string& soname,
                        const std::vector<Row>& rows,
                        const std::vector<const scan::SymbolReport*>& unseen,
                        const shim::ShimPlan& plan, int processes,
                        const std::vector<std::string>& command) {
  nlohmann::json j = {{"format", "interprobe-shim-run"},
                      {"version", 1},
                      {"library", lib},
                      {"soname", soname},
                      {"command", command},
                      {"processes", processes},
                      {"trampolined", plan.trampolined.size()}};
  nlohmann::json syms = nlohmann::json::array();
  for (const Row& r : rows) {
    nlohmann::json s = {{"name", r.name},
                        {"calls_outside", r.outside_total},
                        {"calls_outside_by_object", r.outside},
                        {"calls_from_library", r.from_library}};
    if (r.bypass) s["bypass"] = bypass_json(*r.bypass);
    if (r.sym != nullptr)
      s["internal"] = {{"plt_got_sites", r.sym->got_sites},
                       {"direct_sites", r.sym->direct_sites},
                       {"inlined", r.sym->inlined ? nlohmann::json(*r.sym->inlined) : nullptr},
                       {"preemptible_bound", r.sym->preemptible_bound},
                       {"verdict", scan::to_string(r.sym->verdict)}};
    syms.push_back(std::move(s));
  }
  j["symbols"] = std::move(syms);
  nlohmann::json u = nlohmann::json::array();
  std::vector<const scan::SymbolReport*> by_name(unseen);
  std::sort(by_name.begin(), by_name.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const scan::SymbolReport* s : by_name)
    u.push_back({{"name", s->name},
                 {"bypass", bypass_kind(*s)},
                 {"direct_sites", s->direct_sites},
                 {"inlined", s->inlined ? nlohmann::json(*s->inlined) : nullptr}});
  j["unseen_bound"] = std::move(u);
  nlohmann::json skipped = nlohmann::json::array();
  for (auto& s : plan.skipped) skipped.push_back({{"name", s.name}, {"reason", s.reason}});
  j["skipped"] = std::move(skipped);
  // Symbol names are the library's bytes: invalid UTF-8 becomes U+FFFD (the default throws).
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace interprobe::shim_for
