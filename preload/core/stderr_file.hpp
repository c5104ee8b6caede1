// stderr_file.hpp — the host's stderr, found again at report time without holding a descriptor.
//
// A report "on stderr" goes to the file that was fd 2 when the process started. The runtimes
// (libprobe.so, every shim) used to keep a dup of it for the whole process (fd 100), which the
// host could see (/proc/self/fd, subprocess's pass_fds checks) and which kept a pipe's write end
// open after the host closed its own: a reader of `prog 2>&1 | cat` got EOF only at exit
// (issue 11). Now the runtime only remembers which file it was (device and inode) and, where it
// is safe and meaningful to open it again by name, its path:
//   - fd 2 is still that file: the report is written to fd 2;
//   - the host closed or replaced fd 2 (coreutils close it at exit, before the report): the file
//     is opened again only if it is a terminal or a regular file opened O_APPEND (appending is
//     exactly what writing to the old descriptor would have done), and only if the file opened
//     is the same device and inode; the descriptor is closed after the report;
//   - otherwise (a pipe, a socket, a file without O_APPEND) the report cannot be delivered:
//     docs/RELIABILITY.md says so and points to PROBE_REPORT.
#pragma once

#include <sys/types.h>

namespace probe {

struct OriginalStderr {
  bool known = false;  // fd 2 was open at start-up
  dev_t dev = 0;
  ino_t ino = 0;
  bool reopenable = false;  // a terminal or an O_APPEND regular file, with a path
  char path[4096] = {};     // /proc/self/fd/2's target, if reopenable
};

// At start-up: fstat, fcntl and readlink of fd 2 (no descriptor is opened; errno is kept).
OriginalStderr remember_stderr();

// Where a report for stderr goes now: 2 if fd 2 is still the original file; else the original
// opened again (`opened` set: the caller closes it); else -1 (it cannot be delivered).
int find_stderr(const OriginalStderr& original, bool& opened);

}  // namespace probe
