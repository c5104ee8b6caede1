// attribution.hpp — which loaded object made a call: the object map behind a per-thread cache of
// return address -> object, for both front-ends' counting paths.
//
// The cache is valid for one map generation (ObjectMap::generation). The fast paths (libprobe's
// note(), a shim's integer-only hit) read it inline; a miss goes to attribute(), which looks the
// address up and learns an object loaded since (dlopen) with _dl_find_object, which takes no
// loader lock — so a miss never waits, not even in a fork child whose parent had a thread inside
// dlopen. Code in no object at all (JIT) stays unknown.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "../core/object_map.hpp"
#include "tls.hpp"

#pragma GCC visibility push(hidden)  // as start.hpp says

namespace probe {

struct CacheEntry {
  std::uintptr_t address;
  std::uint32_t generation;
  ObjectId id;
};
inline constexpr std::size_t kCacheSize = 64;

// The front-end's map (start.hpp creates it) and this thread's cache.
extern ObjectMap* g_map;
extern PROBE_TLS CacheEntry t_cache[kCacheSize];

inline CacheEntry& cache_slot(CacheEntry* cache, std::uintptr_t ret) {
  return cache[(ret >> 2) % kCacheSize];
}
inline bool cache_holds(const CacheEntry& c, std::uintptr_t ret, std::uint32_t generation) {
  return c.address == ret && c.generation == generation;
}

// The object holding the code at `ret`, through `cache` (t_cache unless the caller keeps its
// own). kUnknownObject, not cached, for code in no object, and while another thread refreshes
// the map (this once). Not integer-only: a shim calls it from its slow path only.
ObjectId attribute(std::uintptr_t ret, CacheEntry* cache = t_cache);

// The sites' epoch. Both fast paths keep, per thread, the call sites they have seen (libprobe's
// CounterPool::Site, a shim's SparseCounts::Site), each valid while the epoch is the one it was
// filled in; one global word for what were three checks on libprobe's hook path (issue 15).
// bump_epoch() (async-signal-safe) sends every thread's next call from every site to its slow
// path: the object map changed (sync_epoch), or the front-end needs every call to look at
// something (libprobe: a report on demand, PROBE_BYPASS marking; a shim: PROBE_BYPASS). Starts at
// 1: an empty site (epoch 0) never matches. Read it before a lookup whose result fills a site.
extern std::atomic<std::uint32_t> g_epoch;
void bump_epoch();
// After a lookup that may have learned an object (attribute()): bumps the epoch if the object map
// changed since the last bump for it.
void sync_epoch();

}  // namespace probe

#pragma GCC visibility pop
