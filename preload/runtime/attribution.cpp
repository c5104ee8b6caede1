// attribution.cpp — see attribution.hpp.
#include "attribution.hpp"

#include "process_state.hpp"

namespace probe {

PROBE_TLS CacheEntry t_cache[kCacheSize];

ObjectId attribute(std::uintptr_t ret, CacheEntry* cache) {
  const std::uint32_t gen = g_map->generation();
  CacheEntry& c = cache_slot(cache, ret);
  if (cache_holds(c, ret, gen)) return c.id;
  ObjectId id = g_map->lookup(ret);
  if (id == kUnknownObject) {
    auto learned = g_map->learn(ret, g_process.main_path);
    if (!learned) return id;  // another thread is refreshing: unknown this once, not cached
    id = *learned;
  }
  c = CacheEntry{ret, g_map->generation(), id};
  return id;
}

}  // namespace probe
