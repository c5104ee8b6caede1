/* fork_app — the parent does 3 malloc/free pairs, forks; the child does 5 and exits 0, the parent
 * waits and does 7 more. Each process's report must hold its own calls only: the parent 10, the
 * child 5 (the child starts from zero, not from the parent's 3). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void pairs(int n) {
  for (int i = 0; i < n; ++i) {
    char *volatile p = malloc(16);
    p[0] = 1;
    free(p);
  }
}

int main(void) {
  pairs(3);
  pid_t pid = fork();
  if (pid < 0) return 3;
  if (pid == 0) {
    pairs(5);
    exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  pairs(7);
  printf("child status %d\n", status);
  return 0;
}
