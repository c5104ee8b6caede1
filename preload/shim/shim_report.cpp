// shim_report.cpp — see shim_report.hpp. Runs at exit, outside the counting path: it may use the
// heap (the runtime's own calls are never counted, t_in_shim is set).
#include "shim_report.hpp"

#include <sys/auxv.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>

#include <fmt/format.h>

#include "report.hpp"
#include "report_file.hpp"
#include "settings.hpp"
#include "stderr_file.hpp"
#include "shim_abi.h"
#include "state.hpp"

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

void say(const char* text) {
  if (write(2, text, std::strlen(text)) < 0 || write(2, "\n", 1) < 0) return;
}

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t w = write(fd, s.data() + done, s.size() - done);
    if (w <= 0) return;  // nothing to do about it without disturbing the host
    done += static_cast<std::size_t>(w);
  }
}

}  // namespace

void report_init() {
  probe::SettingsMessages messages;
  g_settings = probe::parse_settings(shim_getenv, getauxval(AT_SECURE) != 0, messages);
  for (std::size_t i = 0; i < messages.count; ++i) say(messages.text[i]);
  g_original_stderr = probe::remember_stderr();
}

void report_after_fork() {
  g_reported.store(false, std::memory_order_relaxed);
}

void write_report() {
  if (g_state.load(std::memory_order_acquire) != 2 || g_reported.exchange(true)) return;
  ShimReportData d;
  d.version = INTERPROBE_VERSION;
  d.library = interprobe_shim_strtab + interprobe_shim_library;
  d.report_setting = g_settings.report_path;
  d.format = g_settings.format == probe::Format::json ? "json" : "text";
  d.pid = static_cast<long>(getpid());
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
  std::string body = render_shim_report(d);
  probe::ReportTarget t = probe::open_report(g_settings.report_path, d.pid);
  bool opened = false;
  const int err = probe::find_stderr(g_original_stderr, opened);
  if (!t.message.empty() && err >= 0) write_all(err, t.message + "\n");
  if (t.fd == 2) t.fd = err;
  if (t.fd >= 0) write_all(t.fd, body);
  if (!t.path.empty()) close(t.fd);
  if (opened) close(err);
}

}  // namespace shim
