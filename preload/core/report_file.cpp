// report_file.cpp — see report_file.hpp.
#include "report_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace probe {

std::string expand_report_path(const std::string& templ, long pid) {
  std::string out;
  for (std::size_t i = 0; i < templ.size(); ++i) {
    if (templ[i] == '%' && i + 1 < templ.size()) {
      if (templ[i + 1] == 'p') {
        out += std::to_string(pid);
        ++i;
        continue;
      }
      if (templ[i + 1] == '%') {
        out += '%';
        ++i;
        continue;
      }
    }
    out += templ[i];
  }
  return out;
}

namespace {
int create_exclusive(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}
}  // namespace

ReportTarget open_report(const std::string& templ, long pid) {
  ReportTarget t;
  if (templ.empty()) return t;
  std::string path = expand_report_path(templ, pid);
  int fd = create_exclusive(path);
  if (fd >= 0) {
    t.fd = fd;
    t.path = path;
    return t;
  }
  int err = errno;
  if (err == EEXIST) {
    std::string alt = fmt::format("{}.{}", path, pid);
    fd = create_exclusive(alt);
    if (fd >= 0) {
      t.fd = fd;
      t.path = alt;
      t.message = fmt::format(
          "interprobe: report file '{}' already exists and is never overwritten; wrote '{}' "
          "(put %p in PROBE_REPORT for one file per process)",
          path, alt);
      return t;
    }
    err = errno;
    path = alt;
  }
  t.message = fmt::format("interprobe: cannot create report file '{}': {}; report follows on stderr",
                          path, std::strerror(err));
  return t;
}

}  // namespace probe
