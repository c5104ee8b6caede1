/* abi_cases.h — function bodies that exercise one rule of the x86-64 calling convention each,
 * shared by the two fixture libraries whose functions something stands in front of: the generated
 * shim's trampoline (tests/shim/abi_lib.c) and the bypass counter's patched entry
 * (tests/patch/fixture.c). Each library names its own copy; the apps compare the results with and
 * without the trampoline or the patch.
 *
 * ABI_WEIGHTED_VSUM(name): a variadic function of doubles, so that %al carries the number of
 * vector registers used (psABI 3.5.7) and the prologue saves xmm0-7 only when al is non-zero;
 * each argument weighted by its position, so a lost or reordered one changes the sum. */
#pragma once
#include <stdarg.h>

#define ABI_WEIGHTED_VSUM(name)                                            \
  double name(int n, ...) {                                                \
    va_list ap;                                                            \
    va_start(ap, n);                                                       \
    double s = 0;                                                          \
    for (int i = 0; i < n; ++i) s += va_arg(ap, double) * (i + 1);         \
    va_end(ap);                                                            \
    return s;                                                              \
  }
