/* bypass_app — calls into glibc whose own calls bypass an LD_PRELOAD override: `timespec_get N`
 * calls C11's timespec_get N times (glibc's timespec_get reads the clock through its hidden alias
 * __clock_gettime, the same address as clock_gettime), then clock_gettime itself once; prints
 * "calls N" and a checksum that does not depend on the time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char** argv) {
  if (argc != 3 || strcmp(argv[1], "timespec_get") != 0) {
    fprintf(stderr, "usage: bypass_app timespec_get N\n");
    return 2;
  }
  const long n = strtol(argv[2], NULL, 10);
  struct timespec ts;
  long ok = 0;
  for (long i = 0; i < n; ++i) ok += timespec_get(&ts, TIME_UTC) == TIME_UTC;
  ok += clock_gettime(CLOCK_MONOTONIC, &ts) == 0;
  printf("calls %ld\n", ok);
  return 0;
}
