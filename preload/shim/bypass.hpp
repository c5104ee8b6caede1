// bypass.hpp — PROBE_BYPASS in a generated shim: count, at each trampolined function's real
// definition, the calls that reached it without passing the shim's trampoline (a direct call
// inside its library, a hidden alias, a -Bsymbolic binding), per calling object.
//
// The same scheme as libprobe.so's (preload/hooks/bypass.hpp, docs/BYPASS.md): at the shim's
// constructor (single-threaded, before main) every trampolined symbol's real definition is
// resolved and its entry patched (preload/patch/definitions.hpp) with a jump to a stub that calls
// the counting entry (preload/patch/x86_64/entry.S: its fast path, else this runtime's
// interprobe_bypass_hit(index, return address)). A trampoline that counts a call marks it — a
// per-thread token (the entry's index, the caller's return address, the count to add it to:
// runtime/entry_counter.hpp) — before its tail-jump, so a marked arrival whose return address
// equals the token's came through the override (consumed);
// every other arrival is bypassed, attributed to the object of its return address. Calls the
// trampoline does not count (the runtime's own, the shim's) clear the token; arrivals while the
// runtime works (the guard, runtime/guard.hpp) or from the shim itself are counted as neither.
//
// Where the counts go: the thread's SparseCounts table (state.hpp), under two more ranges of
// "symbol" in the key: n + i (through, per caller) and 2n + i (bypassed, per caller), n the
// number of trampolines. So they are per-thread, exact under threads, handed back at thread exit
// and reset in a fork child exactly as the trampoline counts are, with no second table per thread.
#pragma once

#include <cstdint>

#include "../runtime/entry_counter.hpp"
#include "shim_abi.h"
#include "state.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace shim {

extern bool g_bypass_on;             // set once the entries are patched, never cleared
extern std::uint32_t* g_counted_as;  // by index: the index whose entry counts its calls

// The keys' symbol ranges (see above).
inline std::uint32_t through_key(std::uint32_t index, probe::ObjectId object) {
  return SparseCounts::make_key(interprobe_shim_count + index, object);
}
inline std::uint32_t bypassed_key(std::uint32_t index, probe::ObjectId object) {
  return SparseCounts::make_key(2 * interprobe_shim_count + index, object);
}

// `t` is this thread's own table: the counting entry's fast path may add to its counts
// (runtime/entry_counter.hpp).
inline bool owned(const SparseCounts::Table* t) { return t->index != 0 && t == t_table; }

// The trampoline is about to jump to `index`'s definition for a call from `ret` (in `object`),
// counted in `t`: the per-thread token names the entry that will see it and, in a table of the
// thread's own, the count the entry adds it to.
inline void bypass_mark(SparseCounts::Table* t, std::uint32_t index, std::uintptr_t ret,
                        probe::ObjectId object) {
  if (__builtin_expect(g_bypass_on, 0)) {
    const std::uint32_t id = g_counted_as[index];
    probe::entry_mark(id, ret, owned(t) ? SparseCounts::cell(t, through_key(id, object)) : nullptr);
  }
}
inline void bypass_clear() {
  if (__builtin_expect(g_bypass_on, 0)) probe::entry_clear();
}

// One arrival at the entry of `id`'s definition, its caller's object known: through or bypassed;
// a bypassed one from a known object fills the entry's site for the next (thread's own table
// only). `epoch`: probe::g_epoch as read before `object` was looked up. Integer-only (runs in
// bypass_hit.cpp too).
// Always inline: bypass.cpp (not integer-only) uses it too, and the linker keeps one out-of-line
// copy of an inline function for all (Shim.CountingPathUsesNoVectorRegisters... checks).
[[gnu::always_inline]] inline void bypass_count(SparseCounts::Table* t, std::uint32_t id,
                                                std::uintptr_t ret, probe::ObjectId object,
                                                std::uint32_t epoch) {
  if (probe::entry_take_mark(id, ret)) {
    SparseCounts::add(t, through_key(id, object));
    return;
  }
  if (object == g_self_id && object != probe::kUnknownObject) return;  // the shim's own: neither
  std::uint64_t* const n = SparseCounts::cell(t, bypassed_key(id, object));
  SparseCounts::increment(t, *n);
  if (owned(t) && object != probe::kUnknownObject) probe::entry_site_fill(ret, id, epoch, n);
}

// At the constructor (runtime.cpp), inside the guard: patches the definitions if asked for.
void bypass_install();

// For the report: one entry per trampolined index (definition 0: not resolved at start-up).
struct BypassDefinitionView {
  std::uintptr_t address;
  const char* object;
  const char* refused;  // nullptr: patched
  std::int64_t same_as;
};
bool bypass_definition(std::uint32_t index, BypassDefinitionView& out);

}  // namespace shim

#pragma GCC visibility pop
