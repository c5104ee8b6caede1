// shim_for_bypass.cpp — run --shim-for --bypass: the bypass records of shim_for_table.hpp.
#include "shim_for_table.hpp"

#include <fmt/format.h>

#include "text.hpp"

namespace interprobe::shim_for {

void add_bypass(const ProbeReport& report, const std::string& library, const std::string& soname,
                std::map<std::string, Row>& by_name) {
  for (auto& [name, b] : report.bypass) {
    std::uint64_t bypassed = 0;
    for (auto& [object, n] : b.bypassed) bypassed += n;
    const auto seen = by_name.find(name);
    // 1,600 records for libpython: only the functions this run reached, or called and refused.
    if (b.through == 0 && bypassed == 0 && (seen == by_name.end() || b.refused.empty())) continue;
    Row& r = by_name[name];
    if (!r.bypass) r.bypass = RowBypass{b.definition, b.patched, b.refused, b.same_as, 0, {}, 0, 0};
    RowBypass& rb = *r.bypass;
    rb.through += b.through;
    for (auto& [object, n] : b.bypassed) {
      rb.bypassed[file_name_of(object)] += n;
      rb.bypassed_total += n;
      if (is_library(object, library, soname)) rb.bypassed_from_library += n;
    }
  }
}

namespace {

// "the override missed 39,244 of 39,263 calls of PyErr_Occurred; all from libpython3.11.so.1.0"
std::string summary(const Row& r) {
  const RowBypass& b = *r.bypass;
  const std::uint64_t reached = b.through + b.bypassed_total;
  std::string from;
  if (b.bypassed.size() == 1)
    from = fmt::format("; all from {}", b.bypassed.begin()->first);
  else
    for (auto& [object, n] : b.bypassed)
      from += fmt::format("{}{} from {}", from.empty() ? "; " : ", ", group_digits(n), object);
  return fmt::format("the override missed {} of {} calls of {}{}", group_digits(b.bypassed_total),
                     group_digits(reached), r.name, from);
}

}  // namespace

std::string render_bypass_text(const std::vector<Row>& rows) {
  std::string out =
      "-- --bypass: calls that reached each function's real definition (its patched entry)\n";
  out += fmt::format("{:<36} {:>10} {:>10}  {}\n", "FUNCTION", "THROUGH", "BYPASSED",
                     "BYPASSED FROM (calling object)");
  std::vector<const Row*> missed;
  for (const Row& r : rows) {
    if (!r.bypass) continue;
    const RowBypass& b = *r.bypass;
    if (!b.same_as.empty()) {
      out += fmt::format("{:<36} {:>10} {:>10}  the same definition as {}, counted there\n", r.name,
                         "-", "-", b.same_as);
      continue;
    }
    if (!b.patched) {
      out += fmt::format("{:<36} {:>10} {:>10}  not patched: {}\n", r.name, "-", "-", b.refused);
      continue;
    }
    std::string from;
    for (auto& [object, n] : b.bypassed)
      from += fmt::format("{}{} {}", from.empty() ? "" : ", ", object, n);
    out += fmt::format("{:<36} {:>10} {:>10}  {}\n", r.name, b.through, b.bypassed_total,
                       from.empty() ? "-" : from);
    if (b.bypassed_total > 0) missed.push_back(&r);
  }
  out +=
      "THROUGH: calls that came through the shim's trampoline (an override takes them).\n"
      "BYPASSED: calls that reached the definition without passing it (direct calls, hidden\n"
      "aliases, -Bsymbolic bindings): an override misses them. Inlined copies are not calls and\n"
      "are never seen at run time: the INLINED column (the scanner's DWARF count) is the static\n"
      "answer.\n";
  for (const Row* r : missed)
    for (auto& l : wrap(summary(*r), "", "  ")) out += l + "\n";
  return out;
}

nlohmann::json bypass_json(const RowBypass& b) {
  return {{"definition", b.definition},
          {"patched", b.patched},
          {"refused", b.refused.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.refused)},
          {"same_as", b.same_as.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.same_as)},
          {"calls_through", b.through},
          {"calls_bypassed", b.bypassed_total},
          {"calls_bypassed_by_object", b.bypassed},
          {"calls_bypassed_from_library", b.bypassed_from_library}};
}

}  // namespace interprobe::shim_for
