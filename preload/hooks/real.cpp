// real.cpp — see real.hpp.
#include "real.hpp"

#include <dlfcn.h>

#include <cstdio>

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
  resolve(calloc, "calloc");
#define PROBE_RESOLVE_alloc(name) resolve(name, #name);
#define PROBE_RESOLVE_time(name) resolve(name, #name);
#define PROBE_RESOLVE_victim(name)
#define PROBE_SYMBOL(name, family) PROBE_RESOLVE_##family(name)
#include "../core/symbols.def"
#undef PROBE_SYMBOL
}

}  // namespace probe::real
