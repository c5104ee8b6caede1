// real.hpp — the real definitions behind the hooks (the next ones after libprobe.so).
//
// Required ones (the malloc and time families) are resolved once, at initialisation, with
// dlsym(RTLD_NEXT); a missing one is reported loudly and its hook degrades safely. Victim
// functions are resolved lazily through REAL_LAZY, because the victim may be dlopen'ed later.
#pragma once

#include <sys/time.h>
#include <time.h>

#include <atomic>
#include <cstddef>

#include "runtime.hpp"

namespace probe::real {

inline void* (*malloc)(std::size_t) = nullptr;
inline void (*free)(void*) = nullptr;
inline void* (*calloc)(std::size_t, std::size_t) = nullptr;
inline void* (*realloc)(void*, std::size_t) = nullptr;
inline void* (*aligned_alloc)(std::size_t, std::size_t) = nullptr;
inline void* (*memalign)(std::size_t, std::size_t) = nullptr;
inline int (*posix_memalign)(void**, std::size_t, std::size_t) = nullptr;
inline void* (*pvalloc)(std::size_t) = nullptr;
inline void* (*valloc)(std::size_t) = nullptr;
inline std::size_t (*malloc_usable_size)(void*) = nullptr;
inline time_t (*time)(time_t*) = nullptr;
inline int (*gettimeofday)(struct timeval*, void*) = nullptr;
inline int (*clock_gettime)(clockid_t, struct timespec*) = nullptr;

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
    }                                                                                     \
    return f;                                                                             \
  }())
