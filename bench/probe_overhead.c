/* probe_overhead.c — a workload run bare and under libprobe.so, heaptrack or ltrace by bench/run.py.
 *
 * Usage: probe_overhead malloc|clock|ftime|victim N THREADS
 *   malloc  N pairs of malloc(64) + free, from this executable (the probe's hot path twice)
 *   clock   N calls of clock_gettime(CLOCK_REALTIME) (the vDSO when bare)
 *   ftime   N calls of ftime(), which no hook sees: glibc's ftime calls __clock_gettime, a hidden
 *           alias at clock_gettime's address (`objdump -d libc.so.6 --disassemble=ftime`), so
 *           under PROBE_BYPASS=1 each is one call *bypassed* from libc.so.6 at the patched entry
 *           (bench/bypass_cost.py)
 *   victim  N calls of victim_check_result(5): one API call whose internal call to the accessor
 *           victim_err_occurred is what the probe overrides (libvictim.so.1 through
 *           LD_LIBRARY_PATH; the executable has no RUNPATH)
 * Each of THREADS threads does N operations, timed by the thread itself around its loop only (no
 * start-up, no report at exit). Prints one line:
 *   RESULT workload=W threads=T n=N ns_per_op=X cpu_ns_per_op=C rss_kib=R hwm_kib=H
 * ns_per_op (wall) and cpu_ns_per_op (the thread's CPU time: on a shared machine it leaves out
 * the time the thread waited for a core) are means over threads; rss/hwm are VmRSS/VmHWM from /proc/self/status read after
 * the workload, with no allocation of our own before the read.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timeb.h>
#include <time.h>
#include <unistd.h>

#include "victim.h"

enum workload { kMalloc, kClock, kFtime, kVictim };

struct job {
  enum workload w;
  long n;
  pthread_barrier_t *start;
  double ns, cpu_ns;
};

static volatile long sink;

static double now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *run(void *arg) {
  struct job *j = arg;
  long acc = 0;
  pthread_barrier_wait(j->start);
  double t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  switch (j->w) {
    case kMalloc:
      for (long i = 0; i < j->n; ++i) {
        char *volatile p = malloc(64); /* volatile: the pair cannot be elided */
        p[0] = (char)i;
        free(p);
      }
      break;
    case kClock:
      for (long i = 0; i < j->n; ++i) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        acc += ts.tv_nsec;
      }
      break;
    case kFtime:
      for (long i = 0; i < j->n; ++i) {
        struct timeb tb;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  /* glibc 2.33 deprecates ftime */
        ftime(&tb);
#pragma GCC diagnostic pop
        acc += tb.millitm;
      }
      break;
    case kVictim:
      for (long i = 0; i < j->n; ++i) acc += victim_check_result(5);
      break;
  }
  j->cpu_ns = (now_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / (double)j->n;
  j->ns = (now_ns(CLOCK_MONOTONIC) - t0) / (double)j->n;
  sink = acc;
  return NULL;
}

/* Value in kB of a "Key:" line of /proc/self/status, or -1. */
static long status_kib(const char *text, const char *key) {
  const char *p = strstr(text, key);
  return p != NULL ? strtol(p + strlen(key), NULL, 10) : -1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: probe_overhead malloc|clock|ftime|victim N THREADS\n");
    return 2;
  }
  enum workload w;
  if (strcmp(argv[1], "malloc") == 0) {
    w = kMalloc;
  } else if (strcmp(argv[1], "clock") == 0) {
    w = kClock;
  } else if (strcmp(argv[1], "ftime") == 0) {
    w = kFtime;
  } else if (strcmp(argv[1], "victim") == 0) {
    w = kVictim;
  } else {
    fprintf(stderr, "probe_overhead: unknown workload '%s'\n", argv[1]);
    return 2;
  }
  long n = strtol(argv[2], NULL, 10);
  long threads = strtol(argv[3], NULL, 10);
  if (n <= 0 || threads < 1 || threads > 64) {
    fprintf(stderr, "probe_overhead: bad count '%s' or thread number '%s'\n", argv[2], argv[3]);
    return 2;
  }
  struct job jobs[64];
  pthread_t tids[64];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)threads);
  for (long t = 0; t < threads; ++t) {
    jobs[t] = (struct job){w, n, &start, 0, 0};
    if (t > 0 && pthread_create(&tids[t], NULL, run, &jobs[t]) != 0) {
      fprintf(stderr, "probe_overhead: cannot create a thread\n");
      return 1;
    }
  }
  run(&jobs[0]);
  for (long t = 1; t < threads; ++t) pthread_join(tids[t], NULL);

  char status[8192];
  long rss = -1, hwm = -1;
  int fd = open("/proc/self/status", O_RDONLY);
  if (fd >= 0) {
    ssize_t got = read(fd, status, sizeof status - 1);
    close(fd);
    if (got > 0) {
      status[got] = '\0';
      rss = status_kib(status, "VmRSS:");
      hwm = status_kib(status, "VmHWM:");
    }
  }
  double ns = 0, cpu_ns = 0;
  for (long t = 0; t < threads; ++t) ns += jobs[t].ns, cpu_ns += jobs[t].cpu_ns;
  printf("RESULT workload=%s threads=%ld n=%ld ns_per_op=%.3f cpu_ns_per_op=%.3f rss_kib=%ld "
         "hwm_kib=%ld\n",
         argv[1], threads, n, ns / (double)threads, cpu_ns / (double)threads, rss, hwm);
  return 0;
}
