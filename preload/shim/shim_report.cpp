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
// neither reads them nor repeats their warnings.
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
  for (auto& [key, count] : sums) {
    const std::uint32_t s = SparseCounts::key_symbol(key);
    if (s < n && count != 0) d.callers[s].emplace_back(SparseCounts::key_object(key), count);
  }
  for (auto& c : d.callers)
    std::stable_sort(c.begin(), c.end(), [](auto& a, auto& b) { return a.second > b.second; });
  for (std::size_t i = 0; i < g_map->object_count(); ++i)
    d.objects.emplace_back(g_map->object_name(static_cast<probe::ObjectId>(i)));
  g_notices.for_each([&](std::string_view line) { d.notices.emplace_back(line); });
  if (!t.message.empty()) d.notices.push_back(t.message);
  probe::deliver(t, render_shim_report(d), g_original_stderr);
}

}  // namespace shim
