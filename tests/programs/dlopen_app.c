/* dlopen_app local|global ROUNDS — loads libvictim.so.1 with dlopen after start-up (RTLD_LOCAL or
 * RTLD_GLOBAL), calls victim_check_result(5) and victim_err_occurred() through dlsym, dlcloses it,
 * and repeats ROUNDS times. Prints "round N check C direct D" per round. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
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
