// bypass.hpp — PROBE_BYPASS=1: count the calls that reached a hooked function's real definition
// without passing this probe's hook (a direct call inside its library, a hidden alias such as
// glibc's __clock_gettime, a -Bsymbolic binding), per calling object.
//
// How a call is told apart (docs/BYPASS.md): the real definition's entry is patched
// (preload/patch/) with a jump to a stub that calls the counting entry (patch/x86_64/entry.S:
// its fast path, else interprobe_bypass_hit(symbol, return address)). A hook marks each call it
// makes: note() stores a per-thread token (the entry's symbol, the hook's own return address,
// the count to add it to: runtime/entry_counter.hpp) before the hook calls the real function. At the entry, a call whose
// return address is in libprobe.so (the hook called it) or equals the token's (the hook
// tail-jumped to it) with the token's symbol is a call *through* the override: the token is
// consumed. Every other arrival is *bypassed*, attributed to the object holding its return
// address. The probe's own calls (inside the re-entry guard) are counted as neither.
#pragma once

#include <atomic>
#include <cstdint>

#include "../core/counters.hpp"
#include "../core/object_map.hpp"
#include "../core/report.hpp"
#include "../core/symbols.hpp"
#include "../runtime/entry_counter.hpp"
#include "../runtime/guard.hpp"
#include "runtime.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace probe {

// True once PROBE_BYPASS=1 was read (set at init, never cleared): note() marks calls only then.
extern bool g_bypass_on;

// The symbol whose entry counts a symbol's calls: itself, or the first hooked name of the same
// definition (bypass.cpp).
extern unsigned g_counted_as[kNumSymbols];

// A hook is about to call or tail-jump to the real definition of `s` for the call whose return
// address is `ret`: the per-thread token (runtime/entry_counter.hpp) names the entry that will
// see it and, when the thread owns its counter block, the count the entry adds it to.
// bypass_mark_into: the thread's block `b` is known (the hooks' fast path).
inline void bypass_mark_into(CounterPool::Block& b, Symbol s, std::uintptr_t ret) {
  const unsigned id = g_counted_as[static_cast<unsigned>(s)];
  entry_mark(id, ret, &b.through[id]);
}
inline void bypass_mark(Symbol s, std::uintptr_t ret) {
  if (__builtin_expect(g_bypass_on, 0)) {
    const std::uintptr_t w = t_thread_word;
    if ((w & (kInRuntime | kOffFastPath)) == 0)
      return bypass_mark_into(*reinterpret_cast<CounterPool::Block*>(w & ~kProbeFlags), s, ret);
    entry_mark(g_counted_as[static_cast<unsigned>(s)], ret, nullptr);
  }
}

// At start-up (libprobe's constructor, single-threaded): patch the real definitions resolved so
// far. Later, an optional symbol's definition (symbols.def), resolved at its first call, is
// patched then, if the process is still single-threaded.
void bypass_install();
void bypass_learn(Symbol s, void* definition);
// At a dlopen or dlsym (runtime/dl_points.hpp), when the loader added or removed objects since
// the last time: an optional symbol's record whose object was unloaded says so (its counts stay)
// and its definition in a newly loaded object is patched, if the process is still
// single-threaded, before the host gets an address in that object from dlsym.
void bypass_catch_up();

// For the report: one record per symbol with a real definition the probe saw. `through` and
// `bypassed` are the caller's scratch storage (reporting.cpp's ReportScratch): two reports can be
// written at once (at exit and on demand), so nothing here is static.
void bypass_snapshot(std::uint64_t (&through)[kNumSymbols], Totals& bypassed,
                     std::vector<BypassRecord>& out);
void bypass_after_fork_child();

}  // namespace probe

#pragma GCC visibility pop
