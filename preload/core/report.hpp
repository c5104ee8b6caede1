// report.hpp — the report model of both in-process front-ends (libprobe.so's hooks and every
// generated shim) and its one renderer, text or JSON.
//
// A front-end fills ReportData from its own counters — libprobe's dense per-symbol blocks
// (dense_rows below), a shim's sparse per-trampoline tables (preload/shim/shim_report.cpp) — and
// the renderer writes the one envelope docs/REPORT_FORMAT.md documents; a shim's report differs
// only by its `shim` object and its text header. Runs at report time, not on the hook path, so it
// may use the heap (the runtime's own allocations are forwarded uncounted by its re-entry guard).
// Bump kReportSchema when the JSON changes incompatibly.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
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
// it. Both front-ends fill it: libprobe.so per hooked symbol, a shim per trampolined one.
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

// One counted function of the report: its calls by calling object (ObjectId, count), largest
// first, and with PROBE_BYPASS what became of its definition.
struct SymbolRow {
  std::string_view name;    // static storage: symbols.def, or the shim's string table
  std::string_view family;  // alloc, time, victim; "shim" for a trampoline
  std::vector<std::pair<std::size_t, std::uint64_t>> callers;
  std::optional<BypassFacts> bypass;
};

// A generated shim's report (docs/SHIM.md): the library it was made for, how many trampolines it
// has, and the calls not counted because a count table was full.
struct ShimFacts {
  std::string library;
  std::size_t symbols = 0;
  std::uint64_t dropped = 0;
};

struct ReportData {
  std::string_view version;
  std::string_view trigger = "exit";  // "exit" or "signal" (PROBE_REPORT_SIGNAL)
  // Signals received (PROBE_REPORT_SIGNAL) that this report answers: every one since the last
  // report on demand (they merge: docs/REPORT_FORMAT.md); at exit, those no report answered.
  std::uint64_t report_requests = 0;
  long pid = 0;
  ProcessIdentity process;  // process.pid == pid
  const Settings* settings = nullptr;
  std::vector<std::string> objects;  // by ObjectId
  std::vector<SymbolRow> symbols;    // in the front-end's order, every one listed
  std::vector<StackRecord> stacks;
  std::uint64_t stack_overflow = 0;
  std::vector<std::string> notices;  // the runtime's own messages (notices.hpp)
  std::optional<ShimFacts> shim;     // set by a generated shim's front-end only
};

// libprobe.so's rows from its dense totals, in symbols.def order: every symbol, called or not,
// except the victim family, listed only in a process that loaded the bundled victim library (an
// object named as its PROBE_FAMILY library in symbols.def) or called one of its hooks — elsewhere its symbols are noise
// (issue 12 item 13). `bypass`: one record per definition found (PROBE_BYPASS).
std::vector<SymbolRow> dense_rows(const Totals& totals, const std::vector<BypassRecord>& bypass,
                                  const std::vector<std::string>& objects);

std::string render_text(const ReportData& d);
std::string render_json(const ReportData& d);
// By the settings' format.
std::string render(const ReportData& d);

// Appends `s` as a JSON string, ASCII only.
void json_string(fmt::memory_buffer& out, std::string_view s);

}  // namespace probe
