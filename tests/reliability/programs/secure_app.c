/* secure_app — prints "secure N" (getauxval(AT_SECURE): 1 when the kernel ran this program in
 * secure-execution mode, e.g. because it is setuid to another user) and makes 3 malloc/free pairs.
 * Linked with libprobe.so as a DT_NEEDED dependency by absolute path: in secure-execution mode
 * glibc ignores LD_PRELOAD paths, but loads a program's own dependencies, so the probe runs and its
 * secure-mode rules can be observed in a real process. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>

int main(void) {
  for (int i = 0; i < 3; ++i) {
    char *volatile p = malloc(16);
    p[0] = 1;
    free(p);
  }
  printf("secure %lu\n", getauxval(AT_SECURE));
  return 0;
}
