// note.hpp — the counting path every hook starts with, inline in each hook (bench/ measures it:
// docs/PERFORMANCE.md; as a call it cost 1.15 ns per malloc+free pair, issue 15).
//
// note(symbol, return address) counts one call of `symbol` made from the code at `return
// address` (unless the probe itself made it). The fast path is one load of the thread's state
// word (runtime/guard.hpp: ready, this thread owns a counter block, not inside the runtime, no
// PROBE_BYPASS or PROBE_BACKTRACE), the site's slot in the block (CounterPool::Site: its object,
// filled by note_slow()) checked against the return address and the hooks' epoch, and one store
// to the counter. Everything else goes out of line, so that the fast path needs no stack frame:
// note_moded() for PROBE_BYPASS and PROBE_BACKTRACE, note_slow() (runtime.cpp) for the rest. The
// re-entry guard is only read here, not taken: nothing on this path calls out.
#pragma once

#include <atomic>
#include <cstdint>

#include "../core/counters.hpp"
#include "../runtime/attribution.hpp"
#include "../runtime/guard.hpp"
#include "bypass.hpp"
#include "runtime.hpp"
#include "state.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace probe {

// A state-word flag of libprobe's (guard.hpp leaves bit 2 to the front-end): PROBE_BYPASS or
// PROBE_BACKTRACE is on, the thread's calls take note_moded().
inline constexpr std::uintptr_t kModed = 4;

// The dynamic loader's id: its calls are counted but never unwound (runtime.cpp says why).
extern ObjectId g_loader_id;
inline bool may_unwind(ObjectId caller) {
  return caller != g_loader_id || caller == kUnknownObject;
}

// Everything else: initialisation, a new thread's block, a site not in its slot, a report on
// demand (runtime.cpp).
[[gnu::noinline, gnu::cold]] void note_slow(Symbol s, std::uintptr_t ret);
// PROBE_BYPASS and PROBE_BACKTRACE: the fast path plus the mark and the site's stack.
[[gnu::noinline]] void note_moded(Symbol s, std::uintptr_t ret);
// A site's stack (PROBE_BACKTRACE) when its slot does not hold it: found in, or unwound into, the
// stack table.
[[gnu::noinline]] void record_stack(CounterPool::Block* b, Symbol s, std::uintptr_t ret);

inline bool site_holds(const CounterPool::Site& c, std::uintptr_t ret) {
  return c.ret == ret && c.epoch == g_epoch.load(std::memory_order_relaxed);
}

[[gnu::always_inline]] inline void note(Symbol s, void* return_address) {
  const auto ret = reinterpret_cast<std::uintptr_t>(return_address);
  const std::uintptr_t w = t_thread_word;
  if (__builtin_expect((w & kWordFlags) == 0, 1)) {
    auto* const b = reinterpret_cast<CounterPool::Block*>(w);
    const CounterPool::Site& c = CounterPool::site(b, ret);
    if (__builtin_expect(site_holds(c, ret), 1)) {
      CounterPool::add_owned(b, s, c.id);
      return;
    }
    note_slow(s, ret);
    return;
  }
  note_moded(s, ret);
}

}  // namespace probe

#pragma GCC visibility pop
