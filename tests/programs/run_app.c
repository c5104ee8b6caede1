/* run_app — a command for the `interprobe run` tests:
 *   run_app status N   prints two lines on stdout, one on stderr, calls malloc, exits with N
 *   run_app signal N   raises signal N
 *   run_app env        prints LD_PRELOAD and whether preload_marker.so was loaded
 * Ends with exit() (never _exit), so the probe gets to write its report. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "status") == 0) {
    char* p = malloc(64);
    snprintf(p, 64, "%s", "run_app output");
    printf("%s\nsecond line\n", p);
    fprintf(stderr, "run_app stderr line\n");
    free(p);
    exit(atoi(argv[2]));
  }
  if (argc == 3 && strcmp(argv[1], "signal") == 0) {
    fflush(stdout);
    raise(atoi(argv[2]));
    return 99; /* not reached for a fatal signal */
  }
  if (argc == 2 && strcmp(argv[1], "env") == 0) {
    const char* pre = getenv("LD_PRELOAD");
    printf("LD_PRELOAD=%s\n", pre != NULL ? pre : "(unset)");
    printf("marker %s\n",
           dlsym(RTLD_DEFAULT, "preload_marker_loaded") != NULL ? "loaded" : "absent");
    return 0;
  }
  fprintf(stderr, "usage: run_app status N | signal N | env\n");
  return 2;
}
