// report_bypass.cpp — see report_bypass.hpp.
#include "report_bypass.hpp"

#include <iterator>

namespace probe {

// ,"bypass":{"definition":..,"patched":..,"refused":..,"through":N,"bypassed":N,"callers":[..]}
void json_bypass(fmt::memory_buffer& out, const BypassFacts& r,
                 const std::vector<std::string>& objects) {
  auto it = std::back_inserter(out);
  std::uint64_t bypassed = 0;
  for (auto& [obj, n] : r.callers) bypassed += n;
  fmt::format_to(it, ",\"bypass\":{{\"definition\":");
  json_string(out, r.definition);
  fmt::format_to(it, ",\"patched\":{},\"same_as\":", r.refused.empty() && r.same_as.empty());
  if (r.same_as.empty())
    fmt::format_to(it, "null");
  else
    json_string(out, r.same_as);
  fmt::format_to(it, ",\"refused\":");
  if (r.refused.empty())
    fmt::format_to(it, "null");
  else
    json_string(out, r.refused);
  fmt::format_to(it, ",\"through\":{},\"bypassed\":{},\"callers\":[", r.through, bypassed);
  bool first = true;
  for (auto& [obj, n] : r.callers) {
    fmt::format_to(it, "{}{{\"object\":", first ? "" : ",");
    json_string(out, object_name(objects, obj));
    fmt::format_to(it, ",\"count\":{}}}", n);
    first = false;
  }
  fmt::format_to(it, "]}}");
}

void text_bypass_heading(fmt::memory_buffer& out) {
  fmt::format_to(std::back_inserter(out),
                 "-- PROBE_BYPASS: calls that reached each real definition, through the "
                 "override or bypassing it\n{:<24} {:>12} {:>12}  {}\n",
                 "symbol", "through", "bypassed", "definition");
}

void text_bypass(fmt::memory_buffer& out, std::string_view name, const BypassFacts& r,
                 const std::vector<std::string>& objects) {
  auto it = std::back_inserter(out);
  std::uint64_t bypassed = 0;
  for (auto& [obj, n] : r.callers) bypassed += n;
  if (!r.same_as.empty() || !r.refused.empty()) {
    fmt::format_to(it, "{:<24} {:>12} {:>12}  {}: ", name, "-", "-", r.definition);
    if (!r.same_as.empty())
      fmt::format_to(it, "the same definition as {}, counted there\n", r.same_as);
    else
      fmt::format_to(it, "not patched: {}\n", r.refused);
    return;
  }
  if (r.through == 0 && bypassed == 0) return;
  fmt::format_to(it, "{:<24} {:>12} {:>12}  {}\n", name, r.through, bypassed, r.definition);
  for (auto& [obj, n] : r.callers)
    fmt::format_to(it, "{:<24} {:>12} {:>12}  bypassed from {}\n", "", "", n,
                   object_name(objects, obj));
}

}  // namespace probe
