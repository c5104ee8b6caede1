/* abi_lib.c — libshimabi.so: functions whose arguments and results use every part of the x86-64
 * calling convention that a trampoline could disturb. tests/shim_test.cpp generates a shim for
 * this library and checks that abi_app prints exactly what it prints without the shim.
 *
 * - many_ints: 10 integer arguments, so 4 go on the stack (the trampoline must jump, not call,
 *   or the callee would read them 8 bytes off);
 * - many_doubles: 10 doubles and 2 ints interleaved, xmm0-7 plus stack;
 * - vsum: variadic doubles, so %al carries the number of vector registers used;
 * - vformat: variadic mixed, through vsnprintf;
 * - make_big: a 96-byte struct returned by value (hidden pointer in %rdi, returned in %rax);
 * - make_pair: a small mixed struct returned in %rax and %xmm0;
 * - ld_mul: long double (x87, passed in memory, returned in st0);
 * - apply: a callback called from inside the library;
 * - read_errno: the errno the caller set before the call (the slow path must not change it);
 * - avx_add: __m256 arguments in ymm0/ymm1 (upper halves must survive the xsave slow path).
 */
#include <errno.h>
#include <immintrin.h>
#include <stdarg.h>

#include "abi_cases.h"
#include <stdio.h>

struct big { long v[12]; };
struct pair { double d; long l; };

long many_ints(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i * 9 + j * 10;
}

double many_doubles(double a, int k, double b, double c, double d, double e, double f, double g,
                    double h, int m, double i, double j) {
  return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i * 9 + j * 10 + k * 100 +
         m * 1000;
}

ABI_WEIGHTED_VSUM(vsum)

int vformat(char *buf, unsigned long size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

struct big make_big(long seed, double scale) {
  struct big b;
  for (int i = 0; i < 12; ++i) b.v[i] = seed * (i + 1) + (long)(scale * i);
  return b;
}

struct pair make_pair(double d, long l) {
  struct pair p = {d * 2, l * 3};
  return p;
}

long double ld_mul(long double a, long double b) { return a * b; }

int apply(int (*f)(int), int x) { return f(x) + 1; }

int read_errno(void) { return errno; }

__attribute__((target("avx"))) __m256d avx_add(__m256d a, __m256d b) { return _mm256_add_pd(a, b); }
