/* bench_calls.c — ns per call of an exported library function from an application, the cost a
 * shim's trampoline (or libprobe's hand-written override) adds to every call it sees.
 * Usage: bench_calls ITERATIONS   prints "ns_per_call X" (wall clock, CLOCK_MONOTONIC).
 * The target is the victim's victim_err_occurred (a 2-instruction accessor, like PyErr_Occurred),
 * called through the PLT, so the time is almost all call overhead. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "victim.h"

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000000;
  struct timespec a, b;
  long sink = 0;
  victim_err_occurred(); /* resolve and take any first-call slow path outside the timing */
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; ++i) sink += victim_err_occurred();
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
  printf("ns_per_call %.3f sink %ld\n", ns / (double)n, sink);
  return 0;
}
