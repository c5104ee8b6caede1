/* capture_app CMD ARGS... — runs CMD twice and prints what it wrote, stdout and stderr captured
 * through one pipe, the way cmake's execute_process captures `uname -m` for
 * CMAKE_SYSTEM_PROCESSOR (issue 11: under the probe with a PROBE_REPORT without %p, the second
 * child found the report file taken and its "already exists" notice became part of the value).
 * Prints "run N: <output with \n as |>" per run; exits with the last run's status. */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int status = 0;
  for (int run = 1; run <= 2; ++run) {
    int p[2];
    if (pipe(p) != 0) return 3;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    pid_t pid;
    if (posix_spawn(&pid, argv[1], &fa, NULL, argv + 1, environ) != 0) return 3;
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    char buf[4096];
    size_t used = 0;
    for (ssize_t n;
         used < sizeof buf - 1 && (n = read(p[0], buf + used, sizeof buf - 1 - used)) > 0;)
      used += (size_t)n;
    close(p[0]);
    buf[used] = '\0';
    for (char* c = buf; *c != '\0'; ++c)
      if (*c == '\n') *c = '|';
    waitpid(pid, &status, 0);
    printf("run %d: %s\n", run, buf);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
