// probe_run.cpp — see probe_run.hpp.
#include "probe_run.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace interprobe {

namespace fs = std::filesystem;

namespace {

// Prepended: the preload's definitions come first in the search order, so they are the ones the
// loader binds; the user's own preloads stay in the list, after it, and still load.
void prepend_preload(Env& env, const std::string& path) {
  auto old = env.find("LD_PRELOAD");
  if (old != env.end() && !old->second.empty())
    env["LD_PRELOAD"] = path + ":" + old->second;
  else
    env["LD_PRELOAD"] = path;
}

}  // namespace

Env probe_environment(const Env& base, const ProbeSettings& s) {
  Env env = base;
  prepend_preload(env, s.probe);
  if (s.format) env["PROBE_FORMAT"] = *s.format;
  if (s.backtrace) env["PROBE_BACKTRACE"] = std::to_string(*s.backtrace);
  if (s.time_offset) env["PROBE_TIME_OFFSET"] = std::to_string(*s.time_offset);
  if (!s.report_dir.empty())
    env["PROBE_REPORT"] = (fs::path(s.report_dir) / "report.%p.%m").string();
  if (s.report_as) env["PROBE_REPORT_AS"] = *s.report_as;
  return env;
}

Env shim_environment(const Env& base, const std::string& shim, const std::string& report_dir) {
  Env env = base;
  prepend_preload(env, shim);
  env["PROBE_SHIM_FORMAT"] = "json";
  env["PROBE_SHIM_REPORT"] = (fs::path(report_dir) / "report.%p.%m").string();
  return env;
}

std::string preload_path_problem(const std::string& path) {
  if (path.empty()) return "the path is empty";
  if (path.front() != '/') return "the path is not absolute";
  if (path.find_first_of(" :") != std::string::npos)
    return "the path contains a space or ':', which LD_PRELOAD cannot express (ld.so splits on "
           "both)";
  if (access(path.c_str(), R_OK) != 0)
    return fmt::format("cannot read it ({})", std::strerror(errno));
  return "";
}

int ChildStatus::shell_status() const {
  if (!started) return spawn_errno == ENOENT ? 127 : 126;
  if (exited) return exit_status;
  return 128 + term_signal;
}

std::string spawn_failure_message(const std::string& command, int spawn_errno) {
  // bash's wording: a bare name not found in PATH is "command not found"; a path is reported
  // with the system's message.
  if (spawn_errno == ENOENT && command.find('/') == std::string::npos)
    return fmt::format("{}: command not found", command);
  if (spawn_errno == ENOEXEC)
    return fmt::format("{}: cannot execute binary file: Exec format error", command);
  return fmt::format("{}: {}", command, std::strerror(spawn_errno));
}

namespace {

// Restores a signal's disposition when the scope ends.
class IgnoreSignal {
 public:
  explicit IgnoreSignal(int sig) : sig_(sig) {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(sig_, &ign, &old_);
  }
  ~IgnoreSignal() { sigaction(sig_, &old_, nullptr); }
  IgnoreSignal(const IgnoreSignal&) = delete;
  IgnoreSignal& operator=(const IgnoreSignal&) = delete;

 private:
  int sig_;
  struct sigaction old_ {};
};

}  // namespace

ChildStatus spawn_and_wait(const std::vector<std::string>& argv, const Env& env) {
  ChildStatus st;
  std::vector<std::string> env_strings;
  for (auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  IgnoreSignal no_int(SIGINT), no_quit(SIGQUIT);
  // The command gets the default disposition back for the signals ignored here.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGQUIT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  // posix_spawnp looks a bare name up in the command's PATH (glibc reads it from our environment,
  // which `env` was copied from) and reports exec failures (ENOENT, EACCES, ENOEXEC) as its result.
  int rc = posix_spawnp(&pid, cargv[0], nullptr, &attr, cargv.data(), cenv.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    st.spawn_errno = rc;
    return st;
  }
  st.started = true;
  st.pid = pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  decode_wait_status(status, st.exited, st.exit_status, st.term_signal);
  return st;
}

std::vector<CollectedReport> collect_reports(const fs::path& dir, int main_pid) {
  std::vector<CollectedReport> reports;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("report.", 0) != 0) continue;
    char* end = nullptr;
    long pid = std::strtol(name.c_str() + 7, &end, 10);
    if (end == nullptr || end == name.c_str() + 7 || (*end != '\0' && *end != '.') || pid <= 0)
      continue;
    reports.push_back({static_cast<int>(pid), *end == '.' ? std::string(end + 1) : "", entry.path()});
  }
  std::sort(reports.begin(), reports.end(), [main_pid](auto& a, auto& b) {
    if ((a.pid == main_pid) != (b.pid == main_pid)) return a.pid == main_pid;
    if (a.pid != b.pid) return a.pid < b.pid;
    return a.module < b.module;
  });
  return reports;
}

fs::path make_private_dir(const fs::path& parent) {
  std::string t = (parent / ".interprobe-XXXXXX").string();
  if (mkdtemp(t.data()) == nullptr) return {};
  return t;
}

}  // namespace interprobe
