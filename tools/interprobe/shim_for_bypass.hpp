// shim_for_bypass.hpp — `interprobe run --shim-for LIB --bypass`: the calls each function's real
// definition received without passing the shim (preload/shim/bypass.hpp counts them at the
// patched entry), merged over the command's processes and shown beside the shim's own counts and
// the scanner's static sites (shim_for.cpp). docs/cli/run.md, docs/BYPASS.md.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../runner/probe_report.hpp"
#include "scanner.hpp"

namespace interprobe::cli {

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

// The per-function section and the summary lines of the text table.
std::string render_bypass_text(const std::vector<Row>& rows);
// The row's "bypass" object of --format json (docs/cli/run.md).
nlohmann::json bypass_json(const RowBypass& b);

}  // namespace interprobe::cli
