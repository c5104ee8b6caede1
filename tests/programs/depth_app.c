/* depth_app [jit] — one malloc at a known call depth, for PROBE_BACKTRACE=N (issue 12 item 1):
 *   depth_app       main -> depth_6 -> depth_5 -> ... -> depth_1 -> malloc(12345). The host's
 *                   innermost frames are depth_1 ... depth_6, main, then libc's start-up code.
 *   depth_app jit   main -> depth_6 -> ... -> depth_1 -> a stub in anonymous executable memory
 *                   (as a JIT writes it, no unwind information) -> malloc(23456).
 * Every depth_K is noinline and keeps its call out of tail position (the empty asm after it), so
 * each is a real frame; the executable is linked with -rdynamic so that dladdr names them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "jit_stub.h"

static void* (*innermost)(size_t) = malloc;

static void* call_innermost(size_t n) { return innermost(n); }

#define LEVEL(k, next)                                  \
  __attribute__((noinline)) void* depth_##k(size_t n) { \
    void* p = next(n);                                  \
    __asm__ volatile("" ::: "memory");                  \
    return p;                                           \
  }

LEVEL(1, call_innermost)
LEVEL(2, depth_1)
LEVEL(3, depth_2)
LEVEL(4, depth_3)
LEVEL(5, depth_4)
LEVEL(6, depth_5)

static void* (*make_stub(void))(size_t) {
  unsigned char* p =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : write_malloc_stub(p);
}

int main(int argc, char** argv) {
  size_t n = 12345;
  if (argc == 2 && strcmp(argv[1], "jit") == 0) {
    innermost = make_stub();
    if (innermost == NULL) return 3;
    n = 23456;
  }
  void* p = depth_6(n);
  __asm__ volatile("" ::: "memory");
  printf("allocated %s\n", p != NULL ? "yes" : "no");
  free(p);
  return 0;
}
