// exec.cpp — see exec.hpp.
#include "exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

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

namespace {

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

  SpawnArgs args(argv, env);
  pid_t pid = -1;
  // posix_spawnp: a bare name is looked up in PATH, as a shell would.
  int rc = posix_spawnp(&pid, args.argv()[0], &fa, nullptr, args.argv(), args.envp());
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
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  decode_wait_status(status, r.exited, r.exit_status, r.term_signal);
  return r;
}

}  // namespace interprobe
