// note.hpp — the counting path every hook starts with, inline in each hook (bench/ measures it:
// docs/PERFORMANCE.md; as a call it cost 1.15 ns per malloc+free pair, issue 15).
//
// note(symbol, return address) counts one call of `symbol` made from the code at `return
// address` (unless the probe itself made it). The fast path is one load of the thread's state
// word (runtime/guard.hpp: ready, this thread owns a counter block, not inside the runtime;
// PROBE_BACKTRACE and PROBE_BYPASS each take a copy of the path that also counts the site's stack
// or marks the call), the site's slot in the block (CounterPool::Site: its object, filled by
// note_slow()) checked against the return address and the hooks' epoch, and one store to the
// counter. Everything else goes out of line, so that the fast path needs no stack frame:
// note_moded() for both modes at once and for a
// stack the slot does not hold, note_slow() (runtime.cpp) for the rest. The re-entry guard is
// only read here, not taken: nothing on this path calls out. hook() is the same path for a hook
// that has nothing to do after the real call (the malloc family): its off path takes the hook's
// arguments and calls the real function itself, so that the hook's fast path ends in a tail jump
// with its arguments untouched.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "../core/counters.hpp"
#include "../runtime/attribution.hpp"
#include "../runtime/guard.hpp"
#include "bypass.hpp"
#include "runtime.hpp"
#include "state.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace probe {

// libprobe's state-word flags (runtime.hpp) leave a counter block's address intact.
static_assert(alignof(CounterPool::Block) > kProbeFlags);

// The dynamic loader's id: its calls are counted but never unwound (runtime.cpp says why).
extern ObjectId g_loader_id;
inline bool may_unwind(ObjectId caller) {
  return caller != g_loader_id || caller == kUnknownObject;
}

// Everything else: initialisation, a new thread's block, a site not in its slot, a report on
// demand (runtime.cpp).
[[gnu::noinline, gnu::cold]] void note_slow(Symbol s, std::uintptr_t ret);
// PROBE_BYPASS, and PROBE_BACKTRACE's calls whose stack the slot does not hold: the fast path plus
// the mark and the site's stack.
[[gnu::noinline]] void note_moded(Symbol s, std::uintptr_t ret);
// A site's stack (PROBE_BACKTRACE) when its slot does not hold it: found in, or unwound into, the
// stack table.
[[gnu::noinline]] void record_stack(CounterPool::Block* b, Symbol s, std::uintptr_t ret);

inline bool site_holds(const CounterPool::Site& c, std::uintptr_t ret) {
  return c.ret == ret && c.epoch == g_epoch.load(std::memory_order_relaxed);
}

// The off-path copy of a hook: counts the call out of line (`Note`: note_moded or note_slow),
// then runs the hook's body with the same arguments. The return address and the symbol come
// last, so the arguments stay in their registers and the hook reaches this by a tail jump.
template <auto Body, auto Note, typename... A>
struct OffPath {
  [[gnu::noinline]] static auto call(A... a, std::uintptr_t ret, Symbol s) {
    Note(s, ret);
    return Body(a...);
  }
};

// A hook's call that the fast path does not count: `Note` out of line, then the body (none for
// note(), whose caller goes on by itself).
template <auto Body, auto Note, typename... A>
[[gnu::always_inline]] inline auto off_path(Symbol s, std::uintptr_t ret, A... a) {
  if constexpr (std::is_null_pointer_v<decltype(Body)>)
    return Note(s, ret);
  else
    return OffPath<Body, Note, A...>::call(a..., ret, s);
}

// A hook whose work after counting is `Body(a...)` (a function of the hook's file; nullptr:
// none): the fast path, then the body inline, or the whole call out of line. No branch comes back
// to the hook, so the hook keeps nothing across a call: no stack frame, no callee-saved register,
// and a body that ends in a call of the real function is one indirect tail jump (bench/: 8
// instructions per malloc+free pair fewer than note() followed by the body).
//
// With PROBE_BACKTRACE (kBacktrace alone in the word) the same path also counts the call in the
// site's stack-table entry, when the slot holds that entry for this symbol (note_slow() fills it
// only then): one more test of the word, the flag subtracted from the block pointer, one compare
// of the slot's symbol, one more add (bench/PERFORMANCE-notes.md counts them). With PROBE_BYPASS
// (kModed alone) it counts and then marks the call for the definition's entry (bypass.hpp: the
// token, with the count that entry adds it to). Exactness is note_moded()'s: the same counts in
// the thread's own block, the same slot and epoch, the same mark.
template <auto Body, typename... A>
[[gnu::always_inline]] inline auto hook(Symbol s, void* return_address, A... a) {
  const auto ret = reinterpret_cast<std::uintptr_t>(return_address);
  const std::uintptr_t w = t_thread_word;
  if (__builtin_expect((w & kProbeFlags) != 0, 0)) {
    if ((w & kWordFlags) == 0) {  // kBacktrace only
      auto* const b = reinterpret_cast<CounterPool::Block*>(w - kBacktrace);
      const CounterPool::Site& c = CounterPool::site(b, ret);
      if (__builtin_expect(site_holds(c, ret) && c.symbol_plus_one == static_cast<unsigned>(s) + 1,
                           1)) {
        CounterPool::add_owned(b, s, c.id);
        CounterPool::add_stack_owned(b, c.stack);
        if constexpr (!std::is_null_pointer_v<decltype(Body)>)
          return Body(a...);
        else
          return;
      }
    } else if ((w & (kInRuntime | kOffFastPath | kBacktrace)) == 0) {  // kModed only: + the mark
      auto* const b = reinterpret_cast<CounterPool::Block*>(w - kModed);
      const CounterPool::Site& c = CounterPool::site(b, ret);
      if (__builtin_expect(site_holds(c, ret), 1)) {
        CounterPool::add_owned(b, s, c.id);
        bypass_mark_into(*b, s, ret);
        if constexpr (!std::is_null_pointer_v<decltype(Body)>)
          return Body(a...);
        else
          return;
      }
    }
    return off_path<Body, note_moded>(s, ret, a...);
  }
  auto* const b = reinterpret_cast<CounterPool::Block*>(w);
  const CounterPool::Site& c = CounterPool::site(b, ret);
  if (__builtin_expect(!site_holds(c, ret), 0)) return off_path<Body, note_slow>(s, ret, a...);
  CounterPool::add_owned(b, s, c.id);
  if constexpr (!std::is_null_pointer_v<decltype(Body)>) return Body(a...);
}

// Counts one call; the caller then does its work itself.
[[gnu::always_inline]] inline void note(Symbol s, void* return_address) {
  hook<nullptr>(s, return_address);
}

}  // namespace probe

#pragma GCC visibility pop
