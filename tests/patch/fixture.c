/* fixture.c — functions of the patch fixture library whose prologues the compiler chooses: ABI
 * pass-through (integer, stack, SSE and vector arguments, varargs, a struct returned through
 * memory), a RIP-relative first instruction, an ifunc. fixture_asm.S holds the hand-written
 * prologues (refusals, a jcc in the stolen bytes, a one-instruction function, flags). */
#include <stdarg.h>

#include "abi_cases.h"

typedef float v4f __attribute__((vector_size(16)));
struct big {
  long a[4];
};

long patch_sum6(long a, long b, long c, long d, long e, long f) {
  return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}

long patch_sum8(long a, long b, long c, long d, long e, long f, long g, long h) {
  return patch_sum6(a, b, c, d, e, f) * 7 + g * 11 + h * 13;
}

double patch_mix(double x, float y, long z, double w) { return x * 3.0 + y * 0.5 + (double)z - w; }

v4f patch_vec(v4f a, v4f b) { return a * b + a; }

ABI_WEIGHTED_VSUM(patch_varsum)

struct big patch_big(long x) {
  struct big b = {{x, x * 2, x * 3, x * 4}};
  return b;
}

/* A default-visibility variable read through the GOT: the first instruction is
 * `mov patch_global@GOTPCREL(%rip), %rax`, RIP-relative. */
int patch_global = 41;
int patch_read_global(void) { return patch_global + 1; }

/* An ifunc: dlsym returns the chosen implementation, which is what gets patched. */
long patch_ifunc_impl(long x) { return x * 5 + 1; }
static long (*resolve_ifunc(void))(long) { return patch_ifunc_impl; }
long patch_ifunc(long x) __attribute__((ifunc("resolve_ifunc")));
