/* clock_app — prints the wall clock read four ways and the monotonic clock, one per line:
 * time, gettimeofday, realtime, realtime_coarse, monotonic (seconds). */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void) {
  struct timeval tv;
  struct timespec rt, rtc, mono;
  time_t t = time(NULL);
  gettimeofday(&tv, NULL);
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_REALTIME_COARSE, &rtc);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  printf("time %ld\ngettimeofday %ld\nrealtime %ld\nrealtime_coarse %ld\nmonotonic %ld\n", (long)t,
         (long)tv.tv_sec, (long)rt.tv_sec, (long)rtc.tv_sec, (long)mono.tv_sec);
  return 0;
}
