/* sites_app MODE — call sites whose calls PROBE_BACKTRACE must count exactly, per stack
 * (stacks_test.cpp). Two sites: site_pairs() makes malloc/free pairs from one malloc call and one
 * free call; site_pointer() calls malloc and valloc alternately through one pointer, from one
 * call instruction (one return address, two symbols: two stacks), and frees each.
 *   threads      two waves of 4 threads one after the other (the second wave takes the blocks the
 *                first gave back), each thread 20000 site_pairs and 1000 site_pointer calls
 *   signal       3 site_pairs, raise(SIGUSR2), 2 more (PROBE_REPORT_SIGNAL=USR2: the report on
 *                demand holds the first 3, the exit's all 5)
 *   fork         3 site_pairs, fork: the child 5 more and exit, the parent 7 more after it
 * Prints "ok" and exits 0. Linked with -rdynamic, so that dladdr names site_pairs and site_pointer
 * in the report's frames; both noinline, their calls out of tail position. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) void site_pairs(long n) {
  for (long i = 0; i < n; ++i) {
    char *volatile p = malloc(32); /* volatile: keep the pair */
    p[0] = 1;
    free(p);
  }
  __asm__ volatile("");
}

__attribute__((noinline)) void site_pointer(long n) {
  for (long i = 0; i < n; ++i) {
    void *(*volatile f)(size_t) = (i & 1) ? valloc : malloc;
    char *volatile p = f(32);
    p[0] = 1;
    free(p);
  }
  __asm__ volatile("");
}

static void *work(void *arg) {
  (void)arg;
  site_pairs(20000);
  site_pointer(1000);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *mode = argv[1];
  if (strcmp(mode, "threads") == 0) {
    for (int wave = 0; wave < 2; ++wave) {
      pthread_t t[4];
      for (int i = 0; i < 4; ++i)
        if (pthread_create(&t[i], NULL, work, NULL) != 0) return 3;
      for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
    }
  } else if (strcmp(mode, "signal") == 0) {
    site_pairs(3);
    raise(SIGUSR2);
    site_pairs(2);
  } else if (strcmp(mode, "fork") == 0) {
    site_pairs(3);
    pid_t pid = fork();
    if (pid < 0) return 3;
    if (pid == 0) {
      site_pairs(5);
      exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (status != 0) return 4;
    site_pairs(7);
  } else {
    return 2;
  }
  puts("ok");
  return 0;
}
