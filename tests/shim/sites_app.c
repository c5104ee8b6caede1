/* sites_app — calls time() from a few call sites through everything that can make a shim
 * trampoline's fast path (preload/shim/trampoline_x86_64.S) count wrongly: the sites a thread
 * filled, reused by the next owner of its count table after it exits (3 waves of 4 threads), the
 * object map changing under them (dlopen and dlclose of libz: every site's epoch goes stale), and
 * a fork child (its counts restart from zero). The calls it makes, per process:
 *   parent: 1,000 + 3 waves x 4 threads x 10,000 + 700 after the dlopen = 121,700
 *   child:  500
 * Prints "ok" and exits 0. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void calls(long n) {
  for (long i = 0; i < n; ++i) (void)time(NULL);
}

static void *work(void *arg) {
  (void)arg;
  calls(10000);
  return NULL;
}

int main(void) {
  calls(1000);
  for (int wave = 0; wave < 3; ++wave) {
    pthread_t t[4];
    for (int i = 0; i < 4; ++i)
      if (pthread_create(&t[i], NULL, work, NULL) != 0) return 3;
    for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  }
  void *z = dlopen("libz.so.1", RTLD_NOW);
  if (z == NULL) return 4;
  dlclose(z);
  pid_t pid = fork();
  if (pid < 0) return 5;
  if (pid == 0) {
    calls(500);
    exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  calls(700);
  if (status != 0) return 6;
  puts("ok");
  return 0;
}
