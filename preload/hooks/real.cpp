// real.cpp — see real.hpp.
#include "real.hpp"

#include <dlfcn.h>

#include <cstdio>

#include "bypass.hpp"

namespace probe::real {

namespace {

void* g_found[kNumSymbols];  // written once, inside the init guard; read with __atomic loads

template <typename F>
void resolve(F& slot, Symbol s, const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  __atomic_store_n(&g_found[static_cast<unsigned>(s)], f, __ATOMIC_RELEASE);
  if (f == nullptr) {  // the stand-in stays (real.hpp)
    char line[256];
    std::snprintf(line, sizeof line, "interprobe: required function %s not found after libprobe.so",
                  name);
    notice(line);
    return;
  }
  // Sequentially consistent: pool::settle_free() and the pool's first block agree on free's
  // pointer (pool.cpp).
  __atomic_store_n(&slot, reinterpret_cast<F>(f), __ATOMIC_SEQ_CST);
}

}  // namespace

void* found(Symbol s) {
  return __atomic_load_n(&g_found[static_cast<unsigned>(s)], __ATOMIC_ACQUIRE);
}

void resolve_required() {
  // calloc first: dlsym may call it, and the hook serves that from its static pool meanwhile.
  resolve(next.calloc, Symbol::calloc, "calloc");
#define PROBE_RESOLVE_required(name) \
  if (Symbol::name != Symbol::calloc) resolve(next.name, Symbol::name, #name);
#define PROBE_RESOLVE_optional(name)
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) PROBE_RESOLVE_##requirement(name)
#include "../core/symbols.def"
#undef PROBE_RESOLVE_required
#undef PROBE_RESOLVE_optional
  pool::settle_free();
}

void* resolve_optional(Symbol s) {
  void* f = resolve_next(symbol_name(s).data());  // a string literal: NUL-terminated
  bypass_learn(s, f);
  return f;
}

void repoint_optional(Symbol s, void* was, void* now) {
#define PROBE_REPOINT_required(name)
#define PROBE_REPOINT_optional(name)                                                    \
  if (s == Symbol::name) {                                                              \
    auto expected = reinterpret_cast<decltype(next.name)>(was);                         \
    __atomic_compare_exchange_n(&next.name, &expected,                                  \
                                reinterpret_cast<decltype(next.name)>(now), false,      \
                                __ATOMIC_RELEASE, __ATOMIC_RELAXED);                    \
  }
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) PROBE_REPOINT_##requirement(name)
#include "../core/symbols.def"
#undef PROBE_REPOINT_required
#undef PROBE_REPOINT_optional
  (void)s, (void)was, (void)now;  // the installed probe has no optional symbol
}

void drop_unloaded() {
  dl_find_object found{};
  auto gone = [&](void* p) {
    return p != nullptr && _dl_find_object(p, &found) != 0;
  };
#define PROBE_DROP_required(name)
#define PROBE_DROP_optional(name)                                                     \
  if (void* p = reinterpret_cast<void*>(__atomic_load_n(&next.name, __ATOMIC_ACQUIRE)); \
      gone(p))                                                                        \
    repoint_optional(Symbol::name, p, nullptr);
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) PROBE_DROP_##requirement(name)
#include "../core/symbols.def"
#undef PROBE_DROP_required
#undef PROBE_DROP_optional
  (void)gone;
}

}  // namespace probe::real
