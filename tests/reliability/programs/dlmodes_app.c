/* dlmodes_app local|global|deepbind ROUNDS — per round: dlopen libvictim.so.1 (RTLD_NOW plus
 * RTLD_LOCAL, RTLD_GLOBAL or RTLD_LOCAL|RTLD_DEEPBIND), call victim_check_result(5) (the library
 * calls its own victim_err_occurred), victim_err_occurred() through dlsym, and
 * victim_alloc_roundtrip(64) (the library calls malloc/free), dlclose; then one malloc/free pair
 * from the app, after the library is gone. Prints "round N check C direct D" per round. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int mode = RTLD_NOW;
  if (strcmp(argv[1], "global") == 0)
    mode |= RTLD_GLOBAL;
  else if (strcmp(argv[1], "deepbind") == 0)
    mode |= RTLD_LOCAL | RTLD_DEEPBIND;
  else if (strcmp(argv[1], "local") == 0)
    mode |= RTLD_LOCAL;
  else
    return 2;
  int rounds = atoi(argv[2]);
  for (int r = 0; r < rounds; ++r) {
    void *h = dlopen("libvictim.so.1", mode);
    if (h == NULL) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 3;
    }
    int (*check)(int) = (int (*)(int))dlsym(h, "victim_check_result");
    int (*direct)(void) = (int (*)(void))dlsym(h, "victim_err_occurred");
    int (*roundtrip)(int) = (int (*)(int))dlsym(h, "victim_alloc_roundtrip");
    if (check == NULL || direct == NULL || roundtrip == NULL) return 4;
    int c = check(5), d = direct();
    if (roundtrip(64) != 64) return 5;
    dlclose(h);
    char *volatile p = malloc(8);
    p[0] = 1;
    free(p);
    printf("round %d check %d direct %d\n", r, c, d);
  }
  return 0;
}
