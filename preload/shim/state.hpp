// state.hpp — the shim runtime's process-wide state, shared by the counting path (hit.cpp,
// integer-only) and the slow path (runtime.cpp: initialisation, resolution, report).
//
// Start-up, the re-entry guard, the object map, the attribution cache and the thread-exit and fork
// handling are the shared runtime's (../runtime/), as in libprobe.so; the shim's own are its
// counters (sparse per-thread tables, sparse_counts.hpp) and the resolution of its targets.
#pragma once

#include <atomic>
#include <cstdint>

#include "../runtime/attribution.hpp"
#include "../runtime/guard.hpp"
#include "../runtime/process_state.hpp"
#include "../runtime/start.hpp"
#include "../runtime/tls.hpp"
#include "object_map.hpp"
#include "sparse_counts.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace shim {

using probe::CacheEntry;
using probe::g_map;
using probe::g_self_id;

// The state word's front-end bit (runtime/guard.hpp), set with the table while PROBE_BYPASS is
// on: the trampoline's fast path must not count (a call must be marked, hit.cpp), the counting
// entry's may (runtime/entry_counter.hpp: it tests only kInRuntime and kOffFastPath).
inline constexpr std::uintptr_t kMarking = 4;

// Set by the thread-exit destructor: later calls of that thread go to the shared table.
inline SparseCounts::Table* const kThreadGone = probe::thread_gone<SparseCounts::Table>();

extern SparseCounts* g_counts;

// constinit: the compiler checks that they need no dynamic initialisation (runtime/tls.hpp says
// why that matters on the counting path).
extern constinit PROBE_TLS SparseCounts::Table* t_table;

// The object holding a return address, through this thread's cache (hit.cpp, integer-only);
// kUnknownObject when the map does not know it (the slow path learns it).
probe::ObjectId cached_object(std::uintptr_t ret);

// Counts one call of trampoline `index` from `ret` (its object `id`, known) into `t` and, where
// the trampoline's fast path may count the next one by itself (`t` is this thread's own table,
// PROBE_BYPASS is off), fills the call's site and publishes `t` in the thread's state word.
// `epoch`: probe::g_epoch as read before `id` was looked up. Integer-only (hit.cpp).
void count_call(SparseCounts::Table* t, std::uint32_t index, std::uintptr_t ret,
                probe::ObjectId id, std::uint32_t epoch);

// The slow path's helpers (runtime.cpp): this thread's table (nullptr if the runtime is not
// ready), the real definition of index.
SparseCounts::Table* thread_table();
void* resolve_index(std::uint32_t index);
const char* name_of(std::uint32_t index);

}  // namespace shim

#pragma GCC visibility pop
