/* thread_app THREADS ITERATIONS — each thread does ITERATIONS malloc/free pairs and time() calls.
 * Prints "ok" and exits 0. The probe tests check that the report's totals are exact. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long iterations;

static void *work(void *arg) {
  (void)arg;
  for (long i = 0; i < iterations; ++i) {
    char *volatile p = malloc(32); /* volatile: keep the pair */
    p[0] = (char)i;
    free(p);
    (void)time(NULL);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int n = atoi(argv[1]);
  iterations = atol(argv[2]);
  pthread_t t[64];
  if (n < 1 || n > 64) return 2;
  for (int i = 0; i < n; ++i)
    if (pthread_create(&t[i], NULL, work, NULL) != 0) return 3;
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
  puts("ok");
  return 0;
}
