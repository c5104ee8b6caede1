// real.cpp — see real.hpp.
#include "real.hpp"

#include <dlfcn.h>

#include <cstdio>

namespace probe::real {

namespace {
template <typename F>
void resolve(F& slot, const char* name) {
  slot = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (slot == nullptr) {
    char line[256];
    std::snprintf(line, sizeof line, "interprobe: required function %s not found after libprobe.so",
                  name);
    say(line);
  }
}
}  // namespace

void resolve_required() {
  // calloc first: dlsym may call it, and the hook serves that from its static pool meanwhile.
  resolve(calloc, "calloc");
  resolve(malloc, "malloc");
  resolve(free, "free");
  resolve(realloc, "realloc");
  resolve(aligned_alloc, "aligned_alloc");
  resolve(memalign, "memalign");
  resolve(posix_memalign, "posix_memalign");
  resolve(pvalloc, "pvalloc");
  resolve(valloc, "valloc");
  resolve(malloc_usable_size, "malloc_usable_size");
  resolve(time, "time");
  resolve(gettimeofday, "gettimeofday");
  resolve(clock_gettime, "clock_gettime");
}

}  // namespace probe::real
