/* pointer_shim.c — the true floor of any LD_PRELOAD hook: each override is one indirect tail jump
 * through a pointer to the next definition (`jmp *next(%rip)`), nothing else.
 *
 * bench/forward_shim.c forwards by calling glibc's exported __libc_malloc, which goes through the
 * shim's own PLT: a call, a PLT jump and a return, or at best two jumps. A hook cannot do less
 * than one jump, so this is the floor bench/run.py states every probe figure against (issue 15:
 * "the floor is a pointer-forwarding shim (no PLT hop)"). The pointers are hidden globals, not
 * statics: a static that is never written could be folded into a direct call (through the PLT
 * again) by gcc's ipa-reference; a hidden global may be written by another file, so gcc must load
 * it. `objdump -d --disassemble=malloc build/bench/libpointer_shim.so` shows `jmp *0x...(%rip)`.
 * malloc/free point at glibc's __libc_malloc/__libc_free from the start (a relocation, resolved
 * before any code runs); the others are resolved with dlsym(RTLD_NEXT) in the constructor.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <time.h>

#define SHIM_EXPORT __attribute__((visibility("default")))
#define SHIM_NEXT __attribute__((visibility("hidden")))

extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);

SHIM_NEXT void *(*next_malloc)(size_t) = __libc_malloc;
SHIM_NEXT void (*next_free)(void *) = __libc_free;
SHIM_NEXT int (*next_clock_gettime)(clockid_t, struct timespec *);
SHIM_NEXT int (*next_victim_err_occurred)(void);

static int no_victim(void) { return 0; }

__attribute__((constructor)) static void resolve(void) {
  next_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
  next_victim_err_occurred = (int (*)(void))dlsym(RTLD_NEXT, "victim_err_occurred");
  if (next_victim_err_occurred == NULL) next_victim_err_occurred = no_victim;
}

SHIM_EXPORT void *malloc(size_t n) { return next_malloc(n); }
SHIM_EXPORT void free(void *p) { next_free(p); }
SHIM_EXPORT int clock_gettime(clockid_t clock, struct timespec *ts) {
  return next_clock_gettime(clock, ts);
}
/* libvictim.so.1 is a dependency of probe_overhead, so it is loaded before the constructor runs. */
SHIM_EXPORT int victim_err_occurred(void) { return next_victim_err_occurred(); }
