/* spawn_app HOW — the parent makes 3 malloc/free pairs, starts a child, waits for it, makes 7
 * more. HOW: fork_exit (the child runs on in this image), fork_exec, vfork_exec, posix_spawn (the
 * child is this program again with argument "child": 5 pairs, exit 0), vfork_exit (the vfork
 * child calls _exit at once: no destructor, no report, nothing counted). Prints the child's
 * status. Each process that runs with the probe must report its own calls only. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void pairs(int n) {
  for (int i = 0; i < n; ++i) {
    char *volatile p = malloc(16);
    p[0] = 1;
    free(p);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *how = argv[1];
  if (strcmp(how, "child") == 0) {
    pairs(5);
    return 0;
  }
  char *child_argv[] = {argv[0], "child", NULL};
  pairs(3);
  pid_t pid = -1;
  if (strcmp(how, "fork_exit") == 0) {
    pid = fork();
    if (pid == 0) {
      pairs(5);
      exit(0);
    }
  } else if (strcmp(how, "fork_exec") == 0) {
    pid = fork();
    if (pid == 0) {
      execve(argv[0], child_argv, environ);
      _exit(127);
    }
  } else if (strcmp(how, "vfork_exec") == 0) {
    pid = vfork();
    if (pid == 0) {
      execve(argv[0], child_argv, environ);
      _exit(127);
    }
  } else if (strcmp(how, "vfork_exit") == 0) {
    pid = vfork();
    if (pid == 0) _exit(0);
  } else if (strcmp(how, "posix_spawn") == 0) {
    if (posix_spawn(&pid, argv[0], NULL, NULL, child_argv, environ) != 0) return 3;
  } else {
    return 2;
  }
  if (pid < 0) return 3;
  int status = -1;
  waitpid(pid, &status, 0);
  pairs(7);
  printf("child status %d\n", status);
  return 0;
}
