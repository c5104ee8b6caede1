/* forward_shim.c — the floor of any LD_PRELOAD hook: overrides that only forward, count nothing.
 *
 * bench/run.py runs probe_overhead under this shim next to libprobe.so, so the report can tell
 * the price of being a hook at all (one more call, an indirect call to the next definition) from
 * the price of libprobe's counting and attribution. malloc/free forward to glibc's exported
 * __libc_malloc/__libc_free, so no dlsym (which may allocate) runs before they work; the others
 * are resolved with dlsym(RTLD_NEXT) in the constructor, when malloc already works.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <time.h>

#define SHIM_EXPORT __attribute__((visibility("default")))

extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);

static int (*next_clock_gettime)(clockid_t, struct timespec *);
static int (*next_victim_err_occurred)(void);

__attribute__((constructor)) static void resolve(void) {
  next_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
  next_victim_err_occurred = (int (*)(void))dlsym(RTLD_NEXT, "victim_err_occurred");
}

SHIM_EXPORT void *malloc(size_t n) { return __libc_malloc(n); }
SHIM_EXPORT void free(void *p) { __libc_free(p); }

SHIM_EXPORT int clock_gettime(clockid_t clock, struct timespec *ts) {
  return next_clock_gettime(clock, ts);
}

/* libvictim.so.1 is a dependency of probe_overhead, so it is loaded before the constructor runs. */
SHIM_EXPORT int victim_err_occurred(void) {
  return next_victim_err_occurred != NULL ? next_victim_err_occurred() : 0;
}
