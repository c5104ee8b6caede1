/* bench_calls.c — ns per call of an exported library function from an application, the cost a
 * shim's trampoline (or libprobe's hand-written override) adds to every call it sees.
 * Usage: bench_calls ITERATIONS   prints "ns_per_call WALL cpu_ns_per_call CPU": wall clock
 * (CLOCK_MONOTONIC) and the thread's CPU time (CLOCK_THREAD_CPUTIME_ID: leaves out the time the
 * thread waited for a core on a shared machine; the headline of bench/shim/run.sh).
 * The target is the victim's victim_err_occurred (a 2-instruction accessor, like PyErr_Occurred),
 * called through the PLT, so the time is almost all call overhead. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "victim.h"

static double ns_between(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) * 1e9 + (double)(b->tv_nsec - a->tv_nsec);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000000;
  struct timespec a, b, ca, cb;
  long sink = 0;
  victim_err_occurred(); /* resolve and take any first-call slow path outside the timing */
  clock_gettime(CLOCK_MONOTONIC, &a);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
  for (long i = 0; i < n; ++i) sink += victim_err_occurred();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("ns_per_call %.3f cpu_ns_per_call %.3f sink %ld\n", ns_between(&a, &b) / (double)n,
         ns_between(&ca, &cb) / (double)n, sink);
  return 0;
}
