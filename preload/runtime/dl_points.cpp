// dl_points.cpp — interprobe_dl_point(), called by x86_64/dl_points.S at libprobe's dlopen and
// dlsym (dl_points.hpp): the front-end's safe point, then the real function's address. That one is
// found with dlvsym(RTLD_NEXT), by version (glibc 2.34 moved both into libc: dlopen@@GLIBC_2.34;
// GLIBC_2.2.5 is the x86-64 base version, libdl's before): dlsym itself is the entry being defined.
#include "dl_points.hpp"

#include <dlfcn.h>

#include <cerrno>

namespace {

constexpr const char* kNames[2] = {"dlopen", "dlsym"};

void* real_function(unsigned which) {
  static void* real[2] = {nullptr, nullptr};
  void* f = __atomic_load_n(&real[which], __ATOMIC_ACQUIRE);
  if (f == nullptr) {
    f = dlvsym(RTLD_NEXT, kNames[which], "GLIBC_2.34");
    if (f == nullptr) f = dlvsym(RTLD_NEXT, kNames[which], "GLIBC_2.2.5");
    __atomic_store_n(&real[which], f, __ATOMIC_RELEASE);  // two threads store the same value
  }
  return f;
}

}  // namespace

extern "C" __attribute__((visibility("hidden"))) void* interprobe_dl_point(unsigned which) {
  const int saved = errno;  // the host's errno reaches the real function as it left the host
  void* const f = real_function(which & 1);
  probe::dl_safe_point();
  errno = saved;
  return f;
}
