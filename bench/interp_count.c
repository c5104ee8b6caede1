/* interp_count.c — a fixed amount of work on one victim path, for instruction counting.
 *
 * Usage: interp_count LIBVICTIM PATH N   (PATH: check_result | run_noinline | read_var | interp_loop)
 * Runs N calls of PATH (for interp_loop: N rounds) inside measured(), a noinline function, so that
 * `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=measured` counts exactly the
 * instructions executed for the work and nothing of start-up, dlopen or relocation. The count is
 * deterministic: the companion of the noisy wall-clock numbers of interposition_bench.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef long (*thunk)(void *fn, long n);

static long run_check_result(void *fn, long n) {
  int (*f)(int) = (int (*)(int))fn;
  long acc = 0;
  for (long i = 0; i < n; ++i) acc += f(5);
  return acc;
}

static long run_void(void *fn, long n) {
  int (*f)(void) = (int (*)(void))fn;
  long acc = 0;
  for (long i = 0; i < n; ++i) acc += f();
  return acc;
}

static long run_loop(void *fn, long n) { return ((long (*)(long))fn)(n); }

/* The one function callgrind collects in (inclusive of everything it calls). */
__attribute__((noinline)) long measured(thunk t, void *fn, long n) { return t(fn, n); }

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: interp_count LIBVICTIM check_result|run_noinline|read_var|interp_loop N\n");
    return 2;
  }
  static const struct {
    const char *path, *symbol;
    thunk run;
  } paths[] = {{"check_result", "victim_check_result", run_check_result},
               {"run_noinline", "victim_run_noinline", run_void},
               {"read_var", "victim_read_var", run_void},
               {"interp_loop", "victim_interp_loop", run_loop}};
  const char *symbol = NULL;
  thunk run = NULL;
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; ++i)
    if (strcmp(argv[2], paths[i].path) == 0) symbol = paths[i].symbol, run = paths[i].run;
  char *end = NULL;
  long n = strtol(argv[3], &end, 10);
  if (symbol == NULL || *end != '\0' || n <= 0) {
    fprintf(stderr, "interp_count: bad path '%s' or count '%s'\n", argv[2], argv[3]);
    return 2;
  }
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "interp_count: %s\n", dlerror());
    return 2;
  }
  void *fn = dlsym(h, symbol);
  if (fn == NULL) {
    fprintf(stderr, "interp_count: %s has no %s\n", argv[1], symbol);
    return 2;
  }
  printf("%s %s %ld -> %ld\n", argv[1], argv[2], n, measured(run, fn, n));
  return 0;
}
