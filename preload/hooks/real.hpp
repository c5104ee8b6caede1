// real.hpp — the real definitions behind the hooks (the next ones after libprobe.so), generated
// from core/symbols.def: nothing here names a symbol.
//
// real::next.NAME is one pointer per hooked symbol, typed from symbols.def's signature (checked
// below against the C library's declaration). A `required` one is resolved once, at
// initialisation, with dlsym(RTLD_NEXT); an `optional` one at its first call (its library may be
// dlopen'ed later). real::NAME(args...) is the one way a hook calls the real function: it loads
// the pointer (resolving an optional one) and, when there is none, fails the call as symbols.def's
// `fails` column says, with errno ENOSYS (preload/README.md, "A missing real function"). Only
// the malloc family reads real::next itself, to fall back on its static pool.
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
#include "runtime.hpp"
#ifdef PROBE_EXTRA_SYMBOLS_HEADER
#include PROBE_EXTRA_SYMBOLS_HEADER  // the declarations of the test-only list's functions
#endif

namespace probe::real {

struct Table {
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) ret(*name) params = nullptr;
#include "../core/symbols.def"
};
inline Table next;

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

#define PROBE_REAL_LOAD_required(name) next.name
#define PROBE_REAL_LOAD_optional(name) load_optional(next.name, Symbol::name)
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails)               \
  template <typename... A>                                                        \
  inline ret name(A... a) {                                                       \
    if (auto f = PROBE_REAL_LOAD_##requirement(name); __builtin_expect(f != nullptr, 1)) \
      return f(a...);                                                             \
    if constexpr (!std::is_void_v<ret>) errno = ENOSYS; /* free keeps errno */    \
    return fails;                                                                 \
  }
#include "../core/symbols.def"
#undef PROBE_REAL_LOAD_required
#undef PROBE_REAL_LOAD_optional

}  // namespace probe::real
