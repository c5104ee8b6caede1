/* app.c — victim_app: runs one call path of the victim library and prints its visible result.
 *
 * Usage: victim_app PATH     prints "PATH VALUE" and exits 0
 *        victim_app --list   prints every path name
 * One path per process, so that the probe's report of that run holds exactly the calls of one
 * path. The paths are the rows of victim/matrix.json; a test checks that the two lists agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "victim.h"

static long app_direct(void) { return victim_err_occurred(); }
static long accessor_same_tu(void) { return victim_check_result(5); }
static long accessor_cross_tu(void) { return victim_check_result_xtu(5); }
static long noinline_path(void) { return victim_run_noinline(); }
static long const_result(void) { return victim_use_const(); }
static long weak_path(void) { return victim_run_weak(); }
static long ifunc_path(void) { return victim_run_ifunc(); }
static long variable_path(void) { return victim_read_var(); }
static long fnptr_path(void) { return victim_call_own_ptr(); }
static long lib_malloc(void) { return victim_alloc_roundtrip(64); }
static long app_malloc(void) {
  char *volatile p = malloc(64); /* volatile: keep the pair from being elided */
  if (p == NULL) return -1;
  p[0] = 1;
  free(p);
  return 64;
}
static long lib_time(void) { return victim_now(); }
static long app_time(void) { return (long)time(NULL); }
/* Not matrix rows: whether the app and the library see one address for one function; and the
 * interpreter loop, whose internal calls of victim_check_result (same file) and
 * victim_check_result_xtu (another file) libprobe.so has no override for
 * (tests/check_test.cpp observes them through a generated shim). */
static long ptr_equal(void) { return victim_fnptr_addr() == &victim_fnptr_target; }
static long interp_loop(void) { return victim_interp_loop(100); }

static const struct {
  const char *name;
  long (*run)(void);
} paths[] = {
    {"app_direct", app_direct},     {"accessor_same_tu", accessor_same_tu},
    {"accessor_cross_tu", accessor_cross_tu}, {"noinline", noinline_path},
    {"const_result", const_result}, {"weak", weak_path},
    {"ifunc", ifunc_path},          {"variable", variable_path},
    {"fnptr", fnptr_path},          {"lib_malloc", lib_malloc},
    {"app_malloc", app_malloc},     {"lib_time", lib_time},
    {"app_time", app_time},         {"ptr_equal", ptr_equal},
    {"interp_loop", interp_loop},
};

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; ++i) puts(paths[i].name);
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: victim_app PATH | --list\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; ++i) {
    if (strcmp(argv[1], paths[i].name) == 0) {
      printf("%s %ld\n", paths[i].name, paths[i].run());
      return 0;
    }
  }
  fprintf(stderr, "victim_app: unknown path '%s' (try --list)\n", argv[1]);
  return 2;
}
