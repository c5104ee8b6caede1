// report_rows.cpp — dense_rows (report.hpp): libprobe.so's counter totals as report rows.
#include <algorithm>

#include "report.hpp"

namespace probe {

namespace {

std::string_view file_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool any_call(const Totals& t, std::size_t s) {
  for (std::size_t o = 0; o < kMaxObjects; ++o)
    if (t[s][o] != 0) return true;
  return false;
}

// Whether the families bound to a library (symbols.def's PROBE_FAMILY: the test-only specimen's
// victim family) are listed: only in a process that loaded that library (an object of that file
// name was seen) or called one of their hooks.
bool lists_victim(const Totals& t, const std::vector<std::string>& objects) {
  for (const std::string& o : objects)
    for (std::string_view library : kFamilyLibraries)
      if (!library.empty() && file_name(o) == library) return true;
  for (std::size_t sym = 0; sym < kNumSymbols; ++sym)
    if (!family_library(family_of(sym)).empty() && any_call(t, sym)) return true;
  return false;
}

}  // namespace

std::vector<SymbolRow> dense_rows(const Totals& totals, const std::vector<BypassRecord>& bypass,
                                  const std::vector<std::string>& objects) {
  const bool victim = lists_victim(totals, objects);
  std::vector<SymbolRow> rows;
  for (std::size_t sym = 0; sym < kNumSymbols; ++sym) {
    if (!victim && !family_library(family_of(sym)).empty()) continue;
    SymbolRow r{kSymbolNames[sym], family_name(family_of(sym)), {}, {}};
    for (std::size_t o = 0; o < kMaxObjects; ++o)
      if (totals[sym][o] != 0) r.callers.emplace_back(o, totals[sym][o]);
    std::stable_sort(r.callers.begin(), r.callers.end(),
                     [](auto& a, auto& b) { return a.second > b.second; });
    for (const BypassRecord& b : bypass)
      if (static_cast<std::size_t>(b.symbol) == sym) r.bypass = b;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace probe
