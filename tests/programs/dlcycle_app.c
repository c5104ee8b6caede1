/* dlcycle_app N M open|closed|moved — dlopen libvictim.so.1, N calls of victim_run_noinline
 * (which calls victim_noinline_touch inside the library), dlclose, dlopen again, M calls; then
 * dlclose, unless `open`. `moved` first maps an inaccessible page where the first copy began, so
 * that the second is mapped elsewhere (exit 5 if that place was not free after the dlclose, 6 if
 * the copy still came back there). Prints "load L calls C touch T" per load, T the library's own
 * touch count (mod 1000: the specimen's override adds 1000, so the line is the same with and
 * without it), which restarts at the second load: the library was unmapped and mapped afresh.
 * (The dlopen/dlclose rounds in the modes of RTLD_* are tests/reliability/programs/dlmodes_app.c.) */
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
  if (argc != 4) return 2;
  return cycle(atoi(argv[1]), atoi(argv[2]), argv[3]);
}
