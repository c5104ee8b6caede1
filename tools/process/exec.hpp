// exec.hpp — the one way tools/ start a program: argv and envp given whole (nothing inherited by
// accident), started with posix_spawnp, waited for, and its end decoded.
//
// Two front doors over that one path, because callers need two behaviours:
// - exec(): stdout and stderr captured separately, stdin /dev/null or given, a timeout
//   (bionic's ExecTestHelper shape): `interprobe matrix`, `interprobe check` and the tests, which
//   never preload themselves — only the child gets LD_PRELOAD;
// - spawn_and_wait(): the command's stdin/stdout/stderr are its own, SIGINT/SIGQUIT ignored while
//   waiting as system(3) does, SIGTERM/SIGHUP forwarded: `interprobe run`.
#pragma once

#include <signal.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace interprobe {

using Env = std::map<std::string, std::string>;

// The current process's environment as a map.
Env current_environment();

// argv and an environment as the NULL-terminated arrays posix_spawn and execve take; the strings
// live as long as the object.
class SpawnArgs {
 public:
  SpawnArgs(const std::vector<std::string>& argv, const Env& env);
  SpawnArgs(const SpawnArgs&) = delete;
  SpawnArgs& operator=(const SpawnArgs&) = delete;
  char* const* argv() { return argv_.data(); }
  char* const* envp() { return envp_.data(); }

 private:
  std::vector<std::string> args_, env_strings_;
  std::vector<char*> argv_, envp_;
};

// `env` without any PROBE_* setting and, if `drop_preload`, without LD_PRELOAD: the environment
// of a control run, or of a probed run that must not inherit the caller's probe settings.
Env without_probe(Env env, bool drop_preload = true);

// How a process ended, from a waitpid() status: exited with `exit_status`, or killed by
// `term_signal` (exited false).
void decode_wait_status(int status, bool& exited, int& exit_status, int& term_signal);

struct ExecResult {
  int exit_status = -1;   // valid if exited
  int term_signal = 0;    // valid if signalled
  bool exited = false;
  bool timed_out = false;
  bool spawn_failed = false;  // the program could not be started (errno in spawn_errno)
  int spawn_errno = 0;
  std::string out;
  std::string err;

  // "exit 0", "signal 11", "timeout", "spawn failed: No such file or directory".
  std::string describe() const;
};

struct ExecOptions {
  std::chrono::milliseconds timeout{60'000};
  std::string stdin_data;  // empty: stdin is /dev/null
};

ExecResult exec(const std::vector<std::string>& argv, const Env& env, const ExecOptions& opt = {});

// How a spawned command ended, shell-style.
struct ChildStatus {
  bool started = false;
  int spawn_errno = 0;  // valid if !started
  int pid = 0;
  bool exited = false;
  int exit_status = 0;
  int term_signal = 0;
  // A SIGTERM or SIGHUP reached us (ForwardTermination) before the command was started: it was
  // not started, and the status is 128 + that signal.
  int stopped_by = 0;
  // The status a shell would give: the exit status, 128+signal, 127 not found, 126 not runnable.
  int shell_status() const;
};

// Runs argv (a bare name is looked up in PATH) with `env`, inheriting stdin/stdout/stderr, and
// waits. SIGINT and SIGQUIT are ignored while waiting, as system(3) does: the terminal sends a
// Ctrl-C to the whole foreground process group, the command included, and its death is reported
// rather than ours. SIGTERM and SIGHUP, which usually come to one process (kill, timeout(1),
// systemd, a closed terminal's shell), are forwarded to the command; see ForwardTermination
// for those that come before it starts.
ChildStatus spawn_and_wait(const std::vector<std::string>& argv, const Env& env);

// While one exists, SIGTERM and SIGHUP sent to this process do not end it. spawn_and_wait()
// forwards those that come while the command runs (it takes them with sigwaitinfo(), whether or
// not a ForwardTermination exists); one that comes before is remembered, spawn_and_wait() then
// does not start the command (ChildStatus::stopped_by), and the caller still removes its private
// directories. The command's end decides the exit status, as for any command that dies of a
// signal (128+N, or whatever it does on SIGTERM). One at a time: the handler is process-wide.
class ForwardTermination {
 public:
  ForwardTermination();
  ~ForwardTermination();
  ForwardTermination(const ForwardTermination&) = delete;
  ForwardTermination& operator=(const ForwardTermination&) = delete;
  // The first SIGTERM or SIGHUP received while it existed; 0 if none.
  static int received();

 private:
  struct sigaction old_term_ {
  }, old_hup_{};
};

// The shell's one-line message for a command that could not be started:
// "CMD: command not found" (127), "CMD: Permission denied" (126), ...
std::string spawn_failure_message(const std::string& command, int spawn_errno);

}  // namespace interprobe
