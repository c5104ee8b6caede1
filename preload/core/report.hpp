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
#include "symbols.hpp"

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

// Which process wrote the report: a child's report must be recognisable (issue 12 item 13).
struct ProcessIdentity {
  long pid = 0;
  long ppid = 0;
  std::string argv0;  // as glibc's program_invocation_name holds it when the report is written
  std::string exe;    // /proc/self/exe at start-up
};

// PROBE_BYPASS: what became of one counted function's real definition, and the calls that reached
// it. Both runtimes fill it: libprobe.so per hooked symbol, a shim per trampolined one.
struct BypassFacts {
  std::string definition;  // the object holding it
  std::string refused;     // why its entry was not patched; empty: patched
  std::string same_as;     // a counted name with the same definition, whose entry counts both
  std::uint64_t through = 0;  // calls that came through the override
  std::vector<std::pair<std::uint16_t, std::uint64_t>> callers;  // bypassed calls by ObjectId
};

struct BypassRecord : BypassFacts {
  Symbol symbol;
};

struct ReportData {
  std::string_view version;
  std::string_view trigger = "exit";  // "exit" or "signal" (PROBE_REPORT_SIGNAL)
  // Signals received (PROBE_REPORT_SIGNAL) that this report answers: every one since the last
  // report on demand (they merge: docs/REPORT_FORMAT.md); at exit, those no report answered.
  std::uint64_t report_requests = 0;
  long pid;
  ProcessIdentity process;  // process.pid == pid
  const Settings* settings;
  const Totals* totals;
  std::vector<std::string> objects;  // by ObjectId
  std::vector<StackRecord> stacks;
  std::uint64_t stack_overflow = 0;
  std::vector<std::string> notices;  // the probe's own messages (notices.hpp)
  std::vector<BypassRecord> bypass;  // PROBE_BYPASS only; one per definition found
};

// Whether the families bound to a library (symbols.def: the test-only specimen's victim family)
// are listed: only in a process that loaded that library (an object of that file name was seen)
// or called one of their hooks — elsewhere their symbols are noise (issue 12 item 13).
bool lists_victim(const ReportData& d);

std::string render_text(const ReportData& d);
std::string render_json(const ReportData& d);

// Appends `s` as a JSON string, ASCII only (also used by the generated shims' report).
void json_string(fmt::memory_buffer& out, std::string_view s);
// Appends "process":{...} and "notices":[...] (both reports).
void json_process(fmt::memory_buffer& out, const ProcessIdentity& p);
void json_notices(fmt::memory_buffer& out, const std::vector<std::string>& notices);
// Appends ,"bypass":{...} for one function (docs/REPORT_FORMAT.md; both reports). `objects` by
// ObjectId.
void json_bypass(fmt::memory_buffer& out, const BypassFacts& r,
                 const std::vector<std::string>& objects);
// Appends the text report's PROBE_BYPASS rows of one function (nothing if it was patched and
// never reached). The heading is text_bypass_heading.
void text_bypass(fmt::memory_buffer& out, std::string_view name, const BypassFacts& r,
                 const std::vector<std::string>& objects);
void text_bypass_heading(fmt::memory_buffer& out);

}  // namespace probe
