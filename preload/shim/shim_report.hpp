// shim_report.hpp — the generated shim's report: libprobe.so's report model and renderer
// (core/report.hpp, docs/REPORT_FORMAT.md), one row per trampolined symbol, family "shim", plus
// a "shim" object naming the library the shim was made for.
//
// Where it goes: PROBE_SHIM_REPORT, else PROBE_REPORT (same %p rules and the same never-overwrite
// file creation as libprobe.so, via probe_core's report_file); format: PROBE_SHIM_FORMAT, else
// PROBE_FORMAT. So a shim alone answers to the variables the tools already set, and next to
// libprobe.so the two reports are kept apart by setting PROBE_SHIM_REPORT (docs/SHIM.md).
#pragma once

#include "settings.hpp"

namespace shim {

// The shim's settings: PROBE_SHIM_REPORT / _FORMAT / _BYPASS first, then the PROBE_* variables it
// shares with libprobe.so (start-up: runtime/start.hpp's FrontEnd).
const char* shim_getenv(const char* name);
void write_report();        // at exit, once per process
const probe::Settings& shim_settings();  // as read by report_init
void add_notice(const char* line);       // a line for the report's notices

}  // namespace shim
