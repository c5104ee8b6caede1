// report_file.hpp — where a report goes, opened safely (docs/REPORT_FORMAT.md "Where it goes").
//
// PROBE_REPORT (a shim: PROBE_SHIM_REPORT) is a template: %p is the process id (as valgrind's
// --log-file), %m the preloaded module's file name (libprobe.so, libzshim.so: several modules in
// one process get one file each), %% a percent sign. What the expanded path names decides:
//   - nothing there: a new regular file, O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600;
//   - the null device (/dev/null, or any other name of it): no report at all;
//   - another character device (a terminal, ...) or a FIFO: written to as it is — never created,
//     never truncated. A FIFO is opened O_NONBLOCK, so one without a reader never blocks: the
//     report then takes the fallback below, with a notice;
//   - anything else — a regular file (another process's report: a fork child's), a directory, a
//     symlink (never followed), a socket: left alone; the report goes to the first free name of
//     PATH.<pid>, PATH.<pid>.2, PATH.<pid>.3, ... (so every module of every process finds one),
//     with a notice saying where;
//   - a path that cannot be created (missing directory, read-only file system): stderr, with a
//     notice.
// Notices are for the report itself (notices.hpp), never for the host's stderr.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "stderr_file.hpp"

namespace probe {

// Expands %p, %m and %% in `templ`.
std::string expand_report_path(const std::string& templ, long pid, std::string_view module = "");

struct ReportTarget {
  enum class Kind { to_stderr, file, device, discard };
  Kind kind = Kind::to_stderr;
  int fd = -1;          // file, device: open for writing; the caller closes it
  std::string path;     // what was opened; "" for stderr and discard
  std::string message;  // "" or one notice explaining a fallback
};

// The file name of the loaded object containing `inside` (the value of %m for that module), into
// out[size]; left as it is if the loader does not know the address.
void remember_module_name(const void* inside, char* out, std::size_t size);

// Opens the report for `templ` (empty: stderr). Never blocks, never overwrites.
ReportTarget open_report(const std::string& templ, long pid, std::string_view module = "");

// Writes `body` to the target — stderr meaning the host's original stderr, found again
// (stderr_file.hpp), or nowhere if it is gone — and closes what open_report opened. A failed
// write is dropped: nothing to do about it without disturbing the host.
void deliver(ReportTarget& target, const std::string& body, const OriginalStderr& original);

}  // namespace probe
