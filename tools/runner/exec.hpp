// exec.hpp — run a program with an explicit environment and capture what it does.
//
// Modelled on bionic's ExecTestHelper: argv and envp are given whole (nothing inherited by
// accident), stdout and stderr are captured separately, and the result says how the process
// ended. Used by `interprobe matrix` / `interprobe run` and by the tests, which never preload
// themselves: only the child gets LD_PRELOAD.
#pragma once

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

}  // namespace interprobe
