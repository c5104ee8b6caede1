/* fds_app — prints what a program sees of its own descriptor table, for the host-state tests
 * (issue 11: the probe must hold no descriptor of its host):
 *   read(0): EBADF   what reading stdin gives ("EBADF" when it is closed, else the byte count)
 *   open: 0 1 2      the descriptors listed in /proc/self/fd (without the listing's own)
 *   first free: 3    the descriptor a new open() gets (the lowest free one)
 * It allocates first, from several sites, so that PROBE_BACKTRACE has stacks to unwind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp(const void* a, const void* b) { return *(const int*)a - *(const int*)b; }

int main(void) {
  free(malloc(32));
  free(calloc(4, 8));
  char c;
  ssize_t r = read(0, &c, 1);
  printf("read(0): %s\n",
         r < 0 ? (errno == EBADF ? "EBADF" : strerror(errno)) : (r == 0 ? "0" : "1"));
  int fds[1024], n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == NULL) return 3;
  for (struct dirent* e; (e = readdir(d)) != NULL && n < 1024;)
    if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) fds[n++] = atoi(e->d_name);
  closedir(d);
  qsort(fds, n, sizeof fds[0], cmp);
  printf("open:");
  for (int i = 0; i < n; ++i) printf(" %d", fds[i]);
  printf("\nfirst free: %d\n", open("/dev/null", O_RDONLY));
  return 0;
}
