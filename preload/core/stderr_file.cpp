// stderr_file.cpp — see stderr_file.hpp.
#include "stderr_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace probe {

namespace {

bool same_file(int fd, const OriginalStderr& o) {
  struct stat st {};
  return fstat(fd, &st) == 0 && st.st_dev == o.dev && st.st_ino == o.ino;
}

}  // namespace

OriginalStderr remember_stderr() {
  const int saved_errno = errno;
  OriginalStderr o;
  struct stat st {};
  if (fstat(2, &st) == 0) {
    o.known = true;
    o.dev = st.st_dev;
    o.ino = st.st_ino;
    const int flags = fcntl(2, F_GETFL);
    struct termios tio {};
    const bool terminal = S_ISCHR(st.st_mode) && tcgetattr(2, &tio) == 0;
    const bool appended = S_ISREG(st.st_mode) && flags != -1 && (flags & O_APPEND) != 0;
    if (terminal || appended) {
      ssize_t n = readlink("/proc/self/fd/2", o.path, sizeof o.path - 1);
      // A deleted file reads back as "PATH (deleted)": no name to open it by.
      o.reopenable = n > 0 && o.path[0] == '/';
      if (o.reopenable) o.path[n] = '\0';
    }
  }
  errno = saved_errno;
  return o;
}

int find_stderr(const OriginalStderr& o, bool& opened) {
  opened = false;
  if (!o.known) return -1;
  if (same_file(2, o)) return 2;
  if (!o.reopenable) return -1;
  // No O_CREAT, no O_TRUNC: an existing file is only ever appended to. O_NOCTTY: opening a
  // terminal must not make it the controlling terminal of a process that has none.
  int fd = open(o.path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  if (!same_file(fd, o)) {  // renamed, replaced or deleted since: not the host's stderr
    close(fd);
    return -1;
  }
  // Non-blocking only for the open itself; a terminal's writes wait as they would for the host.
  fcntl(fd, F_SETFL, O_APPEND);
  opened = true;
  return fd;
}

}  // namespace probe
