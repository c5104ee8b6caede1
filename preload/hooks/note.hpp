// note.hpp — the counting path every hook starts with, inline in each hook (bench/ measures it:
// docs/PERFORMANCE.md; as a call it cost 1.15 ns per malloc+free pair, issue 15).
//
// note(symbol, return address) counts one call of `symbol` made from the code at `return
// address` (unless the probe itself made it). A call from a site already in this thread's
// attribution cache, on a thread that owns a counter block, is counted with loads, compares and
// one store to the thread's own block; anything else goes to note_slow() (runtime.cpp), out of
// line, so that the fast path needs no stack frame and no saved registers. The re-entry guard is
// only read here, not taken: nothing on this path calls out, so nothing can re-enter.
#pragma once

#include <atomic>
#include <cstdint>

#include "../core/counters.hpp"
#include "../runtime/attribution.hpp"
#include "../runtime/guard.hpp"
#include "../runtime/start.hpp"
#include "bypass.hpp"
#include "runtime.hpp"
#include "state.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace probe {

// The dynamic loader's id: its calls are counted but never unwound (runtime.cpp says why).
extern ObjectId g_loader_id;
inline bool may_unwind(ObjectId caller) {
  return caller != g_loader_id || caller == kUnknownObject;
}

// Everything else: initialisation, a new thread's block, a site not in the cache, a report on
// demand (runtime.cpp).
[[gnu::noinline, gnu::cold]] void note_slow(Symbol s, std::uintptr_t ret);
// A site's stack (PROBE_BACKTRACE): found in, or unwound into, the stack table.
[[gnu::noinline]] void record_stack(CounterPool::Block* b, Symbol s, std::uintptr_t ret);

[[gnu::always_inline]] inline void note(Symbol s, void* return_address) {
  const auto ret = reinterpret_cast<std::uintptr_t>(return_address);
  bypass_mark(s, ret);  // PROBE_BYPASS: this call goes through the override (bypass.hpp)
  // One word: the runtime is ready, this thread owns a block, it is not inside the runtime
  // (guard.hpp; note_slow() publishes the block). A pending report on demand (PROBE_REPORT_SIGNAL)
  // is written by note_slow().
  const std::uintptr_t w = t_thread_word;
  if (__builtin_expect((w & kWordFlags) == 0 &&
                           g_report_requests.load(std::memory_order_relaxed) == 0,
                       1)) {
    auto* const b = reinterpret_cast<CounterPool::Block*>(w);
    const CacheEntry& c = cache_slot(t_cache, ret);
    if (__builtin_expect(cache_holds(c, ret, g_map->generation()), 1)) {
      if (c.id == g_self_id && c.id != kUnknownObject) {
        t_bypass_token.symbol_plus_one = 0;  // the probe's own call: not counted, not marked
        return;
      }
      CounterPool::add_owned(b, s, c.id);
      if (g_process.settings.backtrace != 0 && may_unwind(c.id)) record_stack(b, s, ret);
      return;
    }
  }
  note_slow(s, ret);
}

}  // namespace probe

#pragma GCC visibility pop
