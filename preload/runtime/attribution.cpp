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

std::atomic<std::uint32_t> g_epoch{1};

namespace {
std::atomic<std::uint32_t> g_epoch_map_generation{0};  // the map's generation at the last bump
}  // namespace

void bump_epoch() { g_epoch.fetch_add(1, std::memory_order_release); }

void sync_epoch() {
  const std::uint32_t gen = g_map->generation();
  // Of the threads that see a new generation, the first to swap it in bumps (extra bumps only
  // cost a refill).
  if (g_epoch_map_generation.load(std::memory_order_relaxed) != gen &&
      g_epoch_map_generation.exchange(gen, std::memory_order_acq_rel) != gen)
    bump_epoch();
}

}  // namespace probe
