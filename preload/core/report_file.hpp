// report_file.hpp — where the report goes, created safely.
//
// PROBE_REPORT may contain %p (the process id, as in valgrind's --log-file) and %% (a percent
// sign). The file is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600: a symlink is never
// followed and an existing file — another process's report, say a fork child's — is never
// truncated. If the path exists, the report goes to "<path>.<pid>" instead; if that fails too,
// to stderr. Every fallback is announced by one line in `message`.
#pragma once

#include <string>

namespace probe {

// Expands %p and %% in `templ`.
std::string expand_report_path(const std::string& templ, long pid);

struct ReportTarget {
  int fd = 2;           // 2 = stderr; otherwise the caller closes it
  std::string path;     // the file actually created, "" for stderr
  std::string message;  // "" or one line explaining a fallback
};

ReportTarget open_report(const std::string& templ, long pid);

}  // namespace probe
