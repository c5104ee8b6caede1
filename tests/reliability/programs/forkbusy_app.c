/* forkbusy_app FORKS — forks FORKS times while three other threads keep the probe busy:
 *  - one calls malloc/free in a loop (counter blocks, the allocator's locks);
 *  - one calls malloc from freshly written machine code at a new address each time, as a JIT
 *    does: every call is a miss in the probe's object map (a check of the loader's counters with
 *    dl_iterate_phdr) and, with PROBE_BACKTRACE, a new call site (stack-table insert + unwind);
 *  - one dlopens libvictim.so.1, calls into it and dlcloses it (loader lock, map refreshes).
 *    Its dlclose is kept apart from fork by a mutex, as a correct program must: dlclose runs
 *    __cxa_finalize, which holds glibc's __exit_funcs_lock, a lock glibc 2.36 does not reset in a
 *    fork child, so a child's exit() would wait for it forever, with or without the probe
 *    (seen here: a control run hung in __run_exit_handlers).
 * Each child makes 5 malloc/free pairs, one call through the JIT code and exits normally (so it
 * writes a report). A child that does not finish within 20 s is killed and counted as hung.
 * Prints "forks N hung H"; exits 0 if no child hung or failed. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../programs/jit_stub.h"

static atomic_int stop;
static pthread_mutex_t unload_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *jit;
enum { kJitSize = 1 << 20, kStub = kJitStubSize };

/* malloc(n) from new code (jit_stub.h), at a new address each time. */
static void *(*make_stub(size_t slot))(size_t) {
  return write_malloc_stub(jit + (slot % (kJitSize / kStub)) * kStub);
}

static void pairs(int n) {
  for (int i = 0; i < n; ++i) {
    char *volatile p = malloc(16);
    p[0] = 1;
    free(p);
  }
}

static void *spin_malloc(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) pairs(100);
  return NULL;
}

/* Each thread writes stubs only in its own half of the region. */
static void *spin_jit(void *arg) {
  (void)arg;
  for (size_t slot = 1; !atomic_load(&stop); ++slot) free(make_stub(slot % (kJitSize / kStub / 2))(24));
  return NULL;
}

static void *spin_dlopen(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    void *h = dlopen("libvictim.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) continue;
    int (*roundtrip)(int) = (int (*)(int))dlsym(h, "victim_alloc_roundtrip");
    if (roundtrip != NULL) roundtrip(32);
    pthread_mutex_lock(&unload_mu);
    dlclose(h);
    pthread_mutex_unlock(&unload_mu);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int forks = atoi(argv[1]);
  jit = mmap(NULL, kJitSize, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (jit == MAP_FAILED) return 3;
  pthread_t t[3];
  pthread_create(&t[0], NULL, spin_malloc, NULL);
  pthread_create(&t[1], NULL, spin_jit, NULL);
  pthread_create(&t[2], NULL, spin_dlopen, NULL);
  int hung = 0, failed = 0;
  for (int i = 0; i < forks; ++i) {
    pthread_mutex_lock(&unload_mu);
    pid_t pid = fork();
    pthread_mutex_unlock(&unload_mu);
    if (pid < 0) return 3;
    if (pid == 0) {
      pairs(5);
      free(make_stub(kJitSize / kStub / 2 + (size_t)i)(8)); /* the other half: no writer here */
      exit(0);
    }
    int status = 0, waited = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (++waited > 20000) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ++hung;
        break;
      }
      struct timespec ms = {0, 1000000};
      nanosleep(&ms, NULL);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 3; ++i) pthread_join(t[i], NULL);
  printf("forks %d hung %d failed %d\n", forks, hung, failed);
  return hung == 0 && failed == 0 ? 0 : 1;
}
