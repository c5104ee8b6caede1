// report_writer.hpp — writing a front-end's report (core/report.hpp) where PROBE_REPORT says, at
// exit and on demand: one code path for libprobe.so and every shim.
//
// The report is built with the heap (std::string, fmt): the caller runs it inside its re-entry
// guard, so that the runtime's own allocations are forwarded uncounted.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "../core/object_map.hpp"
#include "../core/report.hpp"

#pragma GCC visibility push(hidden)  // as start.hpp says

namespace probe {

// Adds the front-end's part to a report whose target is open: its symbol rows from its
// counters, stacks, its `shim` facts.
using FillReport = std::function<void(ReportData&)>;

// Writes one report to where `path_template` says (report_file.hpp: stderr if empty, nothing for
// the null device): the process, the settings, the objects of `map` and the notices
// (g_process), then `fill`, rendered in the settings' format. `trigger`: "exit" or "signal".
void write_report(const ObjectMap& map, const std::string& path_template, std::string_view trigger,
                  std::uint64_t requests, const FillReport& fill);

// The report at exit is written once per process: true for the first caller only. A fork child
// writes its own (report_after_fork_child).
bool claim_exit_report();
bool exit_report_claimed();
void report_after_fork_child();

}  // namespace probe

#pragma GCC visibility pop
