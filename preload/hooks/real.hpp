// real.hpp — the real definitions behind the hooks (the next ones after libprobe.so).
//
// The alloc and time families of core/symbols.def get one pointer each, generated from that list
// (`real::malloc`, `real::clock_settime`, ...), typed after the C library's own declaration and
// resolved once, at initialisation, with dlsym(RTLD_NEXT): a missing one becomes a notice in the
// report and its hook degrades safely. Resolving them all up front keeps dlsym off the hook path,
// which matters for the async-signal-safe ones (clock_nanosleep, timer_settime, ...). Victim
// functions are resolved lazily through REAL_LAZY, because the victim may be dlopen'ed later.
#pragma once

#include <malloc.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>

#include "runtime.hpp"

namespace probe {
void bypass_learn(Symbol s, void* definition);  // bypass.hpp: PROBE_BYPASS, a lazily found definition
}

namespace probe::real {

#define PROBE_REAL_alloc(name) inline decltype(&::name) name = nullptr;
#define PROBE_REAL_time(name) inline decltype(&::name) name = nullptr;
#define PROBE_REAL_victim(name)
#define PROBE_SYMBOL(name, family) PROBE_REAL_##family(name)
#include "../core/symbols.def"
#undef PROBE_SYMBOL

// Resolves every pointer above (called once, inside the init guard).
void resolve_required();

}  // namespace probe::real

// Lazily resolved real function `fn` (same type as the hook), cached after the first call.
#define REAL_LAZY(fn)                                                                     \
  ([]() -> decltype(&::fn) {                                                              \
    static std::atomic<decltype(&::fn)> cached{nullptr};                                  \
    auto f = cached.load(std::memory_order_acquire);                                      \
    if (f == nullptr) {                                                                   \
      f = reinterpret_cast<decltype(&::fn)>(::probe::resolve_next(#fn));                 \
      cached.store(f, std::memory_order_release);                                         \
      ::probe::bypass_learn(::probe::Symbol::fn, reinterpret_cast<void*>(f));              \
    }                                                                                     \
    return f;                                                                             \
  }())
