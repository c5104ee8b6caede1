// truth_rule.hpp — the one rule for when the scanner's verdict on a symbol agrees with what the
// probe sees at run time, shared by scan_truth_test.cpp (scanner vs. live probe runs) and
// check_test.cpp (`interprobe check`'s static half vs. victim/matrix.json).
//
// `took` is the set of run-time outcomes of the library's own call paths to the symbol:
// "interposed" (ran_unused counts as that: the call did go through the PLT, the override ran) and
// "bypassed". Every path took the override → "interposable internally". Every path bypassed it →
// "bound internally", or "no internal references" (an inlined and constant-folded call leaves no
// instruction and no DWARF record). The paths disagree → "mixed", or "interposable" when the
// bypassing path left no trace (docs/SCAN.md, Limitations: gcc -fno-semantic-interposition
// inlines and folds the same-file accessor_same_tu call of victim_err_occurred, while the
// cross-file accessor_cross_tu call still goes through the PLT).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "matrix.hpp"
#include "scanner.hpp"

namespace interprobe::truth {

inline bool scanner_agrees(const std::set<std::string>& took, scan::SymVerdict v) {
  using scan::SymVerdict;
  if (took == std::set<std::string>{"interposed"}) return v == SymVerdict::interposable;
  if (took == std::set<std::string>{"bypassed"})
    return v == SymVerdict::bound || v == SymVerdict::none;
  return v == SymVerdict::mixed || v == SymVerdict::interposable;
}

// The exported symbols a library call path exercises: its hooked victim_ symbols, or for
// "variable" the data symbol the probe defines. Paths whose targets live outside libvictim
// (malloc, time) and app paths have none.
inline std::vector<std::string> lib_targets(const PathSpec& p) {
  if (p.caller != "lib") return {};
  if (p.name == "variable") return {"victim_exported_var"};
  std::vector<std::string> out;
  for (auto& s : p.symbols)
    if (s.rfind("victim_", 0) == 0) out.push_back(s);
  return out;
}

// What the rule allows, for failure messages.
inline std::string allowed(const std::set<std::string>& took) {
  if (took == std::set<std::string>{"interposed"}) return "interposable";
  if (took == std::set<std::string>{"bypassed"}) return "bound or none";
  return "mixed, or interposable if the bypassing path left no trace";
}

}  // namespace interprobe::truth
