/* dlopen_app local|global ROUNDS — loads libvictim.so.1 with dlopen after start-up (RTLD_LOCAL or
 * RTLD_GLOBAL), calls victim_check_result(5) and victim_err_occurred() through dlsym, dlcloses it,
 * and repeats ROUNDS times. Prints "round N check C direct D" per round.
 *
 * dlopen_app cycle N M open|closed|moved — dlopen, N calls of victim_run_noinline (which calls
 * victim_noinline_touch inside the library), dlclose, dlopen again, M calls; then dlclose, unless
 * `open`. `moved` first maps an inaccessible page where the first copy began, so that the second
 * is mapped elsewhere (exit 5 if that place was not free after the dlclose, 6 if the copy still
 * came back there). Prints "load L calls C touch T" per load, T the library's own touch count
 * (mod 1000: the specimen's override adds 1000, so the line is the same with and without it),
 * which restarts at the second load: the library was unmapped and mapped afresh. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void *base_of(void *p) {
  Dl_info info;
  return dladdr(p, &info) != 0 ? info.dli_fbase : NULL;
}

static int cycle(int n, int m, const char *end) {
  const int calls[2] = {n, m};
  void *first_base = NULL;
  for (int load = 0; load < 2; ++load) {
    void *h = dlopen("libvictim.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 3;
    }
    int (*run)(void) = (int (*)(void))dlsym(h, "victim_run_noinline");
    if (run == NULL) return 4;
    if (load == 0) first_base = base_of((void *)run);
    else if (strcmp(end, "moved") == 0 && base_of((void *)run) == first_base) return 6;
    int touch = 0;
    for (int i = 0; i < calls[load]; ++i) touch = run() % 1000;
    printf("load %d calls %d touch %d\n", load, calls[load], touch);
    if (load == 1 && strcmp(end, "open") == 0) break;
    dlclose(h);
    if (load == 0 && strcmp(end, "moved") == 0 &&
        mmap(first_base, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
             0) != first_base)
      return 5;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "cycle") == 0)
    return cycle(atoi(argv[2]), atoi(argv[3]), argv[4]);
  if (argc != 3) return 2;
  int mode = RTLD_NOW | (strcmp(argv[1], "global") == 0 ? RTLD_GLOBAL : RTLD_LOCAL);
  int rounds = atoi(argv[2]);
  for (int r = 0; r < rounds; ++r) {
    void *h = dlopen("libvictim.so.1", mode);
    if (h == NULL) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 3;
    }
    int (*check)(int) = (int (*)(int))dlsym(h, "victim_check_result");
    int (*direct)(void) = (int (*)(void))dlsym(h, "victim_err_occurred");
    if (check == NULL || direct == NULL) return 4;
    printf("round %d check %d direct %d\n", r, check(5), direct());
    dlclose(h);
  }
  return 0;
}
