// diff.hpp — `interprobe diff OLD.so NEW.so`: what LD_PRELOAD users lose (or gain) if NEW ships.
//
// Symbols are matched by name. A symbol is "lost" when OLD had internal references an override
// takes (interposable or mixed) and NEW has fewer of them; "gained" the other way round. Symbols
// exported by only one of the two are listed apart.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scanner.hpp"

namespace interprobe::scan {

struct SymbolChange {
  std::string name;
  SymVerdict old_verdict = SymVerdict::none, new_verdict = SymVerdict::none;
  std::size_t old_interposable = 0, new_interposable = 0;  // SymbolReport::interposable_refs
  std::size_t old_bound = 0, new_bound = 0;                // SymbolReport::bound_refs
};

struct LibraryDiff {
  std::vector<SymbolChange> lost;    // fewer internal references an override takes
  std::vector<SymbolChange> gained;  // more of them
  std::vector<std::string> removed, added;  // exported by only one side
  std::vector<std::string> fact_changes;    // "DT_SYMBOLIC: no -> yes", ...
};

LibraryDiff diff_libraries(const LibraryReport& old_lib, const LibraryReport& new_lib);
std::string render_diff_text(const LibraryDiff& d, const std::string& old_path,
                             const std::string& new_path);
nlohmann::json diff_to_json(const LibraryDiff& d, const std::string& old_path,
                            const std::string& new_path);
// diff_to_json as text, whatever bytes the names hold.
std::string render_diff_json(const LibraryDiff& d, const std::string& old_path,
                             const std::string& new_path);

}  // namespace interprobe::scan
