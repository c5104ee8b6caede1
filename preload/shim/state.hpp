// state.hpp — the shim runtime's process-wide state, shared by the counting path (hit.cpp,
// integer-only) and the slow path (runtime.cpp: initialisation, resolution, report).
#pragma once

#include <atomic>
#include <cstdint>

#include "../runtime/process_state.hpp"
#include "object_map.hpp"
#include "sparse_counts.hpp"

// __thread, not thread_local: a C++ thread_local declared extern is reached through a TLS
// wrapper call (_ZTH...: it might need dynamic initialisation) in every other file; these
// are all constant-initialised, and the hot paths read them (objdump -d interprobe_bypass_hit).
#define SHIM_TLS __attribute__((tls_model("initial-exec"))) __thread

namespace shim {

// Per-thread cache of return address -> object, valid for one map generation (as libprobe's).
struct CacheEntry {
  std::uintptr_t address;
  std::uint32_t generation;
  probe::ObjectId id;
};
inline constexpr std::size_t kCacheSize = 64;

// Set by the thread-exit destructor: later calls of that thread go to the shared table.
inline SparseCounts::Table* const kThreadGone = reinterpret_cast<SparseCounts::Table*>(1);

extern std::atomic<int> g_state;  // 0 = not started, 1 = initialising, 2 = ready
extern probe::ObjectMap* g_map;
extern SparseCounts* g_counts;
extern probe::ObjectId g_self_id;

// constinit: the compiler checks that they need no dynamic initialisation (SHIM_TLS says why
// that matters on the counting path).
extern constinit SHIM_TLS bool t_in_shim;
extern constinit SHIM_TLS SparseCounts::Table* t_table;
extern constinit SHIM_TLS CacheEntry t_cache[kCacheSize];

// The object holding a return address, through this thread's cache (hit.cpp, integer-only);
// kUnknownObject when the map does not know it (the slow path learns it).
probe::ObjectId cached_object(std::uintptr_t ret);

// The slow path's helpers (runtime.cpp): this thread's table (nullptr if the runtime is not
// ready), the object of a return address learning new libraries, the real definition of index.
SparseCounts::Table* thread_table();
probe::ObjectId attribute(std::uintptr_t ret);
void* resolve_index(std::uint32_t index);
const char* name_of(std::uint32_t index);

}  // namespace shim
