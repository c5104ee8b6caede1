/* stress_app threads N ITER | churn WAVES N ITER — threads that each make ITER malloc/free pairs
 * and ITER clock_gettime calls. "threads": N threads at once. "churn": WAVES waves of N
 * short-lived threads (half joined, half detached), so per-thread counter blocks are given back
 * and reused while other threads count. Prints "ok"; the tests check the report's exact totals. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long iterations;
static atomic_int detached_done;

static void *work(void *arg) {
  for (long i = 0; i < iterations; ++i) {
    char *volatile p = malloc(32); /* volatile: keep the pair */
    p[0] = (char)i;
    free(p);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
  }
  if (arg != NULL) atomic_fetch_add(&detached_done, 1);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  int churn = strcmp(argv[1], "churn") == 0;
  int waves = churn ? atoi(argv[2]) : 1;
  int n = atoi(argv[churn ? 3 : 2]);
  iterations = atol(argv[churn ? 4 : 3]);
  if (n < 1 || n > 64 || waves < 1 || (churn && argc != 5)) return 2;
  int detached = 0;
  for (int w = 0; w < waves; ++w) {
    pthread_t t[64];
    int joinable[64];
    for (int i = 0; i < n; ++i) {
      joinable[i] = !churn || i % 2 == 0;
      if (pthread_create(&t[i], NULL, work, joinable[i] ? NULL : (void *)1) != 0) return 3;
      if (!joinable[i]) {
        pthread_detach(t[i]);
        ++detached;
      }
    }
    for (int i = 0; i < n; ++i)
      if (joinable[i]) pthread_join(t[i], NULL);
  }
  /* Detached threads have finished their calls when they bump the counter. */
  while (atomic_load(&detached_done) < detached) sched_yield();
  puts("ok");
  return 0;
}
