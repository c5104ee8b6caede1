// definitions.hpp — from "these are the real definitions a runtime wants counted" to patched
// entries, for both runtimes that count bypassed calls (libprobe.so, preload/hooks/bypass.cpp, and
// every generated shim, preload/shim/bypass.cpp): where each definition lies (dladdr1), the
// refusals decided before the patcher sees a function (vDSO, no symbol starting there, in no
// object), two requested names with one definition (counted once, under the first), and one
// patch_functions call per object, so that the sweep for branches into the replaced bytes reads
// each object's code once. Runs on the start-up path, single-threaded, with the runtime's
// re-entry guard held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "patch.hpp"

namespace interprobe::patch {

// What became of one requested definition. A runtime keeps one per id (its symbol index).
struct Definition {
  std::uintptr_t address = 0;  // 0: none requested
  char object[256] = {};       // the object holding it, as the loader names it
  std::uintptr_t base = 0;     // where that object was mapped (dladdr's dli_fbase)
  Refusal refusal = Refusal::none;
  std::int64_t same_as = -1;  // the id of an earlier request with this very definition
};

// The executable segments of the loaded object holding `address` (empty if none).
std::vector<CodeRange> code_of(std::uintptr_t address);

// Whether the object that held d's definition is still mapped where it was: the same file at the
// same base (_dl_find_object: lock-free, no descriptor, so any thread may ask, a report too). False
// once it was unloaded (dlclose), even if another copy was mapped elsewhere.
bool still_loaded(const Definition& d);

// Fills d (address, object, base) for `definition` and, if nothing forbids it, `fn` for the patcher.
// `main_path` names the executable (the loader lists it with an empty name).
Refusal plan_definition(void* definition, std::uint32_t id, const char* main_path, Definition& d,
                        Function& fn);

// Patches definitions[k] under ids[k] (k < n) with the counting entry `entry`, recording the
// outcome in by_id[ids[k]] (by_id has room for every id). Definitions equal to an earlier one get
// same_as and are not patched again.
void patch_definitions(const std::uint32_t* ids, void* const* definitions, std::size_t n,
                       CountingEntry entry, const char* main_path, Definition* by_id);

}  // namespace interprobe::patch
