// report.hpp — renders the probe's report (text table or JSON) from a snapshot of its state.
//
// Runs at exit, not on the hook path, so it may use the heap (the probe's own allocations are
// forwarded uncounted by the re-entry guard). The JSON format is documented in
// docs/REPORT_FORMAT.md; bump kReportSchema when it changes incompatibly.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "counters.hpp"
#include "settings.hpp"

namespace probe {

inline constexpr int kReportSchema = 1;

struct StackFrame {
  std::uintptr_t address;
  std::string object;    // "" if unknown
  std::string function;  // "" if unknown
  std::uintptr_t offset; // from function (or object) start
};

struct StackRecord {
  Symbol symbol;
  std::uint64_t count;
  std::vector<StackFrame> frames;
};

struct ReportData {
  std::string_view version;
  std::string_view trigger = "exit";  // "exit" or "signal" (PROBE_REPORT_SIGNAL)
  long pid;
  const Settings* settings;
  const Totals* totals;
  std::vector<std::string> objects;  // by ObjectId
  std::vector<StackRecord> stacks;
  std::uint64_t stack_overflow = 0;
};

std::string render_text(const ReportData& d);
std::string render_json(const ReportData& d);

// Appends `s` as a JSON string, ASCII only (also used by the generated shims' report).
void json_string(fmt::memory_buffer& out, std::string_view s);

}  // namespace probe
