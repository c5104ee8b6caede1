/* exit_app HOW — makes 3 malloc/free pairs, prints "ok" (flushed), then ends the process HOW:
 * return, exit, _exit, abort, signal (SIGTERM, default action), thread_exit (a second thread
 * calls exit() while four others are inside malloc/free loops and main waits in pthread_join),
 * report_signal (raise(SIGUSR2), make 2 more pairs, return: with PROBE_REPORT_SIGNAL=USR2 the
 * first of those mallocs writes a report on demand, then the exit writes the final one),
 * report_signals (three signals with no allocation between them, 2 pairs, one more signal, 1
 * pair, one last signal, return: the first three merge into one report on demand, the fourth
 * gets its own, the last reaches no malloc-family call and is counted by the exit report). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void pairs(int n) {
  for (int i = 0; i < n; ++i) {
    char *volatile p = malloc(16);
    p[0] = 1;
    free(p);
  }
}

static void *spin(void *arg) {
  (void)arg;
  for (;;) pairs(100);
  return NULL;
}

static void *exiter(void *arg) {
  (void)arg;
  struct timespec ms = {0, 20 * 1000000};
  nanosleep(&ms, NULL); /* let the spinners get going */
  exit(0);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *how = argv[1];
  pairs(3);
  puts("ok");
  fflush(stdout);
  if (strcmp(how, "return") == 0) return 0;
  if (strcmp(how, "exit") == 0) exit(0);
  if (strcmp(how, "_exit") == 0) _exit(0);
  if (strcmp(how, "abort") == 0) abort();
  if (strcmp(how, "signal") == 0) raise(SIGTERM);
  if (strcmp(how, "thread_exit") == 0) {
    pthread_t t[5];
    for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, spin, NULL);
    pthread_create(&t[4], NULL, exiter, NULL);
    pthread_join(t[4], NULL); /* never returns: exiter ends the process */
  }
  if (strcmp(how, "report_signals") == 0) {
    raise(SIGUSR2); /* raise returns after the handler ran: each request is counted */
    raise(SIGUSR2);
    raise(SIGUSR2);
    pairs(2);
    raise(SIGUSR2);
    pairs(1);
    raise(SIGUSR2);
    return 0;
  }
  if (strcmp(how, "report_signal") == 0) {
    raise(SIGUSR2);
    pairs(2);
    return 0;
  }
  return 2;
}
