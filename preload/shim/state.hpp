// state.hpp — the shim runtime's process-wide state, shared by the counting path (hit.cpp,
// integer-only) and the slow path (runtime.cpp: initialisation, resolution, report).
#pragma once

#include <atomic>
#include <cstdint>

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
extern char g_main_path[4096];  // /proc/self/exe

extern SHIM_TLS bool t_in_shim;
extern SHIM_TLS SparseCounts::Table* t_table;
extern SHIM_TLS CacheEntry t_cache[kCacheSize];

}  // namespace shim
