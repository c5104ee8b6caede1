// shim_report.cpp — see shim_report.hpp. Runs at exit, outside the counting path: it may use the
// heap (the runtime's own calls are never counted, the guard is set).
#include "shim_report.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>

#include "../runtime/process_state.hpp"
#include "../runtime/report_writer.hpp"
#include "bypass.hpp"
#include "report.hpp"
#include "shim_abi.h"
#include "state.hpp"

namespace shim {

using probe::g_process;

namespace {

// A mismatch between the generator and this runtime fails at link time, not at run time.
[[gnu::used]] const void* const g_abi_check = &INTERPROBE_SHIM_ABI_SYMBOL;

}  // namespace

// The shim's own variables first: PROBE_SHIM_REPORT / PROBE_SHIM_FORMAT override the ones it
// shares with libprobe.so. Backtraces and the time offset are libprobe's business: the shim
// neither reads them nor repeats their warnings. PROBE_BYPASS (PROBE_SHIM_BYPASS first) counts
// the calls that bypassed the trampolines (bypass.hpp).
const char* shim_getenv(const char* name) {
  if (std::strcmp(name, "PROBE_REPORT") == 0) {
    if (const char* v = std::getenv("PROBE_SHIM_REPORT")) return v;
    return std::getenv(name);
  }
  if (std::strcmp(name, "PROBE_FORMAT") == 0) {
    if (const char* v = std::getenv("PROBE_SHIM_FORMAT")) return v;
    return std::getenv(name);
  }
  if (std::strcmp(name, "PROBE_BYPASS") == 0) {
    if (const char* v = std::getenv("PROBE_SHIM_BYPASS")) return v;
    return std::getenv(name);
  }
  return nullptr;
}

const probe::Settings& shim_settings() { return g_process.settings; }
void add_notice(const char* line) { g_process.notices.add(line); }

namespace {

// The shim's part of its report: one row per trampoline from the sparse tables, the bypass records
// and the "shim" object.
void fill_report(probe::ReportData& d) {
  const std::uint32_t n = interprobe_shim_count;
  d.shim = probe::ShimFacts{interprobe_shim_strtab + interprobe_shim_library, n, 0};
  d.symbols.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i)
    d.symbols.push_back(
        probe::SymbolRow{interprobe_shim_strtab + interprobe_shim_names[i], "shim", {}, {}});
  std::map<std::uint32_t, std::uint64_t> sums;  // by key: (symbol, object) in symbol order
  d.shim->dropped =
      g_counts->for_each([&](std::uint32_t key, std::uint64_t count) { sums[key] += count; });
  for (std::uint32_t i = 0; i < n; ++i) {
    BypassDefinitionView v{};
    if (!bypass_definition(i, v)) break;
    probe::BypassFacts f;
    if (v.address == 0) {
      // Resolved after start-up (its library came later) or never: its entry was not patched.
      if (interprobe_shim_targets[i] == nullptr) continue;
      f.refused = "its definition was not loaded when the shim started (a library loaded later)";
    } else {
      f.definition = v.object;
      if (v.refused != nullptr) f.refused = v.refused;
      if (v.same_as >= 0) f.same_as = d.symbols[static_cast<std::size_t>(v.same_as)].name;
    }
    d.symbols[i].bypass = std::move(f);
  }
  // Keys (bypass.hpp): symbol s < n, the trampoline's calls; n + i, through i's entry; 2n + i,
  // bypassed i's entry.
  for (auto& [key, count] : sums) {
    const std::uint32_t s = SparseCounts::key_symbol(key), o = SparseCounts::key_object(key);
    if (count == 0) continue;
    if (s < n) {
      d.symbols[s].callers.emplace_back(o, count);
    } else if (s < 2 * n && d.symbols[s - n].bypass) {
      d.symbols[s - n].bypass->through += count;
    } else if (s >= 2 * n && s < 3 * n && d.symbols[s - 2 * n].bypass) {
      d.symbols[s - 2 * n].bypass->callers.emplace_back(static_cast<std::uint16_t>(o), count);
    }
  }
  auto by_count = [](auto& a, auto& b) { return a.second > b.second; };
  for (probe::SymbolRow& r : d.symbols) {
    std::stable_sort(r.callers.begin(), r.callers.end(), by_count);
    if (r.bypass) std::stable_sort(r.bypass->callers.begin(), r.bypass->callers.end(), by_count);
  }
}

}  // namespace

void write_report() {
  if (!probe::runtime_ready() || !probe::claim_exit_report()) return;
  probe::write_report(*g_map, g_process.settings.report_path, "exit", 0, fill_report);
}

}  // namespace shim
