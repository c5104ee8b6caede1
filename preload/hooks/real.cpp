// real.cpp — see real.hpp.
#include "real.hpp"

#include <dlfcn.h>

#include <cstdio>

#include "bypass.hpp"

namespace probe::real {

namespace {
template <typename F>
void resolve(F& slot, const char* name) {
  if (slot != nullptr) return;  // calloc, resolved first
  slot = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (slot == nullptr) {
    char line[256];
    std::snprintf(line, sizeof line, "interprobe: required function %s not found after libprobe.so",
                  name);
    notice(line);
  }
}
}  // namespace

void resolve_required() {
  // calloc first: dlsym may call it, and the hook serves that from its static pool meanwhile.
  resolve(next.calloc, "calloc");
#define PROBE_RESOLVE_required(name) resolve(next.name, #name);
#define PROBE_RESOLVE_optional(name)
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) PROBE_RESOLVE_##requirement(name)
#include "../core/symbols.def"
}

void* resolve_optional(Symbol s) {
  void* f = resolve_next(symbol_name(s).data());  // a string literal: NUL-terminated
  bypass_learn(s, f);
  return f;
}

}  // namespace probe::real
