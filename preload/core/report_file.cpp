// report_file.cpp — see report_file.hpp.
#include "report_file.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <link.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace probe {

std::string expand_report_path(const std::string& templ, long pid, std::string_view module) {
  std::string out;
  for (std::size_t i = 0; i < templ.size(); ++i) {
    if (templ[i] == '%' && i + 1 < templ.size()) {
      const char c = templ[i + 1];
      if (c == 'p' || c == 'm' || c == '%') {
        if (c == 'p') out += std::to_string(pid);
        if (c == 'm') out += module;
        if (c == '%') out += '%';
        ++i;
        continue;
      }
    }
    out += templ[i];
  }
  return out;
}

void remember_module_name(const void* inside, char* out, std::size_t size) {
  dl_find_object found{};
  if (size == 0 || _dl_find_object(const_cast<void*>(inside), &found) != 0 ||
      found.dlfo_link_map == nullptr || found.dlfo_link_map->l_name == nullptr)
    return;
  const char* name = found.dlfo_link_map->l_name;
  if (const char* slash = std::strrchr(name, '/')) name = slash + 1;
  if (*name == '\0') return;
  std::size_t n = std::strlen(name);
  if (n >= size) n = size - 1;
  std::memcpy(out, name, n);
  out[n] = '\0';
}

namespace {

constexpr int kMaxFallbacks = 1000;

int create_exclusive(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

bool is_null_device(const struct stat& st) {
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

// An existing character device or FIFO, opened for writing as it is. -1 (errno set) if it cannot
// be: a FIFO without a reader gives ENXIO at once (O_NONBLOCK), never a wait.
int open_existing(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    close(fd);  // replaced by something else since lstat: opening without O_TRUNC changed nothing
    errno = EEXIST;
    return -1;
  }
  // The reader is there: writes may wait for it, as they would for any writer of the FIFO.
  fcntl(fd, F_SETFL, 0);
  return fd;
}

ReportTarget to_stderr(std::string message) {
  ReportTarget t;
  t.message = std::move(message);
  return t;
}

ReportTarget opened(ReportTarget::Kind kind, int fd, std::string path, std::string message = "") {
  ReportTarget t;
  t.kind = kind;
  t.fd = fd;
  t.path = std::move(path);
  t.message = std::move(message);
  return t;
}

// The first free name of PATH.<pid>, PATH.<pid>.2, ...: `why` says why `path` was not used.
ReportTarget fallback(const std::string& path, long pid, const std::string& why) {
  std::string alt = fmt::format("{}.{}", path, pid);
  for (int k = 2; k <= kMaxFallbacks + 1; ++k) {
    int fd = create_exclusive(alt);
    if (fd >= 0)
      return opened(ReportTarget::Kind::file, fd, alt,
                    fmt::format("interprobe: {}; wrote '{}' (%p in the path gives one file per "
                                "process, %m one per preloaded module)",
                                why, alt));
    if (errno != EEXIST) break;
    alt = fmt::format("{}.{}.{}", path, pid, k);
  }
  return to_stderr(
      fmt::format("interprobe: {}, and cannot create '{}': {}; report follows on "
                  "stderr",
                  why, alt, std::strerror(errno)));
}

}  // namespace

ReportTarget open_report(const std::string& templ, long pid, std::string_view module) {
  if (templ.empty()) return {};
  const std::string path = expand_report_path(templ, pid, module);
  for (int attempt = 0; attempt < 3; ++attempt) {  // the path may come and go meanwhile
    int fd = create_exclusive(path);
    if (fd >= 0) return opened(ReportTarget::Kind::file, fd, path);
    if (errno != EEXIST)
      return to_stderr(
          fmt::format("interprobe: cannot create report file '{}': {}; report "
                      "follows on stderr",
                      path, std::strerror(errno)));
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) continue;  // removed since: try to create it again
    if (is_null_device(st)) return opened(ReportTarget::Kind::discard, -1, "");
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      fd = open_existing(path);
      if (fd >= 0) return opened(ReportTarget::Kind::device, fd, path);
      return fallback(
          path, pid,
          S_ISFIFO(st.st_mode) && errno == ENXIO
              ? fmt::format("report FIFO '{}' has no reader", path)
              : fmt::format("cannot open report device '{}': {}", path, std::strerror(errno)));
    }
    return fallback(path, pid,
                    fmt::format("report file '{}' already exists and is never overwritten", path));
  }
  return fallback(path, pid,
                  fmt::format("report file '{}' keeps appearing and disappearing", path));
}

namespace {
void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t w = write(fd, s.data() + done, s.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    done += static_cast<std::size_t>(w);
  }
}
}  // namespace

void deliver(ReportTarget& t, const std::string& body, const OriginalStderr& original) {
  if (t.kind == ReportTarget::Kind::discard) return;
  if (t.kind == ReportTarget::Kind::to_stderr) {
    bool opened = false;
    const int fd = find_stderr(original, opened);
    if (fd >= 0) write_all(fd, body);
    if (opened) close(fd);
    return;
  }
  write_all(t.fd, body);
  close(t.fd);
  t.fd = -1;
}

}  // namespace probe
