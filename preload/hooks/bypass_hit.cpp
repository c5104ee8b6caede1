// bypass_hit.cpp — the C half of the counting entry (preload/patch/x86_64/entry.S), for what the
// entry's own fast path does not count (runtime/entry_counter.hpp), called at a patched
// definition's entry with the host's vector registers live: compiled
// -mgeneral-regs-only (CMakeLists.txt) and calling nothing. Returns 0 when the slow half
// (bypass.cpp) must finish: a thread without a counter block yet, or a caller to look up.
#include "bypass_state.hpp"

extern "C" __attribute__((visibility("hidden"))) int interprobe_bypass_hit(std::uint32_t id,
                                                                         std::uintptr_t ret) {
  using namespace probe;
  if (in_runtime() || id >= kNumSymbols) return 1;  // the probe's own work: neither kind
  CounterPool::Block* b = t_block;
  if (__builtin_expect(b == nullptr || b == kThreadGone, 0)) return 0;
  return bypass_decide(id, ret, b) ? 1 : 0;
}
