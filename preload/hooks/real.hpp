// real.hpp — the real definitions behind the hooks (the next ones after libprobe.so), generated
// from core/symbols.def: nothing here names a symbol.
//
// real::next.NAME is one pointer per hooked symbol, typed from symbols.def's signature (checked
// below against the C library's declaration). A `required` one is resolved once, at
// initialisation, with dlsym(RTLD_NEXT); until then, and for good if dlsym finds nothing, it
// points at a stand-in: the malloc family's bootstrap pool (pool.hpp), else a function that fails
// the call as symbols.def's `fails` column says, with errno ENOSYS (preload/README.md, "A missing
// real function"). So a hook's call is one indirect jump, no null test (bench/: 4 instructions per
// malloc+free pair). An `optional` one is null until its first call resolves it (its library may
// be dlopen'ed later, and unloaded again: drop_unloaded). real::NAME(args...) is the one way a
// hook calls the real function: it loads the pointer (resolving an optional one and failing as
// above when there is none). real::found() is what dlsym found, without the stand-ins.
#pragma once

#include <malloc.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <type_traits>

#include "note.hpp"
#include "pool.hpp"
#include "runtime.hpp"
#ifdef PROBE_EXTRA_SYMBOLS_HEADER
#include PROBE_EXTRA_SYMBOLS_HEADER  // the declarations of the test-only list's functions
#endif

namespace probe::real {

// A required symbol's stand-in when the pool has none: fails the call as symbols.def says.
template <typename F, typename Fails>
struct Failing;
template <typename R, typename... P, typename Fails>
struct Failing<R(P...), Fails> {
  static R call(P...) {
    if constexpr (!std::is_void_v<R>) errno = ENOSYS; /* free keeps errno */
    return Fails::value();
  }
};
namespace fails_of {
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) \
  struct name {                                                     \
    static ret value() { return fails; }                            \
  };
#include "../core/symbols.def"
}  // namespace fails_of

template <Symbol S, typename F, typename Fails>
constexpr F* stand_in() {
  if constexpr (std::is_null_pointer_v<std::remove_cv_t<decltype(pool::kStandIn<S>)>>)
    return &Failing<F, Fails>::call;
  else
    return pool::kStandIn<S>;
}

struct Table {
#define PROBE_NEXT_required(name, ret, params) \
  ret(*name) params = stand_in<Symbol::name, ret params, fails_of::name>();
#define PROBE_NEXT_optional(name, ret, params) ret(*name) params = nullptr;
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) \
  PROBE_NEXT_##requirement(name, ret, params)
#include "../core/symbols.def"
#undef PROBE_NEXT_required
#undef PROBE_NEXT_optional
};
inline Table next;

// The definition dlsym found for a required symbol, nullptr if none (PROBE_BYPASS patches it;
// pool::free calls it): next.NAME without its stand-in. Null for an optional one.
void* found(Symbol s);

// Each signature of symbols.def against the C library's declaration: a mismatch does not compile
// ("no matching function for call to 'declared_as'" at the symbol's line). (Not is_convertible on
// decltype(&::malloc): GCC drops, and warns about, its attributes in a template argument.)
template <typename F>
constexpr bool declared_as(F) {
  return true;
}
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) \
  static_assert(declared_as<decltype(Table::name)>(&::name));
#include "../core/symbols.def"

// Resolves every `required` pointer (called once, inside the init guard).
void resolve_required();
// An optional symbol's definition, resolved now (resolve_next; PROBE_BYPASS learns it).
void* resolve_optional(Symbol s);
// An optional symbol's pointer, if it still is `was` (its library was unloaded), becomes `now`
// (the definition of a copy loaded since, or nullptr: resolved again at the next call).
void repoint_optional(Symbol s, void* was, void* now);
// Drops every optional pointer into an object no longer loaded (_dl_find_object, lock-free): at a
// dlopen or dlsym (runtime/dl_points.hpp), so that a library unloaded and loaded again elsewhere
// is resolved again instead of called at its old address (dlopen_app cycle ... moved crashed so).
void drop_unloaded();

template <typename F>
inline F load_optional(F& slot, Symbol s) {
  F f = __atomic_load_n(&slot, __ATOMIC_ACQUIRE);
  if (__builtin_expect(f == nullptr, 0)) {
    f = reinterpret_cast<F>(resolve_optional(s));
    __atomic_store_n(&slot, f, __ATOMIC_RELEASE);
  }
  return f;
}

#define PROBE_REAL_CALL_required(name) return next.name(a...);
#define PROBE_REAL_CALL_optional(name)                                                    \
  if (auto f = load_optional(next.name, Symbol::name); __builtin_expect(f != nullptr, 1)) \
    return f(a...);                                                                       \
  return Failing<std::remove_pointer_t<decltype(next.name)>, fails_of::name>::call(a...);
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) \
  template <typename... A>                                          \
  inline ret name(A... a) {                                         \
    PROBE_REAL_CALL_##requirement(name)                             \
  }
#include "../core/symbols.def"
#undef PROBE_REAL_CALL_required
#undef PROBE_REAL_CALL_optional

}  // namespace probe::real
