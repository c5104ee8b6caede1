// check.hpp — `interprobe check`: does an LD_PRELOAD override of the named symbols take effect for
// a library's own (internal) calls, as the packager expects?
//
// Two independent halves, each reporting whether it could check at all:
// - static (check_static.cpp): reads the library file. Needs `interprobe scan`, which is not in
//   this build: it answers "not checked" explicitly and never counts as a pass.
// - runtime (check_runtime.cpp): runs the RUN command with and without libprobe.so and counts the
//   calls of each symbol that reached the override from the library itself. Only symbols that
//   libprobe.so overrides (preload/core/symbols.def) can be observed this way.
// The verdict: every half that checked agrees with the expectation → pass (0); any disagrees →
// fail (1); nothing could be checked, or bad input → 2.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "elf_symbols.hpp"

namespace interprobe {

enum class Expectation { interposable, bound };
std::string to_string(Expectation e);

struct CheckRequest {
  std::string library;               // path to the shared library (its build output)
  std::vector<std::string> symbols;  // functions the library defines and calls itself
  Expectation expect = Expectation::interposable;
  std::vector<std::string> command;  // RUN; empty = static half only
  std::string probe;                 // libprobe.so
  int timeout_seconds = 300;
};

// What one half found for one symbol.
struct SymbolFinding {
  bool interposable = false;
  std::string evidence;  // "3 calls from libfoo.so reached the override (2 from app)"
};

struct HalfResult {
  bool checked = false;
  std::string note;                               // why not checked, or what was run
  std::map<std::string, SymbolFinding> findings;  // by symbol, if checked
};

struct CheckOutcome {
  int status = 2;                  // 0 pass, 1 expectation not met, 2 bad input / nothing checked
  std::vector<std::string> lines;  // the report, for stdout
  std::string error;               // one line, for stderr, when status is 2
};

// Validates the request (library readable, a shared object, defining every symbol), runs both
// halves and renders the verdict.
CheckOutcome run_check(const CheckRequest& req);

// The halves. `syms` is the library's dynamic symbol table, already validated against req.
// A half that cannot check returns checked=false with the reason in note; a half that meets bad
// input (RUN cannot start, the library is never loaded) sets `error` and the outcome is 2.
HalfResult check_static(const CheckRequest& req, const DynamicSymbols& syms, std::string* error);
HalfResult check_runtime(const CheckRequest& req, const DynamicSymbols& syms, std::string* error);

// True if libprobe.so overrides `symbol` (it is listed in preload/core/symbols.def).
bool probe_overrides(const std::string& symbol);
// "malloc, free, ..." — the list, for error messages.
std::string probe_symbol_list();

}  // namespace interprobe
