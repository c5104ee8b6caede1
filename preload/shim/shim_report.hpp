// shim_report.hpp — the generated shim's report: libprobe.so's format (docs/REPORT_FORMAT.md,
// JSON schema 1, "tool": "interprobe-probe"), one entry per trampolined symbol, family "shim",
// plus a "shim" object naming the library the shim was made for.
//
// Where it goes: PROBE_SHIM_REPORT, else PROBE_REPORT (same %p rules and the same never-overwrite
// file creation as libprobe.so, via probe_core's report_file); format: PROBE_SHIM_FORMAT, else
// PROBE_FORMAT. So a shim alone answers to the variables the tools already set, and next to
// libprobe.so the two reports are kept apart by setting PROBE_SHIM_REPORT (docs/SHIM.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report.hpp"
#include "settings.hpp"

namespace shim {

void report_init();         // at start-up: reads the settings, remembers which file stderr is
void report_after_fork();   // in a fork child: the child writes its own report
void write_report();        // at exit, once per process
const probe::Settings& shim_settings();  // as read by report_init
void add_notice(const char* line);       // a line for the report's notices

// Pure rendering, unit-tested. callers[i] = (object index, count) for symbol i.
struct ShimReportData {
  std::string version, library, report_setting, format;  // format: "text" | "json"
  long pid = 0;
  probe::ProcessIdentity process;
  std::vector<std::string> notices;
  bool secure = false;
  std::uint64_t dropped = 0;
  std::vector<std::string> names;                                      // by symbol index
  std::vector<std::vector<std::pair<std::size_t, std::uint64_t>>> callers;  // by symbol index
  std::vector<std::string> objects;                                    // by object id
  // PROBE_BYPASS (bypass.hpp): the setting, and by symbol index what became of its definition
  // (none: not resolved when the entries were patched).
  bool bypass = false;
  std::vector<std::optional<probe::BypassFacts>> bypass_facts;
};
std::string render_shim_report(const ShimReportData& d);

}  // namespace shim
