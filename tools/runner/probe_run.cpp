// probe_run.cpp — see probe_run.hpp.
#include "probe_run.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "elf_image.hpp"

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
  if (s.bypass) env["PROBE_BYPASS"] = "1";
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
  if (access(path.c_str(), R_OK) != 0)
    return fmt::format("cannot read it ({})", std::strerror(errno));
  // The scanner's reader and its one rule of what a shared library is (tools/scan/elf_image.hpp).
  try {
    const scan::ElfImage image = scan::ElfImage::open_file(path);
    const scan::ElfInfo info = scan::read_elf(image);
    scan::require_shared_library(image);
    if (info.machine != scan::host_machine())
      return fmt::format("it is a {} library; this machine runs {}",
                         scan::machine_name(info.machine),
                         scan::machine_name(scan::host_machine()));
  } catch (const scan::ScanError& e) {
    return e.what();
  }
  return "";
}

bool preload_entry_ok(const std::string& path) {
  return !path.empty() && path.front() == '/' && path.find_first_of(" :") == std::string::npos;
}

PreloadStage::~PreloadStage() {
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PreloadStage::entry(const std::string& path, std::string* problem) {
  if (std::string p = preload_path_problem(path); !p.empty()) {
    *problem = p;
    return "";
  }
  if (preload_entry_ok(path)) return path;
  if (dir_.empty()) {
    std::vector<fs::path> parents;
    if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp == '/')
      parents.push_back(tmp);
    for (const char* d : {"/tmp", "/var/tmp", "/dev/shm"}) parents.push_back(d);
    for (const fs::path& parent : parents) {
      if (!preload_entry_ok(parent.string())) continue;
      dir_ = make_private_dir(parent);
      if (!dir_.empty()) break;
    }
    if (dir_.empty()) {
      *problem =
          "its path contains a space or ':', which LD_PRELOAD cannot carry, and no "
          "directory for a link to it could be made in $TMPDIR, /tmp, /var/tmp or /dev/shm";
      return "";
    }
  }
  const fs::path link = dir_ / fs::path(path).filename();
  std::error_code ec;
  fs::create_symlink(path, link, ec);
  if (ec) {
    *problem = fmt::format(
        "its path contains a space or ':', which LD_PRELOAD cannot carry, and "
        "the link '{}' to it could not be made: {}",
        link.string(), ec.message());
    return "";
  }
  return link.string();
}

int ChildStatus::shell_status() const {
  if (stopped_by != 0) return 128 + stopped_by;
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
  // Ignored already before (nohup, a background job of a non-interactive shell): the command
  // inherits that, as it would without interprobe (glibc's system(3) does the same).
  bool was_ignored() const { return old_.sa_handler == SIG_IGN; }

 private:
  int sig_;
  struct sigaction old_ {};
};

// The command being waited for (0: none) and the first termination signal received; read by the
// handler, so only sig_atomic_t.
volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_received = 0;

void forward_termination(int sig) {
  const int saved = errno;
  if (g_received == 0) g_received = sig;
  if (const pid_t child = g_child; child > 0) kill(child, sig);
  errno = saved;
}

// SIGTERM, SIGHUP and SIGCHLD blocked while the command is started and waited for: they are
// then taken synchronously, by sigwaitinfo(), rather than by a handler. That leaves no window
// between posix_spawn() and the recording of the pid, and it does not depend on a handler
// running while the thread sits in waitid() (ThreadSanitizer, for one, defers handlers until the
// call returns: the forwarding would come after the command's end).
class BlockedSignals {
 public:
  BlockedSignals() {
    sigemptyset(&set_);
    for (int sig : {SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set_, sig);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;
  const sigset_t& set() const { return set_; }
  const sigset_t& old_mask() const { return old_; }

 private:
  sigset_t set_, old_;
};

// Waits for `pid` to end (without reaping it), forwarding each SIGTERM and SIGHUP that comes
// meanwhile. Called with BlockedSignals in force; a SIGCHLD pending from before is harmless (the
// end is checked first, each time round).
void wait_forwarding(pid_t pid, const sigset_t& set) {
  for (;;) {
    siginfo_t info{};
    const int rc = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if ((rc == 0 && info.si_pid == pid) || (rc < 0 && errno == ECHILD)) return;
    siginfo_t got{};
    const int sig = sigwaitinfo(&set, &got);
    if (sig == SIGTERM || sig == SIGHUP) {
      if (g_received == 0) g_received = sig;
      kill(pid, sig);
    }
  }
}

}  // namespace

ForwardTermination::ForwardTermination() {
  g_received = 0;
  struct sigaction sa {};
  sa.sa_handler = forward_termination;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, &old_term_);
  sigaction(SIGHUP, &sa, &old_hup_);
}

ForwardTermination::~ForwardTermination() {
  sigaction(SIGTERM, &old_term_, nullptr);
  sigaction(SIGHUP, &old_hup_, nullptr);
  g_received = 0;
}

int ForwardTermination::received() { return g_received; }

ChildStatus spawn_and_wait(const std::vector<std::string>& argv, const Env& env) {
  ChildStatus st;
  SpawnArgs args(argv, env);

  IgnoreSignal no_int(SIGINT), no_quit(SIGQUIT);
  // The command gets the default disposition back for the signals ignored here.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  if (!no_int.was_ignored()) sigaddset(&defaults, SIGINT);
  if (!no_quit.was_ignored()) sigaddset(&defaults, SIGQUIT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  pid_t pid = -1;
  BlockedSignals blocked;
  // The command gets the mask interprobe had, not the one blocking these signals.
  posix_spawnattr_setsigmask(&attr, &blocked.old_mask());
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  if (g_received != 0) {  // a SIGTERM or SIGHUP before the start: do not start
    posix_spawnattr_destroy(&attr);
    st.stopped_by = g_received;
    return st;
  }
  // posix_spawnp looks a bare name up in the command's PATH (glibc reads it from our
  // environment, which `env` was copied from) and reports exec failures (ENOENT, EACCES,
  // ENOEXEC) as its result.
  const int rc = posix_spawnp(&pid, args.argv()[0], nullptr, &attr, args.argv(), args.envp());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    st.spawn_errno = rc;
    return st;
  }
  st.started = true;
  st.pid = pid;
  // Another thread of ours, with these signals unblocked, may take one in the handler: it
  // forwards to g_child, cleared before the child is reaped, so never to a reused pid.
  g_child = pid;
  wait_forwarding(pid, blocked.set());
  g_child = 0;
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
