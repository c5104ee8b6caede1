// shim_for.hpp — `interprobe run --shim-for LIB -- CMD`: what an LD_PRELOAD override of each of
// LIB's functions would and would not see in this workload. A shim for every exported function
// of LIB (tools/shim, docs/SHIM.md) counts the calls per calling object while CMD runs; the
// scanner (tools/scan, docs/SCAN.md) counts LIB's own references to each function. Side by side:
// the calls from outside LIB (the override takes them), the calls from inside LIB that did reach
// the shim (through LIB's PLT), and LIB's internal call sites an override can never see (direct
// calls, inlined copies). docs/cli/run.md. The CLI (tools/interprobe/run_command.cpp) prints
// what run_shim_for() returns.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace interprobe {

struct ShimForOptions {
  std::string library;  // LIB
  std::string report;   // --report PATH: the table goes there instead of stderr
  std::string format;   // "text" (default) or "json"
  std::string runtime;  // the shim runtime archive; "" = the default
  std::vector<std::string> symbols;  // --symbols: only these functions (default: every export)
  bool bypass = false;  // --bypass: also count, at each real definition, the calls the shim missed
  std::vector<std::string> command;
};

struct ShimForOutcome {
  // The command's status as `interprobe run` gives it (exit status, 128+signal, 127/126), or 2
  // for bad input (the command is then not run) and for a LIB the command never loaded.
  int status = 2;
  // One line each ("interprobe run: ..."), for stderr, in the order they arose; all come before
  // the table.
  std::vector<std::string> notices;
  std::optional<std::string> table;  // text or JSON; none when nothing was measured
};

// Builds the shim, runs the command under it (its stdin/stdout/stderr its own), reads the
// reports and renders the table.
ShimForOutcome run_shim_for(const ShimForOptions& options);

}  // namespace interprobe
