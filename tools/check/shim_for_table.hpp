// shim_for_table.hpp — the table of `interprobe run --shim-for LIB` (shim_for.hpp): one row per
// called function of LIB, what the run counted and what the scanner found, rendered as text or
// JSON (shim_for_table.cpp). With --bypass (shim_for_bypass.cpp): the calls each function's real
// definition received without passing the shim (preload/shim/bypass.hpp counts them at the
// patched entry), merged over the command's processes. docs/cli/run.md, docs/BYPASS.md.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "generator.hpp"
#include "probe_report.hpp"
#include "scanner.hpp"

namespace interprobe::shim_for {

// What the shim runtime counted at one function's definition, over every process.
struct RowBypass {
  std::string definition;
  bool patched = false;
  std::string refused, same_as;                   // as in the report's "bypass" object
  std::uint64_t through = 0;                      // calls that came through the shim's trampoline
  std::map<std::string, std::uint64_t> bypassed;  // calling object (file name) -> calls
  std::uint64_t bypassed_total = 0;
  std::uint64_t bypassed_from_library = 0;  // of which from LIB itself
};

// One called function of LIB: who called it in this run, and LIB's own references to it.
struct Row {
  std::string name;
  std::map<std::string, std::uint64_t> outside;  // calling object (file name) -> calls
  std::uint64_t outside_total = 0;
  std::uint64_t from_library = 0;           // calls from LIB itself that reached the shim
  const scan::SymbolReport* sym = nullptr;  // nullptr: the scanner does not list it
  std::optional<RowBypass> bypass;          // --bypass only
};

// Adds one process report's bypass records to the rows (a row is made for a function whose
// definition was reached only by bypassed calls). Records of functions never reached are skipped
// unless refused.
void add_bypass(const ProbeReport& report, const std::string& library, const std::string& soname,
                std::map<std::string, Row>& by_name);

// LIB's own references to a function that no override can see: direct calls, inlined copies.
std::size_t missed_sites(const scan::SymbolReport& s);

// The table: `rows` (by name), the functions never reached but bound inside LIB (`unseen`), the
// shim's plan (what was trampolined, what skipped), over `processes` reports.
std::string render_text(const std::string& lib, const std::vector<Row>& rows,
                        const std::vector<const scan::SymbolReport*>& unseen,
                        const shim::ShimPlan& plan, int processes);
std::string render_json(const std::string& lib, const std::string& soname,
                        const std::vector<Row>& rows,
                        const std::vector<const scan::SymbolReport*>& unseen,
                        const shim::ShimPlan& plan, int processes,
                        const std::vector<std::string>& command);

// The per-function section and the summary lines of the text table.
std::string render_bypass_text(const std::vector<Row>& rows);
// The row's "bypass" object of --format json (docs/cli/run.md).
nlohmann::json bypass_json(const RowBypass& b);

}  // namespace interprobe::shim_for
