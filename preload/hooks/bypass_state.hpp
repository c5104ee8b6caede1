// bypass_state.hpp — what the two halves of the counting entry share (bypass.cpp, bypass_hit.cpp):
// the decision, made once for both, and where its counts go.
#pragma once

#include <atomic>
#include <cstdint>

#include "../core/counters.hpp"
#include "../core/object_map.hpp"
#include "../core/symbols.hpp"
#include "bypass.hpp"
#include "runtime.hpp"
#include "state.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace probe {


// Per-thread cache of return address -> object for bypassed calls (runtime/attribution.hpp; the
// hooks' cache, t_cache, is theirs).
extern PROBE_TLS CacheEntry t_bypass_cache[kCacheSize];

// A bypassed arrival at `id` from `ret`, its caller's object known: counted, and the entry's
// fast path told where the next one from there goes (runtime/entry_counter.hpp), when `b` is
// the thread's own block. `epoch`: g_epoch as read before `caller` was looked up.
inline void bypass_count_from(CounterPool::Block* b, std::uint32_t id, std::uintptr_t ret,
                              ObjectId caller, std::uint32_t epoch) {
  std::uint64_t& n = b->bypassed[id][caller];
  CounterPool::bump(b, n);
  if (b != g_pool->shared()) entry_site_fill(ret, id, epoch, &n);
}

// An arrival at the entry of symbol `id` with return address `ret`, counted into the thread's
// block `b` (CounterPool: single-writer stores, no shared cache line). Returns true when it is
// decided and counted: through the override (the hook's mark, and either the hook called the
// definition — a return address in libprobe — or tail-jumped to it — its caller's return
// address: the token is consumed), libprobe's own call (neither kind), or bypassed from a caller
// in this thread's cache. False: a bypassed call whose caller must be looked up (slow half).
inline bool bypass_decide(std::uint32_t id, std::uintptr_t ret, CounterPool::Block* b) {
  if (entry_take_mark(id, ret)) {
    CounterPool::bump(b, b->through[id]);
    return true;
  }
  if (from_own_code(ret)) return true;  // libprobe's own call, not counted by a hook: neither
  const std::uint32_t epoch = g_epoch.load(std::memory_order_acquire);  // before the lookup
  const CacheEntry& c = cache_slot(t_bypass_cache, ret);
  if (cache_holds(c, ret, g_map->generation()) && c.id < kMaxObjects) {
    bypass_count_from(b, id, ret, c.id, epoch);
    return true;
  }
  return false;
}

}  // namespace probe

#pragma GCC visibility pop
