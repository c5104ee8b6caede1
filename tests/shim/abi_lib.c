/* abi_lib.c — libshimabi.so: functions whose arguments and results use every part of the x86-64
 * (or aarch64, AAPCS64) calling convention that a trampoline could disturb. tests/shim_test.cpp
 * (x86-64) and tests/shim/shim_aarch64_test.cpp (cross-built, under qemu-aarch64) generate a shim
 * for this library and check that abi_app prints exactly what it prints without the shim.
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
 * On aarch64 the same functions take x0-x7 and the stack (many_ints), d0-d7 and the stack
 * (many_doubles), variadic doubles in v registers (vsum), a struct returned through the address in
 * x8 (make_big: 12 fields), a small struct in x0/d0 (make_pair), a 128-bit long double in q0/q1
 * (ld_mul), and, instead of avx_add:
 * - neon_add: float64x2_t arguments in v0/v1, all 128 bits, result in v0 (the slow path's q saves);
 * - hfa_scale: a homogeneous float aggregate in s0-s3, a float in s4 and a double in d5, the HFA
 *   returned in s0-s3.
 */
#include <errno.h>
#include <stdarg.h>
#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

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

#if defined(__x86_64__)
__attribute__((target("avx"))) __m256d avx_add(__m256d a, __m256d b) { return _mm256_add_pd(a, b); }
#elif defined(__aarch64__)
struct hfa4 {
  float a, b, c, d;
};

float64x2_t neon_add(float64x2_t a, float64x2_t b) { return vaddq_f64(a, b); }

struct hfa4 hfa_scale(struct hfa4 h, float f, double d) {
  struct hfa4 r = {h.a * f, h.b * f + (float)d, h.c * (float)d, h.d - f};
  return r;
}
#endif
