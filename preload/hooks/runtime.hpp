// runtime.hpp — the probe's process-wide state and the one call every hook makes.
//
// A hook is: note(symbol, return address); call the real function; return. note() initialises the
// probe on first use (whichever hook runs first, possibly before the probe's constructor),
// enters the per-thread re-entry guard, attributes the call to the object containing the return
// address and counts it. The guard makes the probe's own work (dlsym, unwinding, the report)
// invisible to the counts and free of recursion.
#pragma once

#include <atomic>
#include <cstdint>

#include "../core/settings.hpp"
#include "../core/symbols.hpp"
#include "../runtime/guard.hpp"
#include "../runtime/start.hpp"
#include "../runtime/tls.hpp"

#define PROBE_EXPORT extern "C" __attribute__((visibility("default")))

namespace probe {

// Starts the runtime (runtime/start.hpp) with libprobe's init, once.
void init_slow();
inline void ensure_init() {
  if (__builtin_expect(!runtime_ready(), 0)) init_slow();
}

const Settings& settings();

// libprobe's state-word flags. guard.hpp leaves bit 2 to the front-end, and a counter block is
// 32-byte aligned (CounterPool::Site; note.hpp checks), so bit 3 is free too. kModed: PROBE_BYPASS
// is on, the thread's calls take the fast path's copy that also marks them (hook()).
// kBacktrace: PROBE_BACKTRACE is on, the thread's calls take the copy that also counts the site's
// stack. Both: note_moded().
inline constexpr std::uintptr_t kModed = 4;
inline constexpr std::uintptr_t kBacktrace = 8;
inline constexpr std::uintptr_t kProbeFlags = kWordFlags | kBacktrace;

// note(symbol, return address), the counting path every hook starts with, is inline in note.hpp
// (real.hpp includes it).

// Resolves the next definition of `name` after libprobe (dlsym RTLD_NEXT), falling back to the
// loaded objects one by one for a library opened with RTLD_LOCAL, which RTLD_NEXT cannot see.
// Returns nullptr (after a notice) if no object defines it.
void* resolve_next(const char* name);

// Keeps one line for the report (core/notices.hpp): never written to the host's stderr by
// itself. Any thread, no heap.
void notice(const char* line);

}  // namespace probe

#define PROBE_RETURN_ADDRESS() __builtin_return_address(0)
