// shim_report.cpp — see shim_report.hpp. Runs at exit, outside the counting path: it may use the
// heap (the runtime's own calls are never counted, t_in_shim is set).
#include "shim_report.hpp"

#include <fmt/format.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>

#include "bypass.hpp"
#include "report.hpp"
#include "report_file.hpp"
#include "settings.hpp"
#include "shim_abi.h"
#include "state.hpp"
#include "stderr_file.hpp"

#ifndef INTERPROBE_VERSION
#define INTERPROBE_VERSION "unknown"
#endif

namespace shim {

namespace {

// A mismatch between the generator and this runtime fails at link time, not at run time.
[[gnu::used]] const void* const g_abi_check = &INTERPROBE_SHIM_ABI_SYMBOL;

probe::Settings g_settings;
const char* g_report_setting = "PROBE_REPORT";
std::atomic<bool> g_reported{false};
probe::OriginalStderr g_original_stderr;  // which file fd 2 was; no descriptor is kept

// The shim's own variables first: PROBE_SHIM_REPORT / PROBE_SHIM_FORMAT override the ones it
// shares with libprobe.so. Backtraces and the time offset are libprobe's business: the shim
// neither reads them nor repeats their warnings. PROBE_BYPASS (PROBE_SHIM_BYPASS first) counts
// the calls that bypassed the trampolines (bypass.hpp).
const char* shim_getenv(const char* name) {
  if (std::strcmp(name, "PROBE_REPORT") == 0) {
    if (const char* v = std::getenv("PROBE_SHIM_REPORT")) {
      g_report_setting = "PROBE_SHIM_REPORT";
      return v;
    }
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

probe::Notices g_notices;             // for the report, never for the host's stderr
char g_module_name[256] = "shim.so";  // %m: the shim's own file name

}  // namespace

void report_init() {
  g_settings = probe::parse_settings(shim_getenv, getauxval(AT_SECURE) != 0, g_notices);
  probe::remember_module_name(reinterpret_cast<const void*>(&report_init), g_module_name,
                              sizeof g_module_name);
  g_original_stderr = probe::remember_stderr();
}

const probe::Settings& shim_settings() { return g_settings; }
void add_notice(const char* line) { g_notices.add(line); }

void report_after_fork() { g_reported.store(false, std::memory_order_relaxed); }

void write_report() {
  if (g_state.load(std::memory_order_acquire) != 2 || g_reported.exchange(true)) return;
  ShimReportData d;
  d.pid = static_cast<long>(getpid());
  probe::ReportTarget t = probe::open_report(g_settings.report_path, d.pid, g_module_name);
  if (t.kind == probe::ReportTarget::Kind::discard) return;
  d.process = probe::ProcessIdentity{
      d.pid, static_cast<long>(getppid()),
      program_invocation_name != nullptr ? program_invocation_name : "", g_main_path};
  d.version = INTERPROBE_VERSION;
  d.library = interprobe_shim_strtab + interprobe_shim_library;
  d.report_setting = g_settings.report_path;
  d.format = g_settings.format == probe::Format::json ? "json" : "text";
  d.secure = g_settings.secure;
  const std::uint32_t n = interprobe_shim_count;
  d.names.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i)
    d.names.emplace_back(interprobe_shim_strtab + interprobe_shim_names[i]);
  std::map<std::uint32_t, std::uint64_t> sums;  // by key: (symbol, object) in symbol order
  d.dropped = g_counts->for_each([&](std::uint32_t key, std::uint64_t count) { sums[key] += count; });
  d.callers.resize(n);
  d.bypass = g_settings.bypass;
  d.bypass_facts.resize(n);
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
      if (v.same_as >= 0) f.same_as = d.names[static_cast<std::size_t>(v.same_as)];
    }
    d.bypass_facts[i] = std::move(f);
  }
  // Keys (bypass.hpp): symbol s < n, the trampoline's calls; n + i, through i's entry; 2n + i,
  // bypassed i's entry.
  for (auto& [key, count] : sums) {
    const std::uint32_t s = SparseCounts::key_symbol(key), o = SparseCounts::key_object(key);
    if (count == 0) continue;
    if (s < n) {
      d.callers[s].emplace_back(o, count);
    } else if (s < 2 * n && d.bypass_facts[s - n]) {
      d.bypass_facts[s - n]->through += count;
    } else if (s >= 2 * n && s < 3 * n && d.bypass_facts[s - 2 * n]) {
      d.bypass_facts[s - 2 * n]->callers.emplace_back(static_cast<std::uint16_t>(o), count);
    }
  }
  auto by_count = [](auto& a, auto& b) { return a.second > b.second; };
  for (auto& c : d.callers) std::stable_sort(c.begin(), c.end(), by_count);
  for (auto& f : d.bypass_facts)
    if (f) std::stable_sort(f->callers.begin(), f->callers.end(), by_count);
  for (std::size_t i = 0; i < g_map->object_count(); ++i)
    d.objects.emplace_back(g_map->object_name(static_cast<probe::ObjectId>(i)));
  g_notices.for_each([&](std::string_view line) { d.notices.emplace_back(line); });
  if (!t.message.empty()) d.notices.push_back(t.message);
  probe::deliver(t, render_shim_report(d), g_original_stderr);
}

}  // namespace shim
