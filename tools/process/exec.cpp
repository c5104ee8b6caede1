// exec.cpp — see exec.hpp. exec() and spawn_and_wait() differ in what the child's descriptors
// and signals are; both start it through launch() and end it through reap().
#include "exec.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace interprobe {

Env current_environment() {
  Env env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

SpawnArgs::SpawnArgs(const std::vector<std::string>& argv, const Env& env) : args_(argv) {
  for (auto& [k, v] : env) env_strings_.push_back(k + "=" + v);
  for (auto& a : args_) argv_.push_back(a.data());
  argv_.push_back(nullptr);
  for (auto& e : env_strings_) envp_.push_back(e.data());
  envp_.push_back(nullptr);
}

Env without_probe(Env env, bool drop_preload) {
  if (drop_preload) env.erase("LD_PRELOAD");
  for (auto it = env.begin(); it != env.end();)
    it = it->first.rfind("PROBE_", 0) == 0 ? env.erase(it) : std::next(it);
  return env;
}

void decode_wait_status(int status, bool& exited, int& exit_status, int& term_signal) {
  if (WIFEXITED(status)) {
    exited = true;
    exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    term_signal = WTERMSIG(status);
  }
}

std::string ExecResult::describe() const {
  if (spawn_failed) return fmt::format("spawn failed: {}", std::strerror(spawn_errno));
  if (timed_out) return "timeout";
  if (exited) return fmt::format("exit {}", exit_status);
  return fmt::format("signal {}", term_signal);
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

// The one start of a program. posix_spawnp looks a bare name up in PATH (glibc reads it from our
// environment, which `env` was copied from), as a shell would, and reports exec failures
// (ENOENT, EACCES, ENOEXEC) as its result: 0 or that errno.
int launch(pid_t* pid, const std::vector<std::string>& argv, const Env& env,
           const posix_spawn_file_actions_t* fa, const posix_spawnattr_t* attr) {
  SpawnArgs args(argv, env);
  return posix_spawnp(pid, args.argv()[0], fa, attr, args.argv(), args.envp());
}

// The one end: waits for `pid` (retrying on EINTR) and decodes how it ended.
void reap(pid_t pid, bool& exited, int& exit_status, int& term_signal) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  decode_wait_status(status, exited, exit_status, term_signal);
}

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (pipe2(fd, O_CLOEXEC) != 0) fd[0] = fd[1] = -1;
  }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};

}  // namespace

ExecResult exec(const std::vector<std::string>& argv, const Env& env, const ExecOptions& opt) {
  ExecResult r;
  Pipe out, err, in;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (opt.stdin_data.empty())
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  else
    posix_spawn_file_actions_adddup2(&fa, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err.fd[1], 2);

  pid_t pid = -1;
  int rc = launch(&pid, argv, env, &fa, nullptr);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    r.spawn_failed = true;
    r.spawn_errno = rc;
    return r;
  }
  out.close_end(1);
  err.close_end(1);
  in.close_end(0);
  if (!opt.stdin_data.empty()) {
    // Small inputs only (tests); a large one would need polling the write end as well.
    if (write(in.fd[1], opt.stdin_data.data(), opt.stdin_data.size()) < 0) { /* child may exit early */ }
  }
  in.close_end(1);

  const auto deadline = std::chrono::steady_clock::now() + opt.timeout;
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      r.timed_out = true;
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  reap(pid, r.exited, r.exit_status, r.term_signal);
  return r;
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
  const int rc = launch(&pid, argv, env, nullptr, &attr);
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
  reap(pid, st.exited, st.exit_status, st.term_signal);
  return st;
}

}  // namespace interprobe
